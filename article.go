package gridline

import (
	"context"
	"time"
)

// Article statuses: only published articles are answered from.
const (
	ArticleDraft     = "draft"
	ArticlePublished = "published"
)

// Article is one knowledge-base entry. Every update bumps Version and keeps the
// previous version in the history.
type Article struct {
	ID    int64    `json:"id"`
	Slug  string   `json:"slug"`
	Lang  string   `json:"lang"`
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Tags  []string `json:"tags"`
	// Questions are the ways customers ask for this article, in their words
	// ("户号在哪里看", "where is my account number"). They are indexed as their
	// own field, versioned with the article, and grow when an admin links an
	// unanswered question to it, so the next customer who asks it is answered.
	Questions []string  `json:"questions"`
	Status    string    `json:"status"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// ArticleFilter narrows ListArticles; zero fields do not filter.
type ArticleFilter struct {
	Lang   string
	Status string
}

// ArticleStore keeps the knowledge base's articles and their history;
// store/storetest.RunArticles is its contract.
type ArticleStore interface {
	// CreateArticle stores a with Version 1. Returns ECONFLICT if the slug is taken.
	CreateArticle(ctx context.Context, a *Article) error
	// Article and ArticleBySlug return ENOTFOUND.
	Article(ctx context.Context, id int64) (*Article, error)
	ArticleBySlug(ctx context.Context, slug string) (*Article, error)
	// UpdateArticle saves a, keeps the previous version in the history and bumps
	// a.Version. When expectVersion > 0 and differs from the stored version it
	// returns ECONFLICT and writes nothing. Returns ENOTFOUND, ECONFLICT (slug taken).
	UpdateArticle(ctx context.Context, a *Article, expectVersion int) error
	// DeleteArticle removes the article and its history. Returns ENOTFOUND.
	DeleteArticle(ctx context.Context, id int64) error
	// ListArticles returns articles ordered by ID.
	ListArticles(ctx context.Context, f ArticleFilter) ([]*Article, error)
	// ArticleVersions returns every earlier version and the current one, newest first.
	ArticleVersions(ctx context.Context, id int64) ([]*Article, error)
	// ImportArticles upserts by slug in one transaction: either every article is
	// written or none is. It fills in IDs and versions.
	ImportArticles(ctx context.Context, as []*Article) error
}
