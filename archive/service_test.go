package archive_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/store"
)

var (
	admin = archive.Actor{ID: "admin-1", Role: gridline.RoleAdmin}
	agent = archive.Actor{ID: "agent-1", Role: gridline.RoleAgent}
)

func newService(t *testing.T) (*archive.Service, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "archive.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &archive.Service{Store: db, IdentitySecret: []byte("identity-test-secret")}, db
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := gridline.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func actions(t *testing.T, svc *archive.Service, id string) []string {
	t.Helper()
	es, err := svc.Audit(context.Background(), admin, id, 0)
	must(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Action+":"+e.ActorID+":"+e.Field)
	}
	return out
}

// TestAgentsSeeMasks: an agent sees 138****1234, asks to see the number, and
// the request is in the audit log with who asked; saving the masked card back
// keeps the real number.
func TestAgentsSeeMasks(t *testing.T) {
	ctx := context.Background()
	svc, db := newService(t)
	c, err := svc.Create(ctx, agent, &gridline.Customer{Name: "张三", Phone: "138 1234 1234", IDNumber: "110101199003071234",
		Accounts: []gridline.Account{{AccountNo: "0012345678", Balance: money(99)}}})
	must(t, err)
	if c.Phone != "138****1234" || c.IDNumber != "110***********1234" {
		t.Fatalf("agent's view of the created record %+v", c)
	}
	if c.Accounts[0].Balance != nil {
		t.Error("an agent made up a balance")
	}
	got, err := svc.Get(ctx, agent, c.ID)
	must(t, err)
	if got.Phone != "138****1234" {
		t.Fatalf("Get shows %q to an agent", got.Phone)
	}
	if full, _ := svc.Get(ctx, admin, c.ID); full.Phone != "13812341234" {
		t.Fatalf("admin sees %q", full.Phone)
	}
	v, err := svc.Reveal(ctx, agent, c.ID, archive.RevealPhone)
	must(t, err)
	if len(v) != 1 || v[0] != "13812341234" {
		t.Fatalf("Reveal = %v", v)
	}
	_, err = svc.Reveal(ctx, agent, c.ID, "name")
	wantCode(t, err, gridline.EINVALID)

	got.Name = "张三丰"
	saved, err := svc.Update(ctx, agent, got)
	must(t, err)
	stored, _ := db.Customer(ctx, c.ID)
	if stored.Phone != "13812341234" || stored.IDNumber != "110101199003071234" || stored.Name != "张三丰" || saved.Phone != "138****1234" {
		t.Fatalf("after saving a masked card: stored %+v", stored)
	}
	log := actions(t, svc, c.ID)
	for _, want := range []string{"create:agent-1:", "view:agent-1:", "reveal:agent-1:phone", "update:agent-1:"} {
		if !slices.Contains(log, want) {
			t.Errorf("audit %v lacks %q", log, want)
		}
	}
	es, _ := db.ListAudit(ctx, c.ID, 0)
	for _, e := range es {
		if strings.Contains(e.Detail+e.Field, "1234") {
			t.Errorf("the audit log holds personal data: %+v", e)
		}
	}
	if es[0].Action != gridline.AuditUpdate || es[0].Detail != "name" {
		t.Errorf("update entry %+v", es[0])
	}
}

func money(yuan int64) *gridline.Money {
	m := gridline.Money(yuan * 100)
	return &m
}

func TestAdminsOnly(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	a, err := svc.Create(ctx, admin, &gridline.Customer{Name: "A"})
	must(t, err)
	b, err := svc.Create(ctx, admin, &gridline.Customer{Name: "B"})
	must(t, err)
	_, err = svc.Merge(ctx, agent, a.ID, b.ID)
	wantCode(t, err, gridline.EFORBIDDEN)
	wantCode(t, svc.Anonymise(ctx, agent, a.ID), gridline.EFORBIDDEN)
	_, err = svc.Audit(ctx, agent, a.ID, 0)
	wantCode(t, err, gridline.EFORBIDDEN)
	_, err = svc.Import(ctx, agent, strings.NewReader("name\nx\n"))
	wantCode(t, err, gridline.EFORBIDDEN)
	_, err = svc.Export(ctx, agent, &strings.Builder{})
	wantCode(t, err, gridline.EFORBIDDEN)
	wantCode(t, svc.SetAttributes(ctx, agent, nil), gridline.EFORBIDDEN)
	_, err = svc.Get(ctx, archive.Actor{}, a.ID)
	wantCode(t, err, gridline.EUNAUTHORIZED)
}

