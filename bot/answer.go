package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// decide answers typed text from the knowledge base (see decisionRule): an
// answer when the top article is confident; between the thresholds, an answer
// that asks "did this answer your question?" when the top article is clearly
// ahead of the rest, and the closest articles when two or more are close; an
// honest "I don't know" below. An LLM answer grounded in the retrieved
// articles may replace the extract when it passes the checks. Out-of-scope
// questions land below the thresholds: confidence is calibrated on how much of
// the question the article covers, not on keyword lists; and the top article
// must itself mention what the question is about (see coverage).
func (b *Bot) decide(ctx context.Context, conv string, q question, lang string, st Flow, delta func(string)) Reply {
	text := q.query
	hits := b.search(ctx, text, lang)
	// What the article must cover: a follow-up that only asks "how long?"
	// is about its topic, which is what the article must mention.
	about, leaned := text, false
	if q.earlier != "" {
		if st.Article != "" {
			hits, leaned = b.leanOn(hits, st.Article, q.text)
		}
		if !namesTopic(q.text) {
			about = q.earlier
		}
	}
	top, cov := 0.0, 0.0
	if len(hits) > 0 {
		top, cov = hits[0].Confidence, b.coverage(about, hits[0].Article)
	}
	second := runnerUp(hits)
	if leaned {
		second = 0
	}
	v := b.rule.verdict(top, cov, second)
	// Below the answer threshold the model may still answer, but only when the
	// article covers nearly all of the question: "how do I pay my water bill"
	// must not become an answer about electricity bills.
	if b.llm != nil && (v >= verdictConfirm || v == verdictClarify && cov >= minLLMClarifyCoverage) {
		if r, ok := b.grounded(ctx, q.prompt(lang), lang, hits, delta); ok {
			b.remember(ctx, conv, q.topic, hits[0].Article.Slug)
			return r
		}
	}
	switch v {
	case verdictAnswer:
		r := b.extractive(hits[0], text, lang)
		r.QuickReplies = options(lang, OptionHuman, OptionMain)
		b.remember(ctx, conv, q.topic, hits[0].Article.Slug)
		return r
	case verdictConfirm:
		return b.confirmReply(ctx, conv, text, q.topic, lang, hits)
	case verdictClarify:
		b.record(ctx, text, lang, ActionClarify)
		r := b.clarifyReply(ctx, conv, hits, lang)
		b.remember(ctx, conv, q.topic, hits[0].Article.Slug)
		return r
	}
	b.record(ctx, text, lang, ActionFallback)
	return Reply{Action: ActionFallback, Text: say(lang, "fallback"), Confidence: top,
		QuickReplies: options(lang, OptionHuman, OptionMain)}
}

// prompt is the customer's question as the LLM is shown it: a follow-up with
// the earlier question it leans on.
func (q question) prompt(lang string) string {
	if q.earlier == "" {
		return q.text
	}
	return fmt.Sprintf(say(lang, "followup.prompt"), q.earlier, q.text)
}

// verdict is what the bot makes of retrieval's best guesses, weakest first.
type verdict int

const (
	verdictFallback verdict = iota // nothing fits: "I don't know", a person offered
	verdictClarify                 // two or more articles are close: they are listed
	verdictConfirm                 // one is clearly ahead: answered, "did this answer your question?"
	verdictAnswer                  // confident: answered
)

// decisionRule turns the top hit's confidence, its coverage of the question
// and the runner-up's score (as a share of the top's) into a verdict. The
// thresholds were chosen with TestTuneDecision on training parts only.
type decisionRule struct {
	// answerAt: answer outright. confirmAt: answer and ask, when the runner-up
	// scores at most lead of the top. clarifyAt: list the closest articles.
	answerAt, confirmAt, clarifyAt, lead float64
	// confirmCoverage is the coverage an answer that asks back needs: more
	// than an outright answer, as it rests on a weaker match.
	confirmCoverage float64
}

