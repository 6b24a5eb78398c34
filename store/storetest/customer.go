package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunCustomers runs the gridline.CustomerStore and gridline.AccountStore
// contracts, as Run does.
func RunCustomers(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Customer", testCustomer},
		{"CustomerRecord", testCustomerRecord},
		{"CustomerIdentifier", testCustomerIdentifier},
		{"AccountUnique", testAccountUnique},
		{"SearchCustomers", testSearchCustomers},
		{"ListCustomers", testListCustomers},
	})
}

func newCustomer(t *testing.T, st gridline.Store) *gridline.Customer {
	t.Helper()
	c := &gridline.Customer{Lang: gridline.LangZH}
	must(t, st.CreateCustomer(ctx(t), c))
	return c
}

func money(yuan float64) *gridline.Money {
	m := gridline.Money(yuan*100 + 0.5)
	return &m
}

// fullRecord is an organisation with every field the archive keeps.
func fullRecord(n int) *gridline.Customer {
	billed := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	return &gridline.Customer{
		Kind: gridline.KindOrganisation, Name: fmt.Sprintf("Riverside Mill %d", n), Phone: fmt.Sprintf("1380013%04d", n),
		Phones: []string{"010-6552" + fmt.Sprintf("%04d", n)}, Email: "mill@example.com", Address: "1 River Rd",
		Lang: gridline.LangZH, IDNumber: "91110000600037341L", Segment: gridline.SegmentLarge,
		Relationship: gridline.RelationshipCurrent,
		Organisation: &gridline.Organisation{Nature: "enterprise", Location: "Haidian", Bank: "ICBC",
			BankAccount: "6222020200112233445", PostalAddress: "PO Box 12", OpenedOn: "2001-05-01",
			RegisteredCapital: money(5000000), Employees: 120, ProductionScale: "3 lines", SalesSituation: "steady"},
		Attributes: map[string]string{"vip": "gold"},
		Accounts: []gridline.Account{
			{AccountNo: fmt.Sprintf("31%08d", n), Address: "1 River Rd", AreaClass: gridline.AreaRural,
				Tariff: "industrial", MeterNo: "M-1", Status: gridline.AccountActive, Phone: "13900139000",
				Balance: money(12.3), LastBill: money(456.78), Arrears: money(0), BilledAt: &billed},
			{AccountNo: fmt.Sprintf("32%08d", n), AreaClass: gridline.AreaUrban, Status: gridline.AccountSuspended},
		},
	}
}

func testCustomer(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := &gridline.Customer{Name: "张三", Phone: "13800000000", Lang: gridline.LangZH}
	must(t, st.CreateCustomer(c, cu))
	if cu.ID == "" || cu.Kind != gridline.KindIndividual {
		t.Fatalf("CreateCustomer gave ID %q kind %q", cu.ID, cu.Kind)
	}
	recent(t, "CreatedAt", cu.CreatedAt)

	got, err := st.Customer(c, cu.ID)
	must(t, err)
	if !reflect.DeepEqual(got, cu) {
		t.Errorf("Customer = %+v, want %+v", got, cu)
	}

	cu.Name, cu.AccountNo, cu.Lang = "Zhang San", "0012345678", gridline.LangEN
	must(t, st.UpdateCustomer(c, cu))
	got, err = st.Customer(c, cu.ID)
	must(t, err)
	if !reflect.DeepEqual(got, cu) {
		t.Errorf("after update Customer = %+v, want %+v", got, cu)
	}

	_, err = st.Customer(c, "nobody")
	wantCode(t, err, gridline.ENOTFOUND)
	wantCode(t, st.UpdateCustomer(c, &gridline.Customer{ID: "nobody"}), gridline.ENOTFOUND)
	wantCode(t, st.CreateCustomer(c, &gridline.Customer{ID: cu.ID}), gridline.ECONFLICT)

	// A caller's own ID and time are kept, in UTC.
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	own := &gridline.Customer{ID: "customer-own-id", Lang: gridline.LangEN, CreatedAt: at}
	must(t, st.CreateCustomer(c, own))
	got, err = st.Customer(c, "customer-own-id")
	must(t, err)
	if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, at)
	}
}

