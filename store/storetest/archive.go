package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunArchive runs the gridline.ArchiveStore, AuditStore, AttributeStore and
// VerificationStore contracts, as Run does.
func RunArchive(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"ImportCustomers", testImportCustomers},
		{"ImportCustomersAllOrNothing", testImportCustomersAllOrNothing},
		{"MergeCustomers", testMergeCustomers},
		{"AnonymiseCustomer", testAnonymiseCustomer},
		{"ArchiveFigures", testArchiveFigures},
		{"ServiceBySegment", testServiceBySegment},
		{"Audit", testAudit},
		{"StaffAudit", testStaffAudit},
		{"AttributeDefs", testAttributeDefs},
		{"Verification", testVerification},
	})
}

func testImportCustomers(t *testing.T, st gridline.Store) {
	c := ctx(t)
	// More rows than one statement carries, so batching is exercised.
	const n = 2500
	cs := make([]*gridline.Customer, n)
	for i := range cs {
		cs[i] = &gridline.Customer{Name: fmt.Sprintf("Import %04d", i), Phone: fmt.Sprintf("137%08d", i),
			Segment: gridline.SegmentResident, Accounts: []gridline.Account{{AccountNo: fmt.Sprintf("5%09d", i),
				AreaClass: gridline.AreaUrban}}}
	}
	cs[7].Identifier = "host-7"
	must(t, st.ImportCustomers(c, cs))
	if cs[0].ID == "" || cs[0].Accounts[0].CustomerID != cs[0].ID {
		t.Fatalf("import did not fill in IDs: %+v", cs[0])
	}
	got, err := st.SearchCustomers(c, "5000002499", 0)
	must(t, err)
	if len(got) != 1 || got[0].Name != "Import 2499" {
		t.Fatalf("last imported account: %+v", got)
	}
	if got, err := st.CustomerByIdentifier(c, "host-7"); err != nil || got.ID != cs[7].ID {
		t.Fatalf("identifier of an imported record: %v %v", got, err)
	}
	f, err := st.ArchiveFigures(c)
	must(t, err)
	if f.Customers != n || f.Accounts != n || f.BySegment[gridline.SegmentResident] != n {
		t.Errorf("figures after import %+v", f)
	}
}

// testImportCustomersAllOrNothing: a taken or repeated key anywhere rejects the
// import, names every such key, and writes nothing.
func testImportCustomersAllOrNothing(t *testing.T, st gridline.Store) {
	c := ctx(t)
	must(t, st.CreateCustomer(c, &gridline.Customer{Identifier: "host-1", Accounts: []gridline.Account{{AccountNo: "1000000001"}}}))
	cs := []*gridline.Customer{
		{Name: "fine"},
		{Name: "taken account", Accounts: []gridline.Account{{AccountNo: "1000000002"}, {AccountNo: "1000000001"}}},
		{Name: "taken identifier", Identifier: "host-1"},
		{Name: "repeated account", Accounts: []gridline.Account{{AccountNo: "1000000002"}}},
	}
	err := st.ImportCustomers(c, cs)
	wantCode(t, err, gridline.ECONFLICT)
	var ge *gridline.Error
	if !asError(err, &ge) {
		t.Fatalf("not a gridline error: %v", err)
	}
	for _, f := range []string{"1.accounts.1.account_no", "2.identifier", "3.accounts.0.account_no"} {
		if _, ok := ge.Fields[f]; !ok {
			t.Errorf("fields %v lack %q", ge.Fields, f)
		}
	}
	if cs[0].ID != "" {
		t.Error("a failed import filled in IDs")
	}
	if got, _ := st.SearchCustomers(c, "fine", 0); len(got) != 0 {
		t.Error("a failed import wrote its good rows")
	}
	f, err := st.ArchiveFigures(c)
	must(t, err)
	if f.Customers != 1 || f.Accounts != 1 {
		t.Errorf("after a failed import %+v", f)
	}
}

