package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// gitRepo is a temporary repository whose commits the test backdates.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		skipOrFail(t, "git is not installed (.ci/run installs it)")
	}
	r := &gitRepo{t: t, dir: filepath.Join(t.TempDir(), "repo")}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.git(time.Time{}, "init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(at time.Time, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir, "-c", "user.name=Test", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if !at.IsZero() {
		// The author time an hour before the commit time: lead time uses the latter.
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_DATE="+at.Add(-time.Hour).Format(time.RFC3339), "GIT_COMMITTER_DATE="+at.Format(time.RFC3339))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit makes a commit at `at` and returns its full hash.
func (r *gitRepo) commit(at time.Time, msg string) string {
	r.t.Helper()
	r.git(at, "commit", "-q", "--allow-empty", "-m", msg)
	return r.git(time.Time{}, "rev-parse", "HEAD")
}

type commitJSON struct {
	SHA         string `json:"sha"`
	CommittedAt string `json:"committed_at"`
	AuthoredAt  string `json:"authored_at"`
	Position    int    `json:"position"`
}

// exportedCommits reads deployment_commits through export.
func exportedCommits(t *testing.T, db string) map[int64][]commitJSON {
	t.Helper()
	var doc struct {
		Commits []struct {
			DeploymentID int64 `json:"deployment_id"`
			commitJSON
		} `json:"deployment_commits"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "export")), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[int64][]commitJSON{}
	for _, c := range doc.Commits {
		out[c.DeploymentID] = append(out[c.DeploymentID], c.commitJSON)
	}
	return out
}

func finishNow(t *testing.T, db string, id string) {
	t.Helper()
	fdOK(t, db, "deploy", "promote", "--deploy", id, "--reason", "test")
	fdOK(t, db, "deploy", "finish", "--deploy", id, "--reason", "test")
}

func TestDeployStartRecordsShippedCommits(t *testing.T) {
	db := cliDB(t)
	r := newGitRepo(t)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	c1 := r.commit(t0, "one")
	out := fdOK(t, db, "deploy", "start", "api", "v1", "--repo", r.dir, "--strategy", "all-at-once")
	if !strings.Contains(out, "commit "+c1[:12]+": the first deployment of api to production recorded from git, so only its own commit counts (committed 2026-11-20 09:00 UTC)") {
		t.Fatalf("first start: %q", out)
	}
	finishNow(t, db, "1")

	// Three commits on main and a merged branch of two.
	c2 := r.commit(t0.Add(time.Hour), "two")
	r.git(time.Time{}, "checkout", "-q", "-b", "feature")
	f1 := r.commit(t0.Add(2*time.Hour), "f1")
	f2 := r.commit(t0.Add(3*time.Hour), "f2")
	r.git(time.Time{}, "checkout", "-q", "main")
	c3 := r.commit(t0.Add(4*time.Hour), "three")
	r.git(t0.Add(5*time.Hour), "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
	m := r.git(time.Time{}, "rev-parse", "HEAD")
	out = fdOK(t, db, "deploy", "start", "api", "v2", "--repo", r.dir)
	if !strings.Contains(out, "commit "+m[:12]+": ships 5 commits since #1 ("+c1[:12]+")") {
		t.Fatalf("second start: %q", out)
	}
	// A staging deployment does not move production's base.
	fdOK(t, db, "deploy", "start", "api", "v2", "--env", "staging", "--repo", r.dir)

	got := exportedCommits(t, db)
	if len(got[1]) != 1 || got[1][0].SHA != c1 || got[1][0].CommittedAt != "2026-11-20T09:00:00.000Z" || got[1][0].AuthoredAt != "2026-11-20T08:00:00.000Z" {
		t.Errorf("#1 commits: %+v", got[1])
	}
	want := map[string]string{m: "14:00", c3: "13:00", f2: "12:00", f1: "11:00", c2: "10:00"}
	if len(got[2]) != len(want) || got[2][0].SHA != m {
		t.Fatalf("#2 commits: %+v, want %d with the merge first", got[2], len(want))
	}
	for i, c := range got[2] {
		if c.Position != i || !strings.Contains(c.CommittedAt, "T"+want[c.SHA]) {
			t.Errorf("#2 commit %d: %+v, want committed at %s", i, c, want[c.SHA])
		}
	}
	if len(got[3]) != 1 || got[3][0].SHA != m {
		t.Errorf("#3 (first to staging) commits: %+v", got[3])
	}
	// history show lists what #2 ships (lead times once it completes).
	hs := fdOK(t, db, "history", "show", "2")
	if !strings.Contains(hs, "ships:      5 commits (lead time per commit)") || !strings.Contains(hs, m[:12]+" committed 2026-11-20 14:00 UTC\n") {
		t.Errorf("history show 2:\n%s", hs)
	}
	var det struct {
		Commits []struct {
			SHA      string `json:"sha"`
			LeadTime *int64 `json:"lead_time_seconds"`
		} `json:"commits"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "history", "show", "2", "--json")), &det); err != nil || len(det.Commits) != 5 ||
		det.Commits[0].SHA != m || det.Commits[0].LeadTime != nil {
		t.Errorf("history show 2 --json commits: %+v %v", det.Commits, err)
	}
	// The deployment's own commit fields are the deployed commit's.
	show := fdOK(t, db, "deploy", "status", "--deploy", "2", "--json")
	if !strings.Contains(show, `"commit_sha":"`+m+`"`) && !strings.Contains(show, `"commit_sha": "`+m+`"`) {
		t.Errorf("#2 status: %s", show)
	}
}

