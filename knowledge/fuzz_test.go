package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// FuzzAnalyze: analysis never panics and yields only non-empty, valid terms.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"How can I pay my electricity bill?", "怎么交电费", "停电了怎么办 power cut", "ＡＢＣ１２３", "", "\xff\xfe", "e-mail: a@b.example 95598"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, term := range Analyze(s) {
			if term == "" || (utf8.ValidString(s) && !utf8.ValidString(term)) {
				t.Fatalf("Analyze(%q) has term %q", s, term)
			}
		}
	})
}

// FuzzSnippet: PlainText and a snippet never panic; a snippet and is no longer than asked (plus an ellipsis).
func FuzzSnippet(f *testing.F) {
	f.Add("# 交费\n\n- 支付宝 **扫码**\n- 银行 [网点](https://x.example)\n\n`code`", "支付宝")
	f.Add("Pay at the counter.\n\nOr online.", "online")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, query string) {
		if p := PlainText(body); utf8.ValidString(body) && !utf8.ValidString(p) {
			t.Fatalf("PlainText(%q) = %q, not UTF-8", body, p)
		}
		a := &gridline.Article{Title: "t", Body: body}
		s := Snippet(a, query, 80)
		if n := utf8.RuneCountInString(strings.TrimSuffix(s, "…")); n > 80 {
			t.Fatalf("Snippet of %d runes: %q", n, s)
		}
	})
}
