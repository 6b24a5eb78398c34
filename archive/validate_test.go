package archive

import (
	"testing"

	"github.com/gridline/gridline"
)

func TestNormalizeAccountNo(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"0012345678", "0012345678", true},
		{"0012 3456 78", "0012345678", true},
		{"001-234-5678", "0012345678", true},
		{"1234567890123", "1234567890123", true},
		{"1234567890123456", "1234567890123456", true},
		{"001234567", "", false},         // nine digits
		{"12345678901234567", "", false}, // seventeen
		{"00123A5678", "", false},        // a letter
		{"", "", false},
		{"００１２３４５６７８", "", false}, // full-width digits are not digits
	} {
		got, err := NormalizeAccountNo(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeAccountNo(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && gridline.ErrorCode(err) != gridline.EINVALID {
			t.Errorf("NormalizeAccountNo(%q): code %q", tc.in, gridline.ErrorCode(err))
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"13812341234", "13812341234"},
		{"138 1234 1234", "13812341234"},
		{"138-1234-1234", "13812341234"},
		{"+86 138 1234 1234", "13812341234"},
		{"0086-13812341234", "13812341234"},
		{"8613812341234", "13812341234"},
		{"19912341234", "19912341234"},
		{"010-12345678", "010-12345678"},
		{"(010) 1234 5678", "010-12345678"},
		{"01012345678", "010-12345678"},
		{"021-1234567", "021-1234567"},
		{"0755-88886666", "0755-88886666"},
		{"07558888666", "0755-8888666"},
		{"400-123-4567", "400-123-4567"},
		{"8001234567", "800-123-4567"},
		{"12812341234", ""},    // no 12x mobile prefix
		{"1381234123", ""},     // ten digits
		{"138123412345", ""},   // twelve
		{"95598", ""},          // a service number is no customer's phone
		{"010-123456", ""},     // six-digit local number
		{"0755-888866661", ""}, // nine
		{"phone", ""},
		{"", ""},
	} {
		got, err := NormalizePhone(tc.in)
		if (err == nil) != (tc.want != "") || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for in, want := range map[string]bool{
		"zhang@example.com": true, "a.b+c@mail.sgcc.com.cn": true,
		"": false, "zhang": false, "zhang@": false, "@example.com": false, "zhang@localhost": false,
		"Zhang <zhang@example.com>": false, "zhang@example.com.": false, "zh ang@example.com": false,
	} {
		if got := ValidEmail(in); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	defs := []gridline.AttributeDef{{Key: "vip", Type: gridline.AttrList, Options: []string{"gold"}},
		{Key: "since", Type: gridline.AttrDate}, {Key: "load", Type: gridline.AttrNumber}}
	c := &gridline.Customer{Name: "  张三 ", Phone: "+86 138 1234 1234", Phones: []string{"010 1234 5678"},
		Accounts:   []gridline.Account{{AccountNo: "0012 3456 78", AreaClass: gridline.AreaRural}},
		Attributes: map[string]string{"vip": "gold", "since": "2020-01-02", "load": "12.5"}}
	if err := Normalize(c, defs); err != nil {
		t.Fatal(err)
	}
	if c.Name != "张三" || c.Phone != "13812341234" || c.Phones[0] != "010-12345678" || c.Kind != gridline.KindIndividual ||
		c.Accounts[0].AccountNo != "0012345678" || c.Accounts[0].Status != gridline.AccountActive {
		t.Errorf("normalised %+v", c)
	}
	bad := &gridline.Customer{Kind: "robot", Phone: "123", Email: "nope", Segment: "wholesale",
		Phones:       []string{"13812341234", "x"},
		Organisation: &gridline.Organisation{OpenedOn: "May 2001"},
		Accounts:     []gridline.Account{{AccountNo: "12"}, {AccountNo: "0012345678", AreaClass: "moon"}, {AccountNo: "0012345678"}},
		Attributes:   map[string]string{"vip": "platinum", "since": "yesterday", "load": "lots", "shoe": "42"}}
	err := Normalize(bad, defs)
	var ge *gridline.Error
	if !asErr(err, &ge) || ge.Code != gridline.EINVALID {
		t.Fatalf("Normalize(bad) = %v", err)
	}
	for _, f := range []string{"kind", "phone", "email", "segment", "phones.1", "organisation", "organisation.opened_on",
		"accounts.0.account_no", "accounts.1.area_class", "accounts.2.account_no",
		"attributes.vip", "attributes.since", "attributes.load", "attributes.shoe"} {
		if _, ok := ge.Fields[f]; !ok {
			t.Errorf("fields %v lack %q", ge.Fields, f)
		}
	}
	if _, ok := ge.Fields["phones.0"]; ok {
		t.Error("a good phone was refused")
	}
}

func TestCheckAttributeDefs(t *testing.T) {
	if err := CheckAttributeDefs([]gridline.AttributeDef{{Key: "vip", Type: "list", Options: []string{"gold"}}}); err != nil {
		t.Fatal(err)
	}
	err := CheckAttributeDefs([]gridline.AttributeDef{{Key: "VIP", Type: "list"}, {Key: "a", Type: "colour"}, {Key: "a", Type: "text"}})
	var ge *gridline.Error
	if !asErr(err, &ge) {
		t.Fatal(err)
	}
	for _, f := range []string{"0.key", "0.options", "1.type", "2.key"} {
		if _, ok := ge.Fields[f]; !ok {
			t.Errorf("fields %v lack %q", ge.Fields, f)
		}
	}
}
