package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridline/gridline"
)

// CreateCustomer stores c, giving it an ID and CreatedAt when they are zero.
// Returns ECONFLICT if the ID is taken.
func (db *DB) CreateCustomer(ctx context.Context, c *gridline.Customer) error {
	id := c.ID
	if id == "" {
		id = gridline.NewID()
	}
	created := norm(c.CreatedAt)
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO customers (id, name, phone, account_no, lang, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`), id, c.Name, c.Phone, c.AccountNo, c.Lang, db.t(created))
	if isUnique(err) {
		return gridline.Errorf(gridline.ECONFLICT, "customer %q exists already", id)
	} else if err != nil {
		return wrap("create customer", err)
	}
	c.ID, c.CreatedAt = id, created
	return nil
}

// Customer returns ENOTFOUND if there is no such customer.
func (db *DB) Customer(ctx context.Context, id string) (*gridline.Customer, error) {
	var c gridline.Customer
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id, name, phone, account_no, lang, created_at
		FROM customers WHERE id = ?`), id).
		Scan(&c.ID, &c.Name, &c.Phone, &c.AccountNo, &c.Lang, timeCol{&c.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "customer %q not found", id)
	} else if err != nil {
		return nil, wrap("customer", err)
	}
	return &c, nil
}

// UpdateCustomer saves Name, Phone, AccountNo and Lang. Returns ENOTFOUND.
func (db *DB) UpdateCustomer(ctx context.Context, c *gridline.Customer) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE customers SET name = ?, phone = ?, account_no = ?, lang = ?
		WHERE id = ?`), c.Name, c.Phone, c.AccountNo, c.Lang, c.ID)
	if err != nil {
		return wrap("update customer", err)
	}
	return mustAffect(res, "customer %q not found", c.ID)
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
