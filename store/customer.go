package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gridline/gridline"
)

const customerColumns = `id, kind, name, phone, phones, email, address, account_no, lang, income_band, id_number,
	identifier, segment, relationship, organisation, contact_of, attributes, merged_into, anonymised_at,
	created_at, updated_at`

func scanCustomer(s scanner) (*gridline.Customer, error) {
	var (
		c   gridline.Customer
		org string
	)
	err := s.Scan(&c.ID, &c.Kind, &c.Name, &c.Phone, jsonCol{&c.Phones}, &c.Email, &c.Address, &c.AccountNo,
		&c.Lang, &c.IncomeBand, &c.IDNumber, &c.Identifier, &c.Segment, &c.Relationship, &org, &c.ContactOf,
		jsonCol{&c.Attributes}, &c.MergedInto, timePtrCol{&c.AnonymisedAt}, timeCol{&c.CreatedAt},
		timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if org != "" {
		c.Organisation = &gridline.Organisation{}
		if err := json.Unmarshal([]byte(org), c.Organisation); err != nil {
			return nil, fmt.Errorf("store: bad stored organisation: %w", err)
		}
	}
	if len(c.Phones) == 0 {
		c.Phones = nil
	}
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	c.Accounts = []gridline.Account{}
	return &c, nil
}

// customerDefaults fills in what a new record may leave out.
func customerDefaults(c *gridline.Customer) {
	if c.ID == "" {
		c.ID = gridline.NewID()
	}
	if c.Kind == "" {
		c.Kind = gridline.KindIndividual
	}
	c.CreatedAt = norm(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	} else {
		c.UpdatedAt = norm(c.UpdatedAt)
	}
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	if c.Accounts == nil {
		c.Accounts = []gridline.Account{}
	}
	if len(c.Phones) == 0 {
		c.Phones = nil
	}
	for i := range c.Accounts {
		c.Accounts[i].CustomerID = c.ID
		if c.Accounts[i].Status == "" {
			c.Accounts[i].Status = gridline.AccountActive
		}
		c.Accounts[i].BilledAt = normPtr(c.Accounts[i].BilledAt)
	}
}

// profileArgs are a customer's profile columns after id, in customerColumns'
// order from kind to attributes.
func profileArgs(c *gridline.Customer) ([]any, error) {
	phones, err := json.Marshal(nonNil(c.Phones))
	if err != nil {
		return nil, err
	}
	attrs, err := json.Marshal(c.Attributes)
	if err != nil {
		return nil, err
	}
	if c.Attributes == nil {
		attrs = []byte("{}")
	}
	org := ""
	if c.Organisation != nil {
		b, err := json.Marshal(c.Organisation)
		if err != nil {
			return nil, err
		}
		org = string(b)
	}
	return []any{c.Kind, c.Name, c.Phone, string(phones), c.Email, c.Address, c.AccountNo, c.Lang, c.IncomeBand,
		c.IDNumber, c.Identifier, c.Segment, c.Relationship, org, c.ContactOf, string(attrs)}, nil
}

// customerConflict names what a unique violation on customers was about.
func customerConflict(err error, c *gridline.Customer) error {
	if strings.Contains(err.Error(), "identifier") {
		e := gridline.Errorf(gridline.ECONFLICT, "another customer has identifier %q", c.Identifier)
		e.Fields = map[string]string{"identifier": "taken"}
		return e
	}
	e := gridline.Errorf(gridline.ECONFLICT, "customer %q exists already", c.ID)
	e.Fields = map[string]string{"id": "taken"}
	return e
}

// CreateCustomer stores c and its Accounts, giving it an ID, CreatedAt and
// UpdatedAt when zero and Kind individual when empty. Returns ECONFLICT if the
// ID, the Identifier or an account number is taken.
func (db *DB) CreateCustomer(ctx context.Context, c *gridline.Customer) error {
	b := *c
	b.Accounts = append([]gridline.Account(nil), c.Accounts...)
	customerDefaults(&b)
	err := db.inTx(ctx, "create customer", func(tx *sql.Tx) error {
		if err := db.insertCustomers(ctx, tx, []*gridline.Customer{&b}); err != nil {
			return err
		}
		return db.writeTerms(ctx, tx, []*gridline.Customer{&b})
	})
	if err != nil {
		return err
	}
	*c = b
	return nil
}

// insertCustomers writes new records and their accounts, many rows a statement.
func (db *DB) insertCustomers(ctx context.Context, tx *sql.Tx, cs []*gridline.Customer) error {
	rows := make([][]any, 0, len(cs))
	var accts [][]any
	for _, c := range cs {
		args, err := profileArgs(c)
		if err != nil {
			return err
		}
		row := append([]any{c.ID}, args...)
		rows = append(rows, append(row, c.MergedInto, db.tp(c.AnonymisedAt), db.t(c.CreatedAt), db.t(c.UpdatedAt)))
		for i := range c.Accounts {
			accts = append(accts, db.accountArgs(&c.Accounts[i], i, c.CreatedAt))
		}
	}
	err := db.insertRows(ctx, tx, "customers", customerColumns, rows)
	if isUnique(err) {
		if len(cs) == 1 {
			return customerConflict(err, cs[0])
		}
		return gridline.Errorf(gridline.ECONFLICT, "a customer's ID or identifier is taken")
	} else if isCheck(err) {
		return gridline.Errorf(gridline.EINVALID, "a customer's kind, segment or relationship is not one the archive knows")
	} else if err != nil {
		return err
	}
	err = db.insertRows(ctx, tx, "accounts", accountColumns, accts)
	if isUnique(err) {
		return gridline.Errorf(gridline.ECONFLICT, "an account number is taken")
	} else if isCheck(err) {
		return gridline.Errorf(gridline.EINVALID, "an account's area class or status is not one the archive knows")
	}
	return err
}

// maxParams bounds the placeholders in one statement: under SQLite's 32766 and
// PostgreSQL's 65535.
const maxParams = 30000

// insertRows inserts rows into table in statements of as many rows as the
// placeholder limit allows: one round trip per few thousand rows instead of
// one per row.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, table, columns string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	per := max(1, maxParams/width)
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, db.q(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

// Customer returns ENOTFOUND if there is no such customer.
func (db *DB) Customer(ctx context.Context, id string) (*gridline.Customer, error) {
	return db.oneCustomer(ctx, "customer", `id = ?`, id)
}

// CustomerByIdentifier finds the record a host site's identifier names.
// Returns ENOTFOUND.
func (db *DB) CustomerByIdentifier(ctx context.Context, identifier string) (*gridline.Customer, error) {
	if identifier == "" {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "no customer has an empty identifier")
	}
	return db.oneCustomer(ctx, "customer by identifier", `identifier = ?`, identifier)
}

func (db *DB) oneCustomer(ctx context.Context, op, where string, arg any) (*gridline.Customer, error) {
	c, err := scanCustomer(db.read.QueryRowContext(ctx, db.q(`SELECT `+customerColumns+` FROM customers WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "customer not found")
	} else if err != nil {
		return nil, wrap(op, err)
	}
	if err := db.loadAccounts(ctx, db.read, []*gridline.Customer{c}); err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

// UpdateCustomer saves the profile and stamps UpdatedAt. Returns ENOTFOUND,
// ECONFLICT (identifier taken).
func (db *DB) UpdateCustomer(ctx context.Context, c *gridline.Customer) error {
	updated := now()
	err := db.inTx(ctx, "update customer", func(tx *sql.Tx) error {
		if err := db.updateProfile(ctx, tx, c, updated); err != nil {
			return err
		}
		return db.reindex(ctx, tx, c.ID)
	})
	if err != nil {
		return err
	}
	c.UpdatedAt = updated
	return nil
}

func (db *DB) updateProfile(ctx context.Context, tx *sql.Tx, c *gridline.Customer, updated time.Time) error {
	cu := *c
	if cu.Kind == "" {
		cu.Kind = gridline.KindIndividual
	}
	args, err := profileArgs(&cu)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, db.q(`UPDATE customers SET kind = ?, name = ?, phone = ?, phones = ?, email = ?,
		address = ?, account_no = ?, lang = ?, income_band = ?, id_number = ?, identifier = ?, segment = ?,
		relationship = ?, organisation = ?, contact_of = ?, attributes = ?, updated_at = ? WHERE id = ?`),
		append(args, db.t(updated), c.ID)...)
	if isUnique(err) {
		return customerConflict(err, c)
	} else if isCheck(err) {
		return gridline.Errorf(gridline.EINVALID, "kind, segment or relationship is not one the archive knows")
	} else if err != nil {
		return err
	}
	return mustAffect(res, "customer %q not found", c.ID)
}

// ListCustomers returns customers in ID order, never those merged away.
func (db *DB) ListCustomers(ctx context.Context, f gridline.CustomerFilter) ([]*gridline.Customer, error) {
	query := `SELECT ` + customerColumns + ` FROM customers WHERE merged_into = '' AND id > ?`
	args := []any{f.After}
	if f.ContactOf != "" {
		query += ` AND contact_of = ?`
		args = append(args, f.ContactOf)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return db.queryCustomers(ctx, "list customers", query+` ORDER BY id LIMIT ?`, append(args, limit)...)
}

func (db *DB) queryCustomers(ctx context.Context, op, query string, args ...any) ([]*gridline.Customer, error) {
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out := []*gridline.Customer{}
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			rows.Close()
			return nil, wrap(op, err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, wrap(op, db.loadAccounts(ctx, db.read, out))
}

// SearchCustomers finds up to limit customers (zero: 20) whose name starts with
// q or, when q is digits, whose phone or account number starts with it: range
// scans of customer_search's primary key.
func (db *DB) SearchCustomers(ctx context.Context, q string, limit int) ([]*gridline.Customer, error) {
	if limit <= 0 {
		limit = 20
	}
	var prefixes []string
	if d := digits(q); d != "" && d == strings.Map(dropSeparators, strings.TrimSpace(q)) {
		prefixes = []string{"p:" + d, "a:" + d}
	} else if n := nameKey(q); n != "" {
		prefixes = []string{"n:" + n}
	}
	var ids []string
	seen := map[string]bool{}
	for _, p := range prefixes {
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT customer_id FROM customer_search
			WHERE term >= ? AND term < ? ORDER BY term LIMIT ?`), p, p+"\U0010FFFF", limit)
		if err != nil {
			return nil, wrap("search customers", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, wrap("search customers", err)
			}
			if !seen[id] && len(ids) < limit {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("search customers", err)
		}
	}
	if len(ids) == 0 {
		return []*gridline.Customer{}, nil
	}
	found, err := db.queryCustomers(ctx, "search customers", `SELECT `+customerColumns+` FROM customers WHERE id IN (`+
		placeholders(len(ids))+`) AND merged_into = ''`, anySlice(ids)...)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*gridline.Customer, len(found))
	for _, c := range found {
		byID[c.ID] = c
	}
	out := make([]*gridline.Customer, 0, len(found))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anySlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// dropSeparators removes what people type inside phone and account numbers.
func dropSeparators(r rune) rune {
	switch r {
	case ' ', '-', '(', ')', '+':
		return -1
	}
	return r
}

// digits keeps the decimal digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// nameKey is how a name is searched: lower case, single spaces.
func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// searchTerms are the ways to find c: its name, every phone's digits and every
// account number.
func searchTerms(c *gridline.Customer) []string {
	var terms []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	if n := nameKey(c.Name); n != "" {
		add("n:" + n)
	}
	for _, p := range append([]string{c.Phone}, c.Phones...) {
		if d := digits(p); d != "" {
			add("p:" + d)
		}
	}
	for _, a := range c.Accounts {
		if d := digits(a.Phone); d != "" {
			add("p:" + d)
		}
		if a.AccountNo != "" {
			add("a:" + a.AccountNo)
		}
	}
	return terms
}

// writeTerms adds the search terms of new records.
func (db *DB) writeTerms(ctx context.Context, tx *sql.Tx, cs []*gridline.Customer) error {
	var rows [][]any
	for _, c := range cs {
		if c.MergedInto != "" {
			continue
		}
		for _, t := range searchTerms(c) {
			rows = append(rows, []any{t, c.ID})
		}
	}
	return db.insertRows(ctx, tx, "customer_search", "term, customer_id", rows)
}

// reindex rewrites one record's search terms from what tx sees of it now.
func (db *DB) reindex(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM customer_search WHERE customer_id = ?`), id); err != nil {
		return err
	}
	c, err := scanCustomer(tx.QueryRowContext(ctx, db.q(`SELECT `+customerColumns+` FROM customers WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", id)
	} else if err != nil {
		return err
	}
	if err := db.loadAccounts(ctx, tx, []*gridline.Customer{c}); err != nil {
		return err
	}
	return db.writeTerms(ctx, tx, []*gridline.Customer{c})
}

// mustAffect turns a write that touched no row into ENOTFOUND with the message.
func mustAffect(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("rows affected", err)
	}
	if n == 0 {
		return gridline.Errorf(gridline.ENOTFOUND, format, args...)
	}
	return nil
}
