package model

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// CommitLogFormat is the git log format ParseCommitLog reads: the commit,
// its commit and author times, its parents. A pipeline that cannot give
// flightdeck its checkout (the CLI over SSH) pipes
//
//	git log --topo-order --format='%H %cI %aI %P' -n 2000 HEAD
//
// into `deploy start --commits-from -`.
const CommitLogFormat = "%H %cI %aI %P"

// LoggedCommit is one line of such a log.
type LoggedCommit struct {
	Commit
	Parents []string
}

// MaxCommitLogLines bounds what a piped log may hold.
const MaxCommitLogLines = 100000

// ParseCommitLog reads a log in CommitLogFormat, newest first (the first
// line is the deployed commit). Errors name the line.
func ParseCommitLog(r io.Reader) ([]LoggedCommit, error) {
	var out []LoggedCommit
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	seen := map[string]bool{}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if len(out) >= MaxCommitLogLines {
			return nil, fmt.Errorf("line %d: more than %d commits: pass fewer (git log -n 2000)", line, MaxCommitLogLines)
		}
		f := strings.Fields(text)
		if len(f) < 3 {
			return nil, fmt.Errorf("line %d: %q is not \"hash commit-time author-time parents…\": produce it with git log --format='%s'", line, SanitizeLine(firstRunes(text, 80)), CommitLogFormat)
		}
		c := LoggedCommit{Commit: Commit{SHA: strings.ToLower(f[0])}}
		if !fullSHA().MatchString(c.SHA) {
			return nil, fmt.Errorf("line %d: %q is not a full commit id (git log --format='%s' prints one)", line, SanitizeLine(firstRunes(f[0], 80)), CommitLogFormat)
		}
		var err error
		if c.CommittedAt, err = ParseGitTime(f[1]); err != nil {
			return nil, fmt.Errorf("line %d: commit time: %w", line, err)
		}
		if c.AuthoredAt, err = ParseGitTime(f[2]); err != nil {
			return nil, fmt.Errorf("line %d: author time: %w", line, err)
		}
		for _, p := range f[3:] {
			p = strings.ToLower(p)
			if !fullSHA().MatchString(p) {
				return nil, fmt.Errorf("line %d: parent %q is not a full commit id", line, SanitizeLine(firstRunes(p, 80)))
			}
			c.Parents = append(c.Parents, p)
		}
		if seen[c.SHA] {
			return nil, fmt.Errorf("line %d: commit %s is listed twice", line, c.SHA[:12])
		}
		seen[c.SHA] = true
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the commit log: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the commit log is empty: pipe git log --topo-order --format='%s' -n 2000 HEAD", CommitLogFormat)
	}
	return out, nil
}

// ShippedFromLog is git's since..head computed on a piped log: the commits
// reachable from the log's first commit (head) that are not reachable from
// since, in log order, head first. since "" (the service's first deployment)
// ships head alone, as the git path does. It refuses rather than
// undercount: since must be in the log, and every parent the walk from head
// needs must be there too unless the walk from since reached it.
func ShippedFromLog(log []LoggedCommit, since string) ([]Commit, error) {
	head := log[0]
	if since == "" {
		c := head.Commit
		c.Position = 0
		return []Commit{c}, nil
	}
	by := make(map[string]LoggedCommit, len(log))
	for _, c := range log {
		by[c.SHA] = c
	}
	if _, ok := by[since]; !ok {
		return nil, fmt.Errorf("the log does not reach the previous deployment's commit %s: pipe more history (git log -n 5000), or the whole branch", since[:min(12, len(since))])
	}
	// Everything since reaches (missing parents included: they are its
	// ancestors, whatever the log leaves out).
	old := map[string]bool{}
	stack := []string{since}
	for len(stack) > 0 {
		sha := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if old[sha] {
			continue
		}
		old[sha] = true
		if c, ok := by[sha]; ok {
			stack = append(stack, c.Parents...)
		}
	}
	shipped := map[string]bool{}
	stack = []string{head.SHA}
	for len(stack) > 0 {
		sha := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if old[sha] || shipped[sha] {
			continue
		}
		c, ok := by[sha]
		if !ok {
			return nil, fmt.Errorf("the log stops before commit %s, which the deployment ships: pipe more history (git log -n 5000)", sha[:12])
		}
		shipped[sha] = true
		stack = append(stack, c.Parents...)
	}
	var out []Commit
	for _, c := range log {
		if shipped[c.SHA] {
			cc := c.Commit
			cc.Position = len(out)
			out = append(out, cc)
		}
	}
	if len(out) > MaxShippedCommits {
		return nil, fmt.Errorf("more than %d commits since %s: is that really the previous deployment's commit?", MaxShippedCommits, since[:12])
	}
	return out, nil
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
