package gridline

import (
	"context"
	"fmt"
	"time"
)

// Work-order types, after the 95598 practice. A reminder (催办) is not a type: it
// is an action on an open order.
const (
	WorkOrderRepair         = "repair"          // 故障报修
	WorkOrderComplaint      = "complaint"       // 投诉
	WorkOrderReport         = "report"          // 举报
	WorkOrderServiceRequest = "service_request" // 服务申请
	WorkOrderApplication    = "application"     // 业务申请
	WorkOrderConsultation   = "consultation"    // 咨询, call-backs and left messages
	WorkOrderOpinion        = "opinion"         // 意见/建议
	WorkOrderPraise         = "praise"          // 表扬
)

// WorkOrderTypes lists every type with the subtypes it accepts ("" is always
// accepted: no subtype given). The policy's deadlines are keyed by them.
var WorkOrderTypes = map[string][]string{
	WorkOrderRepair:         {},
	WorkOrderComplaint:      {},
	WorkOrderReport:         {},
	WorkOrderServiceRequest: {"reconnection", "appliance_damage", "meter_anomaly", "reading_anomaly", "other"},
	WorkOrderApplication:    {"new_connection", "capacity_change", "transfer", "close_account", "ev_charger", "solar"},
	WorkOrderConsultation:   {"message", "callback"},
	WorkOrderOpinion:        {"opinion", "suggestion"},
	WorkOrderPraise:         {},
}

// Work-order statuses, in lifecycle order. A reopened order is accepted again,
// with Reopened counting how often.
const (
	WorkOrderAccepted   = "accepted"
	WorkOrderDispatched = "dispatched"
	WorkOrderOnSite     = "on_site"
	WorkOrderHandled    = "handled"
	WorkOrderFollowedUp = "followed_up"
	WorkOrderClosed     = "closed"
)

// Supply classes of a business application; they set its deadline.
const (
	SupplyResidential = "residential"
	SupplyLowVoltage  = "low_voltage" // low-voltage non-residential
	SupplyHVSingle    = "hv_single"   // high-voltage, single supply
	SupplyHVDual      = "hv_dual"     // high-voltage, dual supply
)

// Deadline kinds: what the utility promised by when.
const (
	DeadlineOnSite    = "on_site"   // a crew at the address
	DeadlineRestore   = "restore"   // power back after the crew arrived
	DeadlineReconnect = "reconnect" // power back after an arrears payment
	DeadlineContact   = "contact"   // the customer called back
	DeadlineAnswer    = "answer"    // handled and answered
)

// Follow-up results (回访).
const (
	FollowUpSatisfied    = "satisfied"
	FollowUpDissatisfied = "dissatisfied"
	FollowUpUnreachable  = "unreachable"
)

// WorkOrder is a matter carried to closure on the utility's service clock: a
// number the customer can quote, an owner (first-inquiry responsibility: the
// agent who first took the matter, never changed by transfers), the deadlines of
// its type's policy and a timeline of every change. Version changes with every
// write, so that of two agents acting at once one wins and the other is told.
type WorkOrder struct {
	ID             string `json:"id"`
	Number         string `json:"number"` // e.g. GD20261201-000123, unique across replicas
	Type           string `json:"type"`
	Subtype        string `json:"subtype,omitempty"`
	Status         string `json:"status"`
	CustomerID     string `json:"customer_id,omitempty"`
	AccountNo      string `json:"account_no,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	Phone          string `json:"phone,omitempty"`
	Address        string `json:"address,omitempty"`
	AreaClass      string `json:"area_class"`
	// Supply is an application's supply class (SupplyResidential, …).
	Supply      string `json:"supply,omitempty"`
	Description string `json:"description"`
	OwnerID     string `json:"owner_id,omitempty"`
	// HandlerID is the user working on it now; Department the crew or unit it
	// was dispatched to.
	HandlerID  string `json:"handler_id,omitempty"`
	Department string `json:"department,omitempty"`
	Urgent     bool   `json:"urgent"`
	Reopened   int    `json:"reopened"`
	Reminders  int    `json:"reminders"`
	// CustomerRemindedAt is the customer's last reminder, for the once-an-hour cap.
	CustomerRemindedAt *time.Time `json:"customer_reminded_at,omitempty"`
	// FollowUpTries counts unanswered follow-up calls since the order was handled;
	// FollowUp is the recorded result.
	FollowUpTries int    `json:"follow_up_tries"`
	FollowUp      string `json:"follow_up,omitempty"`
	// MasterID links a report to the incident's master order.
	MasterID string `json:"master_id,omitempty"`
	// IncidentKey groups repair reports of one area (transformer area or address
	// prefix) into incidents.
	IncidentKey string          `json:"-"`
	Deadlines   []Deadline      `json:"deadlines"`
	Timeline    []TimelineEntry `json:"timeline"`
	Version     int64           `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	ClosedAt    *time.Time      `json:"closed_at,omitempty"`
}

