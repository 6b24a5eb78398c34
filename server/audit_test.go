package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
)

// TestStaffAuditLog: logins and failures, claims, transfers, resolves, article
// and user changes and archive views land in one log that admins read and
// filter over HTTP (actor, action, time) and nobody else reads; the log holds
// no address or password typed.
func TestStaffAuditLog(t *testing.T) {
	e := newDeskEnv(t)
	e.srv.cfg.Archive = &archive.Service{Store: e.store}
	ctx := context.Background()
	ann, annTok := e.staff(gridline.RoleAgent, "Ann", gridline.SkillGeneral)
	ada, adaTok := e.staff(gridline.RoleAdmin, "Ada")
	start := time.Now().UTC().Add(-time.Minute)

	if status, _ := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "ann@utility.test", "password": "not her password"}); status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", status)
	}
	if status, _ := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "someone@else.example", "password": "hunter2hunter2"}); status != http.StatusUnauthorized {
		t.Fatalf("unknown account: %d", status)
	}
	q := e.queued()
	e.mustDo("POST", "/api/v1/conversations/"+q.ConversationID+"/claim", annTok, nil, http.StatusOK, nil)
	e.mustDo("POST", "/api/v1/conversations/"+q.ConversationID+"/transfer", annTok,
		map[string]string{"to_skill": gridline.SkillGeneral, "note": "over to you"}, http.StatusOK, nil)
	q2 := e.queued()
	e.mustDo("POST", "/api/v1/conversations/"+q2.ConversationID+"/claim", annTok, nil, http.StatusOK, nil)
	e.mustDo("POST", "/api/v1/conversations/"+q2.ConversationID+"/resolve", annTok, nil, http.StatusOK, nil)
	var art gridline.Article
	e.mustDo("POST", "/api/v1/articles", adaTok, article("audit-test-en", "en", "Audit", "Audited."), http.StatusCreated, &art)
	e.mustDo("POST", "/api/v1/users", adaTok, map[string]any{"email": "cy@utility.test", "name": "Cy", "role": "agent",
		"skills": []string{}, "capacity": 2, "password": "long enough pw"}, http.StatusCreated, nil)
	cust := &gridline.Customer{Kind: "individual", Name: "Wang Fang", Phone: "13812341234"}
	if err := e.store.CreateCustomer(ctx, cust); err != nil {
		t.Fatal(err)
	}
	e.mustDo("GET", "/api/v1/customers/"+cust.ID, annTok, nil, http.StatusOK, nil)

	read := func(query string) []gridline.AuditEntry {
		t.Helper()
		var page struct {
			Entries []gridline.AuditEntry `json:"entries"`
		}
		e.mustDo("GET", "/api/v1/audit?"+query, adaTok, nil, http.StatusOK, &page)
		return page.Entries
	}
	actions := func(es []gridline.AuditEntry) string {
		var out []string
		for _, x := range es {
			out = append(out, x.Action)
		}
		return strings.Join(out, " ")
	}
	if got, want := actions(read("actor="+ann.ID)), "view resolve claim transfer claim login_failed login"; got != want {
		t.Errorf("Ann's entries, newest first: %q, want %q", got, want)
	}
	if got, want := actions(read("actor="+ada.ID)), "user_create article_create login"; got != want {
		t.Errorf("Ada's entries: %q, want %q", got, want)
	}
	failed := read("action=login_failed")
	if len(failed) != 2 || failed[0].ActorID != "" || failed[0].Detail != "unknown account" || failed[1].ActorID != ann.ID {
		t.Errorf("failed logins: %+v", failed)
	}
	tr := read("action=transfer")
	if len(tr) != 1 || tr[0].Subject != gridline.SubjectConversation+q.ConversationID || tr[0].Detail != "to queue general" {
		t.Errorf("transfer entry: %+v", tr)
	}
	if v := read("action=view&actor=" + ann.ID); len(v) != 1 || v[0].CustomerID != cust.ID {
		t.Errorf("archive view entry: %+v", v)
	}
	if got := read("from=" + url.QueryEscape(time.Now().UTC().Add(time.Hour).Format(time.RFC3339))); len(got) != 0 {
		t.Errorf("entries from an hour ahead: %+v", got)
	}
	if got := read("to=" + url.QueryEscape(start.Format(time.RFC3339))); len(got) != 0 {
		t.Errorf("entries before the test: %+v", got)
	}
	if got := read("limit=2"); len(got) != 2 {
		t.Errorf("limit=2 gave %d", len(got))
	}
	// Nothing personal: not the address typed, the password, the note or the customer's phone.
	all := fmt.Sprintf("%+v", read("limit=500"))
	for _, secret := range []string{"someone@else.example", "hunter2", "not her password", "over to you", "13812341234", "Wang"} {
		if strings.Contains(all, secret) {
			t.Errorf("the audit log holds %q: %s", secret, all)
		}
	}
	if status, _ := e.do("GET", "/api/v1/audit", annTok, nil); status != http.StatusForbidden {
		t.Errorf("an agent reads the audit log: %d, want 403", status)
	}
	if status, _ := e.do("GET", "/api/v1/audit?from=yesterday", adaTok, nil); status != http.StatusBadRequest {
		t.Errorf("from=yesterday: %d, want 400", status)
	}
}
