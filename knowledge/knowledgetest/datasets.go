// Package knowledgetest loads the public evaluation sets in shared/datasets (see
// its README) into what retrieval and the bot are measured on: a knowledge base
// of articles and queries with the ID of the article that answers each. It is
// for tests and evaluations only; nothing in the product imports it, so the data
// is never shipped. Queries with Gold 0 are out of scope.
package knowledgetest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

// Query is one evaluation question and the ID of the article that answers it.
type Query struct {
	Text string
	Gold int64 // 0: out of scope, nothing should be answered
}

// Set is one evaluation set: its knowledge base and its queries.
type Set struct {
	Name    string
	Lang    string
	KB      []*gridline.Article
	Queries []Query // in scope
	OOS     []Query // out of scope (CLINC150 only)
}

// Dir returns the datasets folder: $GRIDLINE_DATASETS, else the workspace's
// shared/datasets beside the checkout (as seen from a package directory). The
// data sets are not part of the repository, so a test that needs them is
// opt-in: it skips, saying how to run it, when they are absent. .ci/run allows
// that skip only when they are absent; where they exist (as in the project's
// CI) the evaluation must run.
func Dir(t testing.TB) string {
	dir := os.Getenv("GRIDLINE_DATASETS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "datasets")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("opt-in: the public evaluation data sets are not at %s; set GRIDLINE_DATASETS to their folder to run this (%v)", dir, err)
	}
	return dir
}

// intentKB builds one article per intent: the intent's name as the title and its
// example utterances, one per line, as the body.
type intentKB struct {
	lang  string
	ids   map[string]int64
	order []string
	texts map[string][]string
}

func newIntentKB(lang string) *intentKB {
	return &intentKB{lang: lang, ids: map[string]int64{}, texts: map[string][]string{}}
}

func (k *intentKB) add(intent, text string) {
	if _, ok := k.ids[intent]; !ok {
		k.ids[intent] = int64(len(k.order) + 1)
		k.order = append(k.order, intent)
	}
	k.texts[intent] = append(k.texts[intent], text)
}

// id returns the intent's article ID, adding an empty article if it had no examples.
func (k *intentKB) id(intent string) int64 {
	if _, ok := k.ids[intent]; !ok {
		k.ids[intent] = int64(len(k.order) + 1)
		k.order = append(k.order, intent)
	}
	return k.ids[intent]
}

func (k *intentKB) articles() []*gridline.Article {
	as := make([]*gridline.Article, 0, len(k.order))
	for _, intent := range k.order {
		as = append(as, &gridline.Article{
			ID: k.ids[intent], Slug: fmt.Sprintf("intent-%d", k.ids[intent]), Lang: k.lang,
			Title: strings.ReplaceAll(intent, "_", " "), Body: strings.Join(k.texts[intent], "\n"),
			Status: gridline.ArticlePublished, Version: 1,
		})
	}
	return as
}