// Open reports whether the order is not closed.
func (wo *WorkOrder) Open() bool { return wo.Status != WorkOrderClosed }

// Deadline finds the order's deadline of kind, or nil.
func (wo *WorkOrder) Deadline(kind string) *Deadline {
	for i := range wo.Deadlines {
		if wo.Deadlines[i].Kind == kind {
			return &wo.Deadlines[i]
		}
	}
	return nil
}

// NextDue is the earliest due time of the order's pending deadlines, or nil when
// none is pending (then it is on no overdue board).
func (wo *WorkOrder) NextDue() *time.Time {
	if !wo.Open() {
		return nil
	}
	var next *time.Time
	for i := range wo.Deadlines {
		d := &wo.Deadlines[i]
		if d.MetAt == nil && (next == nil || d.DueAt.Before(*next)) {
			next = &d.DueAt
		}
	}
	return next
}

// Deadline is one promise: met, pending, or breached. WarnAt is 80 % of the way
// from StartAt to DueAt. Warned and Breached are set by the sweep, once each,
// whichever replica wins.
type Deadline struct {
	Kind     string     `json:"kind"`
	StartAt  time.Time  `json:"start_at"`
	WarnAt   time.Time  `json:"warn_at"`
	DueAt    time.Time  `json:"due_at"`
	MetAt    *time.Time `json:"met_at,omitempty"`
	Warned   bool       `json:"warned"`
	Breached bool       `json:"breached"`
}

// TimelineEntry is one change of an order: who did what, when, with what note.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"` // a user id, "customer", or "system"
	Action string    `json:"action"`
	Status string    `json:"status"` // the status after the change
	Note   string    `json:"note,omitempty"`
}

// WorkOrderNumber formats the readable number of the n-th order of a day
// (yyyymmdd): GD20261201-000123.
func WorkOrderNumber(day string, n int64) string { return fmt.Sprintf("GD%s-%06d", day, n) }

// WorkOrderFilter selects orders to list. Zero fields select everything.
type WorkOrderFilter struct {
	Status, Type, OwnerID, CustomerID, MasterID string
	// ConversationID selects the orders a chat raised (with CustomerID, whose
	// index it rides on).
	ConversationID string
	// VisibleTo limits the list to orders a user owns or handles and open
	// orders nobody owns (an agent's reach under MaySeeWorkOrder); "" is no
	// limit (supervisors, admins).
	VisibleTo string
	// Open selects orders not closed; OverdueAt those with a pending deadline due
	// before it (the overdue board).
	Open      bool
	OverdueAt *time.Time
	// Query matches number, phone, account number, address or description.
	Query string
	// Limit caps the result (0: 100); orders come newest first, before Before
	// when it is set (the cursor of the next page).
	Limit  int
	Before *time.Time
}

// DueDeadline is a pending deadline the sweep must act on: past its warning
// point (not yet warned) or past due (not yet marked breached).
type DueDeadline struct {
	OrderID   string    `json:"order_id"`
	Number    string    `json:"number"`
	OwnerID   string    `json:"owner_id,omitempty"`
	HandlerID string    `json:"handler_id,omitempty"`
	Kind      string    `json:"kind"`
	WarnAt    time.Time `json:"warn_at"`
	DueAt     time.Time `json:"due_at"`
	Warned    bool      `json:"warned"`
	Breached  bool      `json:"breached"`
}

// Deadline marks the sweep sets, once each.
const (
	MarkWarned   = "warned"
	MarkBreached = "breached"
)

