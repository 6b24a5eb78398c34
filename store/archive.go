package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gridline/gridline"
)

// ImportCustomers creates every customer (with accounts) or none. Before
// writing it looks up, in batches, every ID, identifier and account number
// that is taken — in the database or earlier in the input — so that one
// ECONFLICT names them all in Fields ("3.identifier", "3.accounts.0.account_no",
// by index in cs); then it writes thousands of rows a statement.
func (db *DB) ImportCustomers(ctx context.Context, cs []*gridline.Customer) error {
	out := make([]*gridline.Customer, len(cs))
	for i, c := range cs {
		b := *c
		b.Accounts = append([]gridline.Account(nil), c.Accounts...)
		customerDefaults(&b)
		out[i] = &b
	}
	err := db.inTx(ctx, "import customers", func(tx *sql.Tx) error {
		if err := db.importConflicts(ctx, tx, out); err != nil {
			return err
		}
		if err := db.insertCustomers(ctx, tx, out); err != nil {
			return err
		}
		return db.writeTerms(ctx, tx, out)
	})
	if err != nil {
		return err
	}
	for i, c := range cs {
		*c = *out[i]
	}
	return nil
}

// importConflicts returns ECONFLICT naming every taken key of cs.
func (db *DB) importConflicts(ctx context.Context, tx *sql.Tx, cs []*gridline.Customer) error {
	ids, idents, accts := map[string]string{}, map[string]string{}, map[string]string{}
	fields := map[string]string{}
	for i, c := range cs {
		at := strconv.Itoa(i)
		if _, dup := ids[c.ID]; dup {
			fields[at+".id"] = "appears twice in the import"
		}
		ids[c.ID] = at + ".id"
		if c.Identifier != "" {
			if _, dup := idents[c.Identifier]; dup {
				fields[at+".identifier"] = "appears twice in the import"
			}
			idents[c.Identifier] = at + ".identifier"
		}
		for j, a := range c.Accounts {
			key := fmt.Sprintf("%s.accounts.%d.account_no", at, j)
			if _, dup := accts[a.AccountNo]; dup {
				fields[key] = "appears twice in the import"
			}
			accts[a.AccountNo] = key
		}
	}
	for _, check := range []struct {
		query string
		keys  map[string]string
	}{
		{`SELECT id FROM customers WHERE id IN (%s)`, ids},
		{`SELECT identifier FROM customers WHERE identifier IN (%s)`, idents},
		{`SELECT account_no FROM accounts WHERE account_no IN (%s)`, accts},
	} {
		keys := make([]string, 0, len(check.keys))
		for k := range check.keys {
			keys = append(keys, k)
		}
		for start := 0; start < len(keys); start += 1000 {
			chunk := keys[start:min(start+1000, len(keys))]
			rows, err := tx.QueryContext(ctx, db.q(fmt.Sprintf(check.query, placeholders(len(chunk)))), anySlice(chunk)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return err
				}
				fields[check.keys[k]] = "taken"
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	e := gridline.Errorf(gridline.ECONFLICT, "%d key(s) of the import are taken; nothing was written", len(fields))
	e.Fields = fields
	return e
}

// mergeMoves are the references to a customer that a merge moves to the
// survivor, "table.column". A new noun that belongs to customers (work
// orders, calls) adds its line here and the merge carries it in the same
// transaction.
var mergeMoves = []string{
	"conversations.customer_id",
	"requests.customer_id",
	"workorders.customer_id",
	"accounts.customer_id",
	"verifications.customer_id",
	"customers.contact_of",
}

// MergeCustomers moves everything of m.MergedID to m.SurvivorID in one
// transaction; see gridline.ArchiveStore.
func (db *DB) MergeCustomers(ctx context.Context, m *gridline.CustomerMerge, survivor *gridline.Customer) error {
	if m.SurvivorID == m.MergedID {
		return gridline.Errorf(gridline.EINVALID, "a customer cannot be merged into itself")
	}
	if survivor.ID != m.SurvivorID {
		return gridline.Errorf(gridline.EINVALID, "the survivor's profile is of another customer")
	}
	rec := *m
	rec.At = now()
	err := db.inTx(ctx, "merge customers", func(tx *sql.Tx) error {
		for _, id := range []string{m.SurvivorID, m.MergedID} {
			var merged string
			err := tx.QueryRowContext(ctx, db.q(`SELECT merged_into FROM customers WHERE id = ?`+db.forUpdate()), id).Scan(&merged)
			if errors.Is(err, sql.ErrNoRows) {
				return gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", id)
			} else if err != nil {
				return err
			}
			if merged != "" {
				return gridline.Errorf(gridline.EINVALID, "customer %q was merged already", id)
			}
		}
		var base int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(MAX(position) + 1, 0) FROM accounts WHERE customer_id = ?`),
			m.SurvivorID).Scan(&base); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET position = position + ? WHERE customer_id = ?`),
			base, m.MergedID); err != nil {
			return err
		}
		for _, ref := range mergeMoves {
			table, column, _ := strings.Cut(ref, ".")
			res, err := tx.ExecContext(ctx, db.q(`UPDATE `+table+` SET `+column+` = ? WHERE `+column+` = ?`),
				m.SurvivorID, m.MergedID)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			switch table {
			case "conversations":
				rec.Conversations = int(n)
			case "requests":
				rec.Requests = int(n)
			case "workorders":
				rec.WorkOrders = int(n)
			case "accounts":
				rec.Accounts = int(n)
			}
		}
		// The merged record gives up its identifier first, so that the survivor may take it.
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE customers SET merged_into = ?, identifier = '', updated_at = ?
			WHERE id = ?`), m.SurvivorID, db.t(rec.At), m.MergedID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM customer_search WHERE customer_id = ?`), m.MergedID); err != nil {
			return err
		}
		if err := db.updateProfile(ctx, tx, survivor, rec.At); err != nil {
			return err
		}
		if err := db.reindex(ctx, tx, m.SurvivorID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO customer_merges (merged_id, survivor_id, by_id, conversations,
			requests, workorders, accounts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), rec.MergedID, rec.SurvivorID, rec.By,
			rec.Conversations, rec.Requests, rec.WorkOrders, rec.Accounts, db.t(rec.At)); err != nil {
			return err
		}
		detail := fmt.Sprintf("conversations=%d requests=%d workorders=%d accounts=%d", rec.Conversations, rec.Requests,
			rec.WorkOrders, rec.Accounts)
		for _, e := range []gridline.AuditEntry{
			{CustomerID: rec.SurvivorID, ActorID: rec.By, Action: gridline.AuditMerge, Field: "from:" + rec.MergedID, Detail: detail, At: rec.At},
			{CustomerID: rec.MergedID, ActorID: rec.By, Action: gridline.AuditMerge, Field: "into:" + rec.SurvivorID, Detail: detail, At: rec.At},
		} {
			if err := db.insertAudit(ctx, tx, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	*m = rec
	survivor.UpdatedAt = rec.At
	return nil
}

// AnonymiseCustomer blanks the record's personal data and stamps
// AnonymisedAt; see gridline.ArchiveStore. Returns ENOTFOUND.
func (db *DB) AnonymiseCustomer(ctx context.Context, id string) error {
	return db.inTx(ctx, "anonymise customer", func(tx *sql.Tx) error {
		c, err := scanCustomer(tx.QueryRowContext(ctx, db.q(`SELECT `+customerColumns+` FROM customers WHERE id = ?`+db.forUpdate()), id))
		if errors.Is(err, sql.ErrNoRows) {
			return gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", id)
		} else if err != nil {
			return err
		}
		at := now()
		blank := gridline.Customer{ID: c.ID, Kind: c.Kind, AccountNo: c.AccountNo, Lang: c.Lang,
			Segment: c.Segment, Relationship: c.Relationship, ContactOf: c.ContactOf, Attributes: map[string]string{}}
		if o := c.Organisation; o != nil {
			kept := *o
			kept.Bank, kept.BankAccount, kept.PostalAddress = "", "", ""
			blank.Organisation = &kept
		}
		if err := db.updateProfile(ctx, tx, &blank, at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE customers SET anonymised_at = ? WHERE id = ?`), db.t(at), id); err != nil {
			return err
		}
		for _, stmt := range []string{
			`UPDATE accounts SET address = '', phone = '' WHERE customer_id = ?`,
			`UPDATE requests SET phone = '' WHERE customer_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, db.q(stmt), id); err != nil {
				return err
			}
		}
		return db.reindex(ctx, tx, id)
	})
}

// ArchiveFigures counts customers by segment, relationship and kind, and
// accounts by area class, in the database.
func (db *DB) ArchiveFigures(ctx context.Context) (*gridline.ArchiveFigures, error) {
	f := &gridline.ArchiveFigures{BySegment: map[string]int{}, ByRelationship: map[string]int{},
		ByKind: map[string]int{}, ByAreaClass: map[string]int{}}
	for _, g := range []struct {
		query string
		into  map[string]int
		total *int
	}{
		{`SELECT segment, COUNT(*) FROM customers WHERE merged_into = '' GROUP BY segment`, f.BySegment, &f.Customers},
		{`SELECT relationship, COUNT(*) FROM customers WHERE merged_into = '' GROUP BY relationship`, f.ByRelationship, nil},
		{`SELECT kind, COUNT(*) FROM customers WHERE merged_into = '' GROUP BY kind`, f.ByKind, nil},
		{`SELECT area_class, COUNT(*) FROM accounts GROUP BY area_class`, f.ByAreaClass, &f.Accounts},
	} {
		rows, err := db.read.QueryContext(ctx, g.query)
		if err != nil {
			return nil, wrap("archive figures", err)
		}
		for rows.Next() {
			var (
				k string
				n int
			)
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, wrap("archive figures", err)
			}
			g.into[k] = n
			if g.total != nil {
				*g.total += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("archive figures", err)
		}
	}
	svc, err := db.segmentService(ctx, f.BySegment)
	if err != nil {
		return nil, err
	}
	f.ServiceBySegment = svc
	return f, nil
}

// segmentService joins conversations, their ratings and complaint work orders
// to their customers' segments, in the database; customers counts each
// segment's records.
func (db *DB) segmentService(ctx context.Context, customers map[string]int) (map[string]gridline.SegmentService, error) {
	out := map[string]gridline.SegmentService{}
	for seg, n := range customers {
		out[seg] = gridline.SegmentService{Customers: n}
	}
	rows, err := db.read.QueryContext(ctx, `SELECT cu.segment, COUNT(*),
		COALESCE(SUM(CASE WHEN cv.rating > 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(cv.rating), 0)
		FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id
		WHERE cu.merged_into = '' GROUP BY cu.segment`)
	if err != nil {
		return nil, wrap("segment figures", err)
	}
	for rows.Next() {
		var (
			seg string
			s   gridline.SegmentService
		)
		if err := rows.Scan(&seg, &s.Conversations, &s.Ratings, &s.RatingSum); err != nil {
			rows.Close()
			return nil, wrap("segment figures", err)
		}
		s.Customers = out[seg].Customers
		out[seg] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("segment figures", err)
	}
	rows, err = db.read.QueryContext(ctx, db.q(`SELECT cu.segment, COUNT(*) FROM workorders w
		JOIN customers cu ON cu.id = w.customer_id
		WHERE w.type = ? AND cu.merged_into = '' GROUP BY cu.segment`), gridline.WorkOrderComplaint)
	if err != nil {
		return nil, wrap("segment figures", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seg string
			n   int
		)
		if err := rows.Scan(&seg, &n); err != nil {
			return nil, wrap("segment figures", err)
		}
		s := out[seg]
		s.Complaints = n
		out[seg] = s
	}
	return out, wrap("segment figures", rows.Err())
}