// testCustomerRecord: every field of a full record survives a round trip;
// billing figures that were never given stay absent, not zero.
func testCustomerRecord(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := fullRecord(1)
	must(t, st.CreateCustomer(c, cu))
	got, err := st.Customer(c, cu.ID)
	must(t, err)
	want := *cu
	want.AccountNo = cu.Accounts[0].AccountNo // the legacy field follows the first account
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("Customer =\n%+v\nwant\n%+v", got, &want)
	}
	if b := got.Accounts[1]; b.Balance != nil || b.LastBill != nil || b.Arrears != nil || b.BilledAt != nil {
		t.Errorf("figures nobody gave: %+v", b)
	}
	if got.Accounts[0].CustomerID != cu.ID || *got.Accounts[0].Balance != 1230 {
		t.Errorf("first account %+v", got.Accounts[0])
	}

	got.Organisation.Employees, got.Attributes = 150, map[string]string{"vip": "silver", "since": "2020-01-01"}
	got.Segment, got.Relationship = gridline.SegmentIntermediary, gridline.RelationshipFormer
	must(t, st.UpdateCustomer(c, got))
	again, err := st.Customer(c, cu.ID)
	must(t, err)
	if again.Organisation.Employees != 150 || again.Attributes["since"] != "2020-01-01" ||
		again.Segment != gridline.SegmentIntermediary || len(again.Accounts) != 2 || !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("after update %+v", again)
	}
	bad := *again
	bad.Segment = "wholesale"
	wantCode(t, st.UpdateCustomer(c, &bad), gridline.EINVALID)
}

func testCustomerIdentifier(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := &gridline.Customer{Identifier: "host-42", Lang: gridline.LangEN}
	must(t, st.CreateCustomer(c, a))
	got, err := st.CustomerByIdentifier(c, "host-42")
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("CustomerByIdentifier = %s, want %s", got.ID, a.ID)
	}
	_, err = st.CustomerByIdentifier(c, "host-43")
	wantCode(t, err, gridline.ENOTFOUND)
	_, err = st.CustomerByIdentifier(c, "")
	wantCode(t, err, gridline.ENOTFOUND)

	wantCode(t, st.CreateCustomer(c, &gridline.Customer{Identifier: "host-42"}), gridline.ECONFLICT)
	b := newCustomer(t, st)
	b.Identifier = "host-42"
	wantCode(t, st.UpdateCustomer(c, b), gridline.ECONFLICT)
	// Many records without an identifier are fine.
	newCustomer(t, st)
}

func testAccountUnique(t *testing.T, st gridline.Store) {
	c := ctx(t)
	a := &gridline.Customer{Lang: gridline.LangZH, Accounts: []gridline.Account{{AccountNo: "0012345678"}}}
	must(t, st.CreateCustomer(c, a))
	if a.Accounts[0].Status != gridline.AccountActive || a.Accounts[0].CustomerID != a.ID {
		t.Errorf("account defaults %+v", a.Accounts[0])
	}
	wantCode(t, st.CreateCustomer(c, &gridline.Customer{Accounts: []gridline.Account{{AccountNo: "0012345678"}}}), gridline.ECONFLICT)
	b := newCustomer(t, st)
	wantCode(t, st.PutAccount(c, &gridline.Account{AccountNo: "0012345678", CustomerID: b.ID}), gridline.ECONFLICT)
	wantCode(t, st.PutAccount(c, &gridline.Account{AccountNo: "0099999999", CustomerID: "nobody"}), gridline.ENOTFOUND)
	wantCode(t, st.PutAccount(c, &gridline.Account{AccountNo: "0099999999", CustomerID: b.ID, Status: "gone"}), gridline.EINVALID)

	// The owner may save it: the billing system's figures arrive.
	must(t, st.PutAccount(c, &gridline.Account{AccountNo: "0012345678", CustomerID: a.ID, Tariff: "tiered",
		Status: gridline.AccountSuspended, Arrears: money(88.5)}))
	must(t, st.PutAccount(c, &gridline.Account{AccountNo: "0012345679", CustomerID: a.ID}))
	got, err := st.Account(c, "0012345678")
	must(t, err)
	if got.Status != gridline.AccountSuspended || got.Arrears == nil || *got.Arrears != 8850 || got.Balance != nil {
		t.Errorf("Account = %+v", got)
	}
	cu, err := st.Customer(c, a.ID)
	must(t, err)
	if len(cu.Accounts) != 2 || cu.Accounts[1].AccountNo != "0012345679" {
		t.Errorf("accounts %+v", cu.Accounts)
	}
	_, err = st.Account(c, "0000000000")
	wantCode(t, err, gridline.ENOTFOUND)
	if found, _ := st.SearchCustomers(c, "0012345679", 5); len(found) != 1 || found[0].ID != a.ID {
		t.Errorf("a new account is not searchable: %+v", found)
	}
}

