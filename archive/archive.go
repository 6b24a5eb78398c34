// Package archive is the customer archive (客户档案): who a customer is, their
// accounts and a verified identity. It holds the archive's rules — what a
// valid record is, what agents may see of personal data and the logged
// "show", who may merge, import, export and anonymise, how a host site's
// signed identity and an in-chat verification bind a visitor to a record —
// over the store's per-noun seams. It knows nothing of SQL or HTTP: the
// server translates requests into these calls, the bot and the widget session
// call Identify and Verify.
package archive

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

// Store is what the archive keeps its records in.
type Store interface {
	gridline.CustomerStore
	gridline.AccountStore
	gridline.ArchiveStore
	gridline.AuditStore
	gridline.AttributeStore
	gridline.VerificationStore
}

// Actor is who acts on the archive: a member of staff, or the system itself
// (the command line, an import job).
type Actor struct {
	ID   string
	Role string
}

// Staff is the actor for a logged-in user.
func Staff(u *gridline.User) Actor {
	if u == nil {
		return Actor{}
	}
	return Actor{ID: u.ID, Role: u.Role}
}

// System acts with an admin's rights under a name of its own, as the command
// line does ("cli").
func System(name string) Actor { return Actor{ID: name, Role: gridline.RoleAdmin} }

// admin reports whether a may do what only admins do: merge, import, export,
// anonymise, read the audit log, set billing figures and attribute definitions.
func (a Actor) admin() bool { return a.Role == gridline.RoleAdmin }

// seesPersonal reports whether a sees personal data unmasked without asking:
// admins do; agents and supervisors see masks and use Reveal, which is logged.
func (a Actor) seesPersonal() bool { return gridline.SeesPersonalData(a.Role) }

func (a Actor) mustAdmin() error {
	if !a.admin() {
		return gridline.Errorf(gridline.EFORBIDDEN, "only an admin may do this")
	}
	return nil
}

func (a Actor) mustStaff() error {
	if a.Role == "" {
		return gridline.Errorf(gridline.EUNAUTHORIZED, "log in first")
	}
	return nil
}

// Service is the archive. Store is required; IdentitySecret verifies host
// sites' signed identities (empty: every signed identity is refused).
type Service struct {
	Store          Store
	IdentitySecret []byte
	Logger         *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// audit appends an entry; the action has happened already, so a failure to
// log it is reported to the caller as an internal error only after logging
// (without personal data) why.
func (s *Service) audit(ctx context.Context, a Actor, customerID, action, field, detail string) error {
	err := s.Store.AppendAudit(ctx, &gridline.AuditEntry{CustomerID: customerID, ActorID: a.ID, Action: action,
		Field: field, Detail: detail, At: s.now()})
	if err != nil {
		s.logger().Error("archive: audit", "err", err, "customer", customerID, "action", action)
	}
	return err
}

// AsSeenBy is c as actor a may see it: whole for admins, personal data masked
// for everyone else. Anything that shows a record to staff goes through it.
func AsSeenBy(a Actor, c *gridline.Customer) *gridline.Customer { return view(a, c) }

// view is what actor a may see of c.
func view(a Actor, c *gridline.Customer) *gridline.Customer {
	if a.seesPersonal() {
		return c
	}
	return Mask(c)
}

// Create validates and stores a new record, with its accounts. Billing
// figures are kept only from admins. Returns EINVALID (Fields), ECONFLICT.
func (s *Service) Create(ctx context.Context, a Actor, c *gridline.Customer) (*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	defs, err := s.Store.AttributeDefs(ctx)
	if err != nil {
		return nil, err
	}
	c.ID, c.MergedInto, c.AnonymisedAt = "", "", nil
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	c.Phones = dropMasked(c.Phones)
	if !a.admin() {
		for i := range c.Accounts {
			dropFigures(&c.Accounts[i], nil)
		}
	}
	if err := Normalize(c, defs); err != nil {
		return nil, err
	}
	if err := s.Store.CreateCustomer(ctx, c); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, a, c.ID, gridline.AuditCreate, "", ""); err != nil {
		return nil, err
	}
	return view(a, c), nil
}

