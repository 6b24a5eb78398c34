package bot

import (
	"strings"
	"unicode"

	"github.com/gridline/gridline"
)

// The index ranks by weighted word overlap and calibrates its confidence over
// the whole knowledge base; coverage is a second, independent look at the one
// article about to be answered from: does it mention what the question is
// about at all? "股票怎么买" ranks the invoice article first on the shared 票 and
// 怎么, but the article never says 股票; a poem request may share only "write".
// An answer needs half the question's topic words; none at all means the
// question is not about anything the article covers.

// functionChars are Chinese characters of grammar and questions; a character
// pair that includes one says nothing about the topic.
const functionChars = "的了吗呢吧啊呀哦嘛么我你您他她它们是在有和与及或也都就还又把被让给这那个些请问一怎什哪吗多少几如何为要需能可会想得到下上"

// questionWords are English words every question shares with every article.
var questionWords = map[string]bool{
	"how": true, "what": true, "when": true, "where": true, "why": true, "who": true, "which": true, "can": true, "could": true,
	"the": true, "and": true, "for": true, "you": true, "your": true, "does": true, "are": true, "there": true, "about": true,
	"with": true, "this": true, "that": true, "have": true, "get": true, "want": true, "need": true, "tell": true, "please": true,
	"would": true, "should": true, "will": true, "much": true, "many": true, "any": true, "some": true, "from": true, "into": true,
	"what's": true, "i'm": true, "don't": true, "did": true, "was": true, "were": true, "has": true, "had": true, "not": true,
	"our": true, "mine": true, "its": true, "it's": true, "than": true, "then": true, "just": true, "also": true, "very": true,
}

// topicTerms are the question's English words and Chinese character pairs that
// name its topic.
func topicTerms(q string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var word []rune
	var prev rune
	flush := func() {
		if w := string(word); len(word) > 2 && !questionWords[w] {
			add(w)
		}
		word = word[:0]
	}
	for _, r := range strings.ToLower(q) {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if prev != 0 && !strings.ContainsRune(functionChars, prev) && !strings.ContainsRune(functionChars, r) {
				add(string([]rune{prev, r}))
			}
			prev = r
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			word = append(word, r)
		default:
			flush()
		}
		prev = 0
	}
	flush()
	return out
}

// coverage is the share of the question's topic terms that the article's title,
// tags, questions or body contain; 1 when the question has none (it is all function words).
// English words match on their first five letters, a rough stem
// ("connection" finds "connect…").
func coverage(question string, a *gridline.Article) float64 {
	return coverageIn(question, strings.ToLower(a.Title+"\n"+strings.Join(a.Tags, " ")+"\n"+strings.Join(a.Questions, "\n")+"\n"+a.Body))
}

// canonicaliser is a Retriever that applies synonyms (*knowledge.Index and
// *knowledge.Service): coverage then reads 交钱 in a question as the 缴费 of
// an article, as retrieval did.
type canonicaliser interface {
	Canonical(text string) string
}

// coverage is the package's coverage with the retriever's synonyms applied to
// both the question and the article.
func (b *Bot) coverage(question string, a *gridline.Article) float64 {
	c, ok := b.kb.(canonicaliser)
	if !ok {
		return coverage(question, a)
	}
	doc := a.Title + "\n" + strings.Join(a.Tags, " ") + "\n" + strings.Join(a.Questions, "\n") + "\n" + a.Body
	return coverageIn(c.Canonical(question), c.Canonical(strings.ToLower(doc)))
}

// coverageIn is coverage against a lower-cased document text.
func coverageIn(question, doc string) float64 {
	terms := topicTerms(question)
	if len(terms) == 0 {
		return 1
	}
	found := 0
	for _, t := range terms {
		probe := t
		if isASCII(t) && len(t) > 5 {
			probe = t[:5]
		}
		if strings.Contains(doc, probe) {
			found++
		}
	}
	return float64(found) / float64(len(terms))
}
