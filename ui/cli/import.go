package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/importer"
	"github.com/octoacme/flightdeck/model"
)

func newImportCmd(a *app) *cobra.Command {
	var dryRun, skipExisting, asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import a history of deployments and incidents (flightdeck export JSON, or CSV)",
		Long: "Import deployments and incidents kept elsewhere, so the delivery metrics cover them from\n" +
			"day one. FILE is the JSON flightdeck export writes (its deployments, incidents and severity\n" +
			"changes), or CSV: a deployments file with the columns\n  " + strings.Join(importer.DeploymentColumns, ",") + "\n" +
			"(required: " + strings.Join(importer.DeploymentRequired, ", ") + ") and an incidents file with\n  " +
			strings.Join(importer.IncidentColumns, ",") + "\n(required: " + strings.Join(importer.IncidentRequired, ", ") + "),\n" +
			"told apart by the header row. An incident's deployment is the id column of a deployments\n" +
			"row or SERVICE@VERSION; a deployment's hotfix_for is the ref of an incidents row. Times:\n" +
			model.TimeForms + "; without a zone, the local zone (TZ).\n\n" +
			"Every row is checked first; one bad row and nothing is written (each error names FILE:LINE).\n" +
			"Only history that is over is imported: completed, rolled back or aborted deployments and\n" +
			"resolved incidents (JSON rows still active are left out and listed). Importing a row that is\n" +
			"already in the database (same service, environment, version and start; same incident title\n" +
			"and opening) is refused, naming the rows; --skip-existing imports only the new ones. Each\n" +
			"imported row gets a timeline event naming its file and line. Metrics count imported rows\n" +
			"exactly like the others.",
		Example: "  flightdeck import --dry-run deploys.csv incidents.csv\n" +
			"  flightdeck import deploys.csv incidents.csv\n" +
			"  flightdeck export > old.json && flightdeck --db new.db import old.json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("import needs at least one FILE, e.g. flightdeck import deploys.csv incidents.csv")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			now := a.now().Round(0).UTC().Truncate(time.Millisecond)
			var files []importer.File
			for _, path := range args {
				var b []byte
				var err error
				name := filepath.Base(path)
				if path == "-" {
					name = "stdin"
					b, err = io.ReadAll(a.stdinReader()) // over SSH: the session's
				} else {
					b, err = os.ReadFile(path)
				}
				if err != nil {
					return usagef("cannot read %s: %v", path, err)
				}
				files = append(files, importer.File{Name: name, Data: b})
			}
			plan, err := importer.Read(files, importer.Options{Now: now, Loc: time.Local, Actor: a.actor()})
			var ie *importer.Errors
			if errors.As(err, &ie) {
				for _, l := range ie.List {
					fmt.Fprintln(a.stderr, l)
				}
				if ie.More > 0 {
					fmt.Fprintf(a.stderr, "… and %d more\n", ie.More)
				}
				return importExit{fmt.Errorf("%s (listed above): nothing imported; fix them and run again (--dry-run checks without writing)",
					plural(len(ie.List)+ie.More, "problem in the rows", "problems in the rows"))}
			}
			if err != nil {
				return cliError(err)
			}
			for _, s := range plan.Skipped {
				fmt.Fprintf(a.stderr, "left out (not over yet): %s\n", model.SanitizeLine(s))
			}
			nd, ni := len(plan.Bulk.Deployments), len(plan.Bulk.Incidents)
			if dryRun {
				if asJSON {
					return writeJSON(a.stdout, importJSON{DryRun: true, Deployments: nd, Incidents: ni, From: optTime(plan.From), To: optTime(plan.To), Skipped: plan.Skipped})
				}
				fmt.Fprintf(a.stdout, "would import %s%s and %s\n", plural(nd, "deployment", "deployments"), importSpan(plan), plural(ni, "incident", "incidents"))
				return nil
			}
			s, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			res, err := s.ImportHistory(cmd.Context(), &plan.Bulk, skipExisting)
			var de *data.DuplicateError
			if errors.As(err, &de) {
				fmt.Fprint(a.stderr, duplicateList(plan, de))
				return importExit{err}
			}
			if err != nil {
				return cliError(err)
			}
			if asJSON {
				return writeJSON(a.stdout, importJSON{Deployments: res.Deployments, Incidents: res.Incidents, From: optTime(plan.From), To: optTime(plan.To),
					Skipped: plan.Skipped, SkippedExisting: len(res.SkippedDeployments) + len(res.SkippedIncidents),
					FirstDeploymentID: res.FirstDeploymentID, FirstIncidentID: res.FirstIncidentID})
			}
			fmt.Fprintf(a.stdout, "imported %s%s and %s\n", plural(res.Deployments, "deployment", "deployments"), importSpan(plan), plural(res.Incidents, "incident", "incidents"))
			if n := len(res.SkippedDeployments) + len(res.SkippedIncidents); n > 0 {
				fmt.Fprintf(a.stdout, "skipped %d rows already in the database\n", n)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "check every row and say what would be imported; write nothing")
	f.BoolVar(&skipExisting, "skip-existing", false, "leave out rows already in the database instead of refusing")
	f.BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

type importJSON struct {
	DryRun            bool     `json:"dry_run"`
	Deployments       int      `json:"deployments"`
	Incidents         int      `json:"incidents"`
	From              *string  `json:"from"`
	To                *string  `json:"to"`
	Skipped           []string `json:"left_out"`
	SkippedExisting   int      `json:"skipped_existing"`
	FirstDeploymentID int64    `json:"first_deployment_id,omitempty"`
	FirstIncidentID   int64    `json:"first_incident_id,omitempty"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// importSpan is " (2025-12-01 … 2026-11-30)": the first start and last finish.
func importSpan(p *importer.Plan) string {
	if p.From.IsZero() {
		return ""
	}
	return fmt.Sprintf(" (%s … %s)", p.From.UTC().Format(time.DateOnly), p.To.UTC().Format(time.DateOnly))
}

// duplicateList names the rows already stored, twenty at most.
func duplicateList(p *importer.Plan, de *data.DuplicateError) string {
	var lines []string
	for _, d := range de.Deployments {
		lines = append(lines, fmt.Sprintf("%s: already stored as deployment #%d", p.DeploymentRows[d.Index], d.ExistingID))
	}
	for _, d := range de.Incidents {
		lines = append(lines, fmt.Sprintf("%s: already stored as INC-%d", p.IncidentRows[d.Index], d.ExistingID))
	}
	more := ""
	if len(lines) > 20 {
		more = fmt.Sprintf("\n… and %d more", len(lines)-20)
		lines = lines[:20]
	}
	return strings.Join(lines, "\n") + more + "\n"
}

// importExit is a refused import whose rows are listed on stderr: exit 2,
// without the usage hint.
type importExit struct{ error }

func (importExit) ExitCode() int { return exitUsage }