func ids(cs []*gridline.Customer) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testSearchCustomers(t *testing.T, st gridline.Store) {
	c := ctx(t)
	mk := func(name, phone, account string) *gridline.Customer {
		cu := &gridline.Customer{Name: name, Phone: phone, Lang: gridline.LangZH}
		if account != "" {
			cu.Accounts = []gridline.Account{{AccountNo: account, Phone: "0755-88886666"}}
		}
		must(t, st.CreateCustomer(c, cu))
		return cu
	}
	zs := mk("张三", "13812341234", "1100000001")
	zw := mk("张伟", "13912345678", "1100000002")
	li := mk("Li Lei", "13812349999", "2200000003")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"张", []string{zs.ID, zw.ID}},
		{"张伟", []string{zw.ID}},
		{"li", []string{li.ID}},
		{"LI  LEI", []string{li.ID}},
		{"1381234", []string{zs.ID, li.ID}},
		{"138 1234 1234", []string{zs.ID}},
		{"110000000", []string{zs.ID, zw.ID}},
		{"22", []string{li.ID}},
		{"075588886666", []string{zs.ID, zw.ID, li.ID}}, // the accounts' phone
		{"王", []string{}},
		{"", []string{}},
	} {
		got, err := st.SearchCustomers(c, tc.q, 0)
		must(t, err)
		g := ids(got)
		if len(g) != len(tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, g, tc.want)
			continue
		}
		seen := map[string]bool{}
		for _, id := range g {
			seen[id] = true
		}
		for _, id := range tc.want {
			if !seen[id] {
				t.Errorf("search %q = %v, want %v", tc.q, g, tc.want)
			}
		}
	}
	if got, _ := st.SearchCustomers(c, "张", 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d", len(got))
	}
	// A renamed customer is found by the new name only.
	zs.Name = "赵四"
	must(t, st.UpdateCustomer(c, zs))
	if got, _ := st.SearchCustomers(c, "张", 0); len(got) != 1 || got[0].ID != zw.ID {
		t.Errorf("after rename 张 finds %v", ids(got))
	}
	if got, _ := st.SearchCustomers(c, "赵", 0); len(got) != 1 || len(got[0].Accounts) != 1 {
		t.Errorf("赵 finds %+v", got)
	}
}

func testListCustomers(t *testing.T, st gridline.Store) {
	c := ctx(t)
	org := &gridline.Customer{Kind: gridline.KindOrganisation, Name: "Mill", Organisation: &gridline.Organisation{}}
	must(t, st.CreateCustomer(c, org))
	var all []string
	for i := range 5 {
		cu := &gridline.Customer{Name: fmt.Sprintf("contact %d", i)}
		if i%2 == 0 {
			cu.ContactOf = org.ID
		}
		must(t, st.CreateCustomer(c, cu))
	}
	after := ""
	for {
		page, err := st.ListCustomers(c, gridline.CustomerFilter{After: after, Limit: 2})
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, cu := range page {
			if cu.ID <= after {
				t.Fatalf("page out of order: %s after %s", cu.ID, after)
			}
			after = cu.ID
			all = append(all, cu.ID)
		}
	}
	if len(all) != 6 {
		t.Errorf("paged through %d customers, want 6", len(all))
	}
	contacts, err := st.ListCustomers(c, gridline.CustomerFilter{ContactOf: org.ID})
	must(t, err)
	if len(contacts) != 3 {
		t.Errorf("contacts %d, want 3", len(contacts))
	}
}
