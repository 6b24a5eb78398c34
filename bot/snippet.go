package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

var (
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdEmphasis = regexp.MustCompile("(\\*\\*|__|\\*|`)")
	mdHeading  = regexp.MustCompile(`(?m)^\s{0,3}#{1,6}\s*`)
	mdBullet   = regexp.MustCompile(`(?m)^\s*[-*+]\s+`)
	mdRule     = regexp.MustCompile(`(?m)^\s*(-{3,}|\*{3,}|_{3,})\s*$`)
)

// plainText turns an article's markdown into text a chat bubble shows cleanly:
// headings, emphasis and link syntax go, list items become "• " lines.
func plainText(md string) string {
	s := mdRule.ReplaceAllString(md, "")
	s = mdLink.ReplaceAllString(s, "$1")
	s = mdHeading.ReplaceAllString(s, "")
	s = mdBullet.ReplaceAllString(s, "• ")
	s = mdEmphasis.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// snippet returns the part of the article most relevant to query, as clean text
// of at most max runes. Articles are written to be read from the top, so the
// lead paragraph always comes first; when another paragraph matches the query
// better, it follows the lead together with the heading and list it belongs to.
func snippet(a *gridline.Article, query string, max int) string {
	paras := paragraphs(plainText(a.Body))
	if len(paras) == 0 {
		return ""
	}
	qt := queryGrams(query)
	best, bestScore := 0, overlap(qt, paras[0])
	for i, p := range paras[1:] {
		if s := overlap(qt, p); s > bestScore {
			best, bestScore = i+1, s
		}
	}
	pick := []int{0}
	if best > 0 {
		start := best
		for start > 1 && isListItem(paras[start]) {
			start--
		}
		if start > 1 && !isHeading(paras[start]) && isHeading(paras[start-1]) {
			start--
		}
		if start > 1 {
			pick = append(pick, -1) // an ellipsis: something was skipped
		}
		for i := start; i < len(paras); i++ {
			pick = append(pick, i)
		}
	} else {
		for i := 1; i < len(paras); i++ {
			pick = append(pick, i)
		}
	}
	var b strings.Builder
	n := 0
	for _, i := range pick {
		p := "…"
		if i >= 0 {
			p = paras[i]
		}
		pn := utf8.RuneCountInString(p)
		if n > 0 && n+pn+1 > max {
			break
		}
		if n > 0 {
			b.WriteString("\n")
		}
		if pn > max {
			p = cutRunes(p, max)
		}
		b.WriteString(p)
		n += pn + 1
	}
	return strings.TrimSuffix(b.String(), "\n…")
}

var listItem = regexp.MustCompile(`^(\d+[.、)]|•)\s*`)

func isListItem(p string) bool { return listItem.MatchString(p) }

// isHeading is a short line that introduces what follows ("Good to know:").
func isHeading(p string) bool {
	return (strings.HasSuffix(p, ":") || strings.HasSuffix(p, "：")) && utf8.RuneCountInString(p) <= 40
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cutRunes cuts s to at most max runes, at a sentence end when there is one in
// the second half, and marks the cut with an ellipsis.
func cutRunes(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	r = r[:max-1]
	for i := len(r) - 1; i > len(r)/2; i-- {
		if strings.ContainsRune("。！？.!?；;", r[i]) {
			return string(r[:i+1])
		}
	}
	return string(r) + "…"
}

// queryGrams are the query's lower-cased words and, for Chinese, its character
// bigrams: enough to tell which paragraph a question is about.
func queryGrams(q string) map[string]bool {
	out := map[string]bool{}
	for _, g := range grams(q) {
		out[g] = true
	}
	return out
}

func grams(s string) []string {
	var out []string
	var word []rune
	var prev rune
	flush := func() {
		if len(word) > 2 {
			out = append(out, string(word))
		}
		word = word[:0]
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if prev != 0 {
				out = append(out, string([]rune{prev, r}))
			}
			prev = r
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		default:
			flush()
		}
		prev = 0
	}
	flush()
	return out
}

func overlap(q map[string]bool, p string) int {
	n := 0
	seen := map[string]bool{}
	for _, g := range grams(p) {
		if q[g] && !seen[g] {
			seen[g] = true
			n++
		}
	}
	return n
}
