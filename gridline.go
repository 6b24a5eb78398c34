// Package gridline holds the shared nouns of the Gridline customer-service desk —
// customers, conversations, messages, users, articles, requests — and the storage
// seam that every implementation (SQLite, PostgreSQL) satisfies. It imports only
// the standard library; behaviour lives in bot, knowledge and handoff, adapters in
// store and handoff/redis, transport in server, wiring in cmd/gridline.
package gridline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Languages the desk speaks.
const (
	LangZH = "zh"
	LangEN = "en"
)

// NormalizeLang maps a browser locale ("zh-CN", "en-US", "") to a supported language.
// Anything that is not Chinese is answered in English.
func NormalizeLang(s string) string {
	if len(s) >= 2 && (s[:2] == "zh" || s[:2] == "ZH") {
		return LangZH
	}
	return LangEN
}

// NewID returns a random, unguessable identifier (128 bits, hex).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// AuthorKind says who wrote a message.
type AuthorKind string

// Author kinds.
const (
	AuthorCustomer AuthorKind = "customer"
	AuthorBot      AuthorKind = "bot"
	AuthorAgent    AuthorKind = "agent"
	AuthorSystem   AuthorKind = "system"
)

// Author is who wrote a message; ID is the customer or user id where there is one.
type Author struct {
	Kind AuthorKind `json:"kind"`
	ID   string     `json:"id,omitempty"`
	Name string     `json:"name,omitempty"`
}

// Customer is a person who contacts the utility. The archive keeps their
// conversations; Name, Phone and AccountNo are filled in when they tell us.
type Customer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	AccountNo string    `json:"account_no,omitempty"`
	Lang      string    `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
}

// ConversationStatus is where a conversation stands.
type ConversationStatus string

// Conversation statuses: with the bot, waiting in a queue, with an agent, closed.
const (
	StatusBot      ConversationStatus = "bot"
	StatusQueued   ConversationStatus = "queued"
	StatusActive   ConversationStatus = "active"
	StatusResolved ConversationStatus = "resolved"
)

// Skills name the queues conversations wait in and agents serve.
const (
	SkillBilling    = "billing"
	SkillRepair     = "repair"
	SkillConnection = "connection"
	SkillComplaint  = "complaint"
	SkillGeneral    = "general"
)

// Skills lists every skill, in display order.
var Skills = []string{SkillBilling, SkillRepair, SkillConnection, SkillComplaint, SkillGeneral}

// Priorities: higher is served first.
const (
	PriorityNormal     = 0
	PriorityVulnerable = 5
	PriorityUrgent     = 10
)

// Conversation is one matter a customer raised. Owner is the first agent who took
// it (first-inquiry responsibility) and never changes once set; Handler is who has
// it now, changed by transfers.
type Conversation struct {
	ID         string             `json:"id"`
	CustomerID string             `json:"customer_id"`
	Status     ConversationStatus `json:"status"`
	Lang       string             `json:"lang"`
	Skill      string             `json:"skill,omitempty"`
	Priority   int                `json:"priority"`
	Urgent     bool               `json:"urgent"`
	OwnerID    string             `json:"owner_id,omitempty"`
	HandlerID  string             `json:"handler_id,omitempty"`
	LastSeq    int64              `json:"last_seq"`
	Rating     int                `json:"rating,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
	QueuedAt   *time.Time         `json:"queued_at,omitempty"`
	AssignedAt *time.Time         `json:"assigned_at,omitempty"`
	ResolvedAt *time.Time         `json:"resolved_at,omitempty"`
}

// ConversationFilter narrows ListConversations; zero fields do not filter.
type ConversationFilter struct {
	Status     ConversationStatus
	CustomerID string
	OwnerID    string
	HandlerID  string
	Limit      int // zero means 100
}

// Citation points at the article an answer came from.
type Citation struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// QuickReply is a button the customer may press instead of typing; pressing it
// sends a choose{option} frame with ID.
type QuickReply struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Message is one line of a conversation. Seq is 1, 2, 3… per conversation and is
// assigned by the store; ClientID makes a customer's resend idempotent.
type Message struct {
	ConversationID string       `json:"conversation_id"`
	Seq            int64        `json:"seq"`
	ClientID       string       `json:"client_id,omitempty"`
	Author         Author       `json:"author"`
	Text           string       `json:"text"`
	Citations      []Citation   `json:"citations,omitempty"`
	QuickReplies   []QuickReply `json:"quick_replies,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
}

// Roles of staff users, from least to most privileged.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// User is a member of staff who logs in: an agent, supervisor or admin.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Skills       []string  `json:"skills"`
	Capacity     int       `json:"capacity"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a logged-in user's token, stored by its SHA-256 hash so that a leaked
// database does not leak live tokens.
type Session struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Article statuses: only published articles are answered from.
const (
	ArticleDraft     = "draft"
	ArticlePublished = "published"
)

// Article is one knowledge-base entry. Every update bumps Version and keeps the
// previous version in the history.
type Article struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Lang      string    `json:"lang"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Tags      []string  `json:"tags"`
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

// Request kinds: a message left while nobody was online, or a call back.
const (
	RequestMessage  = "message"
	RequestCallback = "callback"
	RequestHandoff  = "handoff"
)

// Request is something a customer left for staff that an agent must close: a
// message, a call-back number, or a handoff that could not be served at once.
type Request struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	ConversationID string     `json:"conversation_id,omitempty"`
	CustomerID     string     `json:"customer_id,omitempty"`
	Phone          string     `json:"phone,omitempty"`
	Text           string     `json:"text"`
	Status         string     `json:"status"` // open or closed
	CreatedAt      time.Time  `json:"created_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	ClosedBy       string     `json:"closed_by,omitempty"`
}

