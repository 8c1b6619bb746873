package model

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Commit is one change a deployment ships: a commit between the commit the
// service's previous completed deployment to the same environment ran and
// the commit this one deploys (git's prev..new, merges and the commits they
// bring included). Its commit time (git's %cI, when it was committed to the
// branch) is what lead time for changes measures from; the author time is
// kept for reference. Commit subjects are not recorded: they are free user
// text and no metric reads them.
type Commit struct {
	SHA         string    // full hex object name, lower case
	CommittedAt time.Time // git's committer date, UTC
	AuthoredAt  time.Time // git's author date, UTC
	Position    int       // 0 = the deployed commit, then older ones in git log order
}

// MaxShippedCommits bounds the commits one deployment records. A range
// longer than this (a years-old previous deployment, a rewritten history)
// is refused with a message rather than silently cut.
const MaxShippedCommits = 10000

var fullSHA = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`) })

// ValidateCommits checks a deployment's commit list: full lower-case SHAs,
// no duplicates, positions 0…n-1 in order, times set, at most
// MaxShippedCommits, and the first one the deployed commit (deployed, when
// not empty).
func ValidateCommits(cs []Commit, deployed string) error {
	if len(cs) > MaxShippedCommits {
		return fmt.Errorf("%d commits in one deployment: more than %d", len(cs), MaxShippedCommits)
	}
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		if !fullSHA().MatchString(c.SHA) {
			return fmt.Errorf("commit %d: %q is not a full commit id (40 or 64 lower-case hex digits)", i+1, c.SHA)
		}
		if seen[c.SHA] {
			return fmt.Errorf("commit %s is listed twice", c.SHA)
		}
		seen[c.SHA] = true
		if c.Position != i {
			return fmt.Errorf("commit %s has position %d, expected %d", c.SHA, c.Position, i)
		}
		if c.CommittedAt.IsZero() || c.AuthoredAt.IsZero() {
			return fmt.Errorf("commit %s has no commit or author time", c.SHA)
		}
	}
	if deployed != "" && len(cs) > 0 && cs[0].SHA != strings.ToLower(deployed) {
		return fmt.Errorf("the first commit listed (%s) is not the deployed commit %s", cs[0].SHA, deployed)
	}
	return nil
}

// ParseGitTime reads a commit time as git prints it:
//
//	%cI / %aI (strict ISO 8601 = RFC 3339)  2026-11-25T09:12:00+01:00
//	%ci / %ai (ISO-like)                    2026-11-25 09:12:00 +0100
//
// Fractional seconds are accepted in both (git never prints them, other
// tools do). A zone is required: git always prints one, and a time without
// one would be read in an arbitrary zone. The result is in UTC.
//
// It reads git's own output, where a zone is always present; the time flags
// (--committed-at included) read model.ParseTime, which takes these forms
// too.
func ParseGitTime(s string) (time.Time, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return time.Time{}, fmt.Errorf("the commit time is empty: use git's %%cI (2026-11-25T09:12:00+01:00) or %%ci (2026-11-25 09:12:00 +0100)")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700"} {
		if t, err := time.Parse(layout, in); err == nil {
			return t.UTC(), nil
		}
	}
	// RFC 3339 allows a lower-case t and z.
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(in)); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a git commit time: use %%cI (2026-11-25T09:12:00+01:00) or %%ci (2026-11-25 09:12:00 +0100), with its zone", in)
}
