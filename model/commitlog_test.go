package model

import (
	"strings"
	"testing"
)

func TestShippedFromLog(t *testing.T) {
	sha := func(c byte) string { return strings.Repeat(string(c), 40) }
	line := func(c byte, parents ...byte) string {
		l := sha(c) + " 2026-11-20T09:00:00.250+01:00 2026-11-20T08:00:00+01:00"
		for _, p := range parents {
			l += " " + sha(p)
		}
		return l
	}
	// e (merge of d and c) ← d ← b ← a;  c ← b  (c on a branch)
	full := []string{line('e', 'd', 'c'), line('d', 'b'), line('c', 'b'), line('b', 'a'), line('a')}
	for _, tc := range []struct {
		name  string
		log   []string
		since string
		want  string // shipped, head first, as letters
		err   string
	}{
		{"first deployment: head only", full, "", "e", ""},
		{"since b", full, sha('b'), "edc", ""},
		{"since a", full, sha('a'), "edcb", ""},
		{"since the branch tip", full, sha('c'), "ed", ""},
		{"redeploy", full, sha('e'), "", ""},
		{"log too short for since", full[:2], sha('a'), "", "does not reach the previous deployment's commit"},
		{"log stops inside the range", []string{line('e', 'd', 'c'), line('d', 'b'), line('b', 'a')}, sha('b'), "", "the log stops before commit cccccccccccc"},
		// a's parents are beyond the log, but they are since's ancestors: fine.
		{"boundary below since", full[:4], sha('b'), "edc", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log, err := ParseCommitLog(strings.NewReader(strings.Join(tc.log, "\n")))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ShippedFromLog(log, tc.since)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var letters string
			for i, c := range got {
				letters += c.SHA[:1]
				if c.Position != i || c.CommittedAt.Format("15:04:05.000") != "08:00:00.250" || c.AuthoredAt.Hour() != 7 {
					t.Errorf("commit %d = %+v", i, c)
				}
			}
			if letters != tc.want {
				t.Errorf("shipped %q, want %q", letters, tc.want)
			}
			if err := ValidateCommits(got, ""); err != nil {
				t.Error(err)
			}
		})
	}
	for _, bad := range []struct{ in, err string }{
		{"", "the commit log is empty"},
		{"abc 2026-11-20T09:00:00Z 2026-11-20T09:00:00Z", "line 1: \"abc\" is not a full commit id"},
		{sha('a') + " yesterday 2026-11-20T09:00:00Z", "line 1: commit time"},
		{line('a') + "\n" + line('a'), "line 2: commit aaaaaaaaaaaa is listed twice"},
		{"\x1b[31m", "line 1: \"\" is not"},
	} {
		if _, err := ParseCommitLog(strings.NewReader(bad.in)); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("ParseCommitLog(%q) = %v, want %q", bad.in, err, bad.err)
		}
	}
}
