package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Defect 6 as a person sees it: the -wal and -shm are deleted under an
// open dashboard; its next tick is refused on screen (never "✓"), and the
// CLI's own writes afterwards are all still there for the next process.
func TestE2EDashboardRefusesWriteAfterSidecarsDeleted(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	bin := flightdeckBin(t)
	p := newTmux(t)
	p.start(200, 40, bin, "--db", db, "--as", "e2e-user")
	p.waitText("checkout-api")
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(db + ext); err != nil {
			t.Fatal(err)
		}
	}
	cli(t, db, "check", "Verify deployment window", "--note", "after-the-delete", "--as", "pipeline")
	p.keys("1")
	p.waitText("▶ [ ]")
	p.keys("Space")
	screen := p.waitText("was replaced or deleted")
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "replaced") {
			t.Logf("status: %s", strings.TrimSpace(l))
		}
	}
	if !strings.Contains(screen, "✗") {
		t.Errorf("refusal not shown as a failure:\n%s", screen)
	}
	if out := cli(t, db, "export"); !strings.Contains(out, "after-the-delete") || strings.Contains(out, "e2e-user") {
		t.Errorf("after the refusal the database holds the wrong writes:\n%s", out)
	}
}

// With the database file deleted under an open dashboard, the dashboard
// says so by itself within a poll, without waiting for a keypress.
func TestE2EDashboardSaysWhenDatabaseDeleted(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	bin := flightdeckBin(t)
	p := newTmux(t)
	p.start(200, 40, bin, "--db", db, "--as", "e2e-user")
	p.waitText("checkout-api")
	for _, ext := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(db + ext); err != nil {
			t.Fatal(err)
		}
	}
	screen := p.waitText("the database file " + db + " was replaced or deleted")
	if !strings.Contains(screen, "✗") {
		t.Errorf("not shown as a failure:\n%s", screen)
	}
	p.keys("1")
	p.waitText("▶ [ ]")
	p.keys("Space")
	p.waitText("update checklist item: the database file")
	if strings.Contains(p.screen(), "[x]") {
		t.Errorf("a write was acknowledged into a deleted file:\n%s", p.screen())
	}
}
