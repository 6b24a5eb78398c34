package knowledge

import (
	"slices"
	"testing"

	"github.com/gridline/gridline"
)

// TestSynonymsFindTheArticle: a customer's word for a thing finds the article
// that uses another word for it, as confidently as the article's own word, in
// both languages; an edit of the synonyms applies to articles already held.
func TestSynonymsFindTheArticle(t *testing.T) {
	ix := NewIndex()
	for i, a := range []*gridline.Article{
		{Slug: "pay", Lang: "zh", Title: "电费怎么缴费", Body: "可以在网上营业厅、银行缴费。"},
		{Slug: "hours", Lang: "zh", Title: "营业时间", Body: "周一至周六 8:30-17:30。"},
		{Slug: "statement-en", Lang: "en", Title: "Understanding your statement", Body: "Each line of your statement explained."},
		{Slug: "outage-en", Lang: "en", Title: "Is there an outage in my area", Body: "Check the outage map."},
	} {
		a.ID, a.Status = int64(i+1), gridline.ArticlePublished
		ix.Put(a)
	}
	ask := func(q string) (string, float64) {
		hits := ix.Search(q, SearchOptions{})
		if len(hits) == 0 {
			return "", 0
		}
		return hits[0].Article.Slug, hits[0].Confidence
	}
	if slug, _ := ask("交钱"); slug == "pay" {
		t.Fatal("交钱 finds the payment article before any synonyms: the test's premise is wrong")
	}
	_, own := ask("缴费")
	ix.SetSynonyms(Synonyms{Sets: [][]string{{"缴费", "交钱", "交费"}, {"Bill", "statement", " "}, {"outage", "power cut"}}})
	for _, tt := range []struct{ q, want string }{
		{"交钱", "pay"}, {"在哪里交费", "pay"}, {"my bills are confusing", "statement-en"},
		{"power cut near me", "outage-en"},
	} {
		if got, conf := ask(tt.q); got != tt.want {
			t.Errorf("%q found %q, want %q", tt.q, got, tt.want)
		} else if tt.q == "交钱" && conf < own-0.01 {
			t.Errorf("交钱 confidence %.2f, below 缴费's own %.2f", conf, own)
		}
	}
	if got := ix.Synonyms().Sets; !slices.Equal(got[1], []string{"bill", "statement"}) {
		t.Errorf("Synonyms() = %q; want tidied sets", got)
	}
	ix.SetSynonyms(Synonyms{})
	if slug, _ := ask("交钱"); slug == "pay" {
		t.Error("交钱 still finds the payment article after the synonyms were removed")
	}
}

func TestSynonymsValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		s     Synonyms
		field string
	}{
		{"ok", Synonyms{Sets: [][]string{{"缴费", "交费"}, {"bill", "statement"}}}, ""},
		{"one word", Synonyms{Sets: [][]string{{"缴费"}}}, "sets[0]"},
		{"word in two sets", Synonyms{Sets: [][]string{{"缴费", "交费"}, {"付费", "交费"}}}, "sets[1]"},
		{"word too long", Synonyms{Sets: [][]string{{"bill", "an extraordinarily long word"}}}, "sets[0]"},
		{"stop words only", Synonyms{Sets: [][]string{{"the", "bill"}}}, "sets[0]"},
	} {
		err := tt.s.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		ge, ok := err.(*gridline.Error)
		if !ok || ge.Code != gridline.EINVALID || ge.Fields[tt.field] == "" {
			t.Errorf("%s: %v, want EINVALID on %s", tt.name, err, tt.field)
		}
	}
}
