package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

var fuzzSeeds = []string{
	"How can I pay my electricity bill?", "怎么交电费", "我家停电了，电线掉在地上冒火花",
	"my phone is +86 138-0013-8000", "电话 13800138000 地址 北京", "电价是0.56元/千瓦时，15天内",
	"三点五 两百 一万二千 十五", "ＡＢＣ　１２３", "", "\x00\xff", "[1] see https://pay.example/x",
	"smell of gas 燃气 味道", "￥15000 within 3 working days",
}

// FuzzNormalize: normalising never panics, keeps text valid UTF-8 and is idempotent.
func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q, not UTF-8", s, n)
		}
		if n2 := Normalize(n); n2 != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, n2)
		}
	})
}

// FuzzDetectDanger: detection never panics and finds each hazard at most once.
func FuzzDetectDanger(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seen := map[Danger]bool{}
		for _, d := range DetectDanger(s) {
			if seen[d] {
				t.Fatalf("DetectDanger(%q) found %v twice", s, d)
			}
			seen[d] = true
		}
	})
}

// FuzzFigures: figure parsing never panics; a Chinese numeral that parses gives digits.
func FuzzFigures(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fig := range Figures(s) {
			if fig.Value == "" {
				t.Fatalf("Figures(%q) has an empty value: %+v", s, fig)
			}
		}
		if v, ok := parseZHNumber(s); ok && strings.Trim(v, "0123456789.") != "" {
			t.Fatalf("parseZHNumber(%q) = %q", s, v)
		}
	})
}

// FuzzExtractPhone: a phone found is 7 to 15 digits and was in the text.
func FuzzExtractPhone(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		phone, _ := ExtractPhone(s)
		if phone == "" {
			return
		}
		if n := len(onlyDigits(phone)); n < 7 || n > 15 || !strings.Contains(Normalize(s), phone) {
			t.Fatalf("ExtractPhone(%q) = %q", s, phone)
		}
	})
}

// FuzzCheckAnswer: the LLM-output check never panics, and what it passes cites
// only the articles it was given.
func FuzzCheckAnswer(f *testing.F) {
	for _, s := range []string{
		"Pay at the counter [1].", "交费后2小时内恢复[1]", "Call 95598 [2]", "[1][1][3] see https://evil.example",
		"no citation", "", "[0]", "[99999999999999999999]", "within 3 days [1]. And 4 days [1].",
	} {
		f.Add(s)
	}
	sources := []*gridline.Article{
		{ID: 1, Slug: "pay-bill", Title: "Pay", Body: "Pay at the counter within 3 days. Call 95598.", Lang: "en"},
		{ID: 2, Slug: "outage", Title: "停电", Body: "交费后2小时内恢复。https://pay.example/x", Lang: "zh"},
	}
	f.Fuzz(func(t *testing.T, out string) {
		_, cites, reason := checkAnswer(out, sources)
		if reason != "" {
			return
		}
		for _, c := range cites {
			if c.ID != 1 && c.ID != 2 {
				t.Fatalf("checkAnswer(%q) cites %+v", out, c)
			}
		}
	})
}

// FuzzExcerpt: an excerpt never panics and keeps within its bound.
func FuzzExcerpt(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "pay")
	}
	f.Add("# Heading\n\n- item **bold** [link](https://x.example)\n\n`code`", "item")
	f.Fuzz(func(t *testing.T, body, query string) {
		a := &gridline.Article{Title: "t", Body: body}
		if ex := excerpt(a, query, 120); utf8.RuneCountInString(ex) > 125 {
			t.Fatalf("excerpt of %d runes: %q", utf8.RuneCountInString(ex), ex)
		}
	})
}
