package knowledge

import (
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/validate"
)

// ArticleInput is an article as clients write it, with the rules every write
// must pass: the service checks them on create, update and import, and the HTTP
// layer may decode into it and call Validate to reject a request early with the
// same messages.
type ArticleInput struct {
	Slug  string   `json:"slug" validate:"required,slug"`
	Lang  string   `json:"lang" validate:"required,oneof=zh en"`
	Title string   `json:"title" validate:"required,max=200"`
	Body  string   `json:"body" validate:"required,max=20000"`
	Tags  []string `json:"tags" validate:"max=20,dive,required,max=40"`
	// Questions are the article's phrasings (see gridline.Article.Questions).
	Questions []string `json:"questions" validate:"max=100,dive,required,max=200"`
	Status    string   `json:"status" validate:"required,oneof=draft published"`
}

// MaxQuestions is how many phrasings an article may have: enough for every
// way customers put one topic, few enough that one article cannot swamp the
// questions field of the index. An edit or import over it is refused; linking
// one more unanswered question to a full article is too (EINVALID), so that an
// admin prunes rather than the oldest phrasing vanishing unseen.
const MaxQuestions = 100

// InputOf returns the input form of an article, tags trimmed and lower-cased,
// questions trimmed with blank ones and repeats (ignoring case and spacing)
// dropped: a phrasing pasted twice says nothing more.
func InputOf(a *gridline.Article) ArticleInput {
	tags := make([]string, 0, len(a.Tags))
	for _, t := range a.Tags {
		tags = append(tags, strings.ToLower(strings.TrimSpace(t)))
	}
	return ArticleInput{Slug: a.Slug, Lang: a.Lang, Title: strings.TrimSpace(a.Title), Body: a.Body, Tags: tags,
		Questions: tidyQuestions(a.Questions), Status: a.Status}
}

// tidyQuestions trims phrasings and drops blank ones and repeats, keeping order.
func tidyQuestions(qs []string) []string {
	out := make([]string, 0, len(qs))
	seen := make(map[string]bool, len(qs))
	for _, q := range qs {
		q = strings.Join(strings.Fields(q), " ")
		if k := questionKey(q); q != "" && !seen[k] {
			seen[k] = true
			out = append(out, q)
		}
	}
	return out
}

// questionKey is what two phrasings must share to be the same one: case and
// spacing and the punctuation at the ends do not count.
func questionKey(q string) string {
	return strings.TrimRight(strings.ToLower(strings.Join(strings.Fields(q), " ")), "?？!！.。 ")
}

// HasQuestion reports whether a already has q among its phrasings.
func HasQuestion(a *gridline.Article, q string) bool {
	k := questionKey(q)
	for _, have := range a.Questions {
		if questionKey(have) == k {
			return true
		}
	}
	return false
}

// Validate checks the input and returns an EINVALID *gridline.Error whose Fields
// name each bad field by its JSON name ("slug", "tags[3]"), or nil.
func (in ArticleInput) Validate() error {
	fields := validate.Fields(in)
	if len(fields) == 0 {
		return nil
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "the article is invalid", Fields: fields}
}

// Article returns the input as an article to store.
func (in ArticleInput) Article() *gridline.Article {
	return &gridline.Article{Slug: in.Slug, Lang: in.Lang, Title: in.Title, Body: in.Body, Tags: in.Tags,
		Questions: in.Questions, Status: in.Status}
}
