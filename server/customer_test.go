package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/conversation"
	"github.com/gridline/gridline/handoff/memory"
	"github.com/gridline/gridline/store"
)

// archiveEnv is a server with the customer archive over a fresh SQLite store.
type archiveEnv struct {
	t     *testing.T
	url   string
	store *store.DB
}

func newArchiveEnv(t *testing.T) *archiveEnv {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	board := memory.NewSwitchboard()
	t.Cleanup(func() { board.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	arch := &archive.Service{Store: st, Logger: logger, IdentitySecret: []byte("host-secret")}
	convs := conversation.New(conversation.Config{Store: st, Board: board, Bot: bot.New(bot.Config{Logger: logger}),
		Archive: arch, Logger: logger})
	t.Cleanup(func() { convs.Close() })
	srv := New(Config{Store: st, Board: board, Logger: logger, Conversations: convs,
		Archive: arch, Secret: []byte("test")})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &archiveEnv{t: t, url: ts.URL, store: st}
}

// login makes a user of role and returns a session token.
func (e *archiveEnv) login(role, name string) string {
	e.t.Helper()
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		e.t.Fatal(err)
	}
	u := &gridline.User{Email: name + "@utility.test", Name: name, Role: role, Skills: []string{}, Capacity: 1, PasswordHash: hash}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	var out loginOutput
	e.call("POST", "/api/v1/auth/login", "", "application/json",
		`{"email":"`+u.Email+`","password":"correct horse battery"}`, http.StatusOK, &out)
	return out.Token
}

func (e *archiveEnv) call(method, path, token, ctype, body string, want int, out any) []byte {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return data
}

func (e *archiveEnv) json(method, path, token, body string, want int, out any) []byte {
	e.t.Helper()
	return e.call(method, path, token, "application/json", body, want, out)
}

type apiError struct {
	Error struct {
		Code   string            `json:"code"`
		Fields map[string]string `json:"fields"`
	} `json:"error"`
}

// TestCustomersAPI: staff create, search and edit records and see personal
// data masked until they ask (logged); admins alone merge, read the log,
// anonymise, import and export; validation names the fields.
func TestCustomersAPI(t *testing.T) {
	e := newArchiveEnv(t)
	adminTok, agentTok := e.login(gridline.RoleAdmin, "ada"), e.login(gridline.RoleAgent, "ann")

	e.json("GET", "/api/v1/customers", "", "", http.StatusUnauthorized, nil)
	var cu gridline.Customer
	e.json("POST", "/api/v1/customers", agentTok, `{"name":"张三","phone":"138 1234 1234","segment":"resident",
		"relationship":"current","accounts":[{"account_no":"0012345678","area_class":"rural","balance":12.5}]}`,
		http.StatusCreated, &cu)
	if cu.ID == "" || cu.Phone != "138****1234" || cu.Accounts[0].Balance != nil || cu.Kind != gridline.KindIndividual {
		t.Fatalf("created %+v", cu)
	}

	var ae apiError
	data := e.json("POST", "/api/v1/customers", agentTok, `{"kind":"robot","email":"nope","accounts":[{"area_class":"moon"}]}`,
		http.StatusBadRequest, nil)
	ae = apiError{}
	_ = json.Unmarshal(data, &ae)
	for _, f := range []string{"kind", "email", "accounts[0].account_no", "accounts[0].area_class"} {
		if _, ok := ae.Error.Fields[f]; !ok {
			t.Errorf("shape errors %v lack %q", ae.Error.Fields, f)
		}
	}
	data = e.json("POST", "/api/v1/customers", agentTok, `{"phone":"12345","accounts":[{"account_no":"12"}]}`, http.StatusBadRequest, nil)
	ae = apiError{}
	_ = json.Unmarshal(data, &ae)
	if ae.Error.Fields["phone"] == "" || ae.Error.Fields["accounts.0.account_no"] == "" {
		t.Errorf("archive rule errors %v", ae.Error.Fields)
	}
	e.json("POST", "/api/v1/customers", agentTok, `{"accounts":[{"account_no":"0012345678"}]}`, http.StatusConflict, nil)

	for _, q := range []string{"张", "13812341234", "138 1234", "00123"} {
		var list customerList
		e.json("GET", "/api/v1/customers?q="+urlQuery(q), agentTok, "", http.StatusOK, &list)
		if len(list.Customers) != 1 || list.Customers[0].ID != cu.ID || list.Customers[0].Phone != "138****1234" {
			t.Errorf("search %q: %+v", q, list.Customers)
		}
	}
	var all customerList
	e.json("GET", "/api/v1/customers", agentTok, "", http.StatusOK, &all)
	if len(all.Customers) != 1 {
		t.Errorf("list %+v", all)
	}

	var shown revealOutput
	e.json("POST", "/api/v1/customers/"+cu.ID+"/reveal", agentTok, `{"field":"phone"}`, http.StatusOK, &shown)
	if len(shown.Values) != 1 || shown.Values[0] != "13812341234" {
		t.Errorf("reveal %+v", shown)
	}
	e.json("POST", "/api/v1/customers/"+cu.ID+"/reveal", agentTok, `{}`, http.StatusBadRequest, nil)

	// The agent saves the masked card with a new name: the number stays real.
	var got gridline.Customer
	e.json("GET", "/api/v1/customers/"+cu.ID, agentTok, "", http.StatusOK, &got)
	got.Name = "张三丰"
	body, _ := json.Marshal(got)
	e.json("PUT", "/api/v1/customers/"+cu.ID, agentTok, string(body), http.StatusOK, &got)
	if stored, _ := e.store.Customer(context.Background(), cu.ID); stored.Phone != "13812341234" || stored.Name != "张三丰" {
		t.Errorf("stored after a masked save: %+v", stored)
	}
	e.json("GET", "/api/v1/customers/nobody", agentTok, "", http.StatusNotFound, nil)

	// Admins only.
	var other gridline.Customer
	e.json("POST", "/api/v1/customers", adminTok, `{"name":"张三","phone":"13900001111","accounts":[{"account_no":"0012345679"}]}`, http.StatusCreated, &other)
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/v1/customers/" + cu.ID + "/merge", `{"from_id":"` + other.ID + `"}`},
		{"GET", "/api/v1/customers/" + cu.ID + "/audit", ""},
		{"POST", "/api/v1/customers/" + cu.ID + "/anonymise", ""},
		{"GET", "/api/v1/customers/export", ""},
		{"PUT", "/api/v1/customer-attributes", `{"attributes":[]}`},
	} {
		e.json(r.method, r.path, agentTok, r.body, http.StatusForbidden, nil)
	}
	e.call("POST", "/api/v1/customers/import", agentTok, "text/csv", "name\nx\n", http.StatusForbidden, nil)

	var m gridline.CustomerMerge
	e.json("POST", "/api/v1/customers/"+cu.ID+"/merge", adminTok, `{"from_id":"`+other.ID+`"}`, http.StatusOK, &m)
	if m.Accounts != 1 || m.SurvivorID != cu.ID {
		t.Errorf("merge %+v", m)
	}
	e.json("POST", "/api/v1/customers/"+cu.ID+"/merge", adminTok, `{"from_id":"`+other.ID+`"}`, http.StatusBadRequest, nil)
	e.json("POST", "/api/v1/customers/"+cu.ID+"/merge", adminTok, `{}`, http.StatusBadRequest, nil)

	var audit struct {
		Entries []gridline.AuditEntry `json:"entries"`
	}
	e.json("GET", "/api/v1/customers/"+cu.ID+"/audit", adminTok, "", http.StatusOK, &audit)
	actions := map[string]bool{}
	for _, en := range audit.Entries {
		actions[en.Action+":"+en.Field] = true
	}
	for _, want := range []string{"create:", "view:", "reveal:phone", "update:", "merge:from:" + other.ID} {
		if !actions[want] {
			t.Errorf("audit %v lacks %q", actions, want)
		}
	}

	// Attributes, then an import that uses one, all or nothing.
	e.json("PUT", "/api/v1/customer-attributes", adminTok, `{"attributes":[{"key":"vip","type":"list","options":["gold"]}]}`, http.StatusOK, nil)
	e.json("PUT", "/api/v1/customer-attributes", adminTok, `{"attributes":[{"key":"vip","type":"colour"}]}`, http.StatusBadRequest, nil)
	var defs map[string][]gridline.AttributeDef
	e.json("GET", "/api/v1/customer-attributes", agentTok, "", http.StatusOK, &defs)
	if len(defs["attributes"]) != 1 {
		t.Errorf("attributes %+v", defs)
	}
	data = e.call("POST", "/api/v1/customers/import", adminTok, "text/csv",
		"name,phone,account_no,attr.vip\n李四,13700001111,0022222222,gold\n王五,bad,0033333333,platinum\n", http.StatusBadRequest, nil)
	ae = apiError{}
	_ = json.Unmarshal(data, &ae)
	if ae.Error.Fields["3.phone"] == "" || ae.Error.Fields["3.attr.vip"] == "" || len(ae.Error.Fields) != 2 {
		t.Errorf("import errors %v", ae.Error.Fields)
	}
	var imported map[string]int
	e.call("POST", "/api/v1/customers/import", adminTok, "text/csv",
		"name,phone,account_no,attr.vip\n李四,13700001111,0022222222,gold\n", http.StatusOK, &imported)
	if imported["imported"] != 1 {
		t.Errorf("imported %v", imported)
	}
	csvOut := e.json("GET", "/api/v1/customers/export", adminTok, "", http.StatusOK, nil)
	if !bytes.Contains(csvOut, []byte("李四,13700001111")) || !bytes.Contains(csvOut, []byte("attr.vip")) {
		t.Errorf("export %s", csvOut)
	}
	var figs gridline.ArchiveFigures
	e.json("GET", "/api/v1/customers/figures", agentTok, "", http.StatusOK, &figs)
	if figs.Customers != 2 || figs.Accounts != 3 || figs.BySegment[gridline.SegmentResident] != 1 {
		t.Errorf("figures %+v", figs)
	}

	e.json("POST", "/api/v1/customers/"+cu.ID+"/anonymise", adminTok, "", http.StatusNoContent, nil)
	var list customerList
	e.json("GET", "/api/v1/customers?q="+urlQuery("张"), agentTok, "", http.StatusOK, &list)
	if len(list.Customers) != 0 {
		t.Errorf("an anonymised record is found by name: %+v", list.Customers)
	}
}