func testMergeCustomers(t *testing.T, st gridline.Store) {
	c := ctx(t)
	survivor := &gridline.Customer{Name: "Wang Fang", Phone: "13800001111", Accounts: []gridline.Account{{AccountNo: "2000000001"}}}
	dup := &gridline.Customer{Name: "王芳", Identifier: "host-9", Accounts: []gridline.Account{{AccountNo: "2000000002"}, {AccountNo: "2000000003"}}}
	contact := &gridline.Customer{Name: "contact"}
	must(t, st.CreateCustomer(c, survivor))
	must(t, st.CreateCustomer(c, dup))
	contact.ContactOf = dup.ID
	must(t, st.CreateCustomer(c, contact))
	conv := &gridline.Conversation{CustomerID: dup.ID, Status: gridline.StatusBot, Lang: gridline.LangZH}
	must(t, st.CreateConversation(c, conv))
	must(t, st.CreateRequest(c, &gridline.Request{Kind: gridline.RequestCallback, CustomerID: dup.ID, ConversationID: conv.ID, Text: "call me"}))
	must(t, st.MarkVerified(c, conv.ID, dup.ID, "2000000002"))
	wo := newWorkOrder(t, st, 901, 0, time.Hour, func(wo *gridline.WorkOrder) { wo.CustomerID = dup.ID })

	// The survivor takes the merged record's identifier (the domain decides what it keeps).
	profile := *survivor
	profile.Identifier = dup.Identifier
	m := &gridline.CustomerMerge{SurvivorID: survivor.ID, MergedID: dup.ID, By: "admin-1"}
	must(t, st.MergeCustomers(c, m, &profile))
	if m.Conversations != 1 || m.Requests != 1 || m.WorkOrders != 1 || m.Accounts != 2 {
		t.Errorf("merge record %+v", m)
	}
	if moved, err := st.WorkOrder(c, wo.ID); err != nil || moved.CustomerID != survivor.ID {
		t.Errorf("work order after merge %+v, %v", moved, err)
	}
	recent(t, "merge At", m.At)

	got, err := st.Customer(c, survivor.ID)
	must(t, err)
	if len(got.Accounts) != 3 || got.Accounts[0].AccountNo != "2000000001" || got.Identifier != "host-9" {
		t.Errorf("survivor after merge %+v", got)
	}
	gone, err := st.Customer(c, dup.ID)
	must(t, err)
	if gone.MergedInto != survivor.ID || len(gone.Accounts) != 0 {
		t.Errorf("merged record %+v", gone)
	}
	convs, err := st.ListConversations(c, gridline.ConversationFilter{CustomerID: survivor.ID})
	must(t, err)
	if len(convs) != 1 || convs[0].ID != conv.ID {
		t.Errorf("conversations of the survivor %v", convs)
	}
	reqs, err := st.ListRequests(c, "")
	must(t, err)
	if len(reqs) != 1 || reqs[0].CustomerID != survivor.ID {
		t.Errorf("requests %+v", reqs)
	}
	v, err := st.Verification(c, conv.ID)
	must(t, err)
	if v.CustomerID != survivor.ID {
		t.Errorf("verification %+v", v)
	}
	if cs, _ := st.ListCustomers(c, gridline.CustomerFilter{ContactOf: survivor.ID}); len(cs) != 1 || cs[0].ID != contact.ID {
		t.Errorf("contacts of the survivor %v", ids(cs))
	}
	if found, _ := st.SearchCustomers(c, "王", 0); len(found) != 0 {
		t.Errorf("the merged record is still found: %v", ids(found))
	}
	if found, _ := st.SearchCustomers(c, "2000000003", 0); len(found) != 1 || found[0].ID != survivor.ID {
		t.Errorf("a moved account finds %v", ids(found))
	}
	if all, _ := st.ListCustomers(c, gridline.CustomerFilter{}); len(all) != 2 {
		t.Errorf("list after merge: %d records, want 2", len(all))
	}
	audit, err := st.ListAudit(c, survivor.ID, 0)
	must(t, err)
	if len(audit) != 1 || audit[0].Action != gridline.AuditMerge || audit[0].ActorID != "admin-1" {
		t.Errorf("survivor's audit %+v", audit)
	}

	wantCode(t, st.MergeCustomers(c, &gridline.CustomerMerge{SurvivorID: survivor.ID, MergedID: dup.ID}, got), gridline.EINVALID)
	wantCode(t, st.MergeCustomers(c, &gridline.CustomerMerge{SurvivorID: survivor.ID, MergedID: survivor.ID}, got), gridline.EINVALID)
	wantCode(t, st.MergeCustomers(c, &gridline.CustomerMerge{SurvivorID: survivor.ID, MergedID: "nobody"}, got), gridline.ENOTFOUND)
}