func (r decisionRule) verdict(conf, cov, runnerUp float64) verdict {
	switch {
	case cov == 0:
		// The best article mentions nothing the question is about.
		return verdictFallback
	case conf >= r.answerAt && cov >= minAnswerCoverage:
		return verdictAnswer
	case conf >= r.confirmAt && runnerUp <= r.lead && cov >= r.confirmCoverage:
		return verdictConfirm
	case conf >= r.clarifyAt && cov > minClarifyCoverage:
		// A list, too, only of articles about what was asked: "明天天气怎么样"
		// shares 明天 with an article, and is still not a question for it.
		return verdictClarify
	}
	return verdictFallback
}

// runnerUp is the second hit's score over the first's; 0 when there is none.
func runnerUp(hits []knowledge.Hit) float64 {
	if len(hits) < 2 || hits[0].Score <= 0 {
		return 0
	}
	return hits[1].Score / hits[0].Score
}

// Defaults of the rule between the thresholds (see decisionRule).
const (
	DefaultConfirmThreshold = knowledge.ClarifyThreshold
	DefaultLead             = 0.8
	confirmCoverage         = 0.67
)

// confirmReply answers from the top article and asks whether that answered
// the question; the next closest articles are kept for a "no".
func (b *Bot) confirmReply(ctx context.Context, conv, text, topic, lang string, hits []knowledge.Hit) Reply {
	r := b.extractive(hits[0], text, lang)
	r.Text += "\n\n" + say(lang, "confirm.ask")
	r.QuickReplies = options(lang, OptionYes, OptionNo, OptionHuman)
	if conv == "" {
		return r
	}
	st := b.flow(ctx, conv)
	st.Name, st.Step = FlowConfirm, ""
	st.Topic, st.Article, st.Next = topic, hits[0].Article.Slug, nil
	st.Offered = map[string]int64{}
	for _, h := range hits[1:] {
		if len(st.Next) == maxSuggestions-1 || h.Confidence < b.clarifyAt/2 {
			break
		}
		st.Next = append(st.Next, h.Article.Slug)
		st.Offered[h.Article.Slug] = h.Article.ID
	}
	b.setFlow(ctx, conv, st)
	return r
}

// remember keeps the conversation's last topic (the question and its article)
// for follow-ups, and the articles a "no" goes on to.
func (b *Bot) remember(ctx context.Context, conv, text, slug string) {
	if conv == "" {
		return
	}
	st := b.flow(ctx, conv)
	if st.Name == FlowConfirm {
		st.Name = ""
	}
	st.Topic, st.Article, st.Next = text, slug, nil
	b.setFlow(ctx, conv, st)
}

// confirmed handles the customer's yes or no to "did this answer your
// question?": yes closes kindly; no answers from the next closest article and
// asks again, and with none left passes the question to a person.
func (b *Bot) confirmed(ctx context.Context, conv string, yes bool, lang string, st Flow) Reply {
	st.Name = ""
	if yes {
		st.Next = nil
		b.setFlow(ctx, conv, st)
		return Reply{Action: ActionMenu, Text: say(lang, "confirm.yes"), QuickReplies: mainMenu(lang)}
	}
	if st.Topic != "" && len(st.Next) == 0 {
		b.record(ctx, st.Topic, lang, ActionFallback)
	}
	for len(st.Next) > 0 {
		slug := st.Next[0]
		st.Next = st.Next[1:]
		a := b.findID(st.Offered[slug], slug)
		if a == nil {
			a = b.findSlug(slug)
		}
		if a == nil {
			continue
		}
		r := b.extractive(knowledge.Hit{Article: a, Confidence: 1}, st.Topic, lang)
		r.Text = say(lang, "confirm.next") + "\n" + r.Text + "\n\n" + say(lang, "confirm.ask")
		r.QuickReplies = options(lang, OptionYes, OptionNo, OptionHuman)
		st.Article = slug
		if len(st.Next) > 0 {
			st.Name = FlowConfirm
		}
		b.setFlow(ctx, conv, st)
		return r
	}
	st.Next = nil
	b.setFlow(ctx, conv, st)
	return handoffReply(lang, "confirm.human", gridline.SkillGeneral, gridline.PriorityNormal)
}

// minAnswerCoverage is the share of the question's topic words the top article
// must mention to be answered from; below it the bot only offers the article.
const minAnswerCoverage = 0.5

// minClarifyCoverage is the share of the question's topic words above which
// the closest articles may be listed: more than one word in three.
const minClarifyCoverage = 1.0 / 3

