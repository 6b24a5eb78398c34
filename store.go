package gridline

import "context"

// Store is the persistence seam: one small interface per noun, embedded here so
// that callers may keep taking the whole Store while a consumer that needs one
// noun takes that noun's interface alone. A new noun adds its own interface in its
// own file and a line below, not methods to one growing list. SQLite (the
// embedded default) and PostgreSQL implement it in package store;
// store/storetest is the contract both pass, one suite per noun.
type Store interface {
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error

	CustomerStore
	ConversationStore
	MessageStore
	FigureStore
	UserStore
	SessionStore
	LoginFailureStore
	SettingStore
	ArticleStore
	UnansweredStore
	RequestStore
	WorkOrderStore
	ArchiveStore
	AccountStore
	AuditStore
	AttributeStore
	VerificationStore
	RatingStore
	AnalyticsStore
}
