package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs gridline with args against one database, as an operator would.
func cli(t *testing.T, db string, stdin string, args ...string) (string, error) {
	t.Helper()
	env := map[string]string{"GRIDLINE_DATABASE_URL": db}
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	if out, err := cli(t, db, "", "migrate"); err != nil || !strings.Contains(out, "migrations applied (sqlite)") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if out, err := cli(t, db, "", "migrate"); err != nil {
		t.Fatalf("migrate again: %v %s", err, out)
	}

	// Users: the password comes from standard input, never the command line history.
	if out, err := cli(t, db, "s3cret-password\n", "user", "add", "-email", "ann@example.com", "-name", "Ann", "-skills", "billing,repair", "-capacity", "4"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	if out, err := cli(t, db, "s3cret-password\n", "user", "add", "-email", "ANN@example.com"); err == nil {
		t.Fatalf("a second user with the same email was added: %s", out)
	}
	if out, err := cli(t, db, "short\n", "user", "add", "-email", "bob@example.com"); err == nil || !strings.Contains(err.Error(), "8 to 72") {
		t.Fatalf("a short password was accepted: %v %s", err, out)
	}
	if out, err := cli(t, db, "s3cret-password\n", "user", "add", "-email", "cy@example.com", "-skills", "astrology"); err == nil {
		t.Fatalf("an unknown skill was accepted: %s", out)
	}
	out, err := cli(t, db, "", "user", "list")
	if err != nil || !strings.Contains(out, "ann@example.com") || !strings.Contains(out, "billing,repair") {
		t.Fatalf("user list: %v %s", err, out)
	}
	if out, err := cli(t, db, "", "user", "disable", "-email", "ann@example.com"); err != nil {
		t.Fatalf("user disable: %v %s", err, out)
	}
	if out, _ := cli(t, db, "", "user", "list"); !strings.Contains(out, "true") {
		t.Fatalf("disabled user not shown as disabled: %s", out)
	}

	// Knowledge base: import all or nothing, export what is there.
	good := `[{"slug":"pay-bill-en","lang":"en","title":"Pay your bill","body":"Pay in the app.","tags":["bill"],"status":"published"}]`
	bad := `[{"slug":"ok-one-en","lang":"en","title":"Fine","body":"Fine."},{"slug":"Bad Slug","lang":"xx","title":"","body":""}]`
	file := filepath.Join(t.TempDir(), "kb.json")
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cli(t, db, "", "kb", "import", file); err == nil || !strings.Contains(out, "row 1") {
		t.Fatalf("a bad import went through: %v %s", err, out)
	}
	if out, err := cli(t, db, good, "kb", "import", "-"); err != nil || !strings.Contains(out, "imported 1") {
		t.Fatalf("kb import: %v %s", err, out)
	}
	out, err = cli(t, db, "", "kb", "export")
	if err != nil || !strings.Contains(out, `"slug": "pay-bill-en"`) || strings.Contains(out, "ok-one-en") {
		t.Fatalf("kb export: %v %s", err, out)
	}
	if _, err := cli(t, db, "", "frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}
