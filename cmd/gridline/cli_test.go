package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridline/gridline/server"
)

// The command tests are not parallel: they hash passwords (bcrypt) again and
// again, work that only takes CPU from the tests that can overlap, and starves
// their browsers' timeouts.

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

// fakeTerminal is standard input on a terminal: each ReadSecret answers the next
// line and records the prompt it was shown.
type fakeTerminal struct {
	*strings.Reader
	answers []string
	prompts []string
}

func (f *fakeTerminal) ReadSecret(prompt string) (string, error) {
	f.prompts = append(f.prompts, prompt)
	if len(f.answers) == 0 {
		return "", io.EOF
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

// TestUserAddPassword: the password comes from -password-file, from a terminal
// (asked twice, not echoed) or from one line of standard input, never a flag;
// and `user add -h` lists its own flags, not the server's.
func TestUserAddPassword(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	env := map[string]string{"GRIDLINE_DATABASE_URL": db}
	runWith := func(stdin io.Reader, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, func(k string) string { return env[k] }, stdin, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	login := func(email, password string) bool {
		st, err := openStore(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		u, err := st.UserByEmail(context.Background(), email)
		return err == nil && server.CheckPassword(u.PasswordHash, password)
	}

	file := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(file, []byte("from-a-file-pass\nignored second line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runWith(strings.NewReader(""), "user", "add", "-email", "file@example.com", "-password-file", file); err != nil {
		t.Fatalf("-password-file: %v %s", err, out)
	}
	if !login("file@example.com", "from-a-file-pass") {
		t.Fatal("the password from -password-file does not sign in")
	}

	tty := &fakeTerminal{Reader: strings.NewReader(""), answers: []string{"typed-at-the-tty", "typed-at-the-tty"}}
	if out, err := runWith(tty, "user", "add", "-email", "tty@example.com"); err != nil {
		t.Fatalf("terminal: %v %s", err, out)
	}
	if len(tty.prompts) != 2 || !strings.Contains(tty.prompts[0], "tty@example.com") {
		t.Fatalf("terminal prompts %q, want the password asked for twice", tty.prompts)
	}
	if !login("tty@example.com", "typed-at-the-tty") {
		t.Fatal("the password typed at the terminal does not sign in")
	}
	tty = &fakeTerminal{Reader: strings.NewReader(""), answers: []string{"typed-at-the-tty", "mistyped-the-2nd"}}
	if out, err := runWith(tty, "user", "add", "-email", "typo@example.com"); err == nil || !strings.Contains(err.Error(), "do not match") {
		t.Fatalf("mismatched passwords: %v %s", err, out)
	}

	if out, err := runWith(strings.NewReader(""), "user", "add", "-email", "none@example.com"); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("no password at all: %v %s", err, out)
	}
	if out, err := runWith(strings.NewReader(""), "user", "add", "-email", "flag@example.com", "-password", "on-the-command-line"); err == nil {
		t.Fatalf("a password flag was accepted: %s", out)
	}

	out, err := runWith(strings.NewReader(""), "user", "add", "-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("user add -h: %v", err)
	}
	for _, want := range []string{"-email", "-password-file", "-role", "-skills", "-capacity", "-database-url", "terminal"} {
		if !strings.Contains(out, want) {
			t.Errorf("user add -h does not mention %s:\n%s", want, out)
		}
	}
	for _, server := range []string{"-addr", "-redis-url", "-llm-model", "-admin-password", "-secret"} {
		if strings.Contains(out, server) {
			t.Errorf("user add -h lists the server's %s:\n%s", server, out)
		}
	}
}
