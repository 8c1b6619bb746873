package importer

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/octoacme/flightdeck/model"
)

// The JSON file is flightdeck export's: its deployments, incidents and
// incident_severity_changes tables are read (the rest — checklists,
// rollouts, the timeline — is a live database's, not history's; restore a
// whole database with flightdeck backup instead). Ids are the file's own;
// references among its rows (an incident's deployment_id, a deployment's
// hotfix_for) are kept.

type jsonExport struct {
	SchemaVersion   *int             `json:"schema_version"`
	Deployments     []jsonDeployment `json:"deployments"`
	Incidents       []jsonIncident   `json:"incidents"`
	SeverityChanges []jsonSevChange  `json:"incident_severity_changes"`
	Commits         []jsonCommit     `json:"deployment_commits"`
}

type jsonCommit struct {
	DeploymentID int64   `json:"deployment_id"`
	Position     int     `json:"position"`
	SHA          string  `json:"sha"`
	CommittedAt  *string `json:"committed_at"`
	AuthoredAt   *string `json:"authored_at"`
}

type jsonDeployment struct {
	ID          int64   `json:"id"`
	Service     string  `json:"service"`
	Version     string  `json:"version"`
	Environment string  `json:"environment"`
	Strategy    string  `json:"strategy"`
	Status      string  `json:"status"`
	Template    string  `json:"template"`
	StartedBy   string  `json:"started_by"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
	ExecutionAt *string `json:"execution_at"`
	FinishedAt  *string `json:"finished_at"`
	CommitSHA   string  `json:"commit_sha"`
	CommittedAt *string `json:"committed_at"`
	RollbackAt  *string `json:"rollback_at"`
	StabilityAt *string `json:"stability_at"`
	HotfixFor   *int64  `json:"hotfix_for"`
}

type jsonIncident struct {
	ID           int64   `json:"id"`
	Title        string  `json:"title"`
	Severity     int     `json:"severity"`
	Status       string  `json:"status"`
	Security     bool    `json:"security"`
	SecurityAt   *string `json:"security_at"`
	DeploymentID *int64  `json:"deployment_id"`
	Commander    string  `json:"commander"`
	OpenedBy     string  `json:"opened_by"`
	OpenedAt     *string `json:"opened_at"`
	MitigatedAt  *string `json:"mitigated_at"`
	ResolvedAt   *string `json:"resolved_at"`
	RootCause    string  `json:"root_cause"`
}

type jsonSevChange struct {
	IncidentID int64   `json:"incident_id"`
	At         *string `json:"at"`
	FromSev    int     `json:"from_sev"`
	ToSev      int     `json:"to_sev"`
	Actor      string  `json:"actor"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (r *reader) readJSON(name string, content []byte) {
	var ex jsonExport
	if err := json.Unmarshal(content, &ex); err != nil {
		r.c.addf("%s: not the JSON flightdeck export writes: %v", name, err)
		return
	}
	if ex.SchemaVersion == nil {
		r.c.addf("%s: no schema_version: not a flightdeck export (write one with flightdeck export)", name)
		return
	}
	depID := map[int64]int64{} // file id → local id
	incID := map[int64]int64{}
	type fix struct {
		local int64
		file  int64
		at    string
	}
	var fixes []fix
	var skippedDeps, skippedIncs []string
	commits := map[int64][]jsonCommit{}
	for _, c := range ex.Commits {
		commits[c.DeploymentID] = append(commits[c.DeploymentID], c)
	}
	for i, d := range ex.Deployments {
		at := fmt.Sprintf("%s: deployments[%d] (id %d)", name, i, d.ID)
		if model.Status(d.Status).Active() {
			skippedDeps = append(skippedDeps, fmt.Sprintf("#%d %s %s (%s)", d.ID, d.Service, d.Version, model.Status(d.Status).Label()))
			continue
		}
		id := r.addDeployment(depRow{at: at, row: Row{File: name, Path: fmt.Sprintf("deployments[%d] (id %d)", i, d.ID)},
			service: d.Service, version: d.Version, env: d.Environment, strategy: d.Strategy, status: d.Status,
			started: str(d.CreatedAt), execution: str(d.ExecutionAt), finished: str(d.FinishedAt), rollback: str(d.RollbackAt),
			stability: str(d.StabilityAt), updated: str(d.UpdatedAt), commit: d.CommitSHA, committed: str(d.CommittedAt),
			startedBy: d.StartedBy, tmpl: d.Template})
		if id != 0 && len(commits[d.ID]) > 0 {
			// The commits it shipped, for lead time per change.
			var cs []model.Commit
			good := true
			for _, c := range commits[d.ID] {
				ct, ok1 := r.timeCell(at, "deployment_commits.committed_at", str(c.CommittedAt), true)
				au, ok2 := r.timeCell(at, "deployment_commits.authored_at", str(c.AuthoredAt), true)
				good = good && ok1 && ok2
				cs = append(cs, model.Commit{SHA: c.SHA, CommittedAt: ct, AuthoredAt: au, Position: c.Position})
			}
			slices.SortFunc(cs, func(a, b model.Commit) int { return a.Position - b.Position })
			if err := model.ValidateCommits(cs, d.CommitSHA); good && err != nil {
				r.c.addf("%s: deployment_commits: %v", at, err)
				good = false
			}
			if good {
				r.plan.Bulk.Deployments[id-1].Commits = cs
			}
		}
		if id != 0 {
			depID[d.ID] = id
			if d.HotfixFor != nil && *d.HotfixFor != 0 {
				fixes = append(fixes, fix{id, *d.HotfixFor, at})
			}
		}
	}
	sevs := map[int64][]jsonSevChange{}
	for _, c := range ex.SeverityChanges {
		sevs[c.IncidentID] = append(sevs[c.IncidentID], c)
	}
	for i, inc := range ex.Incidents {
		at := fmt.Sprintf("%s: incidents[%d] (id %d)", name, i, inc.ID)
		if inc.Status != string(model.IncidentResolved) {
			skippedIncs = append(skippedIncs, fmt.Sprintf("INC-%d %q (%s)", inc.ID, inc.Title, inc.Status))
			continue
		}
		var hist []model.SeverityChange
		bad := false
		for _, c := range sevs[inc.ID] {
			t, ok := r.timeCell(at, "incident_severity_changes.at", str(c.At), true)
			bad = bad || !ok
			hist = append(hist, model.SeverityChange{At: t, From: model.Severity(c.FromSev), To: model.Severity(c.ToSev), By: c.Actor})
		}
		var link int64
		if inc.DeploymentID != nil && *inc.DeploymentID != 0 {
			var ok bool
			if link, ok = depID[*inc.DeploymentID]; !ok {
				// Its deployment is still active (left out) or a bad row.
				skippedIncs = append(skippedIncs, fmt.Sprintf("the link of INC-%d to deployment #%d (not imported)", inc.ID, *inc.DeploymentID))
			}
		}
		if bad {
			continue
		}
		id := r.addIncident(incRow{at: at, row: Row{File: name, Path: fmt.Sprintf("incidents[%d] (id %d)", i, inc.ID)},
			title: inc.Title, severity: fmt.Sprint(inc.Severity), opened: str(inc.OpenedAt), mitigated: str(inc.MitigatedAt),
			resolved: str(inc.ResolvedAt), rootCause: inc.RootCause, commander: inc.Commander, openedBy: inc.OpenedBy,
			security: inc.Security, securityAt: str(inc.SecurityAt), sevHistory: hist}, link)
		if id != 0 {
			incID[inc.ID] = id
		}
	}
	for _, f := range fixes {
		if id, ok := incID[f.file]; ok {
			r.plan.Bulk.Deployments[f.local-1].HotfixFor = id
		} else {
			skippedIncs = append(skippedIncs, fmt.Sprintf("the hotfix mark of deployment %s for INC-%d (not imported)", strings.TrimPrefix(f.at, name+": "), f.file))
		}
	}
	if len(skippedDeps) > 0 {
		r.plan.Skipped = append(r.plan.Skipped, fmt.Sprintf("%s: %d deployments not over yet: %s", name, len(skippedDeps), strings.Join(skippedDeps, ", ")))
	}
	if len(skippedIncs) > 0 {
		r.plan.Skipped = append(r.plan.Skipped, fmt.Sprintf("%s: %d incidents (or links) not resolved yet: %s", name, len(skippedIncs), strings.Join(skippedIncs, ", ")))
	}
}
