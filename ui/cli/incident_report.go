package cli

import (
	"context"
	"fmt"
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
		Use:     "report ID [--out FILE] [--starred]",
		Short:   "Write the Markdown incident report (stdout, or --out FILE)",
		Example: "  flightdeck incident report INC-4 --out INC-4.md",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, inc, timeline, err := a.incidentWithTimeline(ctx, args[0])
			if err != nil {
				return err
			}
			in := model.ReportInput{Incident: inc, Events: timeline, Policy: s.Policy(), Now: incNow(a)}
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
			report := model.IncidentReport(in)
			if out == "" {
				_, err := fmt.Fprint(a.stdout, report)
				return err
			}
			// Write beside the target and rename, so a crash never leaves
			// half a report under the real name.
			tmp, err := os.CreateTemp(filepath.Dir(out), ".report-*")
			if err != nil {
				return fmt.Errorf("cannot write %s: %w", out, err)
			}
			if _, err := tmp.WriteString(report); err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
				return fmt.Errorf("cannot write %s: %w", out, err)
			}
			if err := tmp.Close(); err != nil {
				os.Remove(tmp.Name())
				return fmt.Errorf("cannot write %s: %w", out, err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				os.Remove(tmp.Name())
				return fmt.Errorf("cannot write %s: %w", out, err)
			}
			fmt.Fprintf(a.stdout, "wrote the %s report to %s\n", inc.Ref(), out)
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
	s, err := a.open(ctx)
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
