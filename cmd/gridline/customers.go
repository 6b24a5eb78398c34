package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/archive"
	"github.com/gridline/gridline/store"
	"github.com/gridline/gridline/workorder"
)

// newArchive is the customer archive over the store.
func newArchive(db *store.DB, cfg Config, logger *slog.Logger) *archive.Service {
	return &archive.Service{Store: db, IdentitySecret: []byte(cfg.IdentitySecret), Logger: logger}
}

// orderAreas lets the work orders read an account's area class from the archive.
type orderAreas struct{ archive *archive.Service }

func (o orderAreas) Area(ctx context.Context, customerID, accountNo string) (workorder.Area, error) {
	class, err := o.archive.AreaClass(ctx, customerID, accountNo)
	return workorder.Area{Class: class}, err
}

// runCustomers is `gridline customers import FILE | export [FILE]`: the
// archive's CSV, all or nothing, as the admin pages do it; "-" is standard
// input or output. It acts as the admin "cli" in the audit log.
func runCustomers(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "export") {
		return fmt.Errorf("usage: gridline customers import FILE | gridline customers export [FILE]")
	}
	sub := args[0]
	cfg, fs, err := parseConfig("customers "+sub, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	if sub == "import" && file == "" {
		return fmt.Errorf("usage: gridline customers import FILE (- for standard input)")
	}
	db, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := newArchive(db, cfg, newLogger(stderr, cfg.LogLevel))
	who := archive.System("cli")
	if sub == "import" {
		in := stdin
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		n, err := svc.Import(ctx, who, in)
		if err != nil {
			return describeImportError(stdout, err)
		}
		fmt.Fprintf(stdout, "imported %d customers\n", n)
		return nil
	}
	out := stdout
	if file != "" && file != "-" {
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	n, err := svc.Export(ctx, who, out)
	if err != nil {
		return err
	}
	if out != stdout {
		fmt.Fprintf(stdout, "exported %d customers to %s\n", n, file)
	}
	return nil
}

// describeImportError lists an import's problems one a line ("line 12: phone:
// …"), sorted, and returns the summary.
func describeImportError(w io.Writer, err error) error {
	var ge *gridline.Error
	if !errors.As(err, &ge) || len(ge.Fields) == 0 {
		return err
	}
	keys := slices.Sorted(maps.Keys(ge.Fields))
	for _, k := range keys {
		line, field, _ := strings.Cut(k, ".")
		fmt.Fprintf(w, "line %s: %s: %s\n", line, field, ge.Fields[k])
	}
	return errors.New(ge.Message)
}