func TestDeployStartGitMessages(t *testing.T) {
	db := cliDB(t)
	r := newGitRepo(t)
	r.commit(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), "one")
	fdFail(t, db, exitUsage, `"nope" names no commit in `, "deploy", "start", "api", "v1", "--repo", r.dir, "--commit", "nope")
	fdFail(t, db, exitUsage, "is not inside a git repository: pass the directory of the checkout", "deploy", "start", "api", "v1", "--repo", t.TempDir())
	fdFail(t, db, exitUsage, "--committed-at is read from git with --repo", "deploy", "start", "api", "v1", "--repo", r.dir, "--committed-at", "2026-11-20T09:00:00Z")

	// Not in a repository (the working directory is not one: TestMain).
	out := fdOK(t, db, "deploy", "start", "api", "v1")
	if strings.Contains(out, "commit ") {
		t.Errorf("no repository, no --commit: %q", out)
	}
	fdFail(t, db, exitUsage, "--commit main: the working directory is not inside a git repository, so it cannot be resolved: run deploy start inside the repository, pass --repo DIR",
		"deploy", "start", "web", "v1", "--commit", "main")
	if got := exportedCommits(t, db); len(got) != 0 {
		t.Errorf("commits recorded without git: %+v", got)
	}
}

func TestDeployStartInsideRepoDefaultsToHEAD(t *testing.T) {
	db := cliDB(t)
	r := newGitRepo(t)
	c := r.commit(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), "one")
	t.Chdir(filepath.Join(r.dir))
	out := fdOK(t, db, "deploy", "start", "api", "v1")
	if !strings.Contains(out, "commit "+c[:12]+": the first deployment") {
		t.Fatalf("start inside the repository: %q", out)
	}
}

func TestDeployStartShallowClone(t *testing.T) {
	db := cliDB(t)
	r := newGitRepo(t)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	c1 := r.commit(t0, "one")
	fdOK(t, db, "deploy", "start", "api", "v1", "--repo", r.dir, "--strategy", "all-at-once")
	finishNow(t, db, "1")
	r.commit(t0.Add(time.Hour), "two")
	r.commit(t0.Add(2*time.Hour), "three")

	// CI's checkout: depth 1.
	clone := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+r.dir, clone).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	fdFail(t, db, exitFail, "the repository is shallow: the commits since #1's "+c1[:12]+" are not all here; fetch with fetch-depth: 0 (or git fetch --unshallow)",
		"deploy", "start", "api", "v2", "--repo", clone)
	// Depth 2 has c1's child but not c1: still refused, never an undercount.
	clone2 := filepath.Join(t.TempDir(), "clone2")
	if out, err := exec.Command("git", "clone", "-q", "--depth", "2", "file://"+r.dir, clone2).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	fdFail(t, db, exitFail, "the repository is shallow", "deploy", "start", "api", "v2", "--repo", clone2)
	// Unshallowed, it works.
	if out, err := exec.Command("git", "-C", clone, "fetch", "-q", "--unshallow").CombinedOutput(); err != nil {
		t.Fatalf("unshallow: %v\n%s", err, out)
	}
	if out := fdOK(t, db, "deploy", "start", "api", "v2", "--repo", clone); !strings.Contains(out, "ships 2 commits since #1") {
		t.Errorf("after unshallow: %q", out)
	}
}

