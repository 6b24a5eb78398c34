package starter_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// starterQuestion is what a customer types, written apart from the articles
// and without reusing their titles: two per topic and language, in
// testdata/questions.json. They check that the starter set is written so that a
// customer's words find the right article.
type starterQuestion struct {
	Topic, Lang, Text string
}

func loadQuestions(t *testing.T) []starterQuestion {
	raw, err := os.ReadFile(filepath.Join("testdata", "questions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Questions []starterQuestion }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Questions
}
