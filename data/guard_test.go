package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/octoacme/flightdeck/model"
)

// TestMain lets a test run this binary as a second process that writes to
// a database: SQLite shares -shm state between stores of one process, so
// only another process sees what another flightdeck would.
func TestMain(m *testing.M) {
	if path := os.Getenv("FD_GUARD_WRITER"); path != "" {
		os.Exit(otherProcessWrite(path, os.Getenv("FD_GUARD_NOTE")))
	}
	if path := os.Getenv("FD_GUARD_LIST"); path != "" {
		os.Exit(otherProcessList(path))
	}
	os.Exit(m.Run())
}

func otherProcessWrite(path, note string) int {
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	inc, err := s.OpenIncident(ctx, model.NewIncident{Title: note, Severity: model.SEV3}, "bob", t0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(inc.ID)
	return 0
}

func otherProcessList(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	if err := s.IntegrityCheck(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	incs, err := s.OpenIncidents(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, i := range incs {
		fmt.Println(i.Title)
	}
	return 0
}

// otherTitles lists the open incidents from a fresh process, as the next
// flightdeck would see them (this process may still hold the abandoned
// connections of a store whose files changed).
func otherTitles(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FD_GUARD_LIST="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("other process: %v", err)
	}
	return strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", ",")
}

func runOtherWriter(t *testing.T, path, note string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FD_GUARD_WRITER="+path, "FD_GUARD_NOTE="+note)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("other process: %v: %s", err, out)
	}
}

func assertChanged(t *testing.T, err error, path string) {
	t.Helper()
	if !errors.Is(err, ErrFileChanged) {
		t.Fatalf("want a refusal because the file changed underfoot, got %v", err)
	}
	for _, want := range []string{path, "nothing was written", "restart flightdeck"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
}

// Defect 6: with the -wal and -shm deleted under an open store, another
// process starts afresh on new sidecars. The open store must refuse its
// writes (they would go into a -wal nobody else reads) and must not
// checkpoint its stale -wal over the other process's commits on close.
func TestWriteRefusedAfterSidecarsDeleted(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := tempDB(t)
	dash := openStore(t, path)
	if _, err := dash.OpenIncident(ctx, model.NewIncident{Title: "before", Severity: model.SEV3}, "alice", t0); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + ext); err != nil {
			t.Fatalf("remove %s: %v", ext, err)
		}
	}
	runOtherWriter(t, path, "from the CLI 1")

	_, err := dash.OpenIncident(ctx, model.NewIncident{Title: "from the dashboard", Severity: model.SEV3}, "alice", t0)
	assertChanged(t, err, path)
	if !strings.Contains(err.Error(), path+"-wal") {
		t.Errorf("refusal does not name the -wal: %v", err)
	}
	// Reads say so too, rather than show a past that no longer exists.
	if _, err := dash.OpenIncidents(ctx); !errors.Is(err, ErrFileChanged) {
		t.Errorf("read after the sidecars vanished: want ErrFileChanged, got %v", err)
	}
	runOtherWriter(t, path, "from the CLI 2")
	if err := dash.Close(); err != nil {
		t.Fatal(err)
	}

	titles := otherTitles(t, path)
	for _, want := range []string{"from the CLI 1", "from the CLI 2"} {
		if !strings.Contains(titles, want) {
			t.Errorf("acknowledged write %q lost; open incidents: %s", want, titles)
		}
	}
	if strings.Contains(titles, "from the dashboard") {
		t.Errorf("a refused write was stored: %s", titles)
	}
}

