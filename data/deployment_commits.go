package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// Shipped is what a service runs in an environment: its latest completed
// deployment that names a commit. Found is false before the first one.
type Shipped struct {
	Found        bool
	DeploymentID int64
	Version      string
	CommitSHA    string
	FinishedAt   time.Time
}

// LastShipped is the service's latest completed deployment to env with a
// commit (by completion time, then id): the commit a new deployment's list
// of shipped commits starts after. Rolled back and aborted deployments never
// count: their commits are not running, so the next deployment ships them
// again. Names match case-insensitively (ASCII), as the in-flight gate does.
func (s *Store) LastShipped(ctx context.Context, service, env string) (Shipped, error) {
	var sh Shipped
	err := s.read(ctx, "read the previous deployment", func(tx *sql.Tx) error {
		var err error
		sh, err = lastShipped(ctx, tx, service, env)
		return err
	})
	return sh, err
}

func lastShipped(ctx context.Context, q queryer, service, env string) (Shipped, error) {
	env = strings.TrimSpace(env)
	if env == "" {
		env = model.DefaultEnvironment
	}
	var sh Shipped
	var fin sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, version, commit_sha, finished_at FROM deployments
		WHERE service = ? COLLATE NOCASE AND environment = ? COLLATE NOCASE
		AND status = 'completed' AND commit_sha <> '' AND finished_at IS NOT NULL
		ORDER BY finished_at DESC, id DESC LIMIT 1`, strings.TrimSpace(service), env).
		Scan(&sh.DeploymentID, &sh.Version, &sh.CommitSHA, &fin)
	if errors.Is(err, sql.ErrNoRows) {
		return Shipped{}, nil
	}
	if err != nil {
		return Shipped{}, fmt.Errorf("read the previous deployment: %w", err)
	}
	sh.Found, sh.FinishedAt = true, fromMS(fin)
	return sh, nil
}

// checkCommitsBase refuses, as stale, a commit list computed against a
// previous deployment that is no longer the latest one shipped.
func checkCommitsBase(ctx context.Context, tx *sql.Tx, n model.NewDeployment) error {
	if len(n.Commits) == 0 {
		return nil
	}
	sh, err := lastShipped(ctx, tx, n.Service, n.Environment)
	if err != nil {
		return err
	}
	if strings.EqualFold(sh.CommitSHA, n.CommitsSince) {
		return nil
	}
	if !sh.Found {
		return model.Stale("the commits of %s were listed since %s, but no completed deployment of it to %s has that commit now: run deploy start again",
			n.Service, shortSHA(n.CommitsSince), n.Environment)
	}
	return model.Stale("#%d %s %s (commit %s) completed at %s after the commits of this deployment were listed: run deploy start again",
		sh.DeploymentID, sh.Version, n.Environment, shortSHA(sh.CommitSHA), sh.FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// insertCommits writes a new deployment's commits.
func insertCommits(ctx context.Context, tx *sql.Tx, deploymentID int64, cs []model.Commit) error {
	if len(cs) == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO deployment_commits
		(deployment_id, position, sha, committed_at, authored_at) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, c := range cs {
		if _, err := ins.ExecContext(ctx, deploymentID, c.Position, c.SHA, toMS(c.CommittedAt), toMS(c.AuthoredAt)); err != nil {
			return fmt.Errorf("insert commit %s: %w", c.SHA, err)
		}
	}
	return nil
}

// DeploymentCommits are the commits deployment id ships, deployed commit
// first; none for a deployment recorded without git.
func (s *Store) DeploymentCommits(ctx context.Context, id int64) ([]model.Commit, error) {
	var out []model.Commit
	err := s.read(ctx, "read commits", func(tx *sql.Tx) error {
		byID := map[int64][]model.Commit{}
		if err := loadCommits(ctx, tx, []int64{id}, byID); err != nil {
			return err
		}
		out = byID[id]
		return nil
	})
	return out, err
}

// loadCommits reads the commits of the given deployments into byID.
func loadCommits(ctx context.Context, q queryer, ids []int64, byID map[int64][]model.Commit) error {
	if len(ids) == 0 {
		return nil
	}
	lo, hi := ids[0], ids[0]
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		lo, hi = min(lo, id), max(hi, id)
		want[id] = true
	}
	// An index range over the ids (UNIQUE (deployment_id, position)); rows
	// of deployments not asked for are skipped.
	rows, err := q.QueryContext(ctx, `SELECT deployment_id, position, sha, committed_at, authored_at FROM deployment_commits
		WHERE deployment_id BETWEEN ? AND ? ORDER BY deployment_id, position`, lo, hi)
	if err != nil {
		return fmt.Errorf("read commits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c model.Commit
		var committed, authored sql.NullInt64
		if err := rows.Scan(&id, &c.Position, &c.SHA, &committed, &authored); err != nil {
			return fmt.Errorf("read commit: %w", err)
		}
		if !want[id] {
			continue
		}
		c.CommittedAt, c.AuthoredAt = fromMS(committed), fromMS(authored)
		byID[id] = append(byID[id], c)
	}
	return rows.Err()
}
