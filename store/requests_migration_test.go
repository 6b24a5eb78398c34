package store_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/store/storetest"
)

// TestRequestsBecomeOrders: migration 0006 carries every open request on as a
// consultation order (number, a day's answer deadline, a timeline entry) and
// closes it; closed requests stay as they were. The migration is run again by
// forgetting it, with an open request left meanwhile, as an old install would.
func TestRequestsBecomeOrders(t *testing.T) {
	for _, tt := range []struct {
		name   string
		url    func(t *testing.T) string
		driver string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "g.db") }, "sqlite"},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }, "pgx"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			url := tt.url(t)
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			closed := &gridline.Request{Kind: gridline.RequestMessage, Text: "done already"}
			must(t, db.CreateRequest(ctx, closed))
			must(t, db.CloseRequest(ctx, closed.ID, "u1"))
			open := &gridline.Request{Kind: gridline.RequestCallback, ConversationID: "c1", CustomerID: "cu1",
				Phone: "13800001234", Text: "please call after six"}
			must(t, db.CreateRequest(ctx, open))

			raw, err := sql.Open(tt.driver, withoutPoolParams(url))
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 6`); err != nil {
				t.Fatal(err)
			}
			must(t, db.Migrate(ctx))

			reqs, err := db.ListRequests(ctx, "open")
			if err != nil || len(reqs) != 0 {
				t.Fatalf("open requests after the migration: %+v, %v", reqs, err)
			}
			wos, err := db.ListWorkOrders(ctx, gridline.WorkOrderFilter{CustomerID: "cu1"})
			if err != nil || len(wos) != 1 {
				t.Fatalf("orders of the customer: %+v, %v", wos, err)
			}
			wo, err := db.WorkOrder(ctx, wos[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if wo.Type != gridline.WorkOrderConsultation || wo.Subtype != "callback" || wo.Status != gridline.WorkOrderAccepted ||
				wo.Phone != "13800001234" || wo.ConversationID != "c1" || wo.Description != "please call after six" ||
				!strings.HasPrefix(wo.Number, "GD") || !strings.Contains(wo.Number, "-R") || wo.Version != 1 {
				t.Errorf("the moved order: %+v", wo)
			}
			d := wo.Deadline(gridline.DeadlineAnswer)
			if d == nil || d.DueAt.Sub(wo.CreatedAt) != 24*time.Hour || d.WarnAt.Sub(wo.CreatedAt) != 24*time.Hour*8/10 || d.MetAt != nil {
				t.Errorf("its answer deadline: %+v (created %v)", d, wo.CreatedAt)
			}
			if len(wo.Timeline) != 1 || !strings.Contains(wo.Timeline[0].Note, "request #") {
				t.Errorf("its timeline: %+v", wo.Timeline)
			}
			if due, err := db.DueDeadlines(ctx, wo.CreatedAt.Add(25*time.Hour), 10); err != nil || len(due) != 1 || due[0].OrderID != wo.ID {
				t.Errorf("the sweep does not see it: %+v, %v", due, err)
			}
		})
	}
}
