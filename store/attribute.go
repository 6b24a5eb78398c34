package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/gridline/gridline"
)

// AttributeDefs returns the custom attribute definitions in their order.
func (db *DB) AttributeDefs(ctx context.Context) ([]gridline.AttributeDef, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT key, label, type, options FROM customer_attributes ORDER BY position`)
	if err != nil {
		return nil, wrap("attribute defs", err)
	}
	defer rows.Close()
	out := []gridline.AttributeDef{}
	for rows.Next() {
		var d gridline.AttributeDef
		if err := rows.Scan(&d.Key, &d.Label, &d.Type, jsonCol{&d.Options}); err != nil {
			return nil, wrap("attribute defs", err)
		}
		if len(d.Options) == 0 {
			d.Options = nil
		}
		out = append(out, d)
	}
	return out, wrap("attribute defs", rows.Err())
}

// SetAttributeDefs replaces every definition in one transaction. Returns
// EINVALID for an unknown type, ECONFLICT for a key given twice.
func (db *DB) SetAttributeDefs(ctx context.Context, defs []gridline.AttributeDef) error {
	return db.inTx(ctx, "set attribute defs", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_attributes`); err != nil {
			return err
		}
		for i, d := range defs {
			opts, err := json.Marshal(nonNil(d.Options))
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, db.q(`INSERT INTO customer_attributes (key, position, label, type, options)
				VALUES (?, ?, ?, ?, ?)`), d.Key, i, d.Label, d.Type, string(opts))
			if isUnique(err) {
				return gridline.Errorf(gridline.ECONFLICT, "attribute %q is defined twice", d.Key)
			} else if isCheck(err) {
				return gridline.Errorf(gridline.EINVALID, "attribute %q has an unknown type %q", d.Key, d.Type)
			} else if err != nil {
				return err
			}
		}
		return nil
	})
}