// minLLMClarifyCoverage is the coverage the top article needs for the LLM to
// answer a question retrieval was unsure of.
const minLLMClarifyCoverage = 0.8

// extractive answers with the part of the article most relevant to the query,
// under its title, citing it.
func (b *Bot) extractive(h knowledge.Hit, query, lang string) Reply {
	a := h.Article
	max := b.snippetMax
	if a.Lang == gridline.LangZH {
		max = max * 3 / 5 // a Chinese character says about what an English word does
	}
	body := excerpt(a, query, max)
	text := a.Title
	if body != "" {
		text += "\n" + body
	}
	return Reply{
		Action:     ActionAnswer,
		Text:       text,
		Citations:  []gridline.Citation{citation(a)},
		Confidence: h.Confidence,
	}
}

func citation(a *gridline.Article) gridline.Citation {
	return gridline.Citation{ID: a.ID, Slug: a.Slug, Title: a.Title}
}

// maxSuggestions is how many articles a clarify offers: enough to catch the
// right one, few enough to read on a phone.
const maxSuggestions = 3

// clarifyReply offers the closest articles as suggestions and quick replies. The
// offered articles' ids are remembered for the conversation, so that pressing
// one answers from exactly that article.
func (b *Bot) clarifyReply(ctx context.Context, conv string, hits []knowledge.Hit, lang string) Reply {
	r := Reply{Action: ActionClarify, Text: say(lang, "clarify")}
	if len(hits) > 0 {
		r.Confidence = hits[0].Confidence
	}
	st := b.flow(ctx, conv)
	st.Offered = map[string]int64{}
	for i, h := range hits {
		if i >= maxSuggestions || i > 0 && h.Confidence < b.clarifyAt/2 {
			break
		}
		a := h.Article
		r.Suggestions = append(r.Suggestions, Suggestion{Slug: a.Slug, Title: a.Title})
		r.QuickReplies = append(r.QuickReplies, gridline.QuickReply{ID: OptionArticlePrefix + a.Slug, Label: a.Title})
		st.Offered[a.Slug] = a.ID
	}
	b.setFlow(ctx, conv, st)
	r.QuickReplies = append(r.QuickReplies, option(lang, OptionHuman))
	return r
}

// articleAnswer answers from the article the customer picked: the one offered in
// this conversation, looked up by its id, or else (a stateless ask, after expiry,
// a retriever that cannot look up ids) by its slug through search.
func (b *Bot) articleAnswer(ctx context.Context, conv, slug, lang string, st Flow) Reply {
	var a *gridline.Article
	if id, ok := st.Offered[slug]; ok {
		a = b.findID(id, slug)
	}
	if a == nil {
		a = b.findSlug(slug)
	}
	if a == nil {
		return Reply{Action: ActionMenu, Text: say(lang, "article.gone"), QuickReplies: mainMenu(lang)}
	}
	r := b.extractive(knowledge.Hit{Article: a, Confidence: 1}, a.Title, lang)
	r.QuickReplies = options(lang, OptionHuman, OptionMain)
	return r
}

// articleGetter is a Retriever that can also return an article by id;
// *knowledge.Index and *knowledge.Service are.
type articleGetter interface {
	Get(id int64) *gridline.Article
}

// findID returns the published article id if it still has slug; nil when the
// retriever cannot look ids up or the article is gone, renamed or withdrawn.
func (b *Bot) findID(id int64, slug string) *gridline.Article {
	g, ok := b.kb.(articleGetter)
	if !ok {
		return nil
	}
	if a := g.Get(id); a != nil && a.Slug == slug && a.Status == gridline.ArticlePublished {
		return a
	}
	return nil
}

// findSlug looks an article up by its slug through search: slugs are made of the
// title's words, so the words find the article and the slug confirms it.
func (b *Bot) findSlug(slug string) *gridline.Article {
	if b.kb == nil || slug == "" {
		return nil
	}
	q := strings.NewReplacer("-", " ", "_", " ").Replace(slug)
	for _, h := range b.kb.Search(q, knowledge.SearchOptions{Limit: 20}) {
		if h.Article.Slug == slug {
			return h.Article
		}
	}
	return nil
}
