package knowledge

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridline/gridline"
)

// Synonyms are sets of words that mean the same to customers (缴费/交费/付费,
// bill/invoice/statement). Every word of a set, in an article or in a query,
// is indexed as one shared term, the set's, in place of the word itself: a
// customer who writes 交费 matches an article that says 缴费 as fully as one who
// writes 缴费, and the confidence, which is measured against the query's own
// terms, does not drop for a word no article spells that way. Chinese words
// match as substrings of a run of Chinese characters (longest first); English
// words match after stemming, so "invoices" is "invoice"; an English set may
// hold two-word phrases ("power cut").
type Synonyms struct {
	Sets [][]string `json:"sets"`
}

// Limits on synonyms: enough for a utility's vocabulary, small enough to check
// and to edit in one page.
const (
	MaxSynonymSets  = 500
	MaxSynonymWords = 20 // per set
	MaxSynonymRunes = 20 // per word
)

// synonymPrefix starts a synonym set's term. It is not a letter, digit or
// Chinese character, so no text analyses to a term that starts with it.
const synonymPrefix = "≡"

// Tidy trims and lower-cases every word, drops blank words, repeated words and
// sets left with fewer than two words, and returns the result. Validate checks
// what Tidy cannot fix.
func (s Synonyms) Tidy() Synonyms {
	out := Synonyms{Sets: [][]string{}}
	for _, set := range s.Sets {
		var words []string
		for _, w := range set {
			w = strings.ToLower(strings.Join(strings.Fields(w), " "))
			if w != "" && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
		if len(words) >= 2 {
			out.Sets = append(out.Sets, words)
		}
	}
	return out
}

// Validate returns an EINVALID *gridline.Error naming each bad set ("sets[3]")
// when s is over the limits or a word is in two sets (which one would it
// mean?), or nil.
func (s Synonyms) Validate() error {
	fields := map[string]string{}
	if len(s.Sets) > MaxSynonymSets {
		fields["sets"] = fmt.Sprintf("at most %d sets", MaxSynonymSets)
	}
	in := map[string]int{}
	for i, set := range s.Sets {
		key := fmt.Sprintf("sets[%d]", i)
		if len(set) < 2 {
			fields[key] = "needs at least two words"
			continue
		}
		if len(set) > MaxSynonymWords {
			fields[key] = fmt.Sprintf("at most %d words", MaxSynonymWords)
			continue
		}
		for _, w := range set {
			if utf8.RuneCountInString(w) > MaxSynonymRunes {
				fields[key] = fmt.Sprintf("%q is longer than %d characters", w, MaxSynonymRunes)
				break
			}
			if len(Analyze(w)) == 0 {
				fields[key] = fmt.Sprintf("%q has no letters, digits or Chinese characters that count", w)
				break
			}
			if j, dup := in[w]; dup && j != i {
				fields[key] = fmt.Sprintf("%q is also in set %d", w, j+1)
				break
			}
			in[w] = i
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "the synonyms are invalid", Fields: fields}
}

// synonymTable is a Synonyms compiled for analysis: the set term of every
// English stem (or stemmed pair) and of every Chinese word, and the length of
// the longest Chinese word for longest-first matching.
type synonymTable struct {
	en    map[string]string
	zh    map[string]string
	zhMax int // runes
	// words maps every word as written (lower case) to its set's first word,
	// for Canonical.
	words map[string]string
}

func compileSynonyms(s Synonyms) *synonymTable {
	t := &synonymTable{en: map[string]string{}, zh: map[string]string{}, words: map[string]string{}}
	for _, set := range s.Tidy().Sets {
		term := synonymPrefix + strings.ReplaceAll(set[0], " ", "_")
		for _, w := range set {
			t.words[w] = set[0]
			if hasCJK(w) {
				rs := []rune(strings.Join(strings.Fields(w), ""))
				if len(rs) < 2 {
					continue // one character is in too many words to stand for one
				}
				t.zh[string(rs)] = term
				t.zhMax = max(t.zhMax, len(rs))
				continue
			}
			// The word's own analysis, so that it matches what queries analyse to:
			// one stem, or for a phrase, its last pair.
			var last string
			analyze(w, nil, func(x string) { last = x })
			if last != "" {
				t.en[last] = term
			}
		}
	}
	if len(t.en) == 0 && len(t.zh) == 0 {
		return nil
	}
	return t
}

func hasCJK(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}

// splitHan cuts a run of Chinese characters at the synonym words in it,
// longest first from the left: emitRun gets the stretches between words and
// emitTerm each word's set term, in order.
func (t *synonymTable) splitHan(han []rune, emitRun func([]rune), emitTerm func(string)) {
	start := 0
	for i := 0; i < len(han); {
		matched := 0
		for n := min(t.zhMax, len(han)-i); n >= 2; n-- {
			if term, ok := t.zh[string(han[i:i+n])]; ok {
				if start < i {
					emitRun(han[start:i])
				}
				emitTerm(term)
				matched = n
				break
			}
		}
		if matched == 0 {
			i++
			continue
		}
		i += matched
		start = i
	}
	if start < len(han) {
		emitRun(han[start:])
	}
}

// canonical writes text with every synonym word replaced by its set's first
// word: Chinese words longest first, English words and two-word phrases whole
// (a plural "s" dropped). It lets a check that reads words, not index terms,
// see 交钱 where an article says 缴费.
func (t *synonymTable) canonical(text string) string {
	rs := []rune(strings.ToLower(text))
	var b strings.Builder
	b.Grow(len(text))
	isWord := func(r rune) bool { return !isCJK(r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	wordEnd := func(i int) int {
		for i < len(rs) && isWord(rs[i]) {
			i++
		}
		return i
	}
	for i := 0; i < len(rs); {
		r := rs[i]
		if isCJK(r) {
			n := min(t.zhMax, len(rs)-i)
			for ; n >= 2; n-- {
				if c, ok := t.words[string(rs[i:i+n])]; ok {
					b.WriteString(c)
					break
				}
			}
			if n < 2 {
				b.WriteRune(r)
				n = 1
			}
			i += n
			continue
		}
		if !isWord(r) || i > 0 && isWord(rs[i-1]) {
			b.WriteRune(r)
			i++
			continue
		}
		end := wordEnd(i)
		// A two-word phrase first ("power cut"), then the word.
		if end+1 < len(rs) && (rs[end] == ' ' || rs[end] == '-') && isWord(rs[end+1]) {
			end2 := wordEnd(end + 1)
			if c, ok := t.lookupWord(string(rs[i:end2])); ok {
				b.WriteString(c)
				i = end2
				continue
			}
		}
		if c, ok := t.lookupWord(string(rs[i:end])); ok {
			b.WriteString(c)
		} else {
			b.WriteString(string(rs[i:end]))
		}
		i = end
	}
	return b.String()
}

func (t *synonymTable) lookupWord(w string) (string, bool) {
	if c, ok := t.words[w]; ok {
		return c, true
	}
	if c, ok := t.words[strings.TrimSuffix(w, "s")]; ok && strings.HasSuffix(w, "s") {
		return c, true
	}
	return "", false
}
