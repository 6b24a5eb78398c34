package gridline

import (
	"context"
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

// AuditEntry is one line of a record's audit log: who did what to it, when.
// Detail names fields and counts, never their personal values, so that the
// log itself holds no personal data.
type AuditEntry struct {
	ID         int64  `json:"id"`
	CustomerID string `json:"customer_id"`
	// ActorID is the staff user, or a name for a non-person ("system",
	// "cli", "visitor").
	ActorID string    `json:"actor_id"`
	Action  string    `json:"action"`
	Field   string    `json:"field,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	At      time.Time `json:"at"`
}

// AuditStore keeps the customer archive's audit log, append only;
// store/storetest.RunAudit is its contract.
type AuditStore interface {
	// AppendAudit stores e, filling in ID and At (when zero).
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AppendAudits stores many entries at once (an import's), in one
	// transaction; their IDs are not filled in.
	AppendAudits(ctx context.Context, es []AuditEntry) error
	// ListAudit returns a customer's entries, newest first, at most limit
	// (zero: 100).
	ListAudit(ctx context.Context, customerID string, limit int) ([]*AuditEntry, error)
}
