package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostmortemEditingCLI: the postmortem's fields, its status rule and
// action items with owner, due day and kind are edited from the CLI, show
// in the Markdown report, and come back whole from report --json, decoded
// strictly.
func TestPostmortemEditingCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout 5xx")
	fdOK(t, db, "incident", "ack", "INC-1", "--step", "1", "--reached", "sam")
	out := fdOK(t, db, "incident", "postmortem", "INC-1", "--summary", "checkout failed for 12 minutes", "--impact", "4% of checkouts",
		"--lessons-well", "caught in 2 minutes", "--lessons-wrong", "paged by hand", "--lessons-lucky", "not at peak", "--owner", "dana",
		"--detection", "canary health criterion", "--contributing", "staging has one pod")
	if !strings.Contains(out, "INC-1 postmortem draft, owner dana") {
		t.Fatalf("output %q", out)
	}
	if code, _, stderr := fd(t, db, "incident", "postmortem", "INC-1", "--status", "published"); code == 0 || !strings.Contains(stderr, "published after its review") {
		t.Fatalf("draft → published accepted: %d %q", code, stderr)
	}
	fdOK(t, db, "incident", "postmortem", "INC-1", "--status", "in-review")
	if code, _, stderr := fd(t, db, "incident", "postmortem", "INC-1", "--status", "draft"); code == 0 || !strings.Contains(stderr, "needs a reason") {
		t.Fatalf("back to draft without a reason: %d %q", code, stderr)
	}
	fdOK(t, db, "incident", "postmortem", "INC-1", "--status", "draft", "--reason", "impact numbers missing")
	if code, _, stderr := fd(t, db, "incident", "action", "INC-1", "alert on pool", "--kind", "fix"); code == 0 || !strings.Contains(stderr, "prevent, mitigate or detect") {
		t.Fatalf("bad kind: %d %q", code, stderr)
	}
	if code, _, stderr := fd(t, db, "incident", "action", "INC-1", "x", "--due", "8 Dec"); code == 0 || !strings.Contains(stderr, "YYYY-MM-DD") {
		t.Fatalf("bad due: %d %q", code, stderr)
	}
	out = fdOK(t, db, "incident", "action", "INC-1", "alert on pool saturation", "--owner", "sam", "--due", "2026-12-08", "--kind", "detect")
	if !strings.Contains(out, "INC-1 action item 1: alert on pool saturation (owner sam, due 2026-12-08, detect)") {
		t.Fatalf("output %q", out)
	}
	fdOK(t, db, "incident", "action", "INC-1", "load-test the pool", "--kind", "prevent")
	if out := fdOK(t, db, "incident", "action", "INC-1", "--done", "2"); !strings.Contains(out, "INC-1 action item 2 (done): load-test the pool") {
		t.Fatalf("done: %q", out)
	}
	if code, _, stderr := fd(t, db, "incident", "action", "INC-1", "--done", "7"); code == 0 || !strings.Contains(stderr, "action items 1 to 2, not 7") {
		t.Fatalf("done 7: %d %q", code, stderr)
	}
	md := fdOK(t, db, "incident", "report", "INC-1")
	for _, want := range []string{"## Summary\n\ncheckout failed for 12 minutes", "| Postmortem owner | dana |", "| Postmortem status | draft (since",
		"| 1 | alert on pool saturation | detect | sam | 2026-12-08 | no |", "| 2 | load-test the pool | prevent | — | — | yes, ",
		"### Where we got lucky\n\nnot at peak", "| TTA (first acknowledgement) |",
		"postmortem: status in review → draft (reason: impact numbers missing)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	js := fdOK(t, db, "incident", "report", "INC-1", "--json")
	var r reportJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(js)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v:\n%s", err, js)
	}
	if r.Postmortem.Owner != "dana" || r.Postmortem.Status != "draft" || r.Postmortem.WentWell != "caught in 2 minutes" ||
		len(r.ActionItems) != 2 || r.ActionItems[0].Due == nil || *r.ActionItems[0].Due != "2026-12-08" || !r.ActionItems[1].Done ||
		r.TTASeconds == nil || r.TTRSeconds != nil || r.PeakSeverity != "SEV2" || r.Meeting != nil {
		t.Errorf("report json: %+v", r)
	}
	if !strings.Contains(js, `"opened_at": "20`) || !strings.Contains(js, `"tta_seconds": `) {
		t.Errorf("json keys/times:\n%s", js)
	}
}
