package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

// TestListsFollowTheAccessRule is hole 10 of issue 13: any agent could list
// every request with its phone. Over real HTTP, an agent lists what they may
// act on (open requests — the pool — and what they closed; their own orders and
// the unowned open ones), with phones masked as the archive masks them;
// supervisors list everything, masked; admins everything, whole.
func TestListsFollowTheAccessRule(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	_, annTok := e.staff(gridline.RoleAgent, "Ann")
	bob, bobTok := e.staff(gridline.RoleAgent, "Bob")
	_, supTok := e.staff(gridline.RoleSupervisor, "Sue")
	_, admTok := e.staff(gridline.RoleAdmin, "Ada")

	leave := func(phone string) gridline.Request {
		var r gridline.Request
		e.mustDo("POST", "/api/v1/widget/requests", e.customer().VisitorToken,
			map[string]string{"kind": "callback", "phone": phone}, http.StatusCreated, &r)
		return r
	}
	open := leave("13812341234")
	closed := leave("13956785678")
	e.mustDo("POST", fmt.Sprintf("/api/v1/requests/%d/close", closed.ID), bobTok, nil, http.StatusNoContent, nil)

	requests := func(tok string) map[int64]string {
		var rs []gridline.Request
		e.mustDo("GET", "/api/v1/requests", tok, nil, http.StatusOK, &rs)
		out := map[int64]string{}
		for _, r := range rs {
			out[r.ID] = r.Phone
		}
		return out
	}
	for _, tc := range []struct {
		who, tok string
		want     map[int64]string
	}{
		{"agent Ann", annTok, map[int64]string{open.ID: "138****1234"}},
		{"agent Bob, who closed one", bobTok, map[int64]string{open.ID: "138****1234", closed.ID: "139****5678"}},
		{"supervisor", supTok, map[int64]string{open.ID: "138****1234", closed.ID: "139****5678"}},
		{"admin", admTok, map[int64]string{open.ID: "13812341234", closed.ID: "13956785678"}},
	} {
		if got := requests(tc.tok); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s lists requests %v, want %v", tc.who, got, tc.want)
		}
	}

	// Orders: one in the unowned pool, one Bob owns; Ann sees the pool's,
	// masked, and never Bob's.
	wos := e.srv.cfg.WorkOrders
	pool, err := wos.Create(ctx, workorder.Actor{System: true}, workorder.NewOrder{Type: "consultation", Subtype: "callback",
		Phone: "13700001111", Description: "call me back"})
	if err != nil {
		t.Fatal(err)
	}
	bobs, err := wos.Create(ctx, workorder.Actor{User: bob}, workorder.NewOrder{Type: "repair", Phone: "13622223333",
		Address: "1 Grid Road", Description: "no power"})
	if err != nil {
		t.Fatal(err)
	}
	orders := func(tok string) map[string]string {
		var body struct {
			WorkOrders []gridline.WorkOrder `json:"workorders"`
		}
		e.mustDo("GET", "/api/v1/workorders", tok, nil, http.StatusOK, &body)
		out := map[string]string{}
		for _, wo := range body.WorkOrders {
			out[wo.ID] = wo.Phone
		}
		return out
	}
	for _, tc := range []struct {
		who, tok string
		want     map[string]string
	}{
		{"agent Ann", annTok, map[string]string{pool.ID: "137****1111"}},
		{"agent Bob", bobTok, map[string]string{pool.ID: "137****1111", bobs.ID: "136****3333"}},
		{"supervisor", supTok, map[string]string{pool.ID: "137****1111", bobs.ID: "136****3333"}},
		{"admin", admTok, map[string]string{pool.ID: "13700001111", bobs.ID: "13622223333"}},
	} {
		if got := orders(tc.tok); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s lists orders %v, want %v", tc.who, got, tc.want)
		}
	}
	// The order's own page keeps the number for whoever may see the order, and
	// the look is logged.
	var wo gridline.WorkOrder
	e.mustDo("GET", "/api/v1/workorders/"+bobs.ID, bobTok, nil, http.StatusOK, &wo)
	if wo.Phone != "13622223333" {
		t.Errorf("Bob's own order shows phone %q, want it whole", wo.Phone)
	}
	var seen []gridline.AuditEntry
	var page struct {
		Entries []gridline.AuditEntry `json:"entries"`
	}
	e.mustDo("GET", "/api/v1/audit?action="+gridline.AuditOrderView, admTok, nil, http.StatusOK, &page)
	seen = page.Entries
	if len(seen) != 1 || seen[0].ActorID != bob.ID || seen[0].Subject != gridline.SubjectWorkOrder+bobs.ID {
		t.Errorf("Bob's look at the order's phone is logged as %+v", seen)
	}
	if status, body := e.do("GET", "/api/v1/workorders/"+bobs.ID, annTok, nil); status != http.StatusNotFound {
		t.Errorf("Ann opens Bob's order: %d %s, want 404", status, strings.TrimSpace(string(body)))
	}
}
