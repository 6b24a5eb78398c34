package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCustomersCommand: an operator imports the archive's CSV all or nothing,
// sees each problem by line and column, and exports what is there.
func TestCustomersCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("name,phone,account_no\n张三,13812341234,0012345678\n李四,123,12\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, db, "", "customers", "import", bad)
	if err == nil || !strings.Contains(out, "line 3: phone:") || !strings.Contains(out, "line 3: account_no:") {
		t.Fatalf("a bad import: %v %s", err, out)
	}
	good := "\xef\xbb\xbfname,phone,account_no,area_class\n张三,13812341234,0012345678,rural\n"
	if out, err := cli(t, db, good, "customers", "import", "-"); err != nil || !strings.Contains(out, "imported 1 customers") {
		t.Fatalf("import: %v %s", err, out)
	}
	if out, err := cli(t, db, good, "customers", "import", "-"); err == nil || !strings.Contains(out, "line 2: account_no: taken") {
		t.Fatalf("importing a taken account again: %v %s", err, out)
	}
	file := filepath.Join(dir, "out.csv")
	if out, err := cli(t, db, "", "customers", "export", file); err != nil || !strings.Contains(out, "exported 1 customers") {
		t.Fatalf("export: %v %s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "张三,13812341234") || strings.Contains(string(data), "李四") {
		t.Fatalf("exported %s", data)
	}
	if _, err := cli(t, db, "", "customers", "frobnicate"); err == nil {
		t.Fatal("an unknown subcommand succeeded")
	}
}
