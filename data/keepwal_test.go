package data

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

// The last store to close leaves the -wal (empty: every commit is
// checkpointed into the file) and the -shm for the next process, so the
// database file copied alone still holds every commit; a store opened with
// HandOn leaves the file alone, as SQLite does by default.
func TestLastCloseKeepsEmptySidecars(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		handOn   bool
		sidecars bool
	}{
		{"default", false, true},
		{"hand on", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "flightdeck.db")
			s, err := Open(ctx, path, Options{HandOn: c.handOn})
			if err != nil {
				t.Fatal(err)
			}
			_, items := startTestDeployment(t, s)
			if _, err := s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "kept in the file", "alice", t0); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, side := range []string{"-wal", "-shm"} {
				fi, err := os.Stat(path + side)
				switch {
				case c.sidecars && err != nil:
					t.Errorf("%s after the last close: %v, want it kept for the next process", side, err)
				case !c.sidecars && err == nil:
					t.Errorf("%s after the last close: present, want it deleted", side)
				case c.sidecars && side == "-wal" && fi.Size() != 0:
					t.Errorf("-wal after the last close holds %d bytes, want 0: the close checkpoints every commit into the file", fi.Size())
				}
			}

			// The file alone, somewhere else, has the note: nothing stayed
			// behind in the -wal.
			alone := filepath.Join(t.TempDir(), "copy.db")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(alone, b, 0o600); err != nil {
				t.Fatal(err)
			}
			cp := openStore(t, alone)
			got, _, err := cp.Checklist(ctx, items[0].DeploymentID)
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Note != "kept in the file" {
				t.Errorf("the file copied alone has note %q, want the committed one", got[0].Note)
			}

			// The kept sidecars open again and take more commits.
			again := openStore(t, path)
			if _, err := again.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "again", "bob", t0); err != nil {
				t.Fatalf("a commit after reopening: %v", err)
			}
		})
	}
}
