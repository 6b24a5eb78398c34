package starter_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/knowledge/starter"
)

// TestCustomerQuestionsFindTheirArticle indexes the starter set with the desk's
// own index and asks it the customer questions in testdata/questions.json. It guards
// the articles' wording: an edit that stops customers' words from reaching the
// right article shows up here. The questions were used while writing the
// articles, so these figures are optimistic; the held-out evaluation lives in
// package knowledge.
func TestCustomerQuestionsFindTheirArticle(t *testing.T) {
	ix, err := starter.Index()
	if err != nil {
		t.Fatal(err)
	}

	var top1, top3, confident int
	questions := loadQuestions(t)
	for _, q := range questions {
		want := q.Topic + "-" + q.Lang
		hits := ix.Search(q.Text, knowledge.SearchOptions{Lang: q.Lang, Limit: 3})
		rank := -1
		for i, h := range hits {
			if h.Article.Slug == want {
				rank = i
				break
			}
		}
		switch {
		case rank == 0:
			top1++
			if hits[0].Confidence >= knowledge.AnswerThreshold {
				confident++
			}
		case rank < 0:
			var got []string
			for _, h := range hits {
				got = append(got, h.Article.Slug)
			}
			t.Logf("not in top 3: %q (want %s) -> %s", q.Text, want, strings.Join(got, ", "))
		}
		if rank >= 0 {
			top3++
		}
	}

	n := len(questions)
	pct := func(k int) string { return fmt.Sprintf("%d/%d (%.0f%%)", k, n, 100*float64(k)/float64(n)) }
	t.Logf("hit@1 %s, hit@3 %s, right and above the answer threshold %s", pct(top1), pct(top3), pct(confident))
	if 10*top1 < 8*n {
		t.Errorf("hit@1 %s, want at least 80%%", pct(top1))
	}
	if 10*top3 < 9*n {
		t.Errorf("hit@3 %s, want at least 90%%", pct(top3))
	}
}
