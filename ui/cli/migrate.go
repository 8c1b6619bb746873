package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// migrateJSON is `migrate --json`.
type migrateJSON struct {
	From       string           `json:"from"` // the file, or the DSN without its password
	FromEngine string           `json:"from_engine"`
	To         string           `json:"to"`
	ToEngine   string           `json:"to_engine"`
	Rows       int64            `json:"rows"`
	Tables     map[string]int64 `json:"tables"` // every table, with its rows
	Seconds    float64          `json:"seconds"`
	Verified   bool             `json:"verified"` // every table counted on both sides before COMMIT
}

func newMigrateCmd(a *app) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "migrate --from SRC --to DST",
		Short: "Copy everything from one flightdeck database to another, e.g. a SQLite file to PostgreSQL",
		Long: "Copy a whole flightdeck database into an empty one, of either engine: a SQLite file\n" +
			"(a path, or sqlite:PATH) or PostgreSQL (postgres://USER@HOST/DBNAME, the password from\n" +
			"~/.pgpass or PGPASSWORD). Moving a team from one host's file to a shared server is\n" +
			"SQLite to PostgreSQL; PostgreSQL to SQLite is the way back.\n\n" +
			"Everything is carried as it is: every table and column, ids (INC numbers, deployment\n" +
			"numbers), times, the timeline, stars, templates, the outbox and notification claims.\n" +
			"The source is read as one snapshot, so dashboards and pipelines may keep writing to it\n" +
			"(what they write after the copy starts is not in it: stop them first to move for good).\n" +
			"The target is written in one transaction and must be empty; before it commits every\n" +
			"table is counted on both sides, and any difference leaves the target as it was.\n" +
			"--from defaults to the database --db, $FLIGHTDECK_DB or db: in the config names.",
		Example: "  createdb flightdeck\n" +
			"  flightdeck migrate --from ~/.local/share/flightdeck/flightdeck.db --to postgres://alice@db.internal/flightdeck\n" +
			"  flightdeck migrate --from postgres://alice@db.internal/flightdeck --to flightdeck.db",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.readOnly {
				return usagef("migrate writes the target database: drop --read-only")
			}
			from, to = strings.TrimSpace(from), strings.TrimSpace(to)
			if to == "" {
				return usagef("migrate needs --to: the new, empty database to copy into, e.g. --to postgres://USER@HOST/flightdeck (createdb flightdeck first)")
			}
			if from != "" && strings.TrimSpace(a.dbFlag) != "" {
				return usagef("give the source once: --from or --db, not both")
			}
			var src string
			var err error
			if from == "" {
				src, err = a.database()
			} else {
				src, err = data.ResolveDB(from, "")
			}
			if err != nil {
				return err
			}
			dst, err := data.ResolveDB(to, "")
			if err != nil {
				return err
			}
			if src == dst {
				return usagef("--from and --to name the same database (%s): copy into another one", shownDB(src))
			}
			return a.migrate(cmd, src, dst)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "the database to copy: a SQLite file or postgres://… (default: --db, $FLIGHTDECK_DB, db: in the config)")
	f.StringVar(&to, "to", "", "the empty database to copy into: a SQLite file (created) or postgres://… (createdb first)")
	return cmd
}

// shownDB is a database as it may be printed: a file, or a DSN without its
// password.
func shownDB(db string) string {
	if data.IsPostgresDSN(db) {
		return data.RedactDSN(db)
	}
	return model.SanitizeLine(db)
}

func (a *app) migrate(cmd *cobra.Command, src, dst string) (err error) {
	ctx := cmd.Context()
	from, err := data.Open(ctx, src, data.Options{MustExist: true, ReadOnlyIfNeeded: true})
	if err != nil {
		return err
	}
	defer from.Close()
	nothing, err := from.Empty(ctx)
	if err != nil {
		return err
	}
	if nothing {
		return fmt.Errorf("%s holds nothing to copy: --from is the database to copy, --to the new empty one", from.Path())
	}
	// A SQLite target made here and left empty by a failure is removed
	// again: a retry must not find a stray file in its way.
	created := false
	if !data.IsPostgresDSN(dst) {
		if _, serr := os.Lstat(dst); errors.Is(serr, fs.ErrNotExist) {
			created = true
		}
	}
	to, err := data.Open(ctx, dst, data.Options{})
	if err != nil {
		return err
	}
	defer func() {
		_ = to.Close()
		if err != nil && created {
			for _, side := range []string{"", "-wal", "-shm", "-journal"} {
				_ = os.Remove(dst + side)
			}
		}
	}()
	fmt.Fprintf(a.stderr, "flightdeck migrate: copying %s (%s) into %s (%s)…\n", from.Path(), from.Engine(), to.Path(), to.Engine())
	rep, err := data.Copy(ctx, from, to)
	if err != nil {
		return cliError(err)
	}
	noteValue(ctx, func() any {
		j := migrateJSON{From: rep.From, FromEngine: rep.FromEngine, To: rep.To, ToEngine: rep.ToEngine, Rows: rep.Rows,
			Tables: map[string]int64{}, Seconds: rep.Took.Seconds(), Verified: true}
		for _, t := range rep.Tables {
			j.Tables[t.Name] = t.Rows
		}
		return j
	})
	main := rep.Count("deployments") + rep.Count("incidents") + rep.Count("events")
	fmt.Fprintf(a.stdout, "copied %s, %s, %s and %s from %s to %s in %.1f s; every table's count verified\n",
		countOf(rep.Count("deployments"), "deployment", "deployments"), countOf(rep.Count("incidents"), "incident", "incidents"),
		countOf(rep.Count("events"), "event", "events"), countOf(rep.Rows-main, "other row", "other rows"),
		model.SanitizeLine(rep.From), model.SanitizeLine(rep.To), rep.Took.Seconds())
	// The tables that hold something, then the names of those that do not.
	name, num := 0, 0
	var empty []string
	for _, t := range rep.Tables {
		if t.Rows == 0 {
			empty = append(empty, t.Name)
			continue
		}
		name, num = max(name, len(t.Name)), max(num, len(grouped(t.Rows)))
	}
	for _, t := range rep.Tables {
		if t.Rows > 0 {
			fmt.Fprintf(a.stdout, "  %-*s  %*s\n", name, t.Name, num, grouped(t.Rows))
		}
	}
	if len(empty) > 0 {
		fmt.Fprintf(a.stdout, "  empty: %s\n", strings.Join(empty, ", "))
	}
	return nil
}

// countOf is "1 deployment", "5,002 deployments".
func countOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return grouped(n) + " " + many
}

// grouped writes n with thousands separators: 2,000,000.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
