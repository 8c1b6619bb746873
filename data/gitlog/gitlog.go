// Package gitlog reads, from a git repository, the commits a deployment
// ships and their times, by running the git binary (argv only, no shell).
//
// Why the binary and not go-git: only `deploy start` reads git, so nothing
// else pays for it (two or three execs of a few milliseconds each, and no
// start-up cost for any other command); flightdeck's binary and module graph
// stay as they are (go-git v5 brings a dozen modules and several MB, and has
// had its own advisories); and git itself is the authority on what a
// repository is: worktrees, alternates, partial and shallow clones,
// safe.directory, SHA-256 object names, replace refs and commit-graphs all
// behave as the user's own `git log` does. Every CI runner that has a
// checkout has git.
package gitlog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// ErrNoGit is returned by Open when the git binary cannot be found.
var ErrNoGit = errors.New("git is not installed (or not on PATH)")

// NotRepoError says dir is not inside a git work tree.
type NotRepoError struct{ Dir string }

func (e *NotRepoError) Error() string { return fmt.Sprintf("%s is not inside a git repository", e.Dir) }

// ShallowError says the repository lacks history the range needs.
type ShallowError struct {
	Since string // the previous deployment's commit
}

func (e *ShallowError) Error() string {
	return fmt.Sprintf("the repository is shallow: the commits since %s are not all here", short(e.Since))
}

// Repo is a git work tree.
type Repo struct {
	Dir string // its top level
	git string // the binary
}

// timeout bounds each git command: a hung credential helper or a network
// filesystem must not hang a pipeline.
const timeout = 30 * time.Second

// Open finds the repository containing dir: *NotRepoError when there is
// none, ErrNoGit when git is missing.
func Open(ctx context.Context, dir string) (Repo, error) {
	bin, err := exec.LookPath("git")
	if err != nil {
		return Repo{}, ErrNoGit
	}
	r := Repo{Dir: dir, git: bin}
	out, err := r.run(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) && strings.Contains(ge.stderr, "not a git repository") {
			return Repo{}, &NotRepoError{Dir: dir}
		}
		return Repo{}, err
	}
	r.Dir = strings.TrimSpace(out)
	return r, nil
}

type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		msg = e.err.Error()
	}
	return fmt.Sprintf("git %s: %s", strings.Join(e.args, " "), model.SanitizeLine(strings.Join(strings.Fields(msg), " ")))
}

func (r Repo) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	full := append([]string{"-C", r.Dir, "--no-pager", "-c", "log.showSignature=false"}, args...)
	cmd := exec.CommandContext(ctx, r.git, full...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &gitError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.String(), nil
}

// Resolve turns a revision (HEAD, a branch, a tag, a short hash) into the
// full object name of the commit it names.
func (r Repo) Resolve(ctx context.Context, rev string) (string, error) {
	rev = strings.TrimSpace(rev)
	if rev == "" {
		rev = "HEAD"
	}
	out, err := r.run(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		if rev == "HEAD" {
			return "", fmt.Errorf("%s has no commits yet (HEAD names none): commit first, or pass --commit REV", r.Dir)
		}
		return "", fmt.Errorf("%q names no commit in %s: pass a commit, branch or tag that exists there (git fetch it first?)", rev, r.Dir)
	}
	return strings.TrimSpace(out), nil
}

// Shallow reports whether the repository is a shallow clone.
func (r Repo) Shallow(ctx context.Context) (bool, error) {
	out, err := r.run(ctx, "rev-parse", "--is-shallow-repository")
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(out) == "true", nil
}

// Shipped lists the commits deploying head ships after since (the previous
// deployment's commit): git's since..head, every commit reachable from head
// and not from since, merge commits and the commits they bring included,
// children before parents (so head, when listed, is first). With since ""
// (a first deployment) it is head alone: older commits reached production
// before flightdeck recorded anything, and counting them would invent lead
// times. An empty list means head ships nothing new (it is since, or an
// ancestor of it: a redeploy or a roll back to an older commit).
//
// A shallow clone that lacks since, or cuts the range short, gives
// *ShallowError rather than a partial list.
func (r Repo) Shipped(ctx context.Context, since, head string) ([]model.Commit, error) {
	shallow, err := r.Shallow(ctx)
	if err != nil {
		return nil, err
	}
	args := []string{"log", "--topo-order", "--format=%H %cI %aI", fmt.Sprintf("--max-count=%d", model.MaxShippedCommits+1), "--end-of-options", head}
	if since == "" {
		args[3] = "--max-count=1"
	} else {
		if _, err := r.run(ctx, "cat-file", "-e", since+"^{commit}"); err != nil {
			if shallow {
				return nil, &ShallowError{Since: since}
			}
			return nil, fmt.Errorf("the previous deployment's commit %s is not in %s: fetch it (git fetch origin), or deploy from the repository it came from", short(since), r.Dir)
		}
		args = append(args, "^"+since)
	}
	out, err := r.run(ctx, args...)
	if err != nil {
		return nil, err
	}
	var cs []model.Commit
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			return nil, fmt.Errorf("git log printed %q: expected a hash and two times", sc.Text())
		}
		c := model.Commit{SHA: strings.ToLower(f[0]), Position: len(cs)}
		if c.CommittedAt, err = model.ParseGitTime(f[1]); err != nil {
			return nil, fmt.Errorf("commit %s: %w", short(f[0]), err)
		}
		if c.AuthoredAt, err = model.ParseGitTime(f[2]); err != nil {
			return nil, fmt.Errorf("commit %s: %w", short(f[0]), err)
		}
		cs = append(cs, c)
	}
	if len(cs) > model.MaxShippedCommits {
		return nil, fmt.Errorf("more than %d commits since %s: is that really the previous deployment's commit? (record this one with --no-git --commit %s)",
			model.MaxShippedCommits, short(since), short(head))
	}
	if shallow && since != "" && len(cs) > 0 {
		// A shallow clone's boundary commits have parents that are not
		// here: if one is in the range, the range stops early.
		bound, err := r.shallowBoundary(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if bound[c.SHA] {
				return nil, &ShallowError{Since: since}
			}
		}
	}
	return cs, nil
}

func (r Repo) shallowBoundary(ctx context.Context) (map[string]bool, error) {
	out, err := r.run(ctx, "rev-parse", "--git-path", "shallow")
	if err != nil {
		return nil, err
	}
	p := strings.TrimSpace(out)
	if !strings.HasPrefix(p, "/") {
		p = r.Dir + "/" + p
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read the shallow clone's boundary: %w", err)
	}
	m := map[string]bool{}
	for _, l := range strings.Fields(string(b)) {
		m[strings.ToLower(l)] = true
	}
	return m, nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
