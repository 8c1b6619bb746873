package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2ENoteInEditorKeepsLines is issue 16's editor check: in the
// dashboard, E on the incident log suspends the program, runs $EDITOR on
// a file (here a script standing in for the editor, writing two lines),
// resumes, and saves the note with its line break.
func TestE2ENoteInEditorKeepsLines(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "incident", "open", "--sev", "2", "checkout 5xx")
	editor := filepath.Join(t.TempDir(), "editor.sh")
	script := "#!/bin/sh\n# a stand-in editor: keep the header, add two lines\nprintf 'db failover started\\nreplica lag 40s at 09:41\\n' >> \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	x := newTmux(t)
	x.start(120, 40, "env", "VISUAL=", "EDITOR="+editor, flightdeckBin(t), "--db", db)
	x.waitText("INC-1")
	x.keys("3")
	x.waitText("▶ 3 Incident log")
	x.keys("E")
	x.waitText("note added to INC-1")
	var show struct {
		Timeline []struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(cli(t, db, "incident", "show", "INC-1", "--json")), &show); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range show.Timeline {
		if e.Kind == "incident.note" {
			found = true
			if !strings.Contains(e.Text, "db failover started\nreplica lag 40s at 09:41") || strings.Contains(e.Text, "#") {
				t.Errorf("note = %q, want the two lines with their break and no header", e.Text)
			}
		}
	}
	if !found {
		t.Fatalf("no note in the timeline: %+v", show.Timeline)
	}
	// The dashboard came back and still works.
	x.waitText("▶ 3 Incident log")
}

// TestE2EPostmortemFieldInEditorKeepsLines: W, then a text field, opens
// the editor prefilled with the field; its line breaks are kept.
func TestE2EPostmortemFieldInEditorKeepsLines(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "incident", "open", "--sev", "2", "checkout 5xx")
	editor := filepath.Join(t.TempDir(), "editor.sh")
	// One stand-in editor for every text: an update gets its sections
	// written over the template; anything else gets two lines added.
	script := `#!/bin/sh
if grep -q '^# Stakeholder update' "$1"; then
  printf 'Conditions:\ncheckout failing for EU users\nActions:\nrolled back v2.14.0\nNeeds:\n' > "$1"
elif grep -q 'root cause' "$1"; then
  printf 'connection pool exhausted\nby the new retry loop\n' >> "$1"
else
  printf 'Checkout failed for 12 minutes.\nAbout 4%% of EU orders were lost.\n' >> "$1"
fi
`
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	x := newTmux(t)
	x.start(120, 40, "env", "VISUAL="+editor, flightdeckBin(t), "--db", db)
	x.waitText("INC-1")
	x.keys("4")
	x.waitText("▶ 4 Escalation")
	x.keys("W")
	x.waitText("postmortem: edit which?")
	x.keys("1")
	x.waitText("postmortem summary saved")
	// The root cause, under W's 0, and a stakeholder update with u.
	x.keys("W")
	x.waitText("0 Root cause")
	x.keys("0")
	x.waitText("root cause saved")
	x.keys("u")
	x.waitText("stakeholder update posted")
	var show struct {
		Postmortem struct {
			Summary string `json:"summary"`
		} `json:"postmortem"`
		RootCause string `json:"root_cause"`
		Timeline  []struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(cli(t, db, "incident", "show", "INC-1", "--json")), &show); err != nil {
		t.Fatal(err)
	}
	if show.Postmortem.Summary != "Checkout failed for 12 minutes.\nAbout 4% of EU orders were lost." {
		t.Errorf("summary = %q, want the two lines with their break", show.Postmortem.Summary)
	}
	if show.RootCause != "connection pool exhausted\nby the new retry loop" {
		t.Errorf("root cause = %q, want the two lines with their break", show.RootCause)
	}
	posted := false
	for _, e := range show.Timeline {
		if e.Kind == "incident.update" && strings.Contains(e.Text, "checkout failing for EU users") && strings.Contains(e.Text, "rolled back v2.14.0") {
			posted = true
		}
	}
	if !posted {
		t.Errorf("no stakeholder update from the editor in the timeline: %+v", show.Timeline)
	}
}
