package starter

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// Limits an imported article must keep (the admin API validates the same).
const (
	maxTitle   = 200
	maxBody    = 20000
	maxTags    = 20
	maxTagLen  = 40
	minTagsOur = 2 // the starter set's own style: 2–6 keywords
	maxTagsOur = 6
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)

// topic is the slug without its language suffix: the English and Chinese
// articles on one topic share it ("pay-bill-channels-en" -> "pay-bill-channels").
func topic(slug string) string {
	i := strings.LastIndexByte(slug, '-')
	if i < 0 {
		return ""
	}
	if lang := slug[i+1:]; lang != gridline.LangEN && lang != gridline.LangZH {
		return ""
	}
	return slug[:i]
}

func TestTopic(t *testing.T) {
	for _, tc := range []struct{ slug, want string }{
		{"pay-bill-channels-en", "pay-bill-channels"},
		{"pay-bill-channels-zh", "pay-bill-channels"},
		{"fallen-wire-safety-en", "fallen-wire-safety"},
		{"pay-bill-channels", ""}, // no language suffix
		{"pay-bill-channels-fr", ""},
		{"nohyphen", ""},
	} {
		if got := topic(tc.slug); got != tc.want {
			t.Errorf("topic(%q) = %q, want %q", tc.slug, got, tc.want)
		}
	}
}