// Figures are the counts behind the admins' service figures, over the
// conversations created since a time. A conversation was handed off when it was
// ever queued, assigned or owned; engaged when the customer wrote at least once;
// bot-only when engaged and never handed off.
type Figures struct {
	Conversations int
	Handoffs      int
	Engaged       int
	BotOnly       int
	// Waited counts conversations both queued and assigned; WaitSeconds sums
	// their time from queued to assigned.
	Waited      int
	WaitSeconds float64
	Ratings     int
	RatingSum   int
	// OpenRequests and OpenUnanswered are counts now, whatever the window.
	OpenRequests   int
	OpenUnanswered int
}

// Store is the persistence seam. SQLite (the embedded default) and PostgreSQL
// implement it in package store; store/storetest is the contract both pass.
type Store interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error

	// CreateCustomer stores c, giving it an ID and CreatedAt when they are zero.
	CreateCustomer(ctx context.Context, c *Customer) error
	// Customer returns ENOTFOUND if there is no such customer.
	Customer(ctx context.Context, id string) (*Customer, error)
	// UpdateCustomer saves Name, Phone, AccountNo and Lang. Returns ENOTFOUND.
	UpdateCustomer(ctx context.Context, c *Customer) error

	// CreateConversation stores c, giving it an ID and timestamps when zero.
	CreateConversation(ctx context.Context, c *Conversation) error
	// Conversation returns ENOTFOUND if there is no such conversation.
	Conversation(ctx context.Context, id string) (*Conversation, error)
	// UpdateConversation saves status, lang, skill, priority, urgent, owner, handler,
	// rating and the time fields; LastSeq is the store's own. The owner, once set,
	// is never changed (first-inquiry responsibility). Returns ENOTFOUND.
	UpdateConversation(ctx context.Context, c *Conversation) error
	// RateConversation records the customer's rating (1-5) and nothing else, so
	// that it cannot undo a concurrent claim, transfer or resolve. Returns ENOTFOUND.
	RateConversation(ctx context.Context, id string, score int) error
	// ListConversations returns the newest first.
	ListConversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// Figures counts over conversations created at or after since (zero: all),
	// in the database, however many there are.
	Figures(ctx context.Context, since time.Time) (*Figures, error)

	// AppendMessage stores m with the conversation's next Seq and sets m.Seq and
	// m.CreatedAt. When m.ClientID is set and a message with that client id is
	// already stored in the conversation, nothing is written, m is overwritten with
	// the stored message and created is false. Returns ENOTFOUND for an unknown
	// conversation.
	AppendMessage(ctx context.Context, m *Message) (created bool, err error)
	// Messages returns up to limit messages with Seq > afterSeq in Seq order;
	// limit <= 0 means all.
	Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]*Message, error)

	// CreateUser stores u. Returns ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// User and UserByEmail return ENOTFOUND. Emails compare case-insensitively.
	User(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUser saves every field but ID and CreatedAt. Returns ENOTFOUND, ECONFLICT.
	UpdateUser(ctx context.Context, u *User) error
	ListUsers(ctx context.Context) ([]*User, error)

	// CreateSession stores s; Session returns ENOTFOUND for an unknown or expired hash.
	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, tokenHash string) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error

	// Setting returns ENOTFOUND for a key never set.
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error

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

	// RecordUnanswered counts one more ask of a normalised question text.
	RecordUnanswered(ctx context.Context, text, lang, action string) error
	// ListUnanswered returns open (or, with resolved, closed) questions, most asked first.
	ListUnanswered(ctx context.Context, resolved bool, limit int) ([]*Unanswered, error)
	// ResolveUnanswered links the question to an article. Returns ENOTFOUND.
	ResolveUnanswered(ctx context.Context, id, articleID int64) error

	// CreateRequest stores r as open.
	CreateRequest(ctx context.Context, r *Request) error
	// ListRequests returns requests with the given status ("" for all), newest first.
	ListRequests(ctx context.Context, status string) ([]*Request, error)
	// CloseRequest marks the request closed by a user. Returns ENOTFOUND.
	CloseRequest(ctx context.Context, id int64, userID string) error
}