func readLines(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// telecomRows returns the training paraphrases per target and the validation queries.
func telecomRows(t testing.TB, dir string) (train map[string][]string, order []string, valid [][2]string) {
	train = map[string][]string{}
	for _, l := range readLines(t, filepath.Join(dir, "telecom-hotline-zh", "train.json")) {
		var row struct {
			Questions []string `json:"questions"`
			Target    string   `json:"target"`
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		if _, ok := train[row.Target]; !ok {
			order = append(order, row.Target)
		}
		train[row.Target] = append(train[row.Target], row.Questions...)
	}
	for _, l := range readLines(t, filepath.Join(dir, "telecom-hotline-zh", "valid.json")) {
		var row [2]string
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		valid = append(valid, row)
	}
	return train, order, valid
}

// Telecom: KB = one entry per target (title + train paraphrases); queries =
// valid.json. With holdout > 0, every holdout-th training paraphrase is a query
// instead and valid.json is not used: the calibration split.
func Telecom(t testing.TB, dir string, holdout int) Set {
	train, order, valid := telecomRows(t, dir)
	kb := newIntentKB(gridline.LangZH)
	var held [][2]string
	i := 0
	for _, target := range order {
		kb.id(target)
		for _, q := range train[target] {
			if holdout > 0 && i%holdout == 0 {
				held = append(held, [2]string{q, target})
			} else {
				kb.add(target, q)
			}
			i++
		}
	}
	if holdout > 0 {
		valid = held
	}
	s := Set{Name: "telecom-hotline-zh", Lang: gridline.LangZH}
	for _, row := range valid {
		s.Queries = append(s.Queries, Query{Text: row[0], Gold: kb.id(row[1])})
	}
	s.KB = kb.articles()
	return s
}

// stringList decodes a JSON value that is either a string or a list of strings
// (the StackFAQ file was converted from XML, where one child is not a list).
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// StackFAQ: KB = question + answers per thread; queries = rephrasings.
func StackFAQ(t testing.TB, dir string) Set {
	b, err := os.ReadFile(filepath.Join(dir, "stackfaq", "stackExchange-FAQ.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Root struct {
			QAPair []struct {
				Rephr    stringList `json:"rephr"`
				Question string     `json:"question"`
				Answer   stringList `json:"answer"`
			} `json:"qapair"`
		} `json:"root"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	s := Set{Name: "StackFAQ", Lang: gridline.LangEN}
	for i, p := range doc.Root.QAPair {
		id := int64(i + 1)
		s.KB = append(s.KB, &gridline.Article{
			ID: id, Slug: fmt.Sprintf("thread-%d", id), Lang: gridline.LangEN,
			Title: p.Question, Body: strings.Join(p.Answer, "\n\n"),
			Status: gridline.ArticlePublished, Version: 1,
		})
		for _, r := range p.Rephr {
			if r = strings.TrimSpace(r); len(r) > 1 { // "*" marks a missing rephrasing
				s.Queries = append(s.Queries, Query{Text: r, Gold: id})
			}
		}
	}
	return s
}

func readCSV(t testing.TB, path string) [][2]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	var rows [][2]string
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !first {
			rows = append(rows, [2]string{rec[0], rec[1]})
		}
	}
	return rows
}

// Banking77: KB = one entry per intent from train.csv; queries = test.csv.
// With holdout > 0, every holdout-th training row is a query instead of KB text
// and test.csv is not read: the calibration split.
func Banking77(t testing.TB, dir string, holdout int) Set {
	kb := newIntentKB(gridline.LangEN)
	s := Set{Name: "Banking77", Lang: gridline.LangEN}
	var held [][2]string
	for i, row := range readCSV(t, filepath.Join(dir, "banking77", "train.csv")) {
		if holdout > 0 && i%holdout == 0 {
			held = append(held, row)
			continue
		}
		kb.add(row[1], row[0])
	}
	queries := held
	if holdout == 0 {
		queries = readCSV(t, filepath.Join(dir, "banking77", "test.csv"))
	}
	for _, row := range queries {
		s.Queries = append(s.Queries, Query{Text: row[0], Gold: kb.id(row[1])})
	}
	s.KB = kb.articles()
	return s
}

// CLINC150: KB = one entry per intent from train; queries = test (in scope)
// and oos_test, or with validation set, val and oos_val.
func CLINC150(t testing.TB, dir string, validation bool) Set {
	b, err := os.ReadFile(filepath.Join(dir, "clinc150", "data_full.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d map[string][][2]string
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	kb := newIntentKB(gridline.LangEN)
	for _, row := range d["train"] {
		kb.add(row[1], row[0])
	}
	s := Set{Name: "CLINC150", Lang: gridline.LangEN}
	in, out := "test", "oos_test"
	if validation {
		in, out = "val", "oos_val"
	}
	for _, row := range d[in] {
		s.Queries = append(s.Queries, Query{Text: row[0], Gold: kb.id(row[1])})
	}
	for _, row := range d[out] {
		s.OOS = append(s.OOS, Query{Text: row[0]})
	}
	s.KB = kb.articles()
	return s
}
