package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

func newBackupCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to a new file",
		Long: "Write a consistent copy of the database to FILE, a new file (an existing file is\n" +
			"never overwritten). The copy is one snapshot taken with SQLite's VACUUM INTO, so\n" +
			"it is safe while dashboards and pipelines keep writing; never copy the .db file\n" +
			"itself, which misses what is still in its -wal file. The backup is a complete\n" +
			"database of its own, readable only by you (mode 0600): open it with --db FILE.\n\n" +
			"On PostgreSQL the copy is a SQLite file too, of one snapshot of the database (through\n" +
			"the same copy as flightdeck migrate): for a laptop, an audit, or a way back to one file.\n" +
			"Back up the server itself with PostgreSQL's own tools (pg_dump, or your provider's\n" +
			"snapshots and point-in-time recovery).",
		Example: "  flightdeck backup ~/flightdeck-$(date +%F).db\n" +
			"  flightdeck --db ~/flightdeck-2026-11-25.db deploy status",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("backup needs one new file to write, e.g. flightdeck backup flightdeck-backup.db")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := a.open(ctx)
			if err != nil {
				return err
			}
			dest := args[0]
			if err := s.Backup(ctx, dest); err != nil {
				return cliError(err)
			}
			// Count what the backup holds, reading it as --db would.
			c, size, err := describeBackup(ctx, dest)
			if err != nil {
				return fmt.Errorf("the backup %s was written but cannot be read back: %w", dest, err)
			}
			noteValue(ctx, func() any {
				return backupJSON{Path: dest, Bytes: size, Deployments: c.Deployments, Incidents: c.Incidents, Events: c.Events}
			})
			fmt.Fprintf(a.stdout, "backed up %s, %s, %s to %s (%s)\n",
				plural(int(c.Deployments), "deployment", "deployments"),
				plural(int(c.Incidents), "incident", "incidents"),
				plural(int(c.Events), "event", "events"),
				model.SanitizeLine(dest), megabytes(size))
			if s.Engine() == "PostgreSQL" {
				fmt.Fprintf(a.stdout, "the backup is a SQLite copy of %s (open it with --db %s); for the server itself use pg_dump, e.g. pg_dump -Fc -f flightdeck.dump %s\n",
					s.Path(), model.SanitizeLine(dest), pgDumpTarget(s.Path()))
			}
			return nil
		},
	}
}

// pgDumpTarget is what to hand pg_dump for the database shown as shown
// (the DSN without its password; pg_dump reads ~/.pgpass and PGPASSWORD too).
func pgDumpTarget(shown string) string {
	return "'" + strings.ReplaceAll(data.ScriptDSN(shown), "'", `'\''`) + "'"
}

// describeBackup opens the finished backup read-only and counts its rows.
func describeBackup(ctx context.Context, path string) (data.Counts, int64, error) {
	b, err := data.Open(ctx, path, data.Options{ReadOnly: true})
	if err != nil {
		return data.Counts{}, 0, err
	}
	defer b.Close()
	c, err := b.Counts(ctx)
	if err != nil {
		return c, 0, err
	}
	fi, err := os.Stat(filepath.Clean(path))
	if err != nil {
		return c, 0, err
	}
	return c, fi.Size(), nil
}

// megabytes is a size for people: "0.1 MB", "12.4 MB".
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
