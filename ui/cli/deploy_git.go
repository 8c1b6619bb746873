package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/gitlog"
	"github.com/octoacme/flightdeck/model"
)

// gitFlags are deploy start's commit flags.
type gitFlags struct {
	commit, committedAt, repo string
	noGit                     bool
	commitsFrom               string    // a piped git log: "-" for stdin, else a file
	stdin                     io.Reader // the command's input
}

// gitShipped says what readCommits found, for the line deploy start prints.
type gitShipped struct {
	used     bool
	since    data.Shipped
	commits  int
	deployed string
}

// readCommits fills n's commit fields: from git (the deployed commit, the
// commits it ships since the service's previous completed deployment to the
// environment, their times), or as typed (--no-git, --committed-at, or
// outside a repository). The rules are in the README's "Lead time from git".
func (a *app) readCommits(ctx context.Context, s *data.Store, n *model.NewDeployment, f gitFlags) (gitShipped, error) {
	var g gitShipped
	manual := func() error {
		var err error
		if n.CommitSHA, err = parseCommit(f.commit); err != nil {
			return err
		}
		return nil
	}
	switch {
	case f.noGit && f.repo != "":
		return g, usagef("--no-git and --repo contradict each other: drop one")
	case f.commitsFrom != "" && (f.noGit || f.repo != "" || f.committedAt != "" || f.commit != ""):
		return g, usagef("--commits-from gives the commits (the log's first line is the deployed one): drop --commit, --committed-at, --repo and --no-git")
	case f.commitsFrom != "":
		return a.commitsFromLog(ctx, s, n, f)
	case f.noGit:
		return g, manual()
	case f.repo != "" && f.committedAt != "":
		return g, usagef("--committed-at is read from git with --repo: drop --committed-at, or pass --no-git to give the commit by hand")
	case f.committedAt != "":
		// The commit given by hand, as before git was read.
		return g, manual()
	case a.noLocalGit && f.repo == "":
		// Over SSH the server's directory is not the client's checkout.
		return g, manual()
	}
	dir := f.repo
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return g, manual()
		}
		dir = wd
	}
	repo, err := gitlog.Open(ctx, dir)
	var nr *gitlog.NotRepoError
	switch {
	case err == nil:
	case f.repo != "" && errors.As(err, &nr):
		return g, usagef("--repo %s: %v: pass the directory of the checkout being deployed", f.repo, err)
	case f.repo != "" && errors.Is(err, gitlog.ErrNoGit):
		return g, fmt.Errorf("--repo %s: %v: install git, or pass --no-git --commit SHA --committed-at TIME", f.repo, err)
	case errors.As(err, &nr) || errors.Is(err, gitlog.ErrNoGit):
		if f.commit == "" {
			return g, nil // no commit, nothing to read: not in lead time
		}
		if !commitPattern().MatchString(strings.TrimSpace(f.commit)) {
			why := "the working directory is not inside a git repository"
			if errors.Is(err, gitlog.ErrNoGit) {
				why = gitlog.ErrNoGit.Error()
			}
			return g, usagef("--commit %s: %s, so it cannot be resolved: run deploy start inside the repository, pass --repo DIR, or give the hash with --committed-at TIME",
				strings.TrimSpace(f.commit), why)
		}
		if err := manual(); err != nil {
			return g, err
		}
		fmt.Fprintf(a.stderr, "flightdeck: not in a git repository: commit %s recorded without its time, so it is not in lead time (run inside the repository, pass --repo DIR, or add --committed-at TIME)\n", n.CommitSHA)
		return g, nil
	default:
		return g, err
	}

	sha, err := repo.Resolve(ctx, f.commit)
	if err != nil {
		return g, usageError{err}
	}
	since, err := s.LastShipped(ctx, n.Service, n.Environment)
	if err != nil {
		return g, cliError(err)
	}
	commits, err := repo.Shipped(ctx, since.CommitSHA, sha)
	var se *gitlog.ShallowError
	if errors.As(err, &se) {
		return g, fmt.Errorf("the repository is shallow: the commits since #%d's %s are not all here; fetch with fetch-depth: 0 (or git fetch --unshallow), or pass --no-git --commit %s to record only the deployed commit",
			since.DeploymentID, shortCommit(since.CommitSHA), sha)
	}
	if err != nil {
		return g, err
	}
	n.CommitSHA, n.CommitsSince, n.Commits = sha, since.CommitSHA, commits
	if len(commits) > 0 {
		n.CommittedAt = commits[0].CommittedAt
	}
	return gitShipped{used: true, since: since, commits: len(commits), deployed: sha}, nil
}