func testAnonymiseCustomer(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := fullRecord(2)
	must(t, st.CreateCustomer(c, cu))
	must(t, st.CreateRequest(c, &gridline.Request{Kind: gridline.RequestCallback, CustomerID: cu.ID, Phone: cu.Phone, Text: "call"}))
	before, err := st.ArchiveFigures(c)
	must(t, err)
	must(t, st.AnonymiseCustomer(c, cu.ID))
	got, err := st.Customer(c, cu.ID)
	must(t, err)
	if got.Name != "" || got.Phone != "" || got.Phones != nil || got.Email != "" || got.Address != "" ||
		got.IDNumber != "" || got.Organisation.BankAccount != "" || len(got.Attributes) != 0 || got.AnonymisedAt == nil {
		t.Errorf("personal data left: %+v %+v", got, got.Organisation)
	}
	if got.Segment != cu.Segment || got.Kind != cu.Kind || len(got.Accounts) != 2 || got.Accounts[0].Phone != "" ||
		got.Accounts[0].Address != "" || got.Accounts[0].AreaClass != gridline.AreaRural {
		t.Errorf("what figures need was lost: %+v", got)
	}
	reqs, _ := st.ListRequests(c, "")
	if len(reqs) != 1 || reqs[0].Phone != "" {
		t.Errorf("the request kept the phone: %+v", reqs)
	}
	after, err := st.ArchiveFigures(c)
	must(t, err)
	if after.Customers != before.Customers || after.BySegment[gridline.SegmentLarge] != 1 || after.ByAreaClass[gridline.AreaRural] != 1 {
		t.Errorf("figures %+v, before %+v", after, before)
	}
	if found, _ := st.SearchCustomers(c, "riverside", 0); len(found) != 0 {
		t.Error("an anonymised record is found by its old name")
	}
	if found, _ := st.SearchCustomers(c, cu.Phone, 0); len(found) != 0 {
		t.Error("an anonymised record is found by its old phone")
	}
	wantCode(t, st.AnonymiseCustomer(c, "nobody"), gridline.ENOTFOUND)
}

func testArchiveFigures(t *testing.T, st gridline.Store) {
	c := ctx(t)
	for i, seg := range []string{gridline.SegmentResident, gridline.SegmentResident, gridline.SegmentLarge, ""} {
		cu := &gridline.Customer{Segment: seg, Relationship: gridline.RelationshipCurrent,
			Accounts: []gridline.Account{{AccountNo: fmt.Sprintf("300000000%d", i), AreaClass: []string{gridline.AreaUrban, gridline.AreaRemote}[i%2]}}}
		must(t, st.CreateCustomer(c, cu))
	}
	f, err := st.ArchiveFigures(c)
	must(t, err)
	if f.Customers != 4 || f.Accounts != 4 || f.BySegment[gridline.SegmentResident] != 2 || f.BySegment[""] != 1 ||
		f.ByRelationship[gridline.RelationshipCurrent] != 4 || f.ByAreaClass[gridline.AreaRemote] != 2 ||
		f.ByKind[gridline.KindIndividual] != 4 {
		t.Errorf("figures %+v", f)
	}
}

