package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/knowledge"
	"github.com/gridline/gridline/server"
)

// userUsage heads each `gridline user` subcommand's -h.
var userUsage = map[string]string{
	"add": `usage: gridline user add -email EMAIL [flags]

Adds a staff user. The password is never a flag, so it stays out of shell
history and process lists: on a terminal it is asked for twice, without echo;
otherwise it is read from -password-file, or else as one line of standard input:

  gridline user add -email a@x.com -role agent -password-file ./ann.pass
  printf '%s\n' "$PASSWORD" | gridline user add -email a@x.com -role agent
`,
	"list":    "usage: gridline user list [flags]\n\nLists the staff users.\n",
	"disable": "usage: gridline user disable -email EMAIL [flags]\n\nDisables a staff user; they can no longer sign in.\n",
}

// A secretReader is a standard input that can read a line without echoing it:
// a terminal. main hands run one when standard input is a terminal.
type secretReader interface {
	// ReadSecret shows prompt and reads one line that the terminal does not echo.
	ReadSecret(prompt string) (string, error)
}

// runUser is `gridline user add|list|disable`.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gridline user add|list|disable [flags]")
	}
	sub, args := args[0], args[1:]
	if sub == "-h" || sub == "--help" || sub == "help" {
		fmt.Fprint(stdout, "usage: gridline user add|list|disable [flags]\n\nRun \"gridline user COMMAND -h\" for a command's flags.\n")
		return nil
	}
	usage, ok := userUsage[sub]
	if !ok {
		return fmt.Errorf("unknown user command %q: add, list or disable", sub)
	}
	var email, name, role, skills, passwordFile string
	var capacity int
	databaseURL, _, err := parseStoreFlags("user "+sub, usage, args, getenv, stderr, func(fs *flag.FlagSet) {
		switch sub {
		case "add":
			fs.StringVar(&email, "email", "", "the user's email (required)")
			fs.StringVar(&name, "name", "", "display name; empty: the email's local part")
			fs.StringVar(&role, "role", gridline.RoleAgent, "agent, supervisor or admin")
			fs.StringVar(&skills, "skills", strings.Join(gridline.Skills, ","), "comma-separated skills")
			fs.IntVar(&capacity, "capacity", 3, "concurrent chats")
			fs.StringVar(&passwordFile, "password-file", "", "read the password from the first line of this file; empty: ask on a terminal, else read standard input")
		case "disable":
			fs.StringVar(&email, "email", "", "the user's email (required)")
		}
	})
	if err != nil {
		return err
	}
	if sub != "list" && email == "" {
		return fmt.Errorf("-email is required")
	}
	db, err := openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "add":
		if !slices.Contains([]string{gridline.RoleAgent, gridline.RoleSupervisor, gridline.RoleAdmin}, role) {
			return fmt.Errorf("-role must be agent, supervisor or admin")
		}
		var sk []string
		for _, s := range strings.Split(skills, ",") {
			if s = strings.TrimSpace(s); s != "" {
				if !slices.Contains(gridline.Skills, s) {
					return fmt.Errorf("unknown skill %q (skills: %s)", s, strings.Join(gridline.Skills, ", "))
				}
				sk = append(sk, s)
			}
		}
		if capacity < 1 || capacity > 20 {
			return fmt.Errorf("-capacity must be 1 to 20")
		}
		password, err := readPassword(passwordFile, email, stdin)
		if err != nil {
			return err
		}
		hash, err := server.HashPassword(password)
		if err != nil {
			return fmt.Errorf("%s", gridline.ErrorMessage(err))
		}
		if name == "" {
			name = strings.SplitN(email, "@", 2)[0]
		}
		u := &gridline.User{Email: email, Name: name, Role: role, Skills: sk, Capacity: capacity, PasswordHash: hash}
		if err := db.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("%s", gridline.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "added %s (%s) id %s\n", u.Email, u.Role, u.ID)
	case "list":
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSKILLS\tCAPACITY\tDISABLED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%v\n", u.Email, u.Name, u.Role, strings.Join(u.Skills, ","), u.Capacity, u.Disabled)
		}
		return tw.Flush()
	case "disable":
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("%s", gridline.ErrorMessage(err))
		}
		u.Disabled = true
		if err := db.UpdateUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled %s\n", u.Email)
	}
	return nil
}

// readPassword is the new user's password: the first line of file if one is
// named; else, on a terminal, asked for twice without echo; else one line of
// standard input.
func readPassword(file, email string, stdin io.Reader) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("-password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		return strings.TrimRight(line, "\r"), nil
	}
	if tty, ok := stdin.(secretReader); ok {
		password, err := tty.ReadSecret("Password for " + email + ": ")
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		again, err := tty.ReadSecret("Password again: ")
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if again != password {
			return "", fmt.Errorf("the passwords do not match")
		}
		return password, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no password given: use a terminal, -password-file, or one line on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// runKB is `gridline kb import FILE` and `gridline kb export [FILE]`.
func runKB(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gridline kb import FILE | gridline kb export [FILE]")
	}
	sub, args := args[0], args[1:]
	const kbUsage = "usage: gridline kb import FILE | gridline kb export [FILE]\n\nImports articles (upsert by slug, all or nothing) or exports them as JSON; FILE - is standard input or output.\n"
	switch sub {
	case "import", "export":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, kbUsage)
		return nil
	default:
		return fmt.Errorf("unknown kb command %q: import or export", sub)
	}
	databaseURL, fs, err := parseStoreFlags("kb "+sub, kbUsage, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	// The CLI writes the store directly; running servers pick the change up at their next start.
	svc := &knowledge.Service{Store: db, Index: knowledge.NewIndex()}
	switch sub {
	case "import":
		var r io.Reader = stdin
		if fs.NArg() > 0 && fs.Arg(0) != "-" {
			f, err := os.Open(fs.Arg(0))
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		var as []*gridline.Article
		if err := json.NewDecoder(r).Decode(&as); err != nil {
			return fmt.Errorf("the file is not a JSON array of articles: %w", err)
		}
		ierrs, err := svc.Import(ctx, as, "cli")
		for _, ie := range ierrs {
			fmt.Fprintf(stderr, "row %d: %s: %s\n", ie.Index, ie.Field, ie.Message)
		}
		if len(ierrs) > 0 {
			return fmt.Errorf("%d problem(s); nothing was imported", len(ierrs))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %d articles\n", len(as))
	case "export":
		as, err := db.ListArticles(ctx, gridline.ArticleFilter{})
		if err != nil {
			return err
		}
		w := stdout
		if fs.NArg() > 0 && fs.Arg(0) != "-" {
			f, err := os.Create(fs.Arg(0))
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(as)
	}
	return nil
}
