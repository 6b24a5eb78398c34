package bot

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// excerpt is the extractive answer's body, at most max runes: the part of the
// article that best matches the question (knowledge.Snippet), after the
// article's lead paragraph when the snippet is from further down. Articles are
// written to answer in their first paragraph ("the first 200 kWh cost …"); the
// snippet adds the detail the question asked about ("what documents …").
func excerpt(a *gridline.Article, query string, max int) string {
	lead := leadParagraph(a.Body)
	if lead == "" || utf8.RuneCountInString(lead) > max/2 {
		return dropDanglingHeading(knowledge.Snippet(a, query, max))
	}
	rest := knowledge.Snippet(a, query, max-utf8.RuneCountInString(lead)-1)
	if rest == "" || strings.Contains(strings.Join(strings.Fields(rest), " "), firstRunes(lead, 30)) {
		return dropDanglingHeading(knowledge.Snippet(a, query, max))
	}
	return dropDanglingHeading(lead + "\n" + rest)
}

// dropDanglingHeading removes a last line that only introduces what was cut
// ("How it works:") or is a bare list marker whose item was cut ("5."), so that
// an answer does not end on a promise.
func dropDanglingHeading(s string) string {
	for {
		i := strings.LastIndexByte(s, '\n')
		last := strings.TrimSpace(s[i+1:])
		dangling := strings.HasSuffix(last, ":") || strings.HasSuffix(last, "：") || bareListMarker.MatchString(last)
		if i < 0 || !dangling {
			return s
		}
		s = strings.TrimSpace(s[:i])
	}
}

// bareListMarker is a list item's number or bullet with nothing after it.
var bareListMarker = regexp.MustCompile(`^(\d{1,3}[.)、．]|[-*+•])$`)

// leadParagraph is the article's first paragraph that is not a heading, as
// plain text.
func leadParagraph(md string) string {
	for _, p := range strings.Split(md, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "#") && !strings.Contains(p, "\n") {
			continue
		}
		if strings.HasPrefix(p, "#") { // a heading with its paragraph under it
			_, p, _ = strings.Cut(p, "\n")
		}
		return strings.TrimSpace(strings.Join(strings.Fields(knowledge.PlainText(p)), " "))
	}
	return ""
}

func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
