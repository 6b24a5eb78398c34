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
	Slug   string   `json:"slug" validate:"required,slug"`
	Lang   string   `json:"lang" validate:"required,oneof=zh en"`
	Title  string   `json:"title" validate:"required,max=200"`
	Body   string   `json:"body" validate:"required,max=20000"`
	Tags   []string `json:"tags" validate:"max=20,dive,required,max=40"`
	Status string   `json:"status" validate:"required,oneof=draft published"`
}

// InputOf returns the input form of an article, tags trimmed and lower-cased.
func InputOf(a *gridline.Article) ArticleInput {
	tags := make([]string, 0, len(a.Tags))
	for _, t := range a.Tags {
		tags = append(tags, strings.ToLower(strings.TrimSpace(t)))
	}
	return ArticleInput{Slug: a.Slug, Lang: a.Lang, Title: strings.TrimSpace(a.Title), Body: a.Body, Tags: tags, Status: a.Status}
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
	return &gridline.Article{Slug: in.Slug, Lang: in.Lang, Title: in.Title, Body: in.Body, Tags: in.Tags, Status: in.Status}
}