// dropFigures replaces an account's billing figures with the stored ones (nil:
// none), for actors who may not set them.
func dropFigures(a *gridline.Account, stored *gridline.Account) {
	a.Balance, a.LastBill, a.Arrears, a.BilledAt = nil, nil, nil, nil
	if stored != nil {
		a.Balance, a.LastBill, a.Arrears, a.BilledAt = stored.Balance, stored.LastBill, stored.Arrears, stored.BilledAt
	}
}

// Get returns a record as a may see it and logs the view. A record merged
// away is returned as it is, MergedInto naming the survivor. Returns ENOTFOUND.
func (s *Service) Get(ctx context.Context, a Actor, id string) (*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	c, err := s.Store.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, a, c.ID, gridline.AuditView, "", ""); err != nil {
		return nil, err
	}
	return view(a, c), nil
}

// Update saves an edit of the record c.ID: its profile, and its accounts —
// each one listed is added or saved, none is removed (an account ends by
// status closed). A masked value sent back is kept as stored; billing figures
// are kept as stored unless an admin sets them. Returns ENOTFOUND, EINVALID,
// ECONFLICT.
func (s *Service) Update(ctx context.Context, a Actor, c *gridline.Customer) (*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	stored, err := s.Store.Customer(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if stored.MergedInto != "" {
		return nil, gridline.Errorf(gridline.EINVALID, "this record was merged into %s; edit that one", stored.MergedInto)
	}
	defs, err := s.Store.AttributeDefs(ctx)
	if err != nil {
		return nil, err
	}
	keepMasked(c, stored)
	for i := range c.Accounts {
		acc := &c.Accounts[i]
		var old *gridline.Account
		for j := range stored.Accounts {
			if stored.Accounts[j].AccountNo == strings.Map(dropSeparators, acc.AccountNo) {
				old = &stored.Accounts[j]
			}
		}
		if !a.admin() {
			dropFigures(acc, old)
		}
	}
	if err := Normalize(c, defs); err != nil {
		return nil, err
	}
	changed := changedFields(stored, c)
	if err := s.Store.UpdateCustomer(ctx, c); err != nil {
		return nil, err
	}
	for i := range c.Accounts {
		c.Accounts[i].CustomerID = c.ID
		if err := s.Store.PutAccount(ctx, &c.Accounts[i]); err != nil {
			return nil, accountError(i, err)
		}
	}
	if err := s.audit(ctx, a, c.ID, gridline.AuditUpdate, "", strings.Join(changed, ",")); err != nil {
		return nil, err
	}
	out, err := s.Store.Customer(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return view(a, out), nil
}

// accountError names the account of an edit that the store refused.
func accountError(i int, err error) error {
	var ge *gridline.Error
	if errors.As(err, &ge) {
		fields := map[string]string{}
		for f, m := range ge.Fields {
			fields["accounts."+strconv.Itoa(i)+"."+f] = m
		}
		return &gridline.Error{Code: ge.Code, Message: ge.Message, Fields: fields}
	}
	return err
}

// changedFields names the top-level fields that differ, for the audit log:
// names, never values.
func changedFields(old, edit *gridline.Customer) []string {
	var a, b map[string]json.RawMessage
	ja, _ := json.Marshal(old)
	jb, _ := json.Marshal(edit)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	var out []string
	for k, v := range b {
		switch k {
		case "id", "created_at", "updated_at", "merged_into", "anonymised_at":
			continue
		}
		if string(a[k]) != string(v) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Search finds records by name prefix, or phone or account-number prefix, as a
// may see them. Returns EINVALID for a query of no use (empty, over 100
// characters).
func (s *Service) Search(ctx context.Context, a Actor, q string, limit int) ([]*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if q == "" || len([]rune(q)) > 100 {
		return nil, &gridline.Error{Code: gridline.EINVALID, Message: "search for 1 to 100 characters",
			Fields: map[string]string{"q": "1 to 100 characters"}}
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if p, err := NormalizePhone(q); err == nil {
		q = PhoneDigits(p) // a whole number typed any way finds the stored one
	}
	cs, err := s.Store.SearchCustomers(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	for i, c := range cs {
		cs[i] = view(a, c)
	}
	return cs, nil
}

// List pages through records in ID order as a may see them.
func (s *Service) List(ctx context.Context, a Actor, f gridline.CustomerFilter) ([]*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	cs, err := s.Store.ListCustomers(ctx, f)
	if err != nil {
		return nil, err
	}
	for i, c := range cs {
		cs[i] = view(a, c)
	}
	return cs, nil
}

// Revealable fields: what Reveal shows unmasked.
const (
	RevealPhone       = "phone"
	RevealPhones      = "phones"
	RevealIDNumber    = "id_number"
	RevealBankAccount = "bank_account"
	// RevealAccountPhone + an account number: that account's phone.
	RevealAccountPhone = "account_phone:"
)

// Reveal shows one field of personal data unmasked and logs who asked. Returns
// EINVALID for a field that is not revealable, ENOTFOUND.
func (s *Service) Reveal(ctx context.Context, a Actor, id, field string) ([]string, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	c, err := s.Store.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	var values []string
	switch {
	case field == RevealPhone:
		values = []string{c.Phone}
	case field == RevealPhones:
		values = append([]string{}, c.Phones...)
	case field == RevealIDNumber:
		values = []string{c.IDNumber}
	case field == RevealBankAccount:
		values = []string{""}
		if c.Organisation != nil {
			values = []string{c.Organisation.BankAccount}
		}
	case strings.HasPrefix(field, RevealAccountPhone):
		no := strings.TrimPrefix(field, RevealAccountPhone)
		i := slices.IndexFunc(c.Accounts, func(acc gridline.Account) bool { return acc.AccountNo == no })
		if i < 0 {
			return nil, gridline.Errorf(gridline.ENOTFOUND, "the customer has no account %s", no)
		}
		values = []string{c.Accounts[i].Phone}
	default:
		return nil, &gridline.Error{Code: gridline.EINVALID, Message: "that field cannot be revealed",
			Fields: map[string]string{"field": "phone, phones, id_number, bank_account or account_phone:<account number>"}}
	}
	if err := s.audit(ctx, a, c.ID, gridline.AuditReveal, field, ""); err != nil {
		return nil, err
	}
	return values, nil
}

// Contacts lists an organisation's contact people as a may see them.
// Returns ENOTFOUND.
func (s *Service) Contacts(ctx context.Context, a Actor, orgID string) ([]*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	if _, err := s.Store.Customer(ctx, orgID); err != nil {
		return nil, err
	}
	return s.List(ctx, a, gridline.CustomerFilter{ContactOf: orgID})
}

// LinkContact makes the person personID a contact person of the organisation
// orgID (leaving any other), logged on the records concerned. Returns
// ENOTFOUND, and EINVALID unless the one is a person and the other an
// organisation, neither merged away.
func (s *Service) LinkContact(ctx context.Context, a Actor, orgID, personID string) (*gridline.Customer, error) {
	if orgID == "" {
		return nil, gridline.Errorf(gridline.EINVALID, "name the organisation")
	}
	return s.setContact(ctx, a, orgID, personID, func(string) bool { return true })
}

// UnlinkContact ends personID being a contact person of orgID. Returns
// ENOTFOUND, also when they are not its contact.
func (s *Service) UnlinkContact(ctx context.Context, a Actor, orgID, personID string) error {
	_, err := s.setContact(ctx, a, "", personID, func(was string) bool { return was != "" && was == orgID })
	return err
}

// setContact sets personID's ContactOf to orgID when ok(its current one).
func (s *Service) setContact(ctx context.Context, a Actor, orgID, personID string, ok func(was string) bool) (*gridline.Customer, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	p, err := s.Store.Customer(ctx, personID)
	if err != nil {
		return nil, err
	}
	was := p.ContactOf
	if !ok(was) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "that person is not a contact of this organisation")
	}
	if p.Kind != gridline.KindIndividual || p.MergedInto != "" {
		return nil, gridline.Errorf(gridline.EINVALID, "only a person's record, not merged away, is a contact person")
	}
	if orgID != "" {
		org, err := s.Store.Customer(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if org.Kind != gridline.KindOrganisation || org.MergedInto != "" {
			return nil, gridline.Errorf(gridline.EINVALID, "contact people belong to an organisation's record, not merged away")
		}
	}
	p.ContactOf = orgID
	if err := s.Store.UpdateCustomer(ctx, p); err != nil {
		return nil, err
	}
	for _, id := range []string{was, orgID} {
		if id == "" || id == was && id == orgID {
			continue
		}
		if err := s.audit(ctx, a, id, gridline.AuditUpdate, "contacts", personID); err != nil {
			return nil, err
		}
	}
	if err := s.audit(ctx, a, personID, gridline.AuditUpdate, "", "contact_of"); err != nil {
		return nil, err
	}
	return view(a, p), nil
}

// Merge merges the record fromID into survivorID (admins only): the survivor
// keeps its own profile and takes from the other what it lacks — name,
// phones, e-mail, address, ID number, identifier, organisation, attributes —
// and everything of the other moves to it; the merge is recorded and logged on
// both. Returns EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) Merge(ctx context.Context, a Actor, survivorID, fromID string) (*gridline.CustomerMerge, error) {
	if err := a.mustAdmin(); err != nil {
		return nil, err
	}
	if survivorID == fromID {
		return nil, gridline.Errorf(gridline.EINVALID, "a customer cannot be merged into itself")
	}
	sv, err := s.Store.Customer(ctx, survivorID)
	if err != nil {
		return nil, err
	}
	from, err := s.Store.Customer(ctx, fromID)
	if err != nil {
		return nil, err
	}
	merged := mergeProfile(sv, from)
	m := &gridline.CustomerMerge{SurvivorID: survivorID, MergedID: fromID, By: a.ID}
	if err := s.Store.MergeCustomers(ctx, m, merged); err != nil {
		return nil, err
	}
	return m, nil
}

// mergeProfile is the survivor's profile filled in from the other record.
func mergeProfile(sv, from *gridline.Customer) *gridline.Customer {
	m := *sv
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&m.Name, from.Name)
	fill(&m.Email, from.Email)
	fill(&m.Address, from.Address)
	fill(&m.IDNumber, from.IDNumber)
	fill(&m.Identifier, from.Identifier)
	fill(&m.IncomeBand, from.IncomeBand)
	fill(&m.Segment, from.Segment)
	fill(&m.Relationship, from.Relationship)
	fill(&m.ContactOf, from.ContactOf)
	phones := append([]string{}, sv.Phones...)
	for _, p := range append([]string{from.Phone}, from.Phones...) {
		if p != "" && p != m.Phone && !slices.Contains(phones, p) {
			if m.Phone == "" {
				m.Phone = p
			} else {
				phones = append(phones, p)
			}
		}
	}
	m.Phones = phones
	if m.Organisation == nil {
		m.Organisation = from.Organisation
	}
	m.Attributes = map[string]string{}
	for k, v := range from.Attributes {
		m.Attributes[k] = v
	}
	for k, v := range sv.Attributes {
		m.Attributes[k] = v
	}
	return &m
}

// Anonymise blanks a record's personal data on the customer's request (admins
// only); its counts stay in the figures. Returns EFORBIDDEN, ENOTFOUND.
func (s *Service) Anonymise(ctx context.Context, a Actor, id string) error {
	if err := a.mustAdmin(); err != nil {
		return err
	}
	if err := s.Store.AnonymiseCustomer(ctx, id); err != nil {
		return err
	}
	return s.audit(ctx, a, id, gridline.AuditAnonymise, "", "")
}

// Audit returns a record's audit log, newest first (admins only).
func (s *Service) Audit(ctx context.Context, a Actor, id string, limit int) ([]*gridline.AuditEntry, error) {
	if err := a.mustAdmin(); err != nil {
		return nil, err
	}
	if _, err := s.Store.Customer(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.ListAudit(ctx, id, limit)
}

// Attributes returns the custom attribute definitions (any staff: the card
// shows them).
func (s *Service) Attributes(ctx context.Context, a Actor) ([]gridline.AttributeDef, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	return s.Store.AttributeDefs(ctx)
}

// SetAttributes replaces the definitions (admins only). Returns EINVALID.
func (s *Service) SetAttributes(ctx context.Context, a Actor, defs []gridline.AttributeDef) error {
	if err := a.mustAdmin(); err != nil {
		return err
	}
	if err := CheckAttributeDefs(defs); err != nil {
		return err
	}
	return s.Store.SetAttributeDefs(ctx, defs)
}

// Figures counts the archive: customers by segment, relationship and kind,
// accounts by area class.
func (s *Service) Figures(ctx context.Context, a Actor) (*gridline.ArchiveFigures, error) {
	if err := a.mustStaff(); err != nil {
		return nil, err
	}
	return s.Store.ArchiveFigures(ctx)
}
