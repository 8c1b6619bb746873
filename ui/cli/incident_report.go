package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// newIncidentReportCmd writes the Markdown incident report: the facts, the
// escalation ladder, starred key moments, the timeline, root cause, action
// items and the postmortem window.
func newIncidentReportCmd(a *app) *cobra.Command {
	var out string
	var starred bool
	cmd := &cobra.Command{
		Use:     "report ID [--out FILE] [--starred] [--json]",
		Short:   "Write the Markdown incident report (stdout, or --out FILE)",
		Example: "  flightdeck incident report INC-4 --out INC-4.md",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, inc, timeline, err := a.incidentWithTimeline(ctx, args[0])
			if err != nil {
				return err
			}
			in := model.ReportInput{Incident: inc, Events: timeline, Policy: s.Policy(), Now: incNow(a), Meeting: inc.Meeting}
			if cfg, err := a.config(); err == nil {
				in.Links = cfg.Links
			}
			in.StarredOnly = starred
			if inc.DeploymentID != 0 {
				if d, err := s.Deployment(ctx, inc.DeploymentID); err == nil {
					in.Deployment = &d
					if items, _, err := s.Checklist(ctx, d.ID); err == nil {
						in.Checklist = items
					}
				}
			}
			rep := model.BuildReport(in)
			if jsonOn(cmd) {
				if out != "" {
					return usagef("--json prints the report on stdout: drop --out, or redirect: > %s.json", inc.Ref())
				}
				noteValue(ctx, func() any { return newReportJSON(rep) })
				return nil
			}
			report := rep.Markdown()
			if out == "" {
				_, err := fmt.Fprint(a.stdout, report)
				return err
			}
			if err := writeNewFile(out, []byte(report), s.Path()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote the %s report to %s\n", inc.Ref(), model.SanitizeLine(out))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the report to FILE instead of stdout")
	cmd.Flags().BoolVar(&starred, "starred", false, "the timeline keeps only the starred key moments")
	return cmd
}

// incidentWithTimeline opens the store and reads the incident an argument
// names (INC-7, inc-7 or 7) with its whole timeline.
func (a *app) incidentWithTimeline(ctx context.Context, arg string) (*data.Store, model.Incident, []model.Event, error) {
	id, err := parseIncidentArg(arg)
	if err != nil {
		return nil, model.Incident{}, nil, err
	}
	s, err := a.openRead(ctx)
	if err != nil {
		return nil, model.Incident{}, nil, err
	}
	inc, err := s.Incident(ctx, id)
	if err != nil {
		return nil, model.Incident{}, nil, incidentError(err)
	}
	timeline, err := s.IncidentTimeline(ctx, id)
	if err != nil {
		return nil, model.Incident{}, nil, incidentError(err)
	}
	return s, inc, timeline, nil
}

// isDSN reports whether the database is PostgreSQL's rather than a file
// (writeNewFile's parameter hides package data).
func isDSN(db string) bool { return data.IsPostgresDSN(db) }

// writeNewFile writes data to path only if path does not exist yet, as
// backup does: a report never replaces a file, and never the database or
// one of its sidecars (db is the open database's path), even one that does
// not exist at this moment (a PostgreSQL database has no file here). The
// data is written beside path and linked into place, so a crash never
// leaves half a file under the real name and an existing file is never
// replaced (link, unlike rename, refuses to).
func writeNewFile(path string, data []byte, db string) error {
	show := model.SanitizeLine(path)
	abs, err := filepath.Abs(path)
	if err != nil {
		return usagef("--out %s: %v", show, err)
	}
	// A PostgreSQL database has no file here to protect.
	if dbAbs, err := filepath.Abs(db); err == nil && !isDSN(db) {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if abs == dbAbs+suffix {
				return usagef("--out %s is the database%s: name a new file for the report, e.g. --out INC-1.md", show, map[string]string{"": " itself", "-wal": "'s write-ahead log", "-shm": "'s shared memory", "-journal": "'s journal"}[suffix])
			}
		}
	}
	if _, err := os.Lstat(path); err == nil {
		return usagef("--out %s exists: choose a new name (a report never replaces a file)", show)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write %s: %w", show, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", show, err)
	}
	defer os.Remove(tmp.Name()) // the name is linked into place, or was never wanted
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", show, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", show, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", show, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return usagef("--out %s exists: choose a new name (a report never replaces a file)", show)
		}
		return fmt.Errorf("cannot write %s: %w", show, err)
	}
	return nil
}
