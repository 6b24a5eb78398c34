package server

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/workorder"
)

type workOrderList struct {
	WorkOrders []gridline.WorkOrder `json:"workorders"`
}

// TestWorkOrderAPI: agents open and work orders through the API; they see only
// their own; illegal steps and lost races are 409; bad input is 400.
func TestWorkOrderAPI(t *testing.T) {
	e := newDeskEnv(t)
	_, annTok := e.staff(gridline.RoleAgent, "Ann")
	_, bobTok := e.staff(gridline.RoleAgent, "Bob")
	_, supTok := e.staff(gridline.RoleSupervisor, "Sue")

	var wo gridline.WorkOrder
	before := time.Now()
	e.mustDo("POST", "/api/v1/workorders", annTok, map[string]any{"type": "repair", "phone": "13800000000",
		"address": "北京市朝阳区建国路88号", "description": "no power since noon"}, http.StatusCreated, &wo)
	if !strings.HasPrefix(wo.Number, "GD") || len(wo.Number) != len("GD20261201-000001") || wo.Status != gridline.WorkOrderAccepted ||
		wo.AreaClass != gridline.AreaUrban || len(wo.Timeline) != 1 {
		t.Fatalf("created %+v", wo)
	}
	if d := wo.Deadline(gridline.DeadlineOnSite); d == nil || d.DueAt.Sub(before) < 44*time.Minute || d.DueAt.Sub(before) > 46*time.Minute {
		t.Errorf("on-site deadline %+v, want 45 minutes", d)
	}

	for _, tt := range []struct {
		name string
		body map[string]any
	}{
		{"unknown type", map[string]any{"type": "weather", "description": "x"}},
		{"unknown subtype", map[string]any{"type": "repair", "subtype": "solar", "description": "x"}},
		{"no description", map[string]any{"type": "repair"}},
		{"description too long", map[string]any{"type": "repair", "description": strings.Repeat("长", 4001)}},
		{"bad phone", map[string]any{"type": "repair", "description": "x", "phone": "call me"}},
		{"bad area class", map[string]any{"type": "repair", "description": "x", "area_class": "suburb"}},
	} {
		if status, body := e.do("POST", "/api/v1/workorders", annTok, tt.body); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", tt.name, status, body)
		}
	}

	// Bob neither owns nor handles it: not found, and not in his list.
	if status, _ := e.do("GET", "/api/v1/workorders/"+wo.ID, bobTok, nil); status != http.StatusNotFound {
		t.Errorf("a stranger's GET: %d, want 404", status)
	}
	var list workOrderList
	e.mustDo("GET", "/api/v1/workorders", bobTok, nil, http.StatusOK, &list)
	if len(list.WorkOrders) != 0 {
		t.Errorf("bob's list: %+v", list.WorkOrders)
	}
	e.mustDo("GET", "/api/v1/workorders?owner=me&type=repair&status=accepted&q=13800000000", annTok, nil, http.StatusOK, &list)
	if len(list.WorkOrders) != 1 || list.WorkOrders[0].ID != wo.ID {
		t.Errorf("ann's filtered list: %+v", list.WorkOrders)
	}
	e.mustDo("GET", "/api/v1/workorders?overdue=true", supTok, nil, http.StatusOK, &list)
	if len(list.WorkOrders) != 0 {
		t.Errorf("nothing is overdue yet: %+v", list.WorkOrders)
	}
	if status, _ := e.do("GET", "/api/v1/workorders?status=lost", supTok, nil); status != http.StatusBadRequest {
		t.Errorf("a bad status filter: %d, want 400", status)
	}

	events := "/api/v1/workorders/" + wo.ID + "/events"
	if status, body := e.do("POST", events, annTok, map[string]any{"action": "close"}); status != http.StatusConflict ||
		!strings.Contains(string(body), "accepted") {
		t.Errorf("closing an accepted order: %d %s, want 409 naming the status", status, body)
	}
	if status, _ := e.do("POST", events, annTok, map[string]any{"action": "teleport"}); status != http.StatusBadRequest {
		t.Errorf("an unknown action: %d, want 400", status)
	}
	if status, _ := e.do("POST", events, annTok, map[string]any{"action": "dispatch", "note": strings.Repeat("x", 2001)}); status != http.StatusBadRequest {
		t.Errorf("a note over the cap: %d, want 400", status)
	}

	// Two agents dispatch the version they both saw: one wins, the other is 409.
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, tok := range []string{annTok, supTok} {
		wg.Go(func() {
			statuses[i], _ = e.do("POST", events, tok, map[string]any{"action": "dispatch", "department": "crew 3", "version": wo.Version})
		})
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
		t.Errorf("racing dispatches: %v, want one 200 and one 409", statuses)
	}
	e.mustDo("POST", events, annTok, map[string]any{"action": "arrive"}, http.StatusOK, &wo)
	if wo.Status != gridline.WorkOrderOnSite || wo.Deadline(gridline.DeadlineRestore) == nil {
		t.Errorf("on site: %+v", wo)
	}
	e.mustDo("GET", "/api/v1/workorders/"+wo.ID, annTok, nil, http.StatusOK, &wo)
	if len(wo.Timeline) != 3 {
		t.Errorf("timeline %+v", wo.Timeline)
	}
}