func urlQuery(s string) string {
	r := strings.NewReplacer(" ", "%20")
	return r.Replace(strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), "&", "%26"))
}

// TestWidgetIdentityAndCard: a host-signed identity binds the widget session
// (a wrong hash is 401); staff see the conversation's customer masked, admins
// whole; the agent links the chat to a record and reads what the customer typed.
func TestWidgetIdentityAndCard(t *testing.T) {
	e := newArchiveEnv(t)
	sign := archive.SignIdentity([]byte("host-secret"), "host-9")
	e.call("POST", "/api/v1/widget/sessions", "", "application/json", `{"identifier":"host-9","identifier_hash":"`+strings.Repeat("0", 64)+`"}`, http.StatusUnauthorized, nil)
	var sess widgetSessionResponse
	e.call("POST", "/api/v1/widget/sessions", "", "application/json", `{"identifier":"host-9","identifier_hash":"`+sign+`"}`, http.StatusCreated, &sess)
	cust, err := e.store.CustomerByIdentifier(context.Background(), "host-9")
	if err != nil || sess.CustomerID != cust.ID {
		t.Fatalf("signed session belongs to %s (%v)", sess.CustomerID, err)
	}
	var unsigned widgetSessionResponse
	e.call("POST", "/api/v1/widget/sessions", "", "application/json", `{"identifier":"host-9"}`, http.StatusCreated, &unsigned)
	if unsigned.CustomerID == cust.ID {
		t.Fatal("an unsigned identifier linked to the customer")
	}

	known := &gridline.Customer{Name: "Li Lei", Phone: "13812345678"}
	if err := e.store.CreateCustomer(context.Background(), known); err != nil {
		t.Fatal(err)
	}
	admin, sup := e.login(gridline.RoleAdmin, "root"), e.login(gridline.RoleSupervisor, "sue")
	var linked conversationView
	e.call("POST", "/api/v1/conversations/"+unsigned.ConversationID+"/customer", sup, "application/json", `{"customer_id":"`+known.ID+`"}`, http.StatusOK, &linked)
	if linked.CustomerID != known.ID || linked.Customer == nil || linked.Customer.Phone != "138****5678" {
		t.Fatalf("linked view for a supervisor: %+v %+v", linked.Conversation, linked.Customer)
	}
	var whole conversationView
	e.call("GET", "/api/v1/conversations/"+unsigned.ConversationID, admin, "", "", http.StatusOK, &whole)
	if whole.Customer == nil || whole.Customer.Phone != "13812345678" {
		t.Errorf("admin's view: %+v", whole.Customer)
	}
	var sugg struct {
		Suggestions []conversation.CustomerSuggestion
	}
	e.call("GET", "/api/v1/conversations/"+unsigned.ConversationID+"/customer-suggestions", sup, "", "", http.StatusOK, &sugg)
	if sugg.Suggestions == nil {
		t.Error("suggestions are a list, empty here")
	}
}