// testServiceBySegment: conversations, ratings and complaint orders are counted
// by the segment of the customer they belong to.
func testServiceBySegment(t *testing.T, st gridline.Store) {
	c := ctx(t)
	res := &gridline.Customer{Segment: gridline.SegmentResident}
	large := &gridline.Customer{Segment: gridline.SegmentLarge}
	must(t, st.CreateCustomer(c, res))
	must(t, st.CreateCustomer(c, large))
	for i, rating := range []int{5, 3, 0} {
		conv := &gridline.Conversation{CustomerID: res.ID, Status: gridline.StatusBot, Lang: gridline.LangZH}
		must(t, st.CreateConversation(c, conv))
		if rating > 0 {
			must(t, st.RateConversation(c, conv.ID, rating))
		}
		if i == 0 {
			newWorkOrder(t, st, 901, 0, time.Hour, func(wo *gridline.WorkOrder) {
				wo.Type, wo.CustomerID, wo.ConversationID = gridline.WorkOrderComplaint, res.ID, conv.ID
			})
			newWorkOrder(t, st, 902, 0, time.Hour, func(wo *gridline.WorkOrder) { wo.CustomerID = res.ID })
		}
	}
	conv := &gridline.Conversation{CustomerID: large.ID, Status: gridline.StatusBot, Lang: gridline.LangZH}
	must(t, st.CreateConversation(c, conv))
	must(t, st.RateConversation(c, conv.ID, 2))
	f, err := st.ArchiveFigures(c)
	must(t, err)
	want := map[string]gridline.SegmentService{
		gridline.SegmentResident: {Customers: 1, Conversations: 3, Complaints: 1, Ratings: 2, RatingSum: 8},
		gridline.SegmentLarge:    {Customers: 1, Conversations: 1, Ratings: 1, RatingSum: 2},
	}
	for seg, w := range want {
		if got := f.ServiceBySegment[seg]; got != w {
			t.Errorf("segment %s: %+v, want %+v", seg, got, w)
		}
	}
}

func testAudit(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := newCustomer(t, st)
	for _, a := range []string{gridline.AuditCreate, gridline.AuditView, gridline.AuditReveal} {
		e := &gridline.AuditEntry{CustomerID: cu.ID, ActorID: "u1", Action: a, Field: "phone"}
		must(t, st.AppendAudit(c, e))
		if e.ID == 0 {
			t.Fatal("AppendAudit gave no ID")
		}
		recent(t, "audit At", e.At)
	}
	got, err := st.ListAudit(c, cu.ID, 0)
	must(t, err)
	if len(got) != 3 || got[0].Action != gridline.AuditReveal || got[2].Action != gridline.AuditCreate || got[0].Field != "phone" {
		t.Errorf("ListAudit %+v", got)
	}
	if got, _ := st.ListAudit(c, cu.ID, 2); len(got) != 2 {
		t.Errorf("limit 2 gave %d", len(got))
	}
	if got, _ := st.ListAudit(c, "nobody", 0); len(got) != 0 {
		t.Errorf("nobody's audit %+v", got)
	}
}

// testStaffAudit: staff actions share the log with the archive's entries, and
// SearchAudit filters by actor, action and time, newest first, paged by ID.
func testStaffAudit(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := newCustomer(t, st)
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	entries := []gridline.AuditEntry{
		{ActorID: "ann", Action: gridline.AuditLogin, At: base},
		{ActorID: "ann", Action: gridline.AuditClaim, Subject: gridline.SubjectConversation + "c1", At: base.Add(time.Minute)},
		{ActorID: "bob", Action: gridline.AuditLoginFailed, Detail: "wrong password", At: base.Add(2 * time.Minute)},
		{ActorID: "ann", Action: gridline.AuditView, CustomerID: cu.ID, At: base.Add(3 * time.Minute)},
		{ActorID: "ann", Action: gridline.AuditResolve, Subject: gridline.SubjectConversation + "c1", At: base.Add(time.Hour)},
	}
	for i := range entries {
		must(t, st.AppendAudit(c, &entries[i]))
	}
	ids := func(es []*gridline.AuditEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    gridline.AuditFilter
		want []string
	}{
		{"all", gridline.AuditFilter{}, []string{"resolve", "view", "login_failed", "claim", "login"}},
		{"actor", gridline.AuditFilter{ActorID: "ann"}, []string{"resolve", "view", "claim", "login"}},
		{"action", gridline.AuditFilter{Action: gridline.AuditLoginFailed}, []string{"login_failed"}},
		{"from", gridline.AuditFilter{From: base.Add(2 * time.Minute)}, []string{"resolve", "view", "login_failed"}},
		{"to", gridline.AuditFilter{To: base.Add(2 * time.Minute)}, []string{"claim", "login"}},
		{"window and actor", gridline.AuditFilter{ActorID: "ann", From: base.Add(time.Minute), To: base.Add(time.Hour)}, []string{"view", "claim"}},
		{"limit", gridline.AuditFilter{Limit: 2}, []string{"resolve", "view"}},
		{"before", gridline.AuditFilter{Before: entries[3].ID, Limit: 2}, []string{"login_failed", "claim"}},
		{"nobody", gridline.AuditFilter{ActorID: "nobody"}, nil},
	} {
		got, err := st.SearchAudit(c, tc.f)
		must(t, err)
		if fmt.Sprint(ids(got)) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, ids(got), tc.want)
		}
	}
	got, err := st.SearchAudit(c, gridline.AuditFilter{Action: gridline.AuditClaim})
	must(t, err)
	if len(got) != 1 || got[0].Subject != "conversation:c1" || !got[0].At.Equal(base.Add(time.Minute)) || got[0].CustomerID != "" {
		t.Errorf("claim entry %+v", got)
	}
	// The archive's own reading still sees its record's entries only.
	if got, _ := st.ListAudit(c, cu.ID, 0); len(got) != 1 || got[0].Action != gridline.AuditView {
		t.Errorf("record's audit %+v", got)
	}
}

