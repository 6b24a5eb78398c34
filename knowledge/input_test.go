package knowledge

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gridline/gridline"
)

func TestArticleInputValidate(t *testing.T) {
	good := ArticleInput{Slug: "pay-bill", Lang: "zh", Title: "缴费", Body: "可在网上缴费。", Tags: []string{"billing"}, Status: "published"}
	tests := []struct {
		name   string
		change func(*ArticleInput)
		fields []string // fields that must be reported; none means valid
	}{
		{"valid", func(*ArticleInput) {}, nil},
		{"longest slug", func(in *ArticleInput) { in.Slug = "a" + strings.Repeat("b", 79) }, nil},
		{"200-character Chinese title", func(in *ArticleInput) { in.Title = strings.Repeat("电", 200) }, nil},
		{"slug too long", func(in *ArticleInput) { in.Slug = "a" + strings.Repeat("b", 80) }, []string{"slug"}},
		{"slug too short", func(in *ArticleInput) { in.Slug = "a" }, []string{"slug"}},
		{"slug upper case", func(in *ArticleInput) { in.Slug = "Pay-Bill" }, []string{"slug"}},
		{"slug leading hyphen", func(in *ArticleInput) { in.Slug = "-pay" }, []string{"slug"}},
		{"lang", func(in *ArticleInput) { in.Lang = "fr" }, []string{"lang"}},
		{"title too long", func(in *ArticleInput) { in.Title = strings.Repeat("电", 201) }, []string{"title"}},
		{"body missing", func(in *ArticleInput) { in.Body = "" }, []string{"body"}},
		{"body too long", func(in *ArticleInput) { in.Body = strings.Repeat("x", 20001) }, []string{"body"}},
		{"status", func(in *ArticleInput) { in.Status = "archived" }, []string{"status"}},
		{"too many tags", func(in *ArticleInput) { in.Tags = slices.Repeat([]string{"t"}, 21) }, []string{"tags"}},
		{"tag too long", func(in *ArticleInput) { in.Tags = []string{"ok", strings.Repeat("t", 41)} }, []string{"tags[1]"}},
		{"100 questions of 200 characters", func(in *ArticleInput) { in.Questions = slices.Repeat([]string{strings.Repeat("问", 200)}, 100) }, nil},
		{"too many questions", func(in *ArticleInput) { in.Questions = slices.Repeat([]string{"q"}, 101) }, []string{"questions"}},
		{"question too long", func(in *ArticleInput) { in.Questions = []string{"ok", strings.Repeat("问", 201)} }, []string{"questions[1]"}},
		{"everything at once", func(in *ArticleInput) { *in = ArticleInput{} }, []string{"slug", "lang", "title", "body", "status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			in.Tags = slices.Clone(good.Tags)
			tt.change(&in)
			err := in.Validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ge *gridline.Error
			if !errors.As(err, &ge) || ge.Code != gridline.EINVALID {
				t.Fatalf("Validate() = %v, want EINVALID", err)
			}
			for _, f := range tt.fields {
				if ge.Fields[f] == "" {
					t.Errorf("no message for %q; got %v", f, ge.Fields)
				}
			}
			if len(ge.Fields) != len(tt.fields) {
				t.Errorf("fields %v, want exactly %v", slices.Sorted(maps.Keys(ge.Fields)), tt.fields)
			}
		})
	}
}

// TestInputOfTidiesQuestions: phrasings are trimmed, and blank ones and repeats
// that differ only in case, spacing or the closing mark are dropped, in order.
func TestInputOfTidiesQuestions(t *testing.T) {
	a := &gridline.Article{Questions: []string{"  户号在哪里看？ ", "", "户号在哪里看", "Where is my  account number?", "where is my account number", "   "}}
	got := InputOf(a).Questions
	want := []string{"户号在哪里看？", "Where is my account number?"}
	if !slices.Equal(got, want) {
		t.Fatalf("InputOf questions = %q, want %q", got, want)
	}
	if !HasQuestion(&gridline.Article{Questions: want}, "where is MY account number") || HasQuestion(&gridline.Article{Questions: want}, "户号") {
		t.Error("HasQuestion does not compare by key")
	}
}
