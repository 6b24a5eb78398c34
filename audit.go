package gridline

import (
	"context"
	"log/slog"
	"time"
)

// Audit actions on a customer's record.
const (
	AuditCreate    = "create"
	AuditView      = "view"
	AuditUpdate    = "update"
	AuditReveal    = "reveal"
	AuditMerge     = "merge"
	AuditAnonymise = "anonymise"
	AuditImport    = "import"
	AuditExport    = "export"
	AuditVerify    = "verify"
	AuditIdentify  = "identify"
)

// Audit actions of staff beyond the archive: the staff audit log (issue 13)
// is the same log, so that an admin reads one history of who did what.
const (
	AuditLogin         = "login"
	AuditLoginFailed   = "login_failed"
	AuditLogout        = "logout"
	AuditClaim         = "claim"
	AuditTransfer      = "transfer"
	AuditResolve       = "resolve"
	AuditArticleCreate = "article_create"
	AuditArticleUpdate = "article_update"
	AuditArticleDelete = "article_delete"
	AuditArticleImport = "article_import"
	AuditUserCreate    = "user_create"
	AuditUserUpdate    = "user_update"
	// AuditOrderView is a member of staff who does not see personal data
	// opening an order that carries a phone: lists mask it, the order's page
	// shows it (to call back), and the log says who looked, as the archive's
	// Reveal does.
	AuditOrderView = "workorder_view"
)

// Audit subjects name what a staff action was on, beside a customer's record.
const (
	SubjectConversation = "conversation:"
	SubjectArticle      = "article:"
	SubjectUser         = "user:"
	SubjectWorkOrder    = "workorder:"
)

// AuditEntry is one line of the audit log: who did what to what, when. An
// archive entry names its record in CustomerID; a staff action names its
// subject (SubjectConversation + an id, …) and may name a customer too.
// Detail names fields and counts, never their personal values, so that the
// log itself holds no personal data.
type AuditEntry struct {
	ID         int64  `json:"id"`
	CustomerID string `json:"customer_id,omitempty"`
	Subject    string `json:"subject,omitempty"`
	// ActorID is the staff user, or a name for a non-person ("system",
	// "cli", "visitor").
	ActorID string    `json:"actor_id"`
	Action  string    `json:"action"`
	Field   string    `json:"field,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at"`
}

// AuditFilter selects entries of the audit log; zero fields select everything.
type AuditFilter struct {
	ActorID string
	Action  string
	// From and To bound At (From inclusive, To exclusive).
	From, To time.Time
	// Before is the ID of the oldest entry seen: the next page starts below it.
	Before int64
	// Limit caps the result (0: 100).
	Limit int
}

// AuditStore keeps the audit log — the archive's and the staff's — append
// only; store/storetest.RunArchive (Audit, StaffAudit) is its contract.
type AuditStore interface {
	// AppendAudit stores e, filling in ID and At (when zero).
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AppendAudits stores many entries at once (an import's), in one
	// transaction; their IDs are not filled in.
	AppendAudits(ctx context.Context, es []AuditEntry) error
	// ListAudit returns a customer's entries, newest first, at most limit
	// (zero: 100).
	ListAudit(ctx context.Context, customerID string, limit int) ([]*AuditEntry, error)
	// SearchAudit returns the entries f selects, newest first.
	SearchAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}

// RecordAudit appends e for a staff action that has happened already: a
// failure to log it is written to logger (without personal data) and not
// returned, since the action cannot be undone for it. A nil st records
// nothing.
func RecordAudit(ctx context.Context, st AuditStore, logger *slog.Logger, e AuditEntry) {
	if st == nil {
		return
	}
	if err := st.AppendAudit(ctx, &e); err != nil && logger != nil {
		logger.Error("audit: append", "err", err, "action", e.Action, "actor", e.ActorID, "subject", e.Subject)
	}
}
