package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridline/gridline"
)

const accountColumns = `account_no, customer_id, position, address, area_class, tariff, meter_no, status, phone,
	balance, last_bill, arrears, billed_at, created_at`

// accountArgs are an account's columns in accountColumns' order.
func (db *DB) accountArgs(a *gridline.Account, position int, created time.Time) []any {
	return []any{a.AccountNo, a.CustomerID, position, a.Address, a.AreaClass, a.Tariff, a.MeterNo, a.Status,
		a.Phone, moneyArg(a.Balance), moneyArg(a.LastBill), moneyArg(a.Arrears), db.tp(a.BilledAt), db.t(created)}
}

func moneyArg(m *gridline.Money) any {
	if m == nil {
		return nil
	}
	return int64(*m)
}

// moneyCol scans a nullable amount; NULL leaves the pointer nil.
type moneyCol struct{ m **gridline.Money }

func (c moneyCol) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	if !n.Valid {
		*c.m = nil
		return nil
	}
	v := gridline.Money(n.Int64)
	*c.m = &v
	return nil
}

func scanAccount(s scanner) (*gridline.Account, error) {
	var (
		a        gridline.Account
		position int
		created  time.Time
	)
	err := s.Scan(&a.AccountNo, &a.CustomerID, &position, &a.Address, &a.AreaClass, &a.Tariff, &a.MeterNo,
		&a.Status, &a.Phone, moneyCol{&a.Balance}, moneyCol{&a.LastBill}, moneyCol{&a.Arrears},
		timePtrCol{&a.BilledAt}, timeCol{&created})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// loadAccounts fills in the customers' Accounts, in their order, and the
// legacy AccountNo from the first one when it is blank.
func (db *DB) loadAccounts(ctx context.Context, qr queryer, cs []*gridline.Customer) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*gridline.Customer, len(cs))
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		c.Accounts = []gridline.Account{}
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	rows, err := qr.QueryContext(ctx, db.q(`SELECT `+accountColumns+` FROM accounts WHERE customer_id IN (`+
		placeholders(len(ids))+`) ORDER BY customer_id, position, account_no`), anySlice(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return err
		}
		c := byID[a.CustomerID]
		c.Accounts = append(c.Accounts, *a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cs {
		if c.AccountNo == "" && len(c.Accounts) > 0 {
			c.AccountNo = c.Accounts[0].AccountNo
		}
	}
	return nil
}

// Account finds an account by number. Returns ENOTFOUND.
func (db *DB) Account(ctx context.Context, accountNo string) (*gridline.Account, error) {
	a, err := scanAccount(db.read.QueryRowContext(ctx, db.q(`SELECT `+accountColumns+` FROM accounts WHERE account_no = ?`), accountNo))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "account %q not found", accountNo)
	}
	return a, wrap("account", err)
}

// PutAccount adds the account to a.CustomerID, or saves it when that customer
// has it already. Returns ENOTFOUND for an unknown customer, ECONFLICT when
// another customer has the number, EINVALID for an unknown area class or status.
func (db *DB) PutAccount(ctx context.Context, a *gridline.Account) error {
	b := *a
	if b.Status == "" {
		b.Status = gridline.AccountActive
	}
	b.BilledAt = normPtr(b.BilledAt)
	err := db.inTx(ctx, "put account", func(tx *sql.Tx) error {
		var owner string
		err := tx.QueryRowContext(ctx, db.q(`SELECT customer_id FROM accounts WHERE account_no = ?`+db.forUpdate()), b.AccountNo).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var position int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(MAX(position) + 1, 0) FROM accounts WHERE customer_id = ?`),
				b.CustomerID).Scan(&position); err != nil {
				return err
			}
			err = db.insertRows(ctx, tx, "accounts", accountColumns, [][]any{db.accountArgs(&b, position, now())})
			if isForeignKey(err) {
				return gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", b.CustomerID)
			}
		case err != nil:
			return err
		case owner != b.CustomerID:
			e := gridline.Errorf(gridline.ECONFLICT, "account %q belongs to another customer", b.AccountNo)
			e.Fields = map[string]string{"account_no": "belongs to another customer"}
			return e
		default:
			_, err = tx.ExecContext(ctx, db.q(`UPDATE accounts SET address = ?, area_class = ?, tariff = ?, meter_no = ?,
				status = ?, phone = ?, balance = ?, last_bill = ?, arrears = ?, billed_at = ? WHERE account_no = ?`),
				b.Address, b.AreaClass, b.Tariff, b.MeterNo, b.Status, b.Phone, moneyArg(b.Balance),
				moneyArg(b.LastBill), moneyArg(b.Arrears), db.tp(b.BilledAt), b.AccountNo)
		}
		if isCheck(err) {
			return gridline.Errorf(gridline.EINVALID, "account %q: area class or status is not one the archive knows", b.AccountNo)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE customers SET updated_at = ? WHERE id = ?`), db.t(now()), b.CustomerID); err != nil {
			return err
		}
		return db.reindex(ctx, tx, b.CustomerID)
	})
	if err != nil {
		return err
	}
	*a = b
	return nil
}
