package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The CSV files: one for deployments, one for incidents, told apart by their
// header row (a "title" column makes an incidents file, a "service" column a
// deployments file). Columns may come in any order; unknown ones are
// refused (a typo would silently drop data). Times are in the shared time
// grammar (model.ParseTime); a time without a zone is in Options.Loc.

// DeploymentColumns are the deployments file's columns; Required ones must
// be present and non-empty.
var DeploymentColumns = []string{"id", "service", "version", "environment", "strategy", "status", "started_at", "execution_at",
	"finished_at", "commit", "committed_at", "started_by", "hotfix_for"}

// DeploymentRequired are the deployments columns every row needs.
var DeploymentRequired = []string{"service", "version", "status", "started_at", "finished_at"}

// IncidentColumns are the incidents file's columns.
var IncidentColumns = []string{"ref", "title", "severity", "opened_at", "mitigated_at", "resolved_at", "deployment", "root_cause",
	"commander", "security"}

// IncidentRequired are the incidents columns every row needs.
var IncidentRequired = []string{"title", "severity", "opened_at", "resolved_at"}

var columnAliases = map[string]string{"env": "environment", "commit_sha": "commit", "sev": "severity"}

func (r *reader) readCSV(name string, content []byte) {
	content = bytes.TrimPrefix(content, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(content))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		r.c.addf("%s:1: cannot read the header row: %v", name, err)
		return
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if a, ok := columnAliases[h]; ok {
			h = a
		}
		if _, dup := cols[h]; dup {
			r.c.addf("%s:1: column %q appears twice", name, h)
			return
		}
		cols[h] = i
	}
	known, required, kind := DeploymentColumns, DeploymentRequired, "deployments"
	_, hasTitle := cols["title"]
	_, hasService := cols["service"]
	switch {
	case hasTitle && hasService:
		r.c.addf("%s:1: the header has both title and service: deployments and incidents go in separate files", name)
		return
	case hasTitle:
		known, required, kind = IncidentColumns, IncidentRequired, "incidents"
	case !hasService:
		r.c.addf("%s:1: the header names neither a deployments file (%s) nor an incidents file (%s)", name,
			strings.Join(DeploymentRequired, ","), strings.Join(IncidentRequired, ","))
		return
	}
	bad := false
	for h := range cols {
		if !slices.Contains(known, h) {
			r.c.addf("%s:1: unknown column %q in a %s file: the columns are %s", name, h, kind, strings.Join(known, ","))
			bad = true
		}
	}
	for _, h := range required {
		if _, ok := cols[h]; !ok {
			r.c.addf("%s:1: a %s file needs a %s column", name, kind, h)
			bad = true
		}
	}
	if bad {
		return
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				r.c.addf("%s:%d: %v", name, pe.Line, pe.Err)
				if !errors.Is(pe.Err, csv.ErrFieldCount) {
					return // the rest of the file cannot be trusted
				}
				continue
			}
			r.c.addf("%s:%d: %v", name, line, err)
			return
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) > len(header) {
			r.c.addf("%s:%d: %d fields, but the header has %d columns", name, line, len(rec), len(header))
			continue
		}
		get := func(col string) string {
			if i, ok := cols[col]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		at := fmt.Sprintf("%s:%d", name, line)
		row := Row{File: name, Line: line}
		if kind == "deployments" {
			id := r.addDeployment(depRow{at: at, row: row, service: get("service"), version: get("version"), env: get("environment"),
				strategy: get("strategy"), status: get("status"), started: get("started_at"), execution: get("execution_at"),
				finished: get("finished_at"), commit: get("commit"), committed: get("committed_at"), startedBy: get("started_by"),
				hotfixRef: get("hotfix_for")})
			if ref := strings.TrimSpace(get("id")); ref != "" && id != 0 {
				if _, dup := r.depByRef[ref]; dup {
					r.c.addf("%s: id %q is used by an earlier row", at, ref)
				}
				r.depByRef[ref] = id
			}
			continue
		}
		sec := strings.ToLower(strings.TrimSpace(get("security")))
		if sec != "" && sec != "true" && sec != "false" && sec != "yes" && sec != "no" {
			r.c.addf("%s: security %q is not true or false", at, get("security"))
			continue
		}
		id := r.addIncident(incRow{at: at, row: row, title: get("title"), severity: get("severity"), opened: get("opened_at"),
			mitigated: get("mitigated_at"), resolved: get("resolved_at"), deploymentRef: get("deployment"),
			rootCause: get("root_cause"), commander: get("commander"), security: sec == "true" || sec == "yes"}, 0)
		if ref := strings.ToLower(strings.TrimSpace(get("ref"))); ref != "" && id != 0 {
			if _, dup := r.incByRef[ref]; dup {
				r.c.addf("%s: ref %q is used by an earlier row", at, get("ref"))
			}
			r.incByRef[ref] = id
		}
	}
}
