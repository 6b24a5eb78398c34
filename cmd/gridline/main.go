// Command gridline runs the Gridline customer-service desk: `gridline serve` (the
// default) serves the widget, the consoles and the API; `gridline migrate` applies
// database migrations; `gridline user` manages staff; `gridline kb` imports and
// exports the knowledge base. This is the only package that chooses
// implementations: SQLite or PostgreSQL, in-process queues or Redis, LLM or none.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var stdin io.Reader = os.Stdin
	if term.IsTerminal(int(os.Stdin.Fd())) {
		stdin = terminal{os.Stdin, os.Stderr}
	}
	if err := run(ctx, os.Args[1:], os.Getenv, stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h printed what was asked for
		}
		fmt.Fprintln(os.Stderr, "gridline:", err)
		os.Exit(1)
	}
}

const usage = `usage: gridline [command] [flags]

commands:
  serve     run the server (the default)
  migrate   apply database migrations and exit
  user      add, list or disable staff users: gridline user add|list|disable
  kb        import or export articles: gridline kb import FILE | gridline kb export [FILE]
  customers import or export the customer archive as CSV: gridline customers import|export FILE

Run "gridline COMMAND -h" for the flags; every flag mirrors a GRIDLINE_* variable.
`

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stderr)
	case "migrate":
		return runMigrate(ctx, args, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, args, getenv, stdin, stdout, stderr)
	case "kb":
		return runKB(ctx, args, getenv, stdin, stdout, stderr)
	case "customers":
		return runCustomers(ctx, args, getenv, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// terminal is standard input when it is a terminal: it can read a secret
// without echoing it, prompting on w.
type terminal struct {
	*os.File
	w io.Writer
}

// ReadSecret prompts and reads one line with the terminal's echo off.
func (t terminal) ReadSecret(prompt string) (string, error) {
	fmt.Fprint(t.w, prompt)
	b, err := term.ReadPassword(int(t.Fd()))
	fmt.Fprintln(t.w)
	return string(b), err
}

// newLogger writes JSON logs at the configured level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, _, err := parseConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.LogLevel)
	app, err := NewApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if err := app.Start(); err != nil {
		app.Close(context.Background())
		return err
	}
	logger.Info("gridline serving", "addr", app.Addr(), "store", app.Store.Kind(), "redis", cfg.RedisURL != "", "llm", cfg.LLMModel != "")
	<-ctx.Done()
	logger.Info("gridline shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return app.Close(sctx)
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	databaseURL, _, err := parseStoreFlags("migrate", "usage: gridline migrate [flags]\n\nApplies the database migrations and exits.\n", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrations applied (%s)\n", db.Kind())
	return nil
}
