package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/insight"
)

// TestWidgetFeedback: a suggestion from the widget is a work order of the
// opinion type; an unknown kind is 400 and no token is 401.
func TestWidgetFeedback(t *testing.T) {
	e := newDeskEnv(t)
	me := e.customer()
	var got insight.Received
	e.mustDo("POST", "/api/v1/widget/feedback", me.VisitorToken, map[string]any{"kind": "suggestion", "text": "please add SMS alerts"},
		http.StatusCreated, &got)
	if got.WorkOrder.Type != gridline.WorkOrderOpinion || got.WorkOrder.Subtype != "suggestion" || !strings.Contains(got.Told, got.WorkOrder.Number) {
		t.Fatalf("feedback: %+v", got)
	}
	if status, _ := e.do("POST", "/api/v1/widget/feedback", me.VisitorToken, map[string]any{"kind": "complaint", "text": "x"}); status != http.StatusBadRequest {
		t.Errorf("unknown kind: %d", status)
	}
	if status, _ := e.do("POST", "/api/v1/widget/feedback", "", map[string]any{"kind": "praise", "text": "x"}); status != http.StatusUnauthorized {
		t.Errorf("no token: %d", status)
	}
}

// TestWidgetRateWorkOrder: the customer rates their closed order 2 and it is
// reopened; another customer's order is 404.
func TestWidgetRateWorkOrder(t *testing.T) {
	e := newDeskEnv(t)
	_, supTok := e.staff(gridline.RoleSupervisor, "Sue")
	me, other := e.customer(), e.customer()
	var wo gridline.WorkOrder
	e.mustDo("POST", "/api/v1/workorders", supTok, map[string]any{"type": "consultation", "subtype": "callback",
		"conversation_id": me.ConversationID, "description": "call me"}, http.StatusCreated, &wo)
	events := "/api/v1/workorders/" + wo.ID + "/events"
	e.mustDo("POST", events, supTok, map[string]any{"action": "handle", "note": "called"}, http.StatusOK, &wo)
	if status, _ := e.do("POST", events, supTok, map[string]any{"action": "close"}); status != http.StatusOK {
		e.mustDo("POST", events, supTok, map[string]any{"action": "follow_up", "satisfied": true}, http.StatusOK, nil)
		e.mustDo("POST", events, supTok, map[string]any{"action": "close"}, http.StatusOK, nil)
	}
	rating := "/api/v1/widget/workorders/" + wo.ID + "/rating"
	if status, _ := e.do("POST", rating, other.VisitorToken, map[string]any{"score": 1}); status != http.StatusNotFound {
		t.Errorf("another customer's order: %d, want 404", status)
	}
	var reasons struct {
		Reasons []insight.Reason `json:"reasons"`
	}
	e.mustDo("GET", "/api/v1/widget/rating-reasons", "", nil, http.StatusOK, &reasons)
	if len(reasons.Reasons) == 0 {
		t.Fatal("no reasons offered")
	}
	var out insight.Outcome
	e.mustDo("POST", rating, me.VisitorToken, map[string]any{"score": 2, "reasons": []string{reasons.Reasons[0].Code}, "lang": "en"},
		http.StatusOK, &out)
	if out.FollowUp == nil || out.FollowUp.Status != gridline.WorkOrderAccepted || !strings.Contains(out.Told, "contact you") {
		t.Fatalf("outcome %+v", out)
	}
	e.mustDo("GET", "/api/v1/workorders/"+wo.ID, supTok, nil, http.StatusOK, &wo)
	if wo.Reopened != 1 || wo.Status != gridline.WorkOrderAccepted {
		t.Fatalf("order after a bad rating: %s, reopened %d", wo.Status, wo.Reopened)
	}
}

// TestAnalyticsRoute: supervisors get JSON or CSV; agents are refused; the
// reasons list is the admins' to edit.
func TestAnalyticsRoute(t *testing.T) {
	e := newDeskEnv(t)
	_, supTok := e.staff(gridline.RoleSupervisor, "Sue")
	_, agentTok := e.staff(gridline.RoleAgent, "Ann")
	_, adminTok := e.staff(gridline.RoleAdmin, "Ada")
	e.customer()
	var r insight.Report
	e.mustDo("GET", "/api/v1/analytics?bucket=day", supTok, nil, http.StatusOK, &r)
	if r.Current.Conversations != 1 || len(r.Buckets) < 7 {
		t.Fatalf("report %+v", r)
	}
	if status, _ := e.do("GET", "/api/v1/analytics", agentTok, nil); status != http.StatusForbidden {
		t.Errorf("agent: %d, want 403", status)
	}
	if status, _ := e.do("GET", "/api/v1/analytics?bucket=week", supTok, nil); status != http.StatusBadRequest {
		t.Errorf("bucket week: %d, want 400", status)
	}
	req, _ := http.NewRequest("GET", e.base+"/api/v1/analytics?from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z", nil)
	req.Header.Set("Authorization", "Bearer "+supTok)
	req.Header.Set("Accept", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.HasPrefix(string(body), "bucket,conversations") ||
		!strings.Contains(string(body), "\n2026-01-02,") {
		t.Fatalf("csv %q: %s", ct, body)
	}

	put := map[string]any{"reasons": []map[string]string{{"code": "power_cut", "zh": "停电太久", "en": "Outage too long"}}}
	if status, _ := e.do("PUT", "/api/v1/rating-reasons", supTok, put); status != http.StatusForbidden {
		t.Errorf("supervisor edits reasons: %d, want 403", status)
	}
	e.mustDo("PUT", "/api/v1/rating-reasons", adminTok, put, http.StatusOK, nil)
	var reasons struct {
		Reasons []insight.Reason `json:"reasons"`
	}
	e.mustDo("GET", "/api/v1/rating-reasons", agentTok, nil, http.StatusOK, &reasons)
	if len(reasons.Reasons) != 1 || reasons.Reasons[0].Code != "power_cut" {
		t.Fatalf("reasons %+v", reasons)
	}
}
