package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/gridline/gridline/knowledge"
)

// A follow-up is a question that leans on the one before it: "那要多久？",
// "how much is it?", "那怎么申请". Alone it names no topic, so retrieval would
// answer it from whatever article shares "多久" or "how much"; read with the
// conversation's last topic (Flow.Topic, kept by the FlowStore on any
// replica) it is the question the customer means.

// followUpStarts are how a leaning question begins.
var followUpStarts = []string{"那", "那么", "那个", "这个", "它", "还有", "另外", "如果", "要是", "那如果",
	"and ", "what about", "how about", "what if", "also ", "then "}

// followUpWords point back at the last topic ("how much is it", "does that…").
var followUpWords = []string{"it", "that", "this", "they", "them", "those", "one"}

// IsFollowUp reports whether q leans on an earlier question: it begins like a
// follow-up, ends with 呢, points back with a pronoun while naming at most one
// topic word of its own, or names no topic at all ("要多久？", "how much?");
// asking terms (askingTerms) name no topic.
func IsFollowUp(q string) bool {
	t := strings.Trim(matchText(q), " .!?,~")
	if t == "" {
		return false
	}
	for _, s := range followUpStarts {
		if strings.HasPrefix(t, s) && utf8.RuneCountInString(t) > utf8.RuneCountInString(strings.TrimSpace(s)) {
			return true
		}
	}
	var terms []string
	for _, term := range topicTerms(t) {
		if !askingTerms[term] {
			terms = append(terms, term)
		}
	}
	if strings.HasSuffix(t, "呢") && len(terms) <= 2 {
		return true
	}
	if len(terms) == 0 {
		return true
	}
	words := strings.Fields(t)
	if len(terms) <= 1 && len(words) <= 3 && isASCII(t) {
		return true // "how long?", "how much?", "when?"
	}
	if len(terms) <= 1 {
		for _, w := range words {
			for _, p := range followUpWords {
				if strings.Trim(w, "'\",") == p {
					return true
				}
			}
		}
	}
	return false
}

// maxTopicRunes caps the remembered topic, so that a long message does not
// swamp the follow-up it is read with.
const maxTopicRunes = 120

// withTopic is the question retrieval reads for a follow-up: the last topic,
// then the follow-up.
func withTopic(topic, q string) string {
	if r := []rune(topic); len(r) > maxTopicRunes {
		topic = string(r[:maxTopicRunes])
	}
	return topic + " " + q
}

// askingTerms ask about any subject — how long, how much, how to apply — and
// name none: a follow-up made only of them asks about the last topic.
var askingTerms = map[string]bool{
	"long": true, "take": true, "takes": true, "much": true, "cost": true, "costs": true, "price": true, "fee": true,
	"fees": true, "often": true, "soon": true, "time": true, "apply": true, "need": true, "documents": true, "free": true,
	"时间": true, "长时": true, "费用": true, "价格": true, "收费": true, "钱呢": true, "申请": true, "办理": true, "手续": true,
	"材料": true, "免费": true, "天能": true, "久能": true,
}

// namesTopic reports whether a follow-up names a subject of its own, beyond
// asking terms.
func namesTopic(followUp string) bool {
	for _, t := range topicTerms(followUp) {
		if !askingTerms[t] {
			return true
		}
	}
	return false
}

// leanOn puts the article the conversation was about first when the follow-up
// reads as a question about it too: it is among the hits for the question read
// with its topic, and the follow-up names no other subject (or one the
// article mentions). It keeps the top hit's confidence: the customer is still
// on that subject, which is why leaned reports that no runner-up competes.
func (b *Bot) leanOn(hits []knowledge.Hit, slug, followUp string) (out []knowledge.Hit, leaned bool) {
	for i, h := range hits {
		if h.Article.Slug != slug {
			continue
		}
		if namesTopic(followUp) && b.coverage(followUp, h.Article) < minAnswerCoverage {
			return hits, false
		}
		h.Confidence = hits[0].Confidence
		out = append([]knowledge.Hit{h}, hits[:i]...)
		return append(out, hits[i+1:]...), true
	}
	return hits, false
}
