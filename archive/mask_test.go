package archive

import (
	"errors"
	"testing"

	"github.com/gridline/gridline"
)

func asErr(err error, target **gridline.Error) bool { return errors.As(err, target) }

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13812341234", "138****1234"},
		{"010-12345678", "010-****5678"},
		{"0755-8888666", "0755-***8666"},
		{"400-123-4567", "400*****4567"},
		{"+86 138 1234 1234", "138****1234"}, // as typed on an order or a request
		{"123", "****"},
		{"", ""},
	} {
		if got := MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := MaskID("110101199003071234"); got != "110***********1234" {
		t.Errorf("MaskID = %q", got)
	}
	if got := MaskBank("6222020200112233445"); got != "6222***********3445" {
		t.Errorf("MaskBank = %q", got)
	}
	c := &gridline.Customer{Phone: "13812341234", Phones: []string{"010-12345678"}, IDNumber: "110101199003071234",
		Organisation: &gridline.Organisation{BankAccount: "6222020200112233445"},
		Accounts:     []gridline.Account{{AccountNo: "0012345678", Phone: "13900001111"}}}
	m := Mask(c)
	if m.Phone != "138****1234" || m.Phones[0] != "010-****5678" || m.IDNumber != "110***********1234" ||
		m.Organisation.BankAccount != "6222***********3445" || m.Accounts[0].Phone != "139****1111" {
		t.Errorf("Mask = %+v", m)
	}
	if c.Phone != "13812341234" || c.Accounts[0].Phone != "13900001111" || c.Organisation.BankAccount != "6222020200112233445" {
		t.Error("Mask changed the original")
	}
	// A masked card saved back keeps the real numbers; a changed number is taken.
	m.Name, m.Phones = "new name", append(m.Phones, "13700001111")
	keepMasked(m, c)
	if m.Phone != c.Phone || m.Phones[0] != "010-12345678" || m.Phones[1] != "13700001111" || m.IDNumber != c.IDNumber ||
		m.Organisation.BankAccount != c.Organisation.BankAccount || m.Accounts[0].Phone != "13900001111" {
		t.Errorf("keepMasked = %+v", m)
	}
}
