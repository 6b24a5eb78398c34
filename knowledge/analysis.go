package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
)

// unigramWeight is how much a single Chinese character counts in a query next to
// a two-character bigram. Characters alone are ambiguous (电 is in 电费, 停电,
// 电表 …) but they rescue queries whose words the articles spell differently, so
// they count, only less.
const unigramWeight = 0.3

// phraseWeight is how much a pair of adjacent English words ("credit card",
// "power cut") counts in a query next to a single word: pairs reward articles
// that use the customer's phrase, not just its words.
const phraseWeight = 0.5

// Analyze turns mixed Chinese and English text into index terms: full-width forms
// are folded to ASCII and letters lower-cased; English words lose stop words and
// are stemmed (Snowball English), so "meters" finds "meter", and adjacent words
// also make a pair term ("meter read"); Chinese runs become
// overlapping character bigrams plus single characters, which needs no dictionary
// and so copes with words no dictionary knows (place names, tariff names).
// Numbers are kept: account numbers, voltages and hotlines are what people type.
func Analyze(text string) []string {
	var out []string
	analyze(text, nil, func(t string) { out = append(out, t) })
	return out
}

// termWeight is the query-side weight of an analysed term with the default
// weights: single Chinese characters weigh unigramWeight, English word pairs
// phraseWeight, everything else 1.
func termWeight(t string) float64 { return weightOf(t, unigramWeight, phraseWeight) }

func weightOf(t string, unigram, phrase float64) float64 {
	if isUnigram(t) {
		return unigram
	}
	if strings.IndexByte(t, ' ') > 0 {
		return phrase
	}
	return 1
}

// isUnigram reports whether t is a single CJK character.
func isUnigram(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	return size == len(t) && isCJK(r)
}

// analyze calls emit with each term of text, in order. With syn, a synonym
// word becomes its set's term (see Synonyms).
func analyze(text string, syn *synonymTable, emit func(string)) {
	var (
		word   []rune // the Latin/digit word being read
		han    []rune // the CJK run being read
		hasNum bool
		prev   string // the previous English term, for word pairs
	)
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		word, hasNum = word[:0], false
		if _, stop := englishStop[w]; stop {
			return
		}
		if !containsDigit(w) && len(w) > 2 {
			w = stem(w)
		}
		if syn != nil {
			if term, ok := syn.en[w]; ok {
				w = term
			}
		}
		emit(w)
		if prev != "" {
			pair := prev + " " + w
			emit(pair)
			if syn != nil {
				if term, ok := syn.en[pair]; ok {
					emit(term)
				}
			}
		}
		prev = w
	}
	hanRun := func(han []rune) {
		switch len(han) {
		case 0:
			return
		case 1:
			if !zhStopChar(han[0]) {
				emit(string(han))
			}
		default:
			for i := range han {
				if !zhStopChar(han[i]) {
					emit(string(han[i : i+1]))
				}
				if i+1 < len(han) {
					bg := string(han[i : i+2])
					if _, stop := zhStopBigram[bg]; !stop {
						emit(bg)
					}
				}
			}
		}
	}
	flushHan := func() {
		if syn != nil && syn.zhMax > 0 && len(han) > 1 {
			syn.splitHan(han, hanRun, emit)
		} else {
			hanRun(han)
		}
		han = han[:0]
	}
	rs := []rune(text)
	for i, r := range rs {
		r = unicode.ToLower(FoldWidth(r))
		switch {
		case isCJK(r):
			flushWord()
			prev = ""
			if zhBreak(r) {
				flushHan() // a particle or pronoun ends a run: 我手机 is 手机
				continue
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			if unicode.IsDigit(r) {
				hasNum = true
			}
			word = append(word, r)
		case (r == '\'' || r == '’') && len(word) > 0:
			// don't → dont, meter's → meters: apostrophes join, they do not split.
		case (r == '.' || r == ',') && hasNum && len(word) > 0 && i+1 < len(rs) && unicode.IsDigit(FoldWidth(rs[i+1])):
			// 0.56 and 1,000 stay one number; the separator is dropped.
		default:
			flushWord()
			flushHan()
			if !unicode.IsSpace(r) {
				prev = "" // word pairs do not cross punctuation
			}
		}
	}
	flushWord()
	flushHan()
}

// FoldWidth maps full-width ASCII forms (Ａ, １, ？) and the ideographic space to
// their ASCII equivalents, which is what NFKC does for the characters Chinese
// input methods produce. The bot normalises customers' text with it too.
func FoldWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	}
	return r
}

// isCJK reports whether r is written without spaces between words: Han, kana,
// Hangul. Such runs are cut into n-grams rather than words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

func containsDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// stem reduces an English word to its Snowball (Porter2) stem.
func stem(w string) string {
	env := snowballstem.NewEnv(w)
	english.Stem(env)
	return env.Current()
}

// englishStop holds words too common to say anything about what a question is
// about. Question words (how, why, when) and negations stay: "why is my bill high"
// and "not working" need them less than they need the nouns, but dropping them
// would make such queries empty.
var englishStop = setOf(strings.Fields(`a an the and or but if of at by for with about
	to from in on into onto is am are was were be been being do does did doing have has had
	having i me my mine myself we our ours you your yours he him his she her hers it its they
	them their this that these those there here then than so too very s t just also please
	can could would should will shall may might must let lets im ive id youre thats whats
	hi hello thanks thank`))

// zhStopBigram holds two-character Chinese function words and politeness forms
// that carry no topic; bigrams are what Chinese ranking runs on, so leaving these
// in would let 请问 or 一下 decide which article wins.
var zhStopBigram = setOf(strings.Fields(`请问 一下 你好 您好 我们 你们 他们 我的 你的 您的
	的话 什么 怎么 怎样 如何 为什 哪里 可以 能否 是否 是不 不是 有没 没有 这个 那个 这样
	那样 一个 就是 还是 还有 然后 如果 因为 所以 但是 而且 或者 已经 现在 应该 需要 想要
	谢谢 麻烦 帮我 帮忙 请帮 知道 一些 有点 时候 么样 怎么样`))

// zhBreaks are particles and personal pronouns: they carry no topic and never
// sit inside the words customers ask about, so a Chinese run is cut at them and
// no bigram straddles one (我手机 gives 手机, not 我手).
const zhBreaks = "的吗呢吧啊呀哦嗯我你您他她它"

func zhBreak(r rune) bool { return strings.ContainsRune(zhBreaks, r) }

// zhStopChars are single characters that are particles or pronouns; as unigrams
// they match nearly every article.
const zhStopChars = "的了吗呢吧啊呀哦嗯么怎我你您他她它是在有和与及或也都就还又把被让给这那个些请问一"

func zhStopChar(r rune) bool { return strings.ContainsRune(zhStopChars, r) }

func setOf(words []string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
