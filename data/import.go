package data

import (
	"context"
	"database/sql"
	"fmt"
)

// ImportHistory writes a history read from files (flightdeck import) into a
// database that may already hold data, in one transaction, through the
// bulk path (the same tables InsertBulk writes). b's ids are the import's
// own (1…n, as the files number them): they are moved past the database's
// highest ids here, with every reference among the rows (an incident's
// deployment, a deployment's hotfix_for, the events') moved with them.
//
// A row whose natural key is already in the database — a deployment's
// service, environment, version and start (to the millisecond), an
// incident's title and opening — is a duplicate: importing the same file
// twice must not double the history. Duplicates refuse the whole import with
// *DuplicateError, unless skipExisting, when they are left out (an incident
// linked to a skipped deployment is linked to the one already stored) and
// listed in the result.
func (s *Store) ImportHistory(ctx context.Context, b *Bulk, skipExisting bool) (ImportResult, error) {
	const what = "import history"
	if err := b.checkIDs(); err != nil {
		return ImportResult{}, fmt.Errorf("%s: %w", what, err)
	}
	var res ImportResult
	err := s.write(ctx, what, func(tx *sql.Tx) error {
		var err error
		res, err = importInTx(ctx, s.eng, tx, b, skipExisting)
		return err
	})
	return res, err
}

// ImportResult says what ImportHistory wrote and left out; Skipped… are
// indexes into the Bulk's slices.
type ImportResult struct {
	Deployments, Incidents, Events         int
	SkippedDeployments, SkippedIncidents   []int
	FirstDeploymentID, FirstIncidentID     int64 // the ids the first imported rows got (0: none)
	existingDeployments, existingIncidents map[int]int64
}

// Duplicate is a row of the import already in the database.
type Duplicate struct {
	Index      int   // into Bulk.Deployments or Bulk.Incidents
	ExistingID int64 // the stored row's id
}

// DuplicateError refuses an import that would store rows twice.
type DuplicateError struct {
	Deployments, Incidents []Duplicate
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%d deployments and %d incidents are already in the database: nothing imported (pass --skip-existing to import only the new rows)",
		len(e.Deployments), len(e.Incidents))
}

// Is makes a DuplicateError an ErrInvalid: the input, not the database.
func (e *DuplicateError) Is(target error) bool { return target == ErrInvalid }

func importInTx(ctx context.Context, eng engine, tx *sql.Tx, b *Bulk, skipExisting bool) (ImportResult, error) {
	res := ImportResult{existingDeployments: map[int]int64{}, existingIncidents: map[int]int64{}}
	var dup DuplicateError
	for i, d := range b.Deployments {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM deployments WHERE service = ? AND environment = ? AND version = ? AND created_at = ? LIMIT 1`,
			d.Service, d.Environment, d.Version, toMS(d.CreatedAt)).Scan(&id)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return res, fmt.Errorf("look for duplicates: %w", err)
		default:
			dup.Deployments = append(dup.Deployments, Duplicate{i, id})
			res.existingDeployments[i] = id
		}
	}
	for i, inc := range b.Incidents {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM incidents WHERE title = ? AND opened_at = ? LIMIT 1`, inc.Title, toMS(inc.OpenedAt)).Scan(&id)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return res, fmt.Errorf("look for duplicates: %w", err)
		default:
			dup.Incidents = append(dup.Incidents, Duplicate{i, id})
			res.existingIncidents[i] = id
		}
	}
	if (len(dup.Deployments) > 0 || len(dup.Incidents) > 0) && !skipExisting {
		return res, &dup
	}

	var maxDep, maxInc int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM deployments`).Scan(&maxDep); err != nil {
		return res, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM incidents`).Scan(&maxInc); err != nil {
		return res, err
	}
	// Local id → stored id, for the rows written and the duplicates.
	depID, incID := map[int64]int64{}, map[int64]int64{}
	out := Bulk{}
	next := maxDep
	for i, d := range b.Deployments {
		if id, ok := res.existingDeployments[i]; ok {
			depID[d.ID] = id
			res.SkippedDeployments = append(res.SkippedDeployments, i)
			continue
		}
		next++
		depID[d.ID] = next
	}
	next = maxInc
	for i, inc := range b.Incidents {
		if id, ok := res.existingIncidents[i]; ok {
			incID[inc.ID] = id
			res.SkippedIncidents = append(res.SkippedIncidents, i)
			continue
		}
		next++
		incID[inc.ID] = next
	}
	ref := func(m map[int64]int64, id int64) (int64, error) {
		if id == 0 {
			return 0, nil
		}
		if v, ok := m[id]; ok {
			return v, nil
		}
		return 0, invalidf("import: a row refers to id %d, which is not in the import", id)
	}
	var err error
	for i, d := range b.Deployments {
		if _, ok := res.existingDeployments[i]; ok {
			continue
		}
		d.ID = depID[d.ID]
		if d.HotfixFor, err = ref(incID, d.HotfixFor); err != nil {
			return res, err
		}
		out.Deployments = append(out.Deployments, d)
	}
	for i, inc := range b.Incidents {
		if _, ok := res.existingIncidents[i]; ok {
			continue
		}
		inc.ID = incID[inc.ID]
		if inc.DeploymentID, err = ref(depID, inc.DeploymentID); err != nil {
			return res, err
		}
		out.Incidents = append(out.Incidents, inc)
	}
	skippedDep := map[int64]bool{}
	for i := range res.existingDeployments {
		skippedDep[depID[b.Deployments[i].ID]] = true
	}
	skippedInc := map[int64]bool{}
	for i := range res.existingIncidents {
		skippedInc[incID[b.Incidents[i].ID]] = true
	}
	for _, e := range b.Events {
		e.ID = 0
		if e.DeploymentID, err = ref(depID, e.DeploymentID); err != nil {
			return res, err
		}
		if e.IncidentID, err = ref(incID, e.IncidentID); err != nil {
			return res, err
		}
		// An event about a row left out as a duplicate is left out too.
		if (e.DeploymentID != 0 && skippedDep[e.DeploymentID] && e.IncidentID == 0) || (e.IncidentID != 0 && skippedInc[e.IncidentID]) {
			continue
		}
		out.Events = append(out.Events, e)
	}

	if err := eng.deferForeignKeys(ctx, tx); err != nil {
		return res, err
	}
	tables, err := out.tables()
	if err != nil {
		return res, err
	}
	for _, t := range tables {
		if t.takesIDs() {
			if err := eng.syncIDs(ctx, tx); err != nil {
				return res, err
			}
		}
		if err := bulkInsert(ctx, tx, t.name, t.cols, t.n, t.row); err != nil {
			return res, err
		}
	}
	if err := eng.syncIDs(ctx, tx); err != nil {
		return res, err
	}
	res.Deployments, res.Incidents, res.Events = len(out.Deployments), len(out.Incidents), len(out.Events)
	if len(out.Deployments) > 0 {
		res.FirstDeploymentID = out.Deployments[0].ID
	}
	if len(out.Incidents) > 0 {
		res.FirstIncidentID = out.Incidents[0].ID
	}
	return res, nil
}