func testAttributeDefs(t *testing.T, st gridline.Store) {
	c := ctx(t)
	got, err := st.AttributeDefs(c)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("fresh store has %v", got)
	}
	defs := []gridline.AttributeDef{
		{Key: "vip", Label: "VIP", Type: gridline.AttrList, Options: []string{"gold", "silver"}},
		{Key: "since", Label: "Customer since", Type: gridline.AttrDate},
	}
	must(t, st.SetAttributeDefs(c, defs))
	got, err = st.AttributeDefs(c)
	must(t, err)
	if len(got) != 2 || got[0].Key != "vip" || len(got[0].Options) != 2 || got[1].Options != nil {
		t.Errorf("AttributeDefs %+v", got)
	}
	wantCode(t, st.SetAttributeDefs(c, []gridline.AttributeDef{{Key: "a", Type: "text"}, {Key: "a", Type: "text"}}), gridline.ECONFLICT)
	wantCode(t, st.SetAttributeDefs(c, []gridline.AttributeDef{{Key: "a", Type: "colour"}}), gridline.EINVALID)
	if got, _ := st.AttributeDefs(c); len(got) != 2 {
		t.Errorf("a failed replace changed the definitions: %+v", got)
	}
	must(t, st.SetAttributeDefs(c, defs[1:]))
	if got, _ := st.AttributeDefs(c); len(got) != 1 || got[0].Key != "since" {
		t.Errorf("after replace %+v", got)
	}
}

// testVerification: tries are counted in the store, one at a time even when
// they race, so that a limit holds across replicas.
func testVerification(t *testing.T, st gridline.Store) {
	c := ctx(t)
	conv := newConversation(t, st)
	v, err := st.Verification(c, conv.ID)
	must(t, err)
	if v.Attempts != 0 || v.VerifiedAt != nil {
		t.Fatalf("fresh verification %+v", v)
	}
	const racers = 10
	seen := make(chan int, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			n, err := st.AddVerifyAttempt(c, conv.ID)
			if err != nil {
				t.Error(err)
			}
			seen <- n
		})
	}
	wg.Wait()
	close(seen)
	got := map[int]bool{}
	for n := range seen {
		got[n] = true
	}
	for n := 1; n <= racers; n++ {
		if !got[n] {
			t.Errorf("counts %v lack %d", got, n)
		}
	}
	must(t, st.MarkVerified(c, conv.ID, conv.CustomerID, "0012345678"))
	v, err = st.Verification(c, conv.ID)
	must(t, err)
	if v.Attempts != racers || v.CustomerID != conv.CustomerID || v.AccountNo != "0012345678" || v.VerifiedAt == nil {
		t.Errorf("after verifying %+v", v)
	}
	_, err = st.AddVerifyAttempt(c, "nobody")
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.MarkVerified(c, "nobody", "x", "y"), gridline.ENOTFOUND)
}
