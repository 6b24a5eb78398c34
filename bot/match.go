package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The detectors below (danger, a request for a person, a complaint, a prompt
// injection) share one small matcher. Terms are written in lower case. An ASCII
// term matches whole words only ("fire" is not in "firewall"); a term ending in
// "*" matches any word that starts with it ("electrocut*"). A Chinese term
// matches as a substring, since Chinese has no spaces between words.

// occurrence is where a term was found in a text.
type occurrence struct {
	start, end int
}

// findTerm returns every occurrence of term in text.
func findTerm(text, term string) []occurrence {
	prefix := strings.HasSuffix(term, "*")
	term = strings.TrimSuffix(term, "*")
	ascii := isASCII(term)
	var out []occurrence
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], term)
		if i < 0 {
			break
		}
		start := from + i
		end := start + len(term)
		from = start + 1
		if ascii && isWordByte(term[0]) && start > 0 && isWordRuneBefore(text, start) {
			continue
		}
		if ascii && isWordByte(term[len(term)-1]) {
			if prefix {
				for end < len(text) && isWordByte(text[end]) {
					end++
				}
			} else if end < len(text) && isWordByte(text[end]) {
				continue
			}
		}
		out = append(out, occurrence{start, end})
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isWordRuneBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r < utf8.RuneSelf && isWordByte(byte(r))
}

// negation says how a detector decides that a found term is denied by the words
// just before it in the same clause ("no smoke", "没有冒烟", "不要转人工").
type negation struct {
	words    []string // English negators among the last Window words
	window   int
	zh       []string // Chinese negators within the last ZHWindow runes
	zhWindow int
	// asking skips a negator followed by a word that turns it into a question
	// or a difficulty ("why don't you …", "I don't know how to reach …").
	asking bool
}

// clauseStart returns where the clause holding position i begins: after the last
// comma, full stop, question or exclamation mark, semicolon, or " but ".
func clauseStart(text string, i int) int {
	start := strings.LastIndexAny(text[:i], ",.!?;:\n")
	if b := strings.LastIndex(text[:i], " but "); b > start {
		start = b + len(" but ") - 1
	}
	return start + 1
}

// negated reports whether the occurrence at [start,…) is denied by n.
func (n negation) negated(text string, start int) bool {
	before := text[clauseStart(text, start):start]
	if n.window > 0 {
		words := strings.FieldsFunc(before, func(r rune) bool { return unicode.IsSpace(r) })
		if len(words) > n.window {
			words = words[len(words)-n.window:]
		}
		for i, w := range words {
			w = strings.Trim(w, `"'()`)
			for _, neg := range n.words {
				if w != neg {
					continue
				}
				// "don't you …", "don't know how to …" ask rather than deny.
				if n.asking && i+1 < len(words) && isAskingAfterNegator(words[i+1]) {
					continue
				}
				return true
			}
		}
	}
	if n.zhWindow > 0 && before != "" {
		runes := []rune(before)
		if len(runes) > n.zhWindow {
			runes = runes[len(runes)-n.zhWindow:]
		}
		tail := string(runes)
		for _, neg := range n.zh {
			if strings.Contains(tail, neg) {
				return true
			}
		}
	}
	return false
}

func isAskingAfterNegator(w string) bool {
	switch w {
	case "you", "know", "understand", "think", "care", "mind", "get", "see", "reach":
		return true
	}
	return false
}

// firstUnnegated returns the first term of terms found in text and not denied
// by neg, and whether there was one.
func firstUnnegated(text string, terms []string, neg negation) (string, bool) {
	for _, t := range terms {
		for _, o := range findTerm(text, t) {
			if !neg.negated(text, o.start) {
				return strings.TrimSuffix(t, "*"), true
			}
		}
	}
	return "", false
}

// anyTerm reports whether any of terms occurs in text, negated or not.
func anyTerm(text string, terms []string) bool {
	for _, t := range terms {
		if len(findTerm(text, t)) > 0 {
			return true
		}
	}
	return false
}

// sentences splits text at sentence ends, so that a thing and what is said of it
// ("the wire … is down") are matched within one sentence.
func sentences(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return r == '.' || r == '!' || r == '?' || r == ';' || r == '\n'
	})
}
