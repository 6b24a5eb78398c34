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

// runUser is `gridline user add|list|disable`.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gridline user add|list|disable [flags]")
	}
	sub, args := args[0], args[1:]
	var email, name, role, skills, password string
	var capacity int
	cfg, fs, err := parseConfigWith("user "+sub, args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email (required)")
		fs.StringVar(&name, "name", "", "display name (add)")
		fs.StringVar(&role, "role", gridline.RoleAgent, "agent, supervisor or admin (add)")
		fs.StringVar(&skills, "skills", strings.Join(gridline.Skills, ","), "comma-separated skills (add)")
		fs.IntVar(&capacity, "capacity", 3, "concurrent chats (add)")
		fs.StringVar(&password, "password", "", "password; empty: read one line from standard input (add)")
	})
	if err != nil {
		return err
	}
	_ = fs
	db, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "add":
		if email == "" {
			return fmt.Errorf("-email is required")
		}
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
		if password == "" {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("no password given (-password or one line on standard input)")
			}
			password = strings.TrimRight(line, "\r\n")
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
		if email == "" {
			return fmt.Errorf("-email is required")
		}
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("%s", gridline.ErrorMessage(err))
		}
		u.Disabled = true
		if err := db.UpdateUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled %s\n", u.Email)
	default:
		return fmt.Errorf("unknown user command %q: add, list or disable", sub)
	}
	return nil
}

// runKB is `gridline kb import FILE` and `gridline kb export [FILE]`.
func runKB(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gridline kb import FILE | gridline kb export [FILE]")
	}
	sub, args := args[0], args[1:]
	cfg, fs, err := parseConfigWith("kb "+sub, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg.DatabaseURL)
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
	default:
		return fmt.Errorf("unknown kb command %q: import or export", sub)
	}
	return nil
}
