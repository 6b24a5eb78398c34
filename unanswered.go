package gridline

import (
	"context"
	"time"
)

// Unanswered is a question the bot could not answer, grouped by its normalised
// text and counted, until an admin links it to an article.
type Unanswered struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	Lang      string    `json:"lang"`
	Action    string    `json:"action"` // clarify or fallback, the last time it was asked
	Count     int       `json:"count"`
	FirstAt   time.Time `json:"first_at"`
	LastAt    time.Time `json:"last_at"`
	ArticleID int64     `json:"article_id,omitempty"` // set when resolved
	Resolved  bool      `json:"resolved"`
}

// UnansweredStore counts the questions the bot could not answer, so that admins
// know which articles to write; store/storetest.RunUnanswered is its contract.
type UnansweredStore interface {
	// RecordUnanswered counts one more ask of a normalised question text.
	RecordUnanswered(ctx context.Context, text, lang, action string) error
	// ListUnanswered returns open (or, with resolved, closed) questions, most asked first.
	ListUnanswered(ctx context.Context, resolved bool, limit int) ([]*Unanswered, error)
	// UnansweredQuestion returns one question, open or resolved. Returns ENOTFOUND.
	UnansweredQuestion(ctx context.Context, id int64) (*Unanswered, error)
	// ResolveUnanswered links the question to an article. Returns ENOTFOUND.
	ResolveUnanswered(ctx context.Context, id, articleID int64) error
}
