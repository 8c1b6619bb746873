package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Three dashboards on one database — one of them read-only — and a CLI
// writing: every dashboard shows every change within the sync bar, and the
// soak timer's end time is the same everywhere because it is computed from
// stored times. On SQLite the dashboards see commits by polling the file's
// data version, on PostgreSQL through LISTEN/NOTIFY.
func TestE2EThreeDashboardsStayInSync(t *testing.T) {
	onEngines(t, testE2EThreeDashboardsStayInSync)
}

func testE2EThreeDashboardsStayInSync(t *testing.T, engine string) {
	db := engineDB(t, engine)
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	cli(t, db, "deploy", "promote", "--reason", "e2e: skip Pre-Deployment")
	cli(t, db, "deploy", "live")
	bin := flightdeckBin(t)
	panes := []*tmux{newTmux(t), newTmux(t), newTmux(t)}
	panes[0].start(120, 40, bin, "--db", db)
	panes[1].start(100, 30, bin, "--db", db)
	panes[2].start(120, 40, bin, "--db", db, "--read-only")
	for _, p := range panes {
		p.waitText(" left ")
	}
	for i := 0; i < 3; i++ {
		text := fmt.Sprintf("e2e-note-%d", i)
		start := time.Now()
		cli(t, db, "check", "Verify deployment window", "--note", text, "--as", "pipeline")
		for _, p := range panes {
			p.waitText(text)
		}
		// The bar is 1.5 s; on a loaded CI machine allow the deadline of
		// waitText, but report what was seen.
		t.Logf("%s: note %d visible in all three dashboards after %v", engine, i, time.Since(start).Round(10*time.Millisecond))
	}
	// Same soak end time in every dashboard.
	re := regexp.MustCompile(`(?:ends|→) (\d\d:\d\d:\d\d)`)
	var ends []string
	for _, p := range panes {
		m := re.FindStringSubmatch(p.screen())
		if m == nil {
			t.Fatalf("no soak end time on screen:\n%s", p.screen())
		}
		ends = append(ends, m[1])
	}
	if ends[0] != ends[1] || ends[1] != ends[2] {
		t.Fatalf("dashboards disagree on the soak end: %v", ends)
	}
	// An action in one dashboard shows in the others.
	panes[0].keys("1")
	panes[0].waitText("▶ [ ]")
	panes[0].keys("Space")
	for _, p := range panes[1:] {
		p.waitFor("the tick from dashboard 1", func(s string) bool { return strings.Contains(s, "[x] ") && strings.Contains(s, "e2e-user") })
	}
	// The read-only dashboard refuses actions.
	panes[2].keys("1")
	panes[2].keys("Space")
	panes[2].waitText("READ-ONLY")
	for _, p := range panes {
		p.keys("q")
		p.waitExit()
	}
}

// Killing the pane (SIGHUP to the dashboard) ends it cleanly and loses
// nothing that was confirmed.
func TestE2EHangupExitsCleanly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "web", "v1")
	x := newTmux(t)
	x.start(100, 30, flightdeckBin(t), "--db", db)
	x.waitText("▶ [ ] All automated tests passing in CI")
	x.keys("Space")
	x.waitText("[x] All automated tests passing in CI")
	pid := strings.TrimSpace(x.run("display-message", "-p", "-t", "main", "#{pane_pid}"))
	x.run("kill-server")
	deadline := time.Now().Add(20 * time.Second)
	for exec.Command("kill", "-0", pid).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("dashboard %s still running after its terminal went away", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	doc := exportJSON(t, db)
	for _, it := range doc.ChecklistItems {
		if it.Text == "All automated tests passing in CI" && it.State != "done" {
			t.Fatalf("confirmed tick lost: %+v", it)
		}
	}
}
