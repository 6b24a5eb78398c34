package storetest

import (
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// RunCustomers runs the gridline.CustomerStore contract, as Run does.
func RunCustomers(t *testing.T, open func(t *testing.T) gridline.Store) {
	run(t, open, []test{
		{"Customer", testCustomer},
	})
}

func newCustomer(t *testing.T, st gridline.Store) *gridline.Customer {
	t.Helper()
	c := &gridline.Customer{Lang: gridline.LangZH}
	must(t, st.CreateCustomer(ctx(t), c))
	return c
}

func testCustomer(t *testing.T, st gridline.Store) {
	c := ctx(t)
	cu := &gridline.Customer{Name: "张三", Phone: "13800000000", Lang: gridline.LangZH}
	must(t, st.CreateCustomer(c, cu))
	if cu.ID == "" {
		t.Fatal("CreateCustomer gave no ID")
	}
	recent(t, "CreatedAt", cu.CreatedAt)

	got, err := st.Customer(c, cu.ID)
	must(t, err)
	if *got != *cu {
		t.Errorf("Customer = %+v, want %+v", got, cu)
	}

	cu.Name, cu.AccountNo, cu.Lang = "Zhang San", "0012345678", gridline.LangEN
	must(t, st.UpdateCustomer(c, cu))
	got, err = st.Customer(c, cu.ID)
	must(t, err)
	if *got != *cu {
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
