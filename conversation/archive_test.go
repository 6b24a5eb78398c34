package conversation_test

import (
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/conversation"
)

var identitySecret = []byte("host-secret")

// withArchive gives the service the customer archive over the env's store.
func withArchive(e *env) option {
	return func(c *conversation.Config) {
		c.Archive = &archive.Service{Store: e.store, IdentitySecret: identitySecret}
	}
}

func newArchiveEnv(t *testing.T) *env {
	e := newEnv(t)
	e.svc = e.service(nil, withArchive(e))
	return e
}

// say has the customer type text and waits for the answer.
func (e *env) say(conv *gridline.Conversation, text string) string {
	e.t.Helper()
	if _, err := e.svc.Say(e.ctx, conv.CustomerID, conv.ID, gridline.NewID(), text); err != nil {
		e.t.Fatal(err)
	}
	e.wait()
	bots := e.texts(conv.ID, gridline.AuthorBot)
	return bots[len(bots)-1]
}

func TestStartWithHostIdentity(t *testing.T) {
	e := newArchiveEnv(t)
	sign := func(id string) string { return archive.SignIdentity(identitySecret, id) }

	conv, created, err := e.svc.Start(e.ctx, conversation.Visitor{Lang: "zh", Identifier: "host-42", IdentifierHash: sign("host-42")})
	if err != nil || !created {
		t.Fatalf("signed start: %v %v", err, created)
	}
	cust, err := e.store.CustomerByIdentifier(e.ctx, "host-42")
	if err != nil || conv.CustomerID != cust.ID {
		t.Fatalf("the session's conversation belongs to %s, want the signed customer (%v)", conv.CustomerID, err)
	}
	// The same identity resumes its own open conversation.
	again, created, err := e.svc.Start(e.ctx, conversation.Visitor{CustomerID: conv.CustomerID, ConversationID: conv.ID,
		Identifier: "host-42", IdentifierHash: sign("host-42")})
	if err != nil || created || again.ID != conv.ID {
		t.Errorf("resume: %v created %v %s", err, created, again.ID)
	}

	anon := e.start("en")
	tests := []struct {
		name string
		v    conversation.Visitor
		code string // the refusal, or "" when an anonymous session starts
		not  string // a customer the session must not belong to
	}{
		{"a wrong hash is refused", conversation.Visitor{Identifier: "host-42", IdentifierHash: sign("host-43")}, gridline.EUNAUTHORIZED, ""},
		{"a hash replayed on another identifier is refused", conversation.Visitor{Identifier: "host-43", IdentifierHash: sign("host-42")}, gridline.EUNAUTHORIZED, ""},
		{"an unsigned identifier links to nobody", conversation.Visitor{Identifier: "host-42"}, "", cust.ID},
		{"without the identity a signed customer's token does not resume", conversation.Visitor{CustomerID: cust.ID, ConversationID: conv.ID}, "", cust.ID},
		{"another identity does not take over an anonymous chat", conversation.Visitor{CustomerID: anon.CustomerID, ConversationID: anon.ID,
			Identifier: "host-7", IdentifierHash: sign("host-7")}, "", anon.CustomerID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := e.svc.Start(e.ctx, tt.v)
			if tt.code != "" {
				if gridline.ErrorCode(err) != tt.code {
					t.Fatalf("err %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.CustomerID == tt.not || got.ID == conv.ID || got.ID == anon.ID {
				t.Errorf("session got conversation %s of %s", got.ID, got.CustomerID)
			}
		})
	}
}

// archiveCustomer stores a customer with an account and its phone.
func (e *env) archiveCustomer(accountNo, phone string, balance *gridline.Money) *gridline.Customer {
	e.t.Helper()
	c := &gridline.Customer{Name: "Wang Fang", Phone: phone, Accounts: []gridline.Account{{AccountNo: accountNo,
		Status: gridline.AccountActive, Balance: balance}}}
	if err := e.store.CreateCustomer(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestVerifyInChatThenBalance(t *testing.T) {
	e := newArchiveEnv(t)
	bal := gridline.Money(12345)
	owner := e.archiveCustomer("3100000001", "13812345678", &bal)
	e.archiveCustomer("3100000002", "13900001111", nil)

	conv := e.start("en")
	if got := e.say(conv, "What is my balance?"); !strings.Contains(got, "verified your account") {
		t.Fatalf("unverified balance question: %q", got)
	}
	if n := len(e.bot.inputs); n != 0 {
		t.Errorf("the bot was asked %d times; the archive answers these", n)
	}
	if got := e.say(conv, "3100000001 5678"); !strings.Contains(got, "verified") {
		t.Fatalf("right digits: %q", got)
	}
	if got := e.say(conv, "do I owe anything?"); !strings.Contains(got, "123.45") || !strings.Contains(got, "0001") {
		t.Errorf("balance: %q", got)
	}
	now, _ := e.store.Conversation(e.ctx, conv.ID)
	if now.CustomerID != owner.ID {
		t.Errorf("a verified conversation belongs to %s, want %s", now.CustomerID, owner.ID)
	}
	if id, _ := e.svc.VisitorCustomer(e.ctx, conv.CustomerID, conv.ID); id != owner.ID {
		t.Errorf("the visitor reads the archive of %s, want %s", id, owner.ID)
	}

	// No figure from the billing system: the bot says so and invents none.
	zh := e.start("zh")
	e.say(zh, "验证 3100000002 1111")
	if got := e.say(zh, "我欠费吗"); !strings.Contains(got, "还没有提供") || strings.Contains(got, "¥") {
		t.Errorf("no figure: %q", got)
	}

	// Ordinary questions still go to the bot.
	if got := e.say(conv, "How do I pay my bill?"); !strings.HasPrefix(got, "re: ") {
		t.Errorf("a bill question: %q", got)
	}
}

func TestVerifyThreeWrongTries(t *testing.T) {
	e := newArchiveEnv(t)
	e.archiveCustomer("3100000001", "13812345678", nil)
	for _, tc := range []struct{ name, account string }{{"an existing account", "3100000001"}, {"no such account", "3999999999"}} {
		t.Run(tc.name, func(t *testing.T) {
			conv := e.start("en")
			var answers []string
			answers = append(answers, e.say(conv, "verify "+tc.account+" 0000"))
			answers = append(answers, e.say(conv, tc.account+" 1111"))
			answers = append(answers, e.say(conv, tc.account+" 2222"))
			answers = append(answers, e.say(conv, tc.account+" 5678"))
			want := []string{"2 tries left", "1 tries left", "no tries are left", "no tries are left"}
			for i, w := range want {
				if !strings.Contains(answers[i], w) {
					t.Errorf("try %d: %q, want %q", i+1, answers[i], w)
				}
			}
			if id, _ := e.svc.VisitorCustomer(e.ctx, conv.CustomerID, conv.ID); id != conv.CustomerID {
				t.Errorf("a locked conversation reads %s's archive", id)
			}
		})
	}
}

func TestCustomerSuggestionsAndLink(t *testing.T) {
	e := newArchiveEnv(t)
	known := e.archiveCustomer("3100000001", "13812345678", nil)
	conv := e.start("zh")
	e.say(conv, "我的电话是 139-0000-1111，户号 3100000001")
	e.say(conv, "another number +86 13700002222")
	admin := &gridline.User{ID: "admin-1", Role: gridline.RoleAdmin}
	got, err := e.svc.CustomerSuggestions(e.ctx, admin, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []conversation.CustomerSuggestion{
		{Field: "phone", Value: "13900001111"}, {Field: "account_no", Value: "3100000001", CustomerID: known.ID},
		{Field: "phone", Value: "13700002222"},
	}
	if len(got) != len(want) {
		t.Fatalf("suggestions %+v", got)
	}
	for i := range want {
		if got[i].Field != want[i].Field || got[i].Value != want[i].Value || got[i].CustomerID != want[i].CustomerID {
			t.Errorf("suggestion %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Nothing was written to any record.
	if c, _ := e.store.Customer(e.ctx, conv.CustomerID); c.Phone != "" || len(c.Accounts) != 0 {
		t.Errorf("the visitor's record changed: %+v", c)
	}

	agent := &gridline.User{ID: "agent-1", Role: gridline.RoleAgent}
	e.setStatus(conv.ID, gridline.StatusActive, "agent-2")
	if _, err := e.svc.LinkCustomer(e.ctx, agent, conv.ID, known.ID); gridline.ErrorCode(err) != gridline.ENOTFOUND {
		t.Errorf("an agent who does not serve the chat: %v", err)
	}
	e.setStatus(conv.ID, gridline.StatusActive, agent.ID)
	linked, err := e.svc.LinkCustomer(e.ctx, agent, conv.ID, known.ID)
	if err != nil || linked.CustomerID != known.ID || linked.HandlerID != agent.ID {
		t.Fatalf("link: %v %+v", err, linked)
	}
	// Linking is not proof: the visitor still reads only their own archive.
	if id, _ := e.svc.VisitorCustomer(e.ctx, conv.CustomerID, conv.ID); id != conv.CustomerID {
		t.Errorf("after a link the visitor reads %s's archive", id)
	}
}
