package knowledge

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/gridline/gridline"
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

// slugPattern is what a slug may look like: it is the import key and part of
// URLs, so only lower-case ASCII letters, digits and hyphens.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)

// articleValidator is built once; a validator caches struct metadata and is
// safe for concurrent use.
var articleValidator = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	if err := v.RegisterValidation("slug", func(fl validator.FieldLevel) bool {
		return slugPattern.MatchString(fl.Field().String())
	}); err != nil {
		panic(err) // only a malformed tag name fails, which is a programming error
	}
	return v
})

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
	fields := in.problems()
	if len(fields) == 0 {
		return nil
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "the article is invalid", Fields: fields}
}

func (in ArticleInput) problems() map[string]string {
	err := articleValidator().Struct(in)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return map[string]string{"article": err.Error()}
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		name := fe.Namespace()
		if _, rest, ok := strings.Cut(name, "."); ok {
			name = rest // drop the struct's own name
		}
		fields[name] = problemMessage(fe)
	}
	return fields
}

// problemMessage says in plain words what a failed rule asks for.
func problemMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "slug":
		return "must be 2 to 80 lower-case letters, digits or hyphens, starting with a letter or digit"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max":
		if fe.Kind() == reflect.Slice {
			return fmt.Sprintf("must have at most %s items", fe.Param())
		}
		return fmt.Sprintf("must be at most %s characters", fe.Param())
	}
	return "is invalid (" + fe.Tag() + ")"
}

// Article returns the input as an article to store.
func (in ArticleInput) Article() *gridline.Article {
	return &gridline.Article{Slug: in.Slug, Lang: in.Lang, Title: in.Title, Body: in.Body, Tags: in.Tags, Status: in.Status}
}