// TestWorkOrderWidget: a customer reads their own orders and reminds once an
// hour; another customer's order is 404.
func TestWorkOrderWidget(t *testing.T) {
	e := newDeskEnv(t)
	_, supTok := e.staff(gridline.RoleSupervisor, "Sue")
	me, other := e.customer(), e.customer()
	var wo gridline.WorkOrder
	e.mustDo("POST", "/api/v1/workorders", supTok, map[string]any{"type": "consultation", "subtype": "callback",
		"conversation_id": me.ConversationID, "description": "call me about my bill"}, http.StatusCreated, &wo)
	if wo.CustomerID != me.CustomerID {
		t.Fatalf("the chat's customer was not filled in: %+v", wo)
	}
	var list struct {
		WorkOrders []gridline.WorkOrderPublic `json:"workorders"`
	}
	e.mustDo("GET", "/api/v1/widget/workorders", me.VisitorToken, nil, http.StatusOK, &list)
	if len(list.WorkOrders) != 1 || list.WorkOrders[0].Number != wo.Number || list.WorkOrders[0].NextDue == nil {
		t.Fatalf("my requests: %+v", list.WorkOrders)
	}
	e.mustDo("GET", "/api/v1/widget/workorders", other.VisitorToken, nil, http.StatusOK, &list)
	if len(list.WorkOrders) != 0 {
		t.Errorf("another customer's requests: %+v", list.WorkOrders)
	}
	if status, _ := e.do("GET", "/api/v1/widget/workorders/"+wo.ID, other.VisitorToken, nil); status != http.StatusNotFound {
		t.Errorf("another customer's order: %d, want 404", status)
	}
	if status, _ := e.do("POST", "/api/v1/widget/workorders/"+wo.ID+"/remind", other.VisitorToken, nil); status != http.StatusNotFound {
		t.Errorf("reminding about another customer's order: %d, want 404", status)
	}
	if status, _ := e.do("GET", "/api/v1/widget/workorders", "", nil); status != http.StatusUnauthorized {
		t.Errorf("no visitor token: %d, want 401", status)
	}
	var pub gridline.WorkOrderPublic
	e.mustDo("POST", "/api/v1/widget/workorders/"+wo.ID+"/remind", me.VisitorToken, nil, http.StatusOK, &pub)
	if pub.Reminders != 1 || !pub.Urgent {
		t.Errorf("after a reminder: %+v", pub)
	}
	if status, _ := e.do("POST", "/api/v1/widget/workorders/"+wo.ID+"/remind", me.VisitorToken, nil); status != http.StatusTooManyRequests {
		t.Errorf("a second reminder within the hour: %d, want 429", status)
	}
}

// TestWorkOrderSettings: staff read the policy and calendar; only admins change
// them, and a changed policy sets the next order's deadlines.
func TestWorkOrderSettings(t *testing.T) {
	e := newDeskEnv(t)
	_, agentTok := e.staff(gridline.RoleAgent, "Ann")
	_, adminTok := e.staff(gridline.RoleAdmin, "Ada")

	var p workorder.Policy
	e.mustDo("GET", "/api/v1/workorder-policy", agentTok, nil, http.StatusOK, &p)
	if len(p.Types) == 0 {
		t.Fatal("no default policy")
	}
	if status, _ := e.do("PUT", "/api/v1/workorder-policy", agentTok, p); status != http.StatusForbidden {
		t.Errorf("an agent's PUT: %d, want 403", status)
	}
	p.Types[0].Deadlines[0].Span = workorder.Span{Minutes: 30}
	e.mustDo("PUT", "/api/v1/workorder-policy", adminTok, p, http.StatusOK, nil)
	bad := p
	bad.Types = p.Types[1:]
	if status, _ := e.do("PUT", "/api/v1/workorder-policy", adminTok, bad); status != http.StatusBadRequest {
		t.Errorf("a policy without repair: %d, want 400", status)
	}
	before := time.Now()
	var wo gridline.WorkOrder
	e.mustDo("POST", "/api/v1/workorders", agentTok, map[string]any{"type": "repair", "description": "dark"}, http.StatusCreated, &wo)
	if d := wo.Deadline(gridline.DeadlineOnSite); d == nil || d.DueAt.Sub(before) > 31*time.Minute {
		t.Errorf("on-site deadline under the edited policy: %+v", d)
	}

	year := map[string]any{"years": map[string]any{"2026": map[string]any{"holidays": []string{"2026-10-01"}, "workdays": []string{"2026-10-10"}}}}
	if status, _ := e.do("PUT", "/api/v1/calendar", agentTok, year); status != http.StatusForbidden {
		t.Errorf("an agent's calendar PUT: %d, want 403", status)
	}
	e.mustDo("PUT", "/api/v1/calendar", adminTok, year, http.StatusOK, nil)
	e.mustDo("PUT", "/api/v1/calendar", adminTok, map[string]any{"years": map[string]any{"2027": map[string]any{"holidays": []string{"2027-01-01"}}}}, http.StatusOK, nil)
	var cal workorder.CalendarData
	e.mustDo("GET", "/api/v1/calendar", agentTok, nil, http.StatusOK, &cal)
	if len(cal.Years) != 2 || cal.Years["2026"].Workdays[0] != "2026-10-10" {
		t.Errorf("calendar after two imports: %+v", cal)
	}
	if status, _ := e.do("PUT", "/api/v1/calendar", adminTok, map[string]any{"years": map[string]any{"2026": map[string]any{"holidays": []string{"2026-02-30"}}}}); status != http.StatusBadRequest {
		t.Errorf("an impossible date: %d, want 400", status)
	}
}
