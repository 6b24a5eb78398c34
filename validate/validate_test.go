package validate

import (
	"maps"
	"testing"

	"github.com/gridline/gridline"
)

type sample struct {
	Slug     string   `json:"slug" validate:"required,slug"`
	ClientID string   `json:"client_id" validate:"omitempty,clientid"`
	Phone    string   `json:"phone" validate:"omitempty,phone"`
	Lang     string   `json:"lang" validate:"omitempty,oneof=zh en"`
	Title    string   `json:"title" validate:"max=5"`
	Tags     []string `json:"tags" validate:"max=2,dive,required"`
	Limit    int      `json:"limit" validate:"gte=0,lte=100"`
	Internal string   `json:"-" validate:"max=1"`
}

func TestFields(t *testing.T) {
	ok := sample{Slug: "pay-bill-en", ClientID: "c:1.2_3-x", Phone: " +86 (10) 9559-8 ", Lang: "zh", Title: "Bill", Tags: []string{"a"}, Limit: 10}
	tests := []struct {
		name string
		edit func(*sample)
		want map[string]string
	}{
		{"valid", func(*sample) {}, nil},
		{"required, by JSON name", func(s *sample) { s.Slug = "" }, map[string]string{"slug": "is required"}},
		{"slug", func(s *sample) { s.Slug = " Pay" }, map[string]string{"slug": "must be 2 to 80 lower-case letters, digits or hyphens, starting with a letter or digit"}},
		{"client id", func(s *sample) { s.ClientID = "a b" }, map[string]string{"client_id": "must be 1 to 64 letters, digits or . _ : -"}},
		{"phone", func(s *sample) { s.Phone = "call me" }, map[string]string{"phone": "must be a phone number"}},
		{"oneof", func(s *sample) { s.Lang = "fr" }, map[string]string{"lang": "must be one of: zh, en"}},
		{"string length", func(s *sample) { s.Title = "Bills!" }, map[string]string{"title": "must be at most 5 characters"}},
		{"list length", func(s *sample) { s.Tags = []string{"a", "b", "c"} }, map[string]string{"tags": "must have at most 2 items"}},
		{"list item", func(s *sample) { s.Tags = []string{"a", ""} }, map[string]string{"tags[1]": "is required"}},
		{"number", func(s *sample) { s.Limit = 101 }, map[string]string{"limit": "must be at most 100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			if got := Fields(&in); !maps.Equal(got, tt.want) {
				t.Errorf("Fields = %v, want %v", got, tt.want)
			}
			err := Struct(in)
			if (err == nil) != (tt.want == nil) || err != nil && gridline.ErrorCode(err) != gridline.EINVALID {
				t.Errorf("Struct = %v, want EINVALID iff fields are bad", err)
			}
		})
	}
}
