package knowledge

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// defaultSnippet is the length of a snippet when Snippet is given max <= 0.
const defaultSnippet = 400

var (
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdRefLink  = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdStrong   = regexp.MustCompile(`(\*\*|__)(.+?)(\*\*|__)`)
	mdEmph     = regexp.MustCompile(`(^|[^\w*])[*_]([^*_\n]+)[*_]([^\w*]|$)`)
	mdCode     = regexp.MustCompile("`+([^`]*)`+")
	mdHeading  = regexp.MustCompile(`^\s{0,3}#{1,6}\s*`)
	mdBullet   = regexp.MustCompile(`^\s*[*+-]\s+`)
	mdNumbered = regexp.MustCompile(`^\s*\d+[.)]\s+`)
	mdQuote    = regexp.MustCompile(`^\s*>\s?`)
	mdRule     = regexp.MustCompile(`^\s*([-*_]\s*){3,}$`)
)

// Snippet returns the part of an article's body that best answers query, as
// clean plain text of at most max characters (runes): the paragraph or list with
// the most query-term weight, with the heading above it, markdown removed (links
// keep their text). It is what the bot quotes when it answers without an LLM, so
// it never cuts a sentence in the middle when a sentence end is near.
func Snippet(a *gridline.Article, query string, max int) string {
	if max <= 0 {
		max = defaultSnippet
	}
	blocks := snippetBlocks(a.Body)
	if len(blocks) == 0 {
		return ""
	}
	weights := map[string]float64{}
	analyze(query, nil, func(t string) { weights[t] = termWeight(t) })
	best, bestScore := 0, 0.0
	for i, b := range blocks {
		seen := map[string]bool{}
		var score float64
		analyze(b.heading+"\n"+b.text, nil, func(t string) {
			if w, ok := weights[t]; ok && !seen[t] {
				seen[t] = true
				score += w
			}
		})
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	b := blocks[best]
	text := b.text
	// A short block (a one-line answer) is followed by the next one of the same
	// section when both fit, so the answer does not stop at its first line.
	if next := best + 1; next < len(blocks) && blocks[next].heading == b.heading &&
		utf8.RuneCountInString(text) < max/3 &&
		utf8.RuneCountInString(b.heading+text+blocks[next].text)+2 <= max {
		text += "\n" + blocks[next].text
	}
	if b.heading != "" && b.heading != text {
		text = b.heading + "\n" + text
	}
	return Truncate(text, max)
}

// block is a paragraph or list of plain text under its section heading.
type block struct{ heading, text string }

// snippetBlocks cuts a markdown body into plain-text blocks: paragraphs and
// lists, each with the heading above it.
func snippetBlocks(body string) []block {
	var (
		blocks  []block
		cur     []string
		heading string
	)
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, block{heading: heading, text: strings.Join(cur, "\n")})
			cur = nil
		}
	}
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, " \t\r\n")
		switch {
		case strings.TrimSpace(line) == "" || mdRule.MatchString(line):
			flush()
		case mdHeading.MatchString(line):
			flush()
			heading = plainLine(line)
		default:
			if s := plainLine(line); s != "" {
				cur = append(cur, s)
			}
		}
	}
	flush()
	if len(blocks) == 0 && heading != "" {
		blocks = append(blocks, block{text: heading})
	}
	return blocks
}

// PlainText strips the markdown from a whole body by the rules Snippet uses,
// line by line: headings, emphasis, code marks, quotes and link syntax go (links
// and images keep their text), list items keep a "- " or their number, rules
// vanish, and paragraphs stay apart by one blank line. It is the text an
// LLM prompt quotes and a lead paragraph is read from; one stripper serves every
// reader so that a quote and a snippet of the same article agree.
func PlainText(md string) string {
	var b strings.Builder
	blank := false
	for line := range strings.Lines(md) {
		line = strings.TrimRight(line, " \t\r\n")
		if mdRule.MatchString(line) {
			line = ""
		}
		line = plainLine(line)
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteByte('\n')
			blank = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// plainLine strips one line of markdown to plain text; list items keep a "- " or
// their number so that steps still read as steps.
func plainLine(line string) string {
	line = mdHeading.ReplaceAllString(line, "")
	line = mdQuote.ReplaceAllString(line, "")
	bullet := ""
	if m := mdNumbered.FindString(line); m != "" {
		bullet, line = strings.TrimSpace(m)+" ", line[len(m):]
	} else if m := mdBullet.FindString(line); m != "" {
		bullet, line = "- ", line[len(m):]
	}
	line = mdImage.ReplaceAllString(line, "$1")
	line = mdLink.ReplaceAllString(line, "$1")
	line = mdRefLink.ReplaceAllString(line, "$1")
	line = mdCode.ReplaceAllString(line, "$1")
	line = mdStrong.ReplaceAllString(line, "$2")
	line = mdEmph.ReplaceAllString(line, "$1$2$3")
	line = strings.TrimSpace(line)
	if line == "" {
		return ""
	}
	return bullet + line
}

// Truncate shortens s to at most max runes, at the last sentence or line end in
// its last two thirds when there is one, else at a word boundary with an ellipsis,
// so that quoted text never stops in the middle of a word when it need not.
func Truncate(s string, max int) string {
	rs := []rune(s)
	if len(rs) <= max {
		return s
	}
	cut := rs[:max]
	for i := len(cut) - 1; i >= max/3; i-- {
		switch cut[i] {
		case '。', '！', '？', '；', '.', '!', '?', '\n':
			return strings.TrimSpace(string(cut[:i+1]))
		}
	}
	for i := len(cut) - 1; i >= max/2; i-- {
		if cut[i] == ' ' || cut[i] == '，' || cut[i] == ',' {
			return strings.TrimSpace(string(cut[:i])) + "…"
		}
	}
	return string(rs[:max-1]) + "…"
}
