package data

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"testing"
)

// TestHelperOpenAndClose is the other process of
// TestOpenKeepsItsLocks: it opens the database, reads, and closes it.
func TestHelperOpenAndClose(t *testing.T) {
	path := os.Getenv("FD_OPEN_AND_CLOSE")
	if path == "" {
		t.Skip("the child of TestOpenKeepsItsLocks")
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM deployments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenKeepsItsLocks: opening a Store must not drop the POSIX locks
// SQLite holds on the file (closing any descriptor of a file drops them
// all, pitfalls D28). If it did, another process that opens and closes the
// database would believe it was the last user and delete the -wal and -shm
// under the open store, and the store's later commits would be lost (found
// by .ci/bench's concurrent writers: an acknowledged note missing).
func TestOpenKeepsItsLocks(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	first := openStore(t, path)
	startTestDeployment(t, first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path) // an existing file, as a dashboard opens it
	if _, err := s.ActiveDeployments(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The other process: sqlite3 when installed (.ci/run installs it), else
	// this test binary opening the file through modernc.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOpenAndClose$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FD_OPEN_AND_CLOSE="+path)
	if bin, err := exec.LookPath("sqlite3"); err == nil {
		cmd = exec.Command(bin, path, "SELECT count(*) FROM deployments")
	} else if os.Getenv("CI") != "" {
		t.Fatal("sqlite3 is not installed: .ci/run installs it (apt-get install sqlite3)")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the other process: %v\n%s", err, out)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + side); err != nil {
			t.Fatalf("another process's open and close removed %s under an open store: %v", side, err)
		}
	}
	// And the store still writes where every process reads.
	d, _ := startTestDeployment(t, s)
	other := openStore(t, path)
	if _, err := getDeploymentByID(t, other, d.ID); err != nil {
		t.Fatalf("a commit after the other process closed is not visible: %v", err)
	}
}

func getDeploymentByID(t *testing.T, s *Store, id int64) (any, error) {
	t.Helper()
	var got any
	err := s.read(context.Background(), "read", func(tx *sql.Tx) error {
		d, err := getDeployment(context.Background(), tx, id)
		got = d
		return err
	})
	return got, err
}