// TestMerge: the survivor keeps its own, takes what it lacked, and gets the
// other's accounts; the other is marked merged and cannot be edited.
func TestMerge(t *testing.T) {
	ctx := context.Background()
	svc, db := newService(t)
	sv, err := svc.Create(ctx, admin, &gridline.Customer{Name: "Wang Fang", Phone: "13800001111"})
	must(t, err)
	dup, err := svc.Create(ctx, admin, &gridline.Customer{Name: "王芳", Phone: "13900002222", Email: "wf@example.com",
		Identifier: "host-9", Accounts: []gridline.Account{{AccountNo: "2000000002"}}})
	must(t, err)
	m, err := svc.Merge(ctx, admin, sv.ID, dup.ID)
	must(t, err)
	if m.Accounts != 1 || m.By != "admin-1" {
		t.Errorf("merge %+v", m)
	}
	got, _ := db.Customer(ctx, sv.ID)
	if got.Name != "Wang Fang" || got.Email != "wf@example.com" || got.Identifier != "host-9" ||
		!slices.Equal(got.Phones, []string{"13900002222"}) || len(got.Accounts) != 1 {
		t.Errorf("survivor %+v", got)
	}
	gone, _ := svc.Get(ctx, admin, dup.ID)
	if gone.MergedInto != sv.ID {
		t.Errorf("merged record %+v", gone)
	}
	_, err = svc.Update(ctx, admin, gone)
	wantCode(t, err, gridline.EINVALID)
	_, err = svc.Merge(ctx, admin, sv.ID, sv.ID)
	wantCode(t, err, gridline.EINVALID)
}

// TestIdentify: a host-signed identity finds (or creates) its customer, the
// same one every time; a wrong hash is refused; an unsigned identifier links
// to nobody.
func TestIdentify(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	hash := archive.SignIdentity(svc.IdentitySecret, "user-42")
	c, err := svc.Identify(ctx, "user-42", hash, "zh-CN")
	must(t, err)
	if c == nil || c.Identifier != "user-42" || c.Lang != gridline.LangZH {
		t.Fatalf("Identify = %+v", c)
	}
	again, err := svc.Identify(ctx, "user-42", hash, "en")
	must(t, err)
	if again.ID != c.ID {
		t.Errorf("a second session made another record: %s vs %s", again.ID, c.ID)
	}
	_, err = svc.Identify(ctx, "user-42", strings.Repeat("ab", 32), "")
	wantCode(t, err, gridline.EUNAUTHORIZED)
	_, err = svc.Identify(ctx, "user-43", hash, "")
	wantCode(t, err, gridline.EUNAUTHORIZED)
	if c, err := svc.Identify(ctx, "user-42", "", ""); c != nil || err != nil {
		t.Errorf("an unsigned identifier linked to %v (%v)", c, err)
	}
	if c, err := svc.Identify(ctx, "", "", ""); c != nil || err != nil {
		t.Errorf("no identifier gave %v (%v)", c, err)
	}
	// Sessions of one new customer at once make one record.
	hash7 := archive.SignIdentity(svc.IdentitySecret, "user-7")
	ids := make(chan string, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c, err := svc.Identify(ctx, "user-7", hash7, "")
			if err != nil {
				t.Error(err)
				return
			}
			ids <- c.ID
		})
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		} else if id != first {
			t.Errorf("concurrent sessions made records %s and %s", first, id)
		}
	}
}

func newConversation(t *testing.T, db *store.DB) string {
	t.Helper()
	cu := &gridline.Customer{Lang: gridline.LangZH}
	must(t, db.CreateCustomer(context.Background(), cu))
	conv := &gridline.Conversation{CustomerID: cu.ID, Status: gridline.StatusBot}
	must(t, db.CreateConversation(context.Background(), conv))
	return conv.ID
}

// TestVerify: three tries per conversation; a wrong try answers the same
// whether or not the account exists; the right digits verify and the balance
// is the billing system's, or none.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	svc, db := newService(t)
	_, err := svc.Create(ctx, admin, &gridline.Customer{Name: "张三", Phone: "13812341234", Accounts: []gridline.Account{
		{AccountNo: "0012345678", Balance: money(42)},
		{AccountNo: "0012345679", Phone: "0755-88886666"},
	}})
	must(t, err)

	conv := newConversation(t, db)
	_, err = svc.VerifiedAccount(ctx, conv)
	wantCode(t, err, gridline.EFORBIDDEN)
	wrongDigits, err := svc.Verify(ctx, conv, "0012345678", "0000")
	must(t, err)
	noAccount, err := svc.Verify(ctx, conv, "9999999999", "1234")
	must(t, err)
	if wrongDigits.Verified || noAccount.Verified || wrongDigits.AttemptsLeft != 2 || noAccount.AttemptsLeft != 1 ||
		wrongDigits.Locked || noAccount.Locked {
		t.Fatalf("wrong tries: %+v %+v", wrongDigits, noAccount)
	}
	last, err := svc.Verify(ctx, conv, "0012345678", "1111")
	must(t, err)
	if !last.Locked || last.AttemptsLeft != 0 {
		t.Fatalf("third wrong try %+v", last)
	}
	// Locked: even the right answer is refused now, without a look-up.
	right, err := svc.Verify(ctx, conv, "0012345678", "1234")
	must(t, err)
	if right.Verified || !right.Locked {
		t.Fatalf("after three tries the right answer gave %+v", right)
	}
	// A bad shape is not a try.
	_, err = svc.Verify(ctx, conv, "12", "1234")
	wantCode(t, err, gridline.EINVALID)
	_, err = svc.Verify(ctx, conv, "0012345678", "12a4")
	wantCode(t, err, gridline.EINVALID)

	// The same answer for an account that exists and one that does not.
	a, b := newConversation(t, db), newConversation(t, db)
	ra, _ := svc.Verify(ctx, a, "0012345678", "9999")
	rb, _ := svc.Verify(ctx, b, "8888888888", "9999")
	if *ra != *rb {
		t.Errorf("a wrong try says whether the account exists: %+v vs %+v", ra, rb)
	}

	ok := newConversation(t, db)
	r, err := svc.Verify(ctx, ok, "0012345678", "1234")
	must(t, err)
	if !r.Verified {
		t.Fatalf("the right digits gave %+v", r)
	}
	acc, err := svc.VerifiedAccount(ctx, ok)
	must(t, err)
	if acc.Balance == nil || *acc.Balance != 4200 {
		t.Errorf("balance %v", acc.Balance)
	}
	// The account's own phone is the one checked when it has one.
	own := newConversation(t, db)
	if r, _ := svc.Verify(ctx, own, "0012345679", "1234"); r.Verified {
		t.Error("the customer's phone verified an account with a phone of its own")
	}
	if r, _ := svc.Verify(ctx, own, "0012345679", "6666"); !r.Verified {
		t.Error("the account's phone did not verify it")
	}
	if acc, _ := svc.VerifiedAccount(ctx, own); acc.Balance != nil {
		t.Error("a balance nobody gave was made up")
	}
	_, err = svc.Verify(ctx, "nobody", "0012345678", "1234")
	wantCode(t, err, gridline.ENOTFOUND)
}

