package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// The action item prompt's one-line syntax: marked words anywhere, the
// rest is the text; each refusal names the fix.
func TestParseActionLine(t *testing.T) {
	day := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want model.ActionItem
		err  string
	}{
		{in: "Add a p99 alert", want: model.ActionItem{Text: "Add a p99 alert"}},
		{in: "@alice Add a p99 alert due:2026-12-08 kind:Detect", want: model.ActionItem{Text: "Add a p99 alert", Owner: "alice", Due: day, Kind: model.ActionDetect}},
		{in: "email ops@ the list", want: model.ActionItem{Text: "email ops@ the list"}},
		{in: "done deploying the fix", want: model.ActionItem{Text: "done deploying the fix"}},
		{in: "@alice due:2026-12-08", err: "needs its text"},
		{in: "fix @a @b", err: "one owner"},
		{in: "fix due:08/12", err: "YYYY-MM-DD"},
		{in: "fix due:", err: "due:YYYY-MM-DD"},
		{in: "fix kind:prevention", err: "prevent, mitigate or detect"},
		{in: "fix kind:", err: "kind:prevent"},
	} {
		got, err := parseActionLine(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one naming %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v %v, want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseActionDone(t *testing.T) {
	for _, c := range []struct {
		in       string
		n, pos   int
		done, ok bool
		err      string
	}{
		{in: "done 2", n: 3, pos: 2, done: true, ok: true},
		{in: "UNDO 1", n: 1, pos: 1, ok: true},
		{in: "done 4", n: 3, done: true, ok: true, err: "1 to 3, not 4"},
		{in: "done 1", n: 0, done: true, ok: true, err: "no action items yet"},
		{in: "done it", n: 3},
		{in: "done 1 now", n: 3},
	} {
		pos, done, ok, err := parseActionDone(c.in, c.n)
		if ok != c.ok || (c.err == "" && (err != nil || pos != c.pos || done != c.done)) || (c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err))) {
			t.Errorf("%q of %d: %d %v %v %v, want %d %v %v %q", c.in, c.n, pos, done, ok, err, c.pos, c.done, c.ok, c.err)
		}
	}
}

func TestParseActionEdit(t *testing.T) {
	day := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		pos  int
		ok   bool
		err  string
		want func(model.ActionItemEdit) bool
	}{
		{in: "edit the runbook", ok: false},
		{in: "pool size to 50", ok: false},
		{in: "edit 2 @lee due:2026-12-15 kind:prevent", pos: 2, ok: true, want: func(e model.ActionItemEdit) bool {
			return e.Owner != nil && *e.Owner == "lee" && e.Due != nil && e.Due.Equal(day) && e.Kind != nil && *e.Kind == model.ActionPrevent && e.Done == nil
		}},
		{in: "edit 1 due: kind:", pos: 1, ok: true, want: func(e model.ActionItemEdit) bool {
			return e.Due != nil && e.Due.IsZero() && e.Kind != nil && *e.Kind == "" && e.Owner == nil
		}},
		{in: "edit 3 @lee", ok: true, err: "there are action items 1 to 2, not 3"},
		{in: "edit 2", ok: true, err: "say what changes"},
		{in: "edit 2 soon", ok: true, err: `"soon" is not @owner`},
		{in: "edit 2 kind:later", ok: true, err: "is not an action item kind"},
	} {
		pos, e, ok, err := parseActionEdit(c.in, 2)
		if ok != c.ok {
			t.Errorf("%q: ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || (c.ok && (pos != c.pos || !c.want(e))) {
			t.Errorf("%q: %d %+v %v", c.in, pos, e, err)
		}
	}
}
