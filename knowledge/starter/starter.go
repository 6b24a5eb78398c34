// Package starter is the knowledge base a new Gridline desk opens with, so that the
// bot can answer a power utility's everyday questions on the first day, before the
// utility has written articles of its own. The articles were written for this
// project for a fictional utility, Gridline Power (格兰电力): every topic has one
// English and one Chinese article stating the same facts and figures (a fictional
// hotline 400-000-1234, prices in yuan, response times in minutes and working days).
// An admin edits, unpublishes or replaces them like any other article.
//
// The articles are embedded in the binary; cmd/gridline imports them into an empty
// store on first start.
package starter

import (
	_ "embed" // for go:embed
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
)

// articlesJSON is the source of the starter articles, kept as a JSON array in the
// import format of POST /api/v1/articles/import so that the same file can be
// re-imported, diffed or edited by hand. A string, not a []byte, so that nothing
// can change it at run time.
//
//go:embed articles.json
var articlesJSON string

// Articles decodes the starter articles, in file order (each topic in English,
// then in Chinese). Every call returns fresh values, because the store writes IDs
// and versions into the articles it imports. Status is published unless the file
// says otherwise; IDs, versions and times are left for the store to assign.
func Articles() ([]*gridline.Article, error) {
	dec := json.NewDecoder(strings.NewReader(articlesJSON))
	dec.DisallowUnknownFields() // a misspelt field would otherwise vanish silently
	var as []*gridline.Article
	if err := dec.Decode(&as); err != nil {
		return nil, fmt.Errorf("starter: decode articles.json: %w", err)
	}
	for i, a := range as {
		if a == nil {
			return nil, fmt.Errorf("starter: article %d is null", i)
		}
		if a.Status == "" {
			a.Status = gridline.ArticlePublished
		}
	}
	return as, nil
}

// synonymsJSON is the starter synonym sets (knowledge.Synonyms as JSON): the words
// customers use for the same thing in the starter articles' topics, in Chinese
// and English. cmd/gridline stores them on first start; admins edit them.
//
//go:embed synonyms.json
var synonymsJSON string

// Synonyms decodes the starter synonym sets.
func Synonyms() (knowledge.Synonyms, error) {
	dec := json.NewDecoder(strings.NewReader(synonymsJSON))
	dec.DisallowUnknownFields()
	var s knowledge.Synonyms
	if err := dec.Decode(&s); err != nil {
		return knowledge.Synonyms{}, fmt.Errorf("starter: decode synonyms.json: %w", err)
	}
	return s, nil
}

// Index returns the starter articles and synonyms in a fresh knowledge index, each with its
// position as its ID (the store's job when they are imported), so that the bot and
// retrieval are measured on the knowledge base the desk ships with, at a realistic
// number of articles, without a store.
func Index() (*knowledge.Index, error) {
	as, err := Articles()
	if err != nil {
		return nil, err
	}
	syn, err := Synonyms()
	if err != nil {
		return nil, err
	}
	ix := knowledge.NewIndex()
	ix.SetSynonyms(syn)
	for i, a := range as {
		a.ID = int64(i + 1)
		ix.Put(a)
	}
	return ix, nil
}