func asErr(err error, target **gridline.Error) bool { return errors.As(err, target) }

// TestAreaClass: a work order's repair clock reads the area class of the
// account it names, or of the customer's only account; unknown is "" (the
// caller applies urban, the strictest) or ENOTFOUND for a named account.
func TestAreaClass(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	one, err := svc.Create(ctx, admin, &gridline.Customer{Name: "Li Lei",
		Accounts: []gridline.Account{{AccountNo: "3100000001", AreaClass: gridline.AreaRural}}})
	must(t, err)
	two, err := svc.Create(ctx, admin, &gridline.Customer{Name: "Han Meimei", Accounts: []gridline.Account{
		{AccountNo: "3100000002", AreaClass: gridline.AreaRemote}, {AccountNo: "3100000003", AreaClass: gridline.AreaUrban}}})
	must(t, err)
	for _, tt := range []struct {
		customer, account, want string
	}{
		{"", "3100000002", gridline.AreaRemote},
		{one.ID, "", gridline.AreaRural},
		{two.ID, "", ""},
		{two.ID, "3100000003", gridline.AreaUrban},
		{"", "", ""},
	} {
		got, err := svc.AreaClass(ctx, tt.customer, tt.account)
		must(t, err)
		if got != tt.want {
			t.Errorf("AreaClass(%q, %q) = %q, want %q", tt.customer, tt.account, got, tt.want)
		}
	}
	_, err = svc.AreaClass(ctx, "", "3199999999")
	wantCode(t, err, gridline.ENOTFOUND)
}

// TestContacts: an agent links a person to an organisation as its contact,
// sees them listed (masked), and unlinks them; a person is no organisation
// and an organisation no contact; both records' logs say so.
func TestContacts(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	org, err := svc.Create(ctx, admin, &gridline.Customer{Kind: gridline.KindOrganisation, Name: "长江水泥厂",
		Organisation: &gridline.Organisation{Nature: "enterprise", BankAccount: "6222000011112222"}})
	must(t, err)
	p, err := svc.Create(ctx, admin, &gridline.Customer{Name: "张工", Phone: "13800001111"})
	must(t, err)
	other, err := svc.Create(ctx, admin, &gridline.Customer{Name: "李四"})
	must(t, err)

	got, err := svc.LinkContact(ctx, agent, org.ID, p.ID)
	must(t, err)
	if got.ContactOf != org.ID || got.Phone != "138****1111" {
		t.Errorf("linked contact as an agent sees it: %+v", got)
	}
	cs, err := svc.Contacts(ctx, agent, org.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].ID != p.ID || cs[0].Phone != "138****1111" {
		t.Errorf("contacts %+v", cs)
	}
	_, err = svc.LinkContact(ctx, agent, p.ID, other.ID)
	wantCode(t, err, gridline.EINVALID)
	_, err = svc.LinkContact(ctx, agent, org.ID, org.ID)
	wantCode(t, err, gridline.EINVALID)
	wantCode(t, svc.UnlinkContact(ctx, agent, org.ID, other.ID), gridline.ENOTFOUND)

	must(t, svc.UnlinkContact(ctx, agent, org.ID, p.ID))
	if cs, _ := svc.Contacts(ctx, agent, org.ID); len(cs) != 0 {
		t.Errorf("contacts after unlinking %+v", cs)
	}
	if a := actions(t, svc, org.ID); !slices.Contains(a, "update:agent-1:contacts") {
		t.Errorf("organisation's log %v", a)
	}
}
