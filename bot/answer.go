package bot

import (
	"context"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// decide answers typed text from the knowledge base: an answer only when the top
// article's confidence reaches the answer threshold (or an LLM answer grounded in
// the retrieved articles passes the checks), the closest articles when it
// reaches the clarify threshold, and an honest "I don't know" below that.
// Out-of-scope questions land below the thresholds: confidence is calibrated on
// how much of the question the article covers, not on keyword lists; and the
// top article must itself mention what the question is about (see coverage).
func (b *Bot) decide(ctx context.Context, conv, text, lang string, st Flow, delta func(string)) Reply {
	hits := b.search(ctx, text, lang)
	top, cov := 0.0, 0.0
	if len(hits) > 0 {
		top, cov = hits[0].Confidence, b.coverage(text, hits[0].Article)
	}
	action := ActionFallback
	switch {
	case cov == 0:
		// The best article mentions nothing the question is about.
	case top >= b.answerAt && cov >= minAnswerCoverage:
		action = ActionAnswer
	case top >= b.clarifyAt:
		action = ActionClarify
	}
	// Below the answer threshold the model may still answer, but only when the
	// article covers nearly all of the question: "how do I pay my water bill"
	// must not become an answer about electricity bills.
	if b.llm != nil && (action == ActionAnswer || action == ActionClarify && cov >= minLLMClarifyCoverage) {
		if r, ok := b.grounded(ctx, text, lang, hits, delta); ok {
			return r
		}
	}
	switch action {
	case ActionAnswer:
		r := b.extractive(hits[0], text, lang)
		r.QuickReplies = options(lang, OptionHuman, OptionMain)
		return r
	case ActionClarify:
		b.record(ctx, text, lang, ActionClarify)
		return b.clarifyReply(ctx, conv, hits, lang)
	}
	b.record(ctx, text, lang, ActionFallback)
	return Reply{Action: ActionFallback, Text: say(lang, "fallback"), Confidence: top,
		QuickReplies: options(lang, OptionHuman, OptionMain)}
}

// minAnswerCoverage is the share of the question's topic words the top article
// must mention to be answered from; below it the bot only offers the article.
const minAnswerCoverage = 0.5

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