func TestWriteRefusedAfterFileDeletedOrReplaced(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		under func(t *testing.T, path string)
	}{
		{"deleted", func(t *testing.T, path string) {
			for _, ext := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(path + ext); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"replaced by a copy", func(t *testing.T, path string) {
			other := tempDB(t)
			s := openStore(t, other)
			s.Close()
			if err := os.Rename(other, path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tempDB(t)
			s := openStore(t, path)
			d, items := startTestDeployment(t, s)
			tc.under(t, path)
			_, err := s.SetItemState(ctx, items[0].ID, model.ItemTodo, model.ItemDone, "", "alice", t0)
			assertChanged(t, err, path)
			if !strings.Contains(err.Error(), "the database file "+path+" was replaced or deleted") {
				t.Errorf("refusal does not name the database file: %v", err)
			}
			// Sticky: a file that changed does not become right again.
			_, err = s.StartExecution(ctx, d.ID, "alice", t0, true)
			assertChanged(t, err, path)
		})
	}
}

// damagedDB writes a database of several hundred pages, closed (so the WAL
// is checkpointed into the file), for tests to damage.
func damagedDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := tempDB(t)
	s := openStore(t, path)
	for i := range 40 {
		_, items := startTestDeployment(t, s)
		for _, it := range items {
			if _, err := s.SetItemNote(ctx, it.ID, model.NoteSeen{}, fmt.Sprint(i)+strings.Repeat("x", 400), "alice", t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func truncateTo(t *testing.T, path string, frac float64, offPage bool) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(float64(fi.Size())*frac) / 4096 * 4096
	if offPage {
		n += 1000
	}
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

// Defect 5: a database truncated beyond its first pages opened and was
// written. Open now checks it when the file may be damaged.
func TestOpenRefusesTruncatedFile(t *testing.T) {
	sqliteOnly(t)
	for _, offPage := range []bool{false, true} {
		t.Run(fmt.Sprintf("off a page boundary %v", offPage), func(t *testing.T) {
			path := damagedDB(t)
			truncateTo(t, path, 0.995, offPage)
			before, _ := os.ReadFile(path)
			_, err := Open(context.Background(), path, Options{})
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("Open of a truncated file: want ErrDamaged, got %v", err)
			}
			assertFileError(t, err, path)
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("the damaged file was modified")
			}
		})
	}
}

// wreckIndex overwrites the root page of an index with garbage. VACUUM
// INTO never reads an index (it rebuilds them from the tables), so before
// quick_check guarded it a backup of this file "succeeded".
func wreckIndex(t *testing.T, path string) {
	t.Helper()
	db := rawDB(t, path)
	var root, pageSize int64
	if err := db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY rootpage DESC LIMIT 1`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := []byte(strings.Repeat("\x0d\xff", int(pageSize)/2))
	if _, err := f.WriteAt(junk, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

// Backup checks the source and refuses damage; after that the store
// refuses writes too.
func TestBackupRefusesDamagedSource(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := damagedDB(t)
	wreckIndex(t, path)
	s := openStore(t, path) // the file's length is right: opening does not check
	dest := path + ".bak"
	err := s.Backup(ctx, dest)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Backup of a damaged database: want ErrDamaged, got %v", err)
	}
	if !strings.Contains(err.Error(), "restore it from a backup") {
		t.Errorf("refusal gives no way out: %v", err)
	}
	if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a backup of damage was written: %v", err)
	}
	_, err = s.OpenIncident(ctx, model.NewIncident{Title: "x", Severity: model.SEV3}, "alice", t0)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("write after damage was known: want ErrDamaged, got %v", err)
	}
}

func TestCheckCopyRefusesDamage(t *testing.T) {
	sqliteOnly(t)
	path := damagedDB(t)
	if err := checkCopy(context.Background(), path); err != nil {
		t.Fatalf("healthy copy refused: %v", err)
	}
	truncateTo(t, path, 0.6, false)
	if err := checkCopy(context.Background(), path); err == nil {
		t.Fatal("a damaged copy passed")
	}
}

// The change feed reports a replaced file once, so a dashboard reloads and
// shows the refusal without waiting for a keypress.
func TestWatcherReportsFileChangedOnce(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := tempDB(t)
	s := openStore(t, path)
	w, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if changed, err := w.Changed(ctx); err != nil || changed {
		t.Fatalf("before: changed %v, err %v", changed, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false} {
		if changed, err := w.Changed(ctx); err != nil || changed != want {
			t.Fatalf("poll %d after the delete: changed %v, err %v; want %v", i, changed, err, want)
		}
	}
	if _, err := s.ActiveDeployments(ctx); !errors.Is(err, ErrFileChanged) {
		t.Fatalf("the reload: want ErrFileChanged, got %v", err)
	}
	// A connection the pool opens now must not create a new empty file
	// where the database was.
	var conns []*sql.Conn
	for range 3 { // the watcher holds the fourth
		c, err := s.db.Conn(ctx)
		if err != nil {
			break
		}
		conns = append(conns, c)
		_ = c.PingContext(ctx)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new file appeared at %s: %v", path, err)
	}
}