// commitsFromLog reads the commits a deployment ships from a piped git log
// (model.CommitLogFormat, newest first): what a pipeline sends when
// flightdeck cannot read its checkout (the CLI over SSH). The service's
// previous completed deployment to the environment decides where the range
// starts, as with a checkout; a log that does not reach it is refused.
func (a *app) commitsFromLog(ctx context.Context, s *data.Store, n *model.NewDeployment, f gitFlags) (gitShipped, error) {
	var g gitShipped
	var r io.Reader
	if f.commitsFrom == "-" {
		r = f.stdin
	} else {
		if a.noLocalFiles {
			return g, usagef("--commits-from %s reads a file on the server: pipe the log and pass --commits-from -", f.commitsFrom)
		}
		file, err := os.Open(f.commitsFrom)
		if err != nil {
			return g, usagef("--commits-from: %v", err)
		}
		defer file.Close()
		r = file
	}
	if r == nil {
		return g, usagef("--commits-from -: no input: pipe git log --topo-order --format='%s' -n 2000 HEAD into it", model.CommitLogFormat)
	}
	log, err := model.ParseCommitLog(io.LimitReader(r, 64<<20))
	if err != nil {
		return g, usagef("--commits-from: %v", err)
	}
	since, err := s.LastShipped(ctx, n.Service, n.Environment)
	if err != nil {
		return g, cliError(err)
	}
	commits, err := model.ShippedFromLog(log, since.CommitSHA)
	if err != nil {
		return g, fmt.Errorf("--commits-from: %v", err)
	}
	n.CommitSHA, n.CommitsSince, n.Commits = log[0].SHA, since.CommitSHA, commits
	if len(commits) > 0 {
		n.CommittedAt = commits[0].CommittedAt
	}
	return gitShipped{used: true, since: since, commits: len(commits), deployed: log[0].SHA}, nil
}

// report prints what the deployment ships, after "started deployment #N".
func (g gitShipped) report(w io.Writer, n model.NewDeployment) {
	if !g.used {
		return
	}
	switch {
	case !g.since.Found:
		fmt.Fprintf(w, "commit %s: the first deployment of %s to %s recorded from git, so only its own commit counts (committed %s)\n",
			shortCommit(g.deployed), model.SanitizeLine(n.Service), model.SanitizeLine(n.Environment), n.CommittedAt.UTC().Format("2006-01-02 15:04 UTC"))
	case g.commits == 0:
		fmt.Fprintf(w, "commit %s: no new commits since #%d (%s): it ships no changes, so it adds nothing to lead time\n",
			shortCommit(g.deployed), g.since.DeploymentID, shortCommit(g.since.CommitSHA))
	default:
		fmt.Fprintf(w, "commit %s: ships %s since #%d (%s), for lead time per commit\n",
			shortCommit(g.deployed), plural(g.commits, "commit", "commits"), g.since.DeploymentID, shortCommit(g.since.CommitSHA))
	}
}

func shortCommit(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// parseCommittedAt reads --committed-at in the shared time grammar
// (model.ParseTime), which takes git's %ci and %cI as git prints them, so
// `git log -1 --format=%ci` can be pasted.
func parseCommittedAt(s string, now time.Time) (time.Time, error) {
	t, err := parseTimeFlag("committed-at", s, now)
	if err != nil && !strings.Contains(err.Error(), "in the future") {
		return time.Time{}, usagef("%v; git's %%ci (2026-11-25 09:12:00 +0100) and %%cI (2026-11-25T09:12:00+01:00) print these forms", err)
	}
	return t, err
}