// WorkOrderStore keeps work orders, their deadlines and timelines;
// store/storetest.RunWorkOrders is its contract.
type WorkOrderStore interface {
	// NextWorkOrderSeq returns the next number of the day's series (1, 2, …),
	// unique across every process sharing the store.
	NextWorkOrderSeq(ctx context.Context, day string) (int64, error)
	// CreateWorkOrder stores wo with its deadlines and timeline, giving it an ID
	// when empty and Version 1. Returns ECONFLICT if the number is taken.
	CreateWorkOrder(ctx context.Context, wo *WorkOrder) error
	// WorkOrder returns the order with deadlines and timeline (oldest first).
	// Returns ENOTFOUND.
	WorkOrder(ctx context.Context, id string) (*WorkOrder, error)
	// WorkOrderByNumber returns ENOTFOUND.
	WorkOrderByNumber(ctx context.Context, number string) (*WorkOrder, error)
	// ListWorkOrders returns orders matching f, newest first, without timelines.
	ListWorkOrders(ctx context.Context, f WorkOrderFilter) ([]*WorkOrder, error)
	// UpdateWorkOrder saves wo if its stored version is still version, appending
	// entries to its timeline and saving its deadlines (new kinds added; a
	// deadline whose due time changed starts unwarned; warned and breached marks
	// are otherwise the sweep's and kept). wo.Version becomes the new version.
	// Returns ENOTFOUND, or ECONFLICT when another writer changed it first.
	UpdateWorkOrder(ctx context.Context, wo *WorkOrder, version int64, entries ...TimelineEntry) error
	// IncidentMaster returns the oldest open repair order with no master whose
	// IncidentKey is key, created at or after since. Returns ENOTFOUND.
	IncidentMaster(ctx context.Context, key string, since time.Time) (*WorkOrder, error)
	// DueDeadlines returns up to limit pending deadlines of open orders whose
	// warning point or due time is at or before now and not yet marked.
	DueDeadlines(ctx context.Context, now time.Time, limit int) ([]DueDeadline, error)
	// MarkDeadline sets mark (MarkWarned or MarkBreached; a breach implies the
	// warning) on the order's deadline of kind due at dueAt, unless it is set
	// already; won reports whether this call set it, so that of several
	// replicas sweeping at once exactly one notifies.
	MarkDeadline(ctx context.Context, orderID, kind string, dueAt time.Time, mark string) (won bool, err error)
}

// MaySeeWorkOrder is the work-order access rule, beside the conversation rules
// of access.go: supervisors and admins see every order; an agent sees the
// orders they own or handle, and the open orders nobody owns yet (what the bot
// or a customer opened before any agent took the chat: the orders' pool, as
// waiting chats are every agent's to see); a disabled account sees nothing. It is a rule of
// its own so that each may change alone; today they agree (SeesAllConversations
// reaches every order too).
func MaySeeWorkOrder(u *User, wo *WorkOrder) bool {
	switch {
	case u == nil || u.Disabled || wo == nil:
		return false
	case SeesAllConversations(u):
		return true
	}
	return u.ID != "" && (wo.OwnerID == u.ID || wo.HandlerID == u.ID || wo.OwnerID == "" && wo.Open())
}

// MayCloseWorkOrder reports whether u may close (or reopen) wo: its owner, or a
// supervisor or admin — first-inquiry responsibility: the handler alone may not.
func MayCloseWorkOrder(u *User, wo *WorkOrder) bool {
	if u == nil || u.Disabled || wo == nil {
		return false
	}
	return SeesAllConversations(u) || (wo.OwnerID != "" && wo.OwnerID == u.ID)
}

// EventWorkOrder is published when an order changes or a deadline warns or is
// breached: on the order's conversation topic (the customer's widget), on the
// owner's and handler's AgentTopic and on TopicAgents (supervisors' consoles).
// Data: WorkOrderNotice. It is also the type of the socket frame.
const EventWorkOrder = "workorder"

// Notice kinds of a WorkOrderNotice.
const (
	NoticeChanged  = "changed"  // status or fields changed; Action says how
	NoticeReminder = "reminder" // a reminder (催办) raised its urgency
	NoticeWarning  = "warning"  // a deadline is 80 % gone
	NoticeBreach   = "breach"   // a deadline passed unmet
)

// WorkOrderNotice is the body of an EventWorkOrder: what happened and the order's
// public face, enough for a console row or the widget's "my requests" line.
type WorkOrderNotice struct {
	Kind     string     `json:"kind"`
	Action   string     `json:"action,omitempty"`
	Deadline string     `json:"deadline,omitempty"` // the deadline kind of a warning or breach
	DueAt    *time.Time `json:"due_at,omitempty"`
	// MasterID is set when the change came from the incident's master order.
	MasterID string          `json:"master_id,omitempty"`
	Order    WorkOrderPublic `json:"order"`
}

// WorkOrderPublic is what a customer may see of an order: no staff notes, no
// owner, only the status and the promises.
type WorkOrderPublic struct {
	ID        string     `json:"id"`
	Number    string     `json:"number"`
	Type      string     `json:"type"`
	Subtype   string     `json:"subtype,omitempty"`
	Status    string     `json:"status"`
	Urgent    bool       `json:"urgent"`
	Reminders int        `json:"reminders"`
	Deadlines []Deadline `json:"deadlines"`
	NextDue   *time.Time `json:"next_due,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Public is the customer's view of wo.
func (wo *WorkOrder) Public() WorkOrderPublic {
	return WorkOrderPublic{ID: wo.ID, Number: wo.Number, Type: wo.Type, Subtype: wo.Subtype, Status: wo.Status,
		Urgent: wo.Urgent, Reminders: wo.Reminders, Deadlines: wo.Deadlines, NextDue: wo.NextDue(),
		CreatedAt: wo.CreatedAt, UpdatedAt: wo.UpdatedAt}
}
