package ui

import "testing"

func TestFirstClause(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"stage 1/4 · 5% has 14:10 of its 15:00 soak left (ends 09:33:37 UTC): give a reason to promote early",
			"stage 1/4 · 5% has 14:10 of its 15:00 soak left"},
		{"stage 4/4 · 100% has 00:59 of its 15:00 soak left (ends 10:20:00 UTC): give a reason to finish early",
			"stage 4/4 · 100% has 00:59 of its 15:00 soak left"},
		{"rollback criteria are met: error rate 7.20%; give a reason", "rollback criteria are met"},
		{"held; INC-1 SEV1 open: give a reason", "held"},
		{"no separator here", "no separator here"},
		{"at 14:10:05 it ended", "at 14:10:05 it ended"},
	} {
		if got := firstClause(c.in); got != c.want {
			t.Errorf("firstClause(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