func load(t *testing.T) []*gridline.Article {
	t.Helper()
	as, err := Articles()
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestArticlesDecode(t *testing.T) {
	as := load(t)
	perLang := map[string]int{}
	for _, a := range as {
		perLang[a.Lang]++
	}
	for _, lang := range []string{gridline.LangEN, gridline.LangZH} {
		if perLang[lang] < 24 {
			t.Errorf("%d %s articles, want at least 24", perLang[lang], lang)
		}
	}
	if len(perLang) != 2 {
		t.Errorf("languages %v, want only en and zh", perLang)
	}

	// The store writes into what it imports: a second call must not see that.
	as[0].Title, as[0].Tags[0] = "changed", "changed"
	again := load(t)
	if again[0].Title == "changed" || again[0].Tags[0] == "changed" {
		t.Error("Articles returned shared values; want fresh ones on every call")
	}
}

// words counts English words, so that "400-000-1234" or "don't" count once and
// markdown punctuation not at all.
var wordPattern = regexp.MustCompile(`[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*`)

func TestArticleFields(t *testing.T) {
	seen := map[string]bool{}
	for i, a := range load(t) {
		name := a.Slug
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		t.Run(name, func(t *testing.T) {
			if !slugPattern.MatchString(a.Slug) {
				t.Errorf("slug %q does not match %s", a.Slug, slugPattern)
			}
			if seen[a.Slug] {
				t.Errorf("slug %q is used twice", a.Slug)
			}
			seen[a.Slug] = true
			if a.Lang != gridline.LangEN && a.Lang != gridline.LangZH {
				t.Errorf("lang %q, want en or zh", a.Lang)
			}
			if !strings.HasSuffix(a.Slug, "-"+a.Lang) {
				t.Errorf("slug %q does not end in -%s", a.Slug, a.Lang)
			}
			if a.Status != gridline.ArticlePublished {
				t.Errorf("status %q, want published", a.Status)
			}
			if a.ID != 0 || a.Version != 0 || !a.UpdatedAt.IsZero() {
				t.Error("id, version or updated_at set; they are the store's to assign")
			}

			if n := utf8.RuneCountInString(a.Title); n == 0 || n > maxTitle {
				t.Errorf("title has %d characters, want 1–%d", n, maxTitle)
			}
			if strings.TrimSpace(a.Title) != a.Title {
				t.Errorf("title %q has surrounding space", a.Title)
			}
			if n := utf8.RuneCountInString(a.Body); n > maxBody {
				t.Errorf("body has %d characters, over %d", n, maxBody)
			}
			switch a.Lang {
			case gridline.LangEN:
				if n := len(wordPattern.FindAllString(a.Body, -1)); n < 80 || n > 350 {
					t.Errorf("body has %d words, want 80–350", n)
				}
			case gridline.LangZH:
				n := utf8.RuneCountInString(strings.Join(strings.Fields(a.Body), ""))
				if n < 150 || n > 600 {
					t.Errorf("body has %d characters, want 150–600", n)
				}
				if !strings.ContainsFunc(a.Body, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
					t.Error("zh body has no Chinese characters")
				}
			}
			// The key answer comes first, in prose: a reader (and the bot's
			// extract) gets it without scrolling through steps.
			first, _, _ := strings.Cut(a.Body, "\n\n")
			if strings.HasPrefix(first, "1.") || strings.HasPrefix(first, "-") || strings.HasPrefix(first, "#") {
				t.Errorf("first paragraph %q is not prose", first)
			}
			if strings.Contains(a.Body, "\n\n\n") {
				t.Error("body has runs of blank lines")
			}

			if n := len(a.Tags); n < minTagsOur || n > maxTagsOur || n > maxTags {
				t.Errorf("%d tags, want %d–%d", n, minTagsOur, maxTagsOur)
			}
			tags := map[string]bool{}
			for _, tag := range a.Tags {
				if tag == "" || utf8.RuneCountInString(tag) > maxTagLen {
					t.Errorf("tag %q is empty or over %d characters", tag, maxTagLen)
				}
				if strings.ToLower(tag) != tag || strings.TrimSpace(tag) != tag {
					t.Errorf("tag %q is not a lowercase trimmed keyword", tag)
				}
				if tags[tag] {
					t.Errorf("tag %q repeated", tag)
				}
				tags[tag] = true
			}
		})
	}
}

// required are the topics a power utility's customers ask about most; each must
// have an article in both languages.
var required = []string{
	"power-off-check-breaker",        // unplanned outage: why is my power off
	"outage-lookup",                  // how to look up an outage
	"planned-outage-notice",          // planned outages, maintenance notices
	"report-fault-repair",            // reporting a fault, response times
	"fallen-wire-safety",             // fallen wires, 10 m, emergency line
	"storm-safety",                   // storms and disasters
	"bill-explained",                 // bills explained
	"pay-bill-channels",              // payment channels
	"due-date-late-fees",             // due date and late fees
	"arrears-disconnection",          // arrears and disconnection
	"reconnection-after-payment",     // 交了电费多久来电
	"tiered-tariff",                  // tiered residential prices
	"time-of-use-tariff",             // time-of-use prices
	"new-connection-application",     // new connection
	"capacity-increase",              // capacity increase
	"account-name-transfer",          // 过户
	"moving-house",                   // closing and opening an account
	"meter-reading",                  // meter reading
	"meter-accuracy-test",            // my meter runs fast
	"prepaid-meter-topup",            // prepaid meters
	"electronic-invoice",             // invoices
	"home-ev-charger",                // EV chargers at home
	"rooftop-solar-connection",       // distributed generation
	"energy-saving-tips",             // energy saving
	"complaints-handling",            // complaints
	"service-hours-channels",         // hours and channels
	"customer-data-privacy",          // privacy
	"medical-equipment-registration", // vulnerable customers
}

func TestTopicsInBothLanguages(t *testing.T) {
	langs := map[string][]string{} // topic -> languages
	for _, a := range load(t) {
		tp := topic(a.Slug)
		if tp == "" {
			t.Errorf("slug %q has no topic stem", a.Slug)
			continue
		}
		langs[tp] = append(langs[tp], a.Lang)
	}
	for tp, ls := range langs {
		sort.Strings(ls)
		if !slices.Equal(ls, []string{gridline.LangEN, gridline.LangZH}) {
			t.Errorf("topic %q has languages %v, want exactly one en and one zh", tp, ls)
		}
	}
	for _, tp := range required {
		if _, ok := langs[tp]; !ok {
			t.Errorf("required topic %q is missing", tp)
		}
	}
}

// figurePattern finds the figures a customer acts on: prices, times, durations,
// percentages, phone numbers ("0.51", "08:00", "400-000-1234", "10").
var (
	figurePattern = regexp.MustCompile(`\d+(?:[.:,\-]\d+)*`)
	listMarker    = regexp.MustCompile(`(?m)^\s*\d+\.\s`)
)

func figures(a *gridline.Article) []string {
	body := listMarker.ReplaceAllString(a.Body, "")
	fs := figurePattern.FindAllString(a.Title+"\n"+body, -1)
	slices.Sort(fs)
	return slices.Compact(fs)
}

// TestSameFiguresInBothLanguages keeps the two languages telling customers the
// same facts: an edit that changes a price or a deadline in one article and not
// in its counterpart fails here.
func TestSameFiguresInBothLanguages(t *testing.T) {
	bySlug := map[string]*gridline.Article{}
	for _, a := range load(t) {
		bySlug[a.Slug] = a
	}
	for slug, en := range bySlug {
		if en.Lang != gridline.LangEN {
			continue
		}
		zh := bySlug[topic(slug)+"-"+gridline.LangZH]
		if zh == nil {
			continue // reported by TestTopicsInBothLanguages
		}
		if fe, fz := figures(en), figures(zh); !slices.Equal(fe, fz) {
			t.Errorf("%s: figures differ between languages\n en: %v\n zh: %v", topic(slug), fe, fz)
		}
	}
}

// TestFictionalContacts keeps the starter set from sending customers to real
// utilities' numbers or sites: only the fictional hotline and example domain,
// and the public emergency numbers, may appear.
func TestFictionalContacts(t *testing.T) {
	phone := regexp.MustCompile(`\b\d{3}-\d{3}-\d{4}\b|\b\d{5,}\b`)
	decimal := regexp.MustCompile(`\d+\.\d+`) // meter readings such as 012345.67
	web := regexp.MustCompile(`[a-z0-9.-]+\.(?:com|cn|net|org|gov)\b`)
	for _, a := range load(t) {
		text := a.Title + "\n" + a.Body
		for _, p := range phone.FindAllString(decimal.ReplaceAllString(text, ""), -1) {
			if p != "400-000-1234" {
				t.Errorf("%s: phone number %q is not the fictional hotline", a.Slug, p)
			}
		}
		if w := web.FindAllString(text, -1); len(w) > 0 {
			t.Errorf("%s: real-looking web addresses %v; use gridlinepower.example", a.Slug, w)
		}
		if strings.Contains(text, "95598") {
			t.Errorf("%s: mentions a real national hotline", a.Slug)
		}
	}
}

// TestSynonymsValid: the starter synonyms decode and pass the rules admins'
// edits must pass, and reach both languages.
func TestSynonymsValid(t *testing.T) {
	s, err := Synonyms()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tidy().Validate(); err != nil {
		t.Fatal(err)
	}
	if len(s.Tidy().Sets) != len(s.Sets) {
		t.Errorf("Tidy drops sets: %d of %d kept", len(s.Tidy().Sets), len(s.Sets))
	}
	ix, err := Index()
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"怎么交钱": "pay-bill-channels-zh"} {
		if hits := ix.Search(q, knowledge.SearchOptions{Lang: "zh"}); len(hits) == 0 || hits[0].Article.Slug != want {
			t.Errorf("%q does not find %s first", q, want)
		}
	}
}
