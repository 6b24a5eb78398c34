package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline/knowledge"
)

// MaxInputRunes caps how much of one message the bot reads. A customer's question
// fits in far less; a longer paste is cut so that matching and retrieval stay cheap
// and a pasted essay cannot smuggle a long prompt to the model.
const MaxInputRunes = 600

// Normalize folds full-width letters, digits and punctuation to their ASCII forms
// (Chinese input methods produce both, and customers mix them), turns every run
// of white space into one space, trims, and caps the text at MaxInputRunes. It is
// the text the bot reasons about and the text recorded as unanswered, so that the
// same question asked twice is counted once.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	n := 0
	for _, r := range s {
		r = knowledge.FoldWidth(r)
		if r == utf8.RuneError || unicode.IsControl(r) && !unicode.IsSpace(r) {
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if n >= MaxInputRunes {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// matchText is the lower-cased form detectors search, with Chinese sentence
// punctuation mapped to ASCII so that one clause splitter serves both languages.
func matchText(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer("。", ".", "，", ",", "！", "!", "？", "?", "；", ";", "、", ",", "’", "'", "‘", "'").Replace(s)
}
