package gridline

import (
	"context"
	"time"
)

// Customer kinds: a person, or an organisation that buys power.
const (
	KindIndividual   = "individual"
	KindOrganisation = "organisation"
)

// Segments: how a customer buys power — for themselves (个人购电户), to pass on
// to others (转供电), or as a large user (大用户). "" is not yet known, as for a
// visitor nobody has identified.
const (
	SegmentResident     = "resident"
	SegmentIntermediary = "intermediary"
	SegmentLarge        = "large"
)

// Relationships: someone who may become a customer, one who is, one who was.
// "" is not yet known.
const (
	RelationshipPotential = "potential"
	RelationshipCurrent   = "current"
	RelationshipFormer    = "former"
)

// Customer is one record of the customer archive (客户档案): a person or an
// organisation, current, potential or former. A visitor who opens the chat is a
// Customer from the first message (kind individual, nothing else known); the
// record fills in as they tell us, an agent edits it, a host site vouches for it
// (Identifier) or an import brings it.
//
// Phone, Phones, IDNumber, Organisation.BankAccount and each account's Phone are
// personal data: package archive masks them for agents and logs every reveal.
type Customer struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
	// Phone is the main phone; Phones are any others. Stored normalised (archive.NormalizePhone).
	Phone   string   `json:"phone,omitempty"`
	Phones  []string `json:"phones,omitempty"`
	Email   string   `json:"email,omitempty"`
	Address string   `json:"address,omitempty"`
	// AccountNo is kept for the clients written before accounts were a list: the
	// number of the first account when there is one, else the number a visitor
	// gave in chat. Accounts is the archive's truth.
	AccountNo string `json:"account_no,omitempty"`
	Lang      string `json:"lang"`
	// IncomeBand is an individual's estimated income band, as the utility names
	// its bands; optional.
	IncomeBand string `json:"income_band,omitempty"`
	// IDNumber is an individual's identity-card number, or an organisation's
	// unified social credit code.
	IDNumber string `json:"id_number,omitempty"`
	// Identifier is the host site's own id for the customer; a widget session
	// signed for it binds to this record. Unique when set.
	Identifier   string `json:"identifier,omitempty"`
	Segment      string `json:"segment,omitempty"`
	Relationship string `json:"relationship,omitempty"`
	// Organisation holds what only an organisation has; nil for individuals.
	Organisation *Organisation `json:"organisation,omitempty"`
	// ContactOf is the organisation an individual is a contact person of.
	ContactOf string `json:"contact_of,omitempty"`
	// Attributes are the values of the utility's custom attributes, by key, as
	// text that the attribute's type (AttributeDef) accepts.
	Attributes map[string]string `json:"attributes"`
	Accounts   []Account         `json:"accounts"`
	// MergedInto names the survivor once this record was merged away; such a
	// record is kept so that references to it can be followed, but is no longer
	// listed or found.
	MergedInto   string     `json:"merged_into,omitempty"`
	AnonymisedAt *time.Time `json:"anonymised_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Organisation is what the archive keeps of an organisation beyond what every
// customer has.
type Organisation struct {
	// Nature is enterprise, institution (事业单位), government, or other.
	Nature        string `json:"nature,omitempty"`
	Location      string `json:"location,omitempty"`
	Bank          string `json:"bank,omitempty"`
	BankAccount   string `json:"bank_account,omitempty"`
	PostalAddress string `json:"postal_address,omitempty"`
	// OpenedOn is the date it was founded or opened its account, "2006-01-02".
	OpenedOn          string `json:"opened_on,omitempty"`
	RegisteredCapital *Money `json:"registered_capital,omitempty"`
	Employees         int    `json:"employees,omitempty"`
	ProductionScale   string `json:"production_scale,omitempty"`
	SalesSituation    string `json:"sales_situation,omitempty"`
}

// CustomerFilter narrows ListCustomers; zero fields do not filter. Records
// merged away are never listed.
type CustomerFilter struct {
	// ContactOf lists the contact people of one organisation.
	ContactOf string
	// After is a cursor: only customers whose ID sorts after it (keyset paging).
	After string
	Limit int // zero means 100
}

// CustomerStore keeps the archive's records; store/storetest.RunCustomers is its
// contract. Reads return a customer with its accounts.
type CustomerStore interface {
	// CreateCustomer stores c and its Accounts, giving it an ID, CreatedAt and
	// UpdatedAt when zero and Kind individual when empty. Returns ECONFLICT if the
	// ID, the Identifier or an account number is taken.
	CreateCustomer(ctx context.Context, c *Customer) error
	// Customer returns ENOTFOUND if there is no such customer.
	Customer(ctx context.Context, id string) (*Customer, error)
	// CustomerByIdentifier finds the record a host site's identifier names.
	// Returns ENOTFOUND.
	CustomerByIdentifier(ctx context.Context, identifier string) (*Customer, error)
	// UpdateCustomer saves the profile — every field but ID, Accounts, MergedInto,
	// AnonymisedAt and CreatedAt — and stamps UpdatedAt. Returns ENOTFOUND,
	// ECONFLICT (identifier taken).
	UpdateCustomer(ctx context.Context, c *Customer) error
	// ListCustomers returns customers in ID order.
	ListCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, error)
	// SearchCustomers finds up to limit customers (zero: 20) whose name starts
	// with q, or — when q is digits — whose phone or account number starts with
	// it, through indexes, so it stays fast at millions of records.
	SearchCustomers(ctx context.Context, q string, limit int) ([]*Customer, error)
}

// CustomerMerge records that one record was merged into another.
type CustomerMerge struct {
	SurvivorID string `json:"survivor_id"`
	MergedID   string `json:"merged_id"`
	By         string `json:"by"`
	// What moved to the survivor.
	Conversations int `json:"conversations"`
	Requests      int `json:"requests"`
	WorkOrders    int `json:"work_orders"`
	Accounts      int `json:"accounts"`
	// At is when it happened; a merge is done once.
	At time.Time `json:"at"`
}

// ArchiveFigures are the archive's counts. Anonymised records count; records
// merged away do not. A key "" counts the records where it is not yet known.
type ArchiveFigures struct {
	Customers      int            `json:"customers"`
	Accounts       int            `json:"accounts"`
	BySegment      map[string]int `json:"by_segment"`
	ByRelationship map[string]int `json:"by_relationship"`
	ByKind         map[string]int `json:"by_kind"`
	// ByAreaClass counts accounts.
	ByAreaClass map[string]int `json:"by_area_class"`
	// ServiceBySegment is what each segment's customers asked of the service
	// and how satisfied they were: the analysis the service rules ask for
	// (contact and complaint frequency, satisfaction by segment).
	ServiceBySegment map[string]SegmentService `json:"service_by_segment"`
}

// SegmentService counts one segment's contacts with the service: its
// conversations (chats and calls), its complaint work orders, and the ratings
// given in its conversations. Per customer, Conversations and Complaints are
// the contact and complaint frequency; RatingSum/Ratings the satisfaction.
type SegmentService struct {
	Customers     int `json:"customers"`
	Conversations int `json:"conversations"`
	Complaints    int `json:"complaints"`
	Ratings       int `json:"ratings"`
	RatingSum     int `json:"rating_sum"`
}

// ArchiveStore holds the operations on the archive as a whole, each one
// transaction over several tables; store/storetest.RunArchive is its contract.
type ArchiveStore interface {
	// ImportCustomers creates every customer (with accounts) or none: the first
	// bad row aborts and the error names it ("customer 3: …") keeping its code —
	// ECONFLICT for a taken ID, identifier or account number.
	ImportCustomers(ctx context.Context, cs []*Customer) error
	// MergeCustomers moves everything of m.MergedID — conversations, requests,
	// work orders, accounts, verifications, contact people — to m.SurvivorID, saves survivor's profile as the
	// merged one, marks the merged record MergedInto and records m with its
	// counts filled in, in one transaction. Returns ENOTFOUND, and EINVALID for
	// a record merged already or merged into itself.
	MergeCustomers(ctx context.Context, m *CustomerMerge, survivor *Customer) error
	// AnonymiseCustomer blanks the record's personal data — name, phones, email,
	// address, ID number, identifier, the organisation's bank account and
	// postal address, attributes, accounts' addresses and phones — and stamps
	// AnonymisedAt. Kind, segment, relationship, accounts and conversations stay,
	// so figures keep their counts. Returns ENOTFOUND.
	AnonymiseCustomer(ctx context.Context, id string) error
	// ArchiveFigures counts in the database.
	ArchiveFigures(ctx context.Context) (*ArchiveFigures, error)
}
