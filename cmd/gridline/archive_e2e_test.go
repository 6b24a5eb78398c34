package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gridline/gridline/archive"
)

// adminToken signs the test admin in.
func adminToken(t *testing.T, app *App) string {
	t.Helper()
	res, body := postJSON(t, app.URL()+"/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": "correct-horse-battery"}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin login: %d %s", res.StatusCode, body)
	}
	var login struct{ Token string }
	must(t, json.Unmarshal(body, &login))
	return login.Token
}

// botSays has the customer type text and returns the bot's answer.
func (c *chatClient) botSays(text string) string {
	c.t.Helper()
	c.send(map[string]any{"type": "message", "client_id": fmt.Sprint("c-", visitors.Add(1)), "text": text})
	f := c.next(botMessage, "the answer to "+text)
	s, _ := f["text"].(string)
	return s
}

// TestArchiveEndToEnd: a visitor proves an account by its number and the last
// four digits of its phone and gets the balance the billing system gave; three
// wrong tries are refused alike for an account that exists and one that does
// not; a host-signed identity binds the session, a wrong one is 401.
func TestArchiveEndToEnd(t *testing.T) {
	cfg := testConfig(t)
	cfg.IdentitySecret = "host-secret"
	app := startApp(t, cfg)
	admin := adminToken(t, app)
	res, body := postJSON(t, app.URL()+"/api/v1/customers", map[string]any{"name": "王芳", "phone": "13812345678", "segment": "resident",
		"accounts": []map[string]any{{"account_no": "3100000001", "area_class": "urban", "status": "active", "balance": 88.5, "arrears": 0}}},
		http.Header{"Authorization": {"Bearer " + admin}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create customer: %d %s", res.StatusCode, body)
	}
	var owner struct{ ID string }
	must(t, json.Unmarshal(body, &owner))

	t.Run("verify and ask the balance", func(t *testing.T) {
		s := newSession(t, app, "zh")
		c := mustDialChat(t, app, s.VisitorToken)
		c.send(map[string]any{"type": "hello", "last_seq": 0})
		c.next(botMessage, "greeting")
		if got := c.botSays("余额多少"); !strings.Contains(got, "验证户号") {
			t.Fatalf("before verifying: %q", got)
		}
		if got := c.botSays("3100000001 5678"); !strings.Contains(got, "已验证") {
			t.Fatalf("verify: %q", got)
		}
		if got := c.botSays("我欠费吗"); !strings.Contains(got, "88.50") || !strings.Contains(got, "没有欠费") {
			t.Errorf("balance: %q", got)
		}
		// The verified visitor's own orders are the account holder's.
		res, body := postJSON(t, app.URL()+"/api/v1/workorders", map[string]any{"type": "consultation", "customer_id": owner.ID,
			"description": "meter reading looks wrong"}, http.Header{"Authorization": {"Bearer " + admin}})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create work order: %d %s", res.StatusCode, body)
		}
		var wo struct{ Number string }
		must(t, json.Unmarshal(body, &wo))
		req, _ := http.NewRequest(http.MethodGet, app.URL()+"/api/v1/widget/workorders", nil)
		req.Header.Set("Authorization", "Bearer "+s.VisitorToken)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		var list struct{ Workorders []struct{ Number string } }
		must(t, json.NewDecoder(res.Body).Decode(&list))
		res.Body.Close()
		if len(list.Workorders) != 1 || list.Workorders[0].Number != wo.Number {
			t.Errorf("the verified visitor's orders: %+v, want %s", list.Workorders, wo.Number)
		}
	})

	t.Run("three wrong tries reveal nothing", func(t *testing.T) {
		var transcripts []string
		for _, account := range []string{"3100000001", "3999999999"} {
			s := newSession(t, app, "en")
			c := mustDialChat(t, app, s.VisitorToken)
			c.send(map[string]any{"type": "hello", "last_seq": 0})
			c.next(botMessage, "greeting")
			var got []string
			for _, digits := range []string{"0000", "1111", "2222", "5678"} {
				got = append(got, c.botSays("verify "+account+" "+digits))
			}
			if !strings.Contains(got[3], "no tries are left") {
				t.Errorf("fourth try on %s: %q", account, got[3])
			}
			if got := c.botSays("what is my balance"); strings.Contains(got, "88.50") {
				t.Errorf("a locked conversation was told the balance: %q", got)
			}
			transcripts = append(transcripts, strings.Join(got, "\n"))
		}
		if transcripts[0] != transcripts[1] {
			t.Errorf("an existing account reads differently from a missing one:\n%s\n---\n%s", transcripts[0], transcripts[1])
		}
	})

	t.Run("a host-signed identity binds the session", func(t *testing.T) {
		post := func(hash string) (*http.Response, []byte) {
			return postJSON(t, app.URL()+"/api/v1/widget/sessions", map[string]string{"identifier": "site-user-1", "identifier_hash": hash},
				http.Header{"X-Forwarded-For": {fmt.Sprintf("10.9.%d.1", visitors.Add(1)&255)}})
		}
		if res, body := post(archive.SignIdentity([]byte("other"), "site-user-1")); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong hash: %d %s", res.StatusCode, body)
		}
		res, body := post(archive.SignIdentity([]byte("host-secret"), "site-user-1"))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("signed: %d %s", res.StatusCode, body)
		}
		var s session
		must(t, json.Unmarshal(body, &s))
		cust, err := app.Store.CustomerByIdentifier(t.Context(), "site-user-1")
		must(t, err)
		conv, err := app.Store.Conversation(t.Context(), s.ConversationID)
		must(t, err)
		if s.CustomerID != cust.ID || conv.CustomerID != cust.ID {
			t.Errorf("session %s, conversation of %s, want %s", s.CustomerID, conv.CustomerID, cust.ID)
		}
	})
}
