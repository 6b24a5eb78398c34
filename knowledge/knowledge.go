// Package knowledge is the utility's knowledge base: articles, Chinese and English
// text analysis, a ranked index over published articles, retrieval, and the
// import/export of articles. It keeps the index in step with the store on this
// replica and, through the switchboard, on every other replica.
package knowledge

import "github.com/gridline/gridline"

// SearchOptions narrow a search. Zero values mean: any language, 5 results,
// published articles only.
type SearchOptions struct {
	Lang  string // "zh", "en" or "" for both
	Limit int
	// IncludeDrafts also searches draft articles (the admin's search box).
	IncludeDrafts bool
}

// Hit is one article found for a query.
type Hit struct {
	Article *gridline.Article
	// Score is the raw ranking score (BM25 with field boosts); comparable only
	// within one query.
	Score float64
	// Confidence is in [0,1]: how sure the index is that this article answers the
	// query, calibrated from the score normalised by the query's own maximum and the
	// margin to the runner-up. The bot answers only above its threshold.
	Confidence float64
}
