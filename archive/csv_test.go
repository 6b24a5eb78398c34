package archive_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
)

const goodCSV = "id,kind,name,phone,segment,account_no,area_class,balance,attr.vip\n" +
	"c1,individual,张三,138 1234 1234,resident,0012345678,rural,12.30,gold\n" +
	"c1,,,,,0012345679,urban,,\n" +
	",organisation,河畔纺织厂,010-12345678,large,0012345680,urban,,\n"

func TestImportEncodings(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(goodCSV)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"utf-8": goodCSV, "utf-8 with BOM": "\xef\xbb\xbf" + goodCSV, "gbk": gbk,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			svc, db := newService(t)
			must(t, svc.SetAttributes(ctx, admin, []gridline.AttributeDef{{Key: "vip", Type: gridline.AttrList, Options: []string{"gold"}}}))
			n, err := svc.Import(ctx, admin, strings.NewReader(data))
			must(t, err)
			if n != 2 {
				t.Fatalf("imported %d customers, want 2", n)
			}
			found, err := db.SearchCustomers(ctx, "张", 0)
			must(t, err)
			if len(found) != 1 {
				t.Fatalf("张 finds %d", len(found))
			}
			c := found[0]
			if c.ID != "c1" || c.Phone != "13812341234" || len(c.Accounts) != 2 || c.Accounts[0].Balance == nil ||
				*c.Accounts[0].Balance != 1230 || c.Accounts[1].Balance != nil || c.Attributes["vip"] != "gold" {
				t.Errorf("imported %+v", c)
			}
			if org, _ := db.SearchCustomers(ctx, "河畔", 0); len(org) != 1 || org[0].Kind != gridline.KindOrganisation {
				t.Errorf("organisation %+v", org)
			}
		})
	}
}

// TestImportAllOrNothing: every bad field is named by line and column, taken
// account numbers included, and nothing is written.
func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	svc, db := newService(t)
	_, err := svc.Create(ctx, admin, &gridline.Customer{Accounts: []gridline.Account{{AccountNo: "0012345678"}}})
	must(t, err)
	bad := "name,phone,email,account_no,area_class,balance\n" +
		"fine,13812341234,,0099999999,urban,\n" +
		"bad,12345,nope,12,moon,lots\n"
	_, err = svc.Import(ctx, admin, strings.NewReader(bad))
	var ge *gridline.Error
	if !asErr(err, &ge) || ge.Code != gridline.EINVALID {
		t.Fatalf("bad import: %v", err)
	}
	for _, f := range []string{"3.phone", "3.email", "3.account_no", "3.area_class", "3.balance"} {
		if _, ok := ge.Fields[f]; !ok {
			t.Errorf("fields %v lack %q", ge.Fields, f)
		}
	}
	if len(ge.Fields) != 5 {
		t.Errorf("fields %v", ge.Fields)
	}
	_, err = svc.Import(ctx, admin, strings.NewReader("name,account_no\nfine,0099999999\ntaken,0012345678\n"))
	if !asErr(err, &ge) || ge.Fields["3.account_no"] != "taken" {
		t.Fatalf("taken account: %v %v", err, ge)
	}
	if found, _ := db.SearchCustomers(ctx, "fine", 0); len(found) != 0 {
		t.Error("a failed import wrote its good rows")
	}
	_, err = svc.Import(ctx, admin, strings.NewReader("name,shoe_size\nx,42\n"))
	if !asErr(err, &ge) || ge.Fields["1.shoe_size"] == "" {
		t.Errorf("unknown column: %v", err)
	}
	_, err = svc.Import(ctx, admin, strings.NewReader("name,phone\n\xff\xfe\x00bad"))
	wantCode(t, err, gridline.EINVALID)
}

// TestExportRoundTrip: what is exported imports again, record for record.
func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	_, err := svc.Import(ctx, admin, strings.NewReader(goodCSV))
	wantCode(t, err, gridline.EINVALID) // attr.vip is not defined here
	_, err = svc.Import(ctx, admin, strings.NewReader(strings.ReplaceAll(strings.ReplaceAll(goodCSV, ",attr.vip", ""), ",gold", "")))
	must(t, err)
	var out bytes.Buffer
	n, err := svc.Export(ctx, admin, &out)
	must(t, err)
	if n != 2 || !bytes.HasPrefix(out.Bytes(), []byte("\xef\xbb\xbfid,kind,name")) {
		t.Fatalf("export of %d: %q", n, out.String())
	}
	other, _ := newService(t)
	m, err := other.Import(ctx, admin, &out)
	must(t, err)
	if m != 2 {
		t.Fatalf("re-imported %d", m)
	}
	c, err := other.Get(ctx, admin, "c1")
	must(t, err)
	if len(c.Accounts) != 2 || c.Accounts[0].AreaClass != gridline.AreaRural || *c.Accounts[0].Balance != 1230 {
		t.Errorf("round trip %+v", c)
	}
}

// FuzzParseCSV: whatever bytes arrive, parsing never panics and either
// refuses with a user-facing code or yields records that pass the archive's
// own rules.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(goodCSV))
	f.Add([]byte("\xef\xbb\xbfname,phone\n张三,13812341234\n"))
	f.Add([]byte("name,account_no\n\"unterminated,0012345678\n"))
	f.Add([]byte("户号,姓名\n0012345678,李四\n"))
	f.Add([]byte{0xd5, 0xc5, ',', '\n'})
	defs := []gridline.AttributeDef{{Key: "vip", Type: gridline.AttrList, Options: []string{"gold"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := archive.ParseCSV(bytes.NewReader(data), defs)
		if err != nil {
			if code := gridline.ErrorCode(err); code != gridline.EINVALID && code != gridline.ETOOLARGE {
				t.Fatalf("code %q: %v", code, err)
			}
			return
		}
		for _, c := range cs {
			if err := archive.Normalize(c, defs); err != nil {
				t.Fatalf("a parsed record fails the rules: %v", err)
			}
		}
	})
}
