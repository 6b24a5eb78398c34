// Package validate is the one set of input rules Gridline checks with: the
// struct tags of request bodies, query parameters and socket frames (server) and
// of what the services accept (knowledge.ArticleInput) are read by one validator
// with one set of custom rules and one table of messages, so that the HTTP layer
// and a service reject the same input in the same words. It is the only package
// that imports go-playground/validator.
package validate

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

// Custom rules, by tag name.
var (
	// slug is an article's import key and part of URLs, so only lower-case
	// ASCII letters, digits and hyphens.
	slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,79}$`)
	// clientid is the id a client gives a message so that a resend is stored once.
	clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	// phone is a number a person can dial, with the usual separators.
	phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]{3,30}$`)
	// callsid is a telephony provider's id of a call (Twilio's CA…, Telnyx's
	// v2:…): it keys the call's state, so only id characters.
	callSIDPattern = regexp.MustCompile(`^[A-Za-z0-9:_-]{1,64}$`)
	// dtmf is keys pressed on a telephone keypad, maybe none.
	dtmfPattern = regexp.MustCompile(`^[0-9*#]*$`)
)

// instance is built once: a validator caches struct metadata and is safe for
// concurrent use.
var instance = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Report JSON field names, not Go ones.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	rules := map[string]func(string) bool{
		"slug":     slugPattern.MatchString,
		"clientid": clientIDPattern.MatchString,
		"callsid":  callSIDPattern.MatchString,
		"dtmf":     dtmfPattern.MatchString,
		// A phone number is stored trimmed, so the spaces around it do not count.
		"phone": func(s string) bool { return phonePattern.MatchString(strings.TrimSpace(s)) },
	}
	for tag, ok := range rules {
		if err := v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) }); err != nil {
			panic(err) // only a malformed tag name fails, which is a programming error
		}
	}
	return v
})

// Struct checks v (a struct or a pointer to one) by its `validate` tags. It
// returns nil, or an EINVALID *gridline.Error whose Fields are those of Fields.
func Struct(v any) error {
	fields := Fields(v)
	if fields == nil {
		return nil
	}
	return &gridline.Error{Code: gridline.EINVALID, Message: "some fields are invalid", Fields: fields}
}

// Fields checks v by its `validate` tags and returns each bad field by its JSON
// name ("slug", "tags[3]", "customer.phone") with what its rule asks for, in
// words a client may show; nil when v is valid. A caller with its own message
// for the error ("the article is invalid") builds the error from it.
func Fields(v any) map[string]string {
	err := instance().Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		// v is not a struct: a programming error, reported without internals.
		return map[string]string{"": "is not an object"}
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		name := fe.Namespace()
		if _, rest, ok := strings.Cut(name, "."); ok {
			name = rest // drop the struct's own name
		}
		fields[name] = message(fe)
	}
	return fields
}

// message says in plain words what a failed rule asks for.
func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "required_if", "required_without":
		return "is required"
	case "slug":
		return "must be 2 to 80 lower-case letters, digits or hyphens, starting with a letter or digit"
	case "clientid":
		return "must be 1 to 64 letters, digits or . _ : -"
	case "phone":
		return "must be a phone number"
	case "callsid":
		return "must be 1 to 64 letters, digits or : _ -"
	case "dtmf":
		return "must be keypad keys: 0-9, * or #"
	case "email":
		return "must be an email address"
	case "alphanum":
		return "must be letters and digits only"
	case "printascii":
		return "must be printable ASCII"
	case "unique":
		return "must not repeat"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max", "lte":
		return bound("at most", fe)
	case "min", "gte":
		return bound("at least", fe)
	case "gt":
		return bound("more than", fe)
	}
	return fmt.Sprintf("is invalid (%s)", fe.Tag())
}

// bound words a limit by what it counts: a string's characters, a list's items,
// else the value itself.
func bound(rel string, fe validator.FieldError) string {
	switch fe.Kind() {
	case reflect.String:
		return "must be " + rel + " " + fe.Param() + " characters"
	case reflect.Slice, reflect.Array, reflect.Map:
		return "must have " + rel + " " + fe.Param() + " items"
	}
	return "must be " + rel + " " + fe.Param()
}