func TestDeployStartCommittedAtGitFormats(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1", "--commit", "3f2a9c1", "--committed-at", "2026-11-25 09:12:00 +0100")
	fdOK(t, db, "deploy", "start", "web", "v1", "--commit", "3f2a9c1", "--committed-at", "2026-11-25T09:12:00+01:00")
	fdFail(t, db, exitUsage, "git's %ci (2026-11-25 09:12:00 +0100)", "deploy", "start", "db", "v1", "--committed-at", "yesterday")
	var doc struct {
		Deployments []struct {
			CommittedAt string `json:"committed_at"`
		} `json:"deployments"`
	}
	if err := json.Unmarshal([]byte(fdOK(t, db, "export")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, d := range doc.Deployments {
		if d.CommittedAt != "2026-11-25T08:12:00.000Z" {
			t.Errorf("committed_at %s", d.CommittedAt)
		}
	}
}

// TestDeployStartCommitsFromLog: a piped git log (the CLI over SSH) gives
// exactly what reading the checkout gives; a log that stops short of the
// previous deployment's commit is refused, never undercounted.
func TestDeployStartCommitsFromLog(t *testing.T) {
	db := cliDB(t)
	r := newGitRepo(t)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	logFile := func(n int) string {
		args := []string{"log", "--topo-order", "--format=" + model.CommitLogFormat}
		if n > 0 {
			args = append(args, "-n", fmt.Sprint(n))
		}
		p := filepath.Join(t.TempDir(), "log.txt")
		if err := os.WriteFile(p, []byte(r.git(time.Time{}, append(args, "HEAD")...)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c1 := r.commit(t0, "one")
	out := fdOK(t, db, "deploy", "start", "api", "v1", "--commits-from", logFile(0), "--strategy", "all-at-once")
	if !strings.Contains(out, "commit "+c1[:12]+": the first deployment of api to production") {
		t.Fatalf("first start: %q", out)
	}
	finishNow(t, db, "1")
	c2 := r.commit(t0.Add(time.Hour), "two")
	r.git(time.Time{}, "checkout", "-q", "-b", "feature")
	f1 := r.commit(t0.Add(2*time.Hour), "f1")
	r.git(time.Time{}, "checkout", "-q", "main")
	c3 := r.commit(t0.Add(3*time.Hour), "three")
	r.git(t0.Add(4*time.Hour), "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
	m := r.git(time.Time{}, "rev-parse", "HEAD")

	// Two commits of history do not reach #1's commit.
	fdFail(t, db, exitFail, "the log does not reach the previous deployment's commit "+c1[:12], "deploy", "start", "api", "v2", "--commits-from", logFile(2))
	out = fdOK(t, db, "deploy", "start", "api", "v2", "--commits-from", logFile(0), "--strategy", "all-at-once")
	if !strings.Contains(out, "commit "+m[:12]+": ships 4 commits since #1 ("+c1[:12]+")") {
		t.Fatalf("second start: %q", out)
	}
	got := exportedCommits(t, db)
	var shas []string
	for _, c := range got[2] {
		shas = append(shas, c.SHA)
	}
	if len(shas) != 4 || shas[0] != m || !slices.Contains(shas, c2) || !slices.Contains(shas, f1) || !slices.Contains(shas, c3) {
		t.Errorf("#2 commits = %v, want the merge, three, f1, two", shas)
	}
	fdFail(t, db, exitUsage, "--commits-from gives the commits", "deploy", "start", "api", "v3", "--commits-from", "-", "--commit", "HEAD")
}
