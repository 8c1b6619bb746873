package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestDefaultPathCreatesPrivateFileAndDirs(t *testing.T) {
	xdgHome := filepath.Join(t.TempDir(), "xdg", "data")
	t.Setenv("XDG_DATA_HOME", xdgHome)
	t.Setenv("FLIGHTDECK_DB", "")
	path, err := ResolvePath("")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(xdgHome, "flightdeck", "flightdeck.db"); path != want {
		t.Fatalf("ResolvePath(\"\") = %s, want %s", path, want)
	}
	s := openStore(t, path)
	if s.Path() != path {
		t.Errorf("Path() = %s, want %s", s.Path(), path)
	}
	assertMode(t, path, 0o600)
	for _, d := range []string{filepath.Dir(path), xdgHome, filepath.Dir(xdgHome)} {
		assertMode(t, d, fs.ModeDir|0o700)
	}
	// SQLite gives its -wal and -shm the database's permissions.
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(path + suffix); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %v, want no group/other access", suffix, fi.Mode())
		}
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != want {
		t.Errorf("%s mode = %v, want %v", path, got, want)
	}
}

func TestResolvePathPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv("FLIGHTDECK_DB", filepath.Join(dir, "env.db"))
	if got, _ := ResolvePath(filepath.Join(dir, "flag.db")); got != filepath.Join(dir, "flag.db") {
		t.Errorf("flag: got %s", got)
	}
	if got, _ := ResolvePath(""); got != filepath.Join(dir, "env.db") {
		t.Errorf("env: got %s", got)
	}
	t.Setenv("FLIGHTDECK_DB", "")
	if got, _ := ResolvePath(""); got != filepath.Join(dir, "flightdeck", "flightdeck.db") {
		t.Errorf("default: got %s", got)
	}
	t.Setenv("HOME", dir)
	if got, _ := ResolvePath("~/x.db"); got != filepath.Join(dir, "x.db") {
		t.Errorf("tilde: got %s", got)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := tempDB(t)
	s := openStore(t, path)
	d, items := startTestDeployment(t, s)
	if _, err := s.SetItemState(context.Background(), items[0].ID, "", "done", "", "alice", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s2 := openStore(t, path)
	got, err := s2.Deployment(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("after reopen got %+v, want %+v", got, d)
	}
	items2, _, err := s2.Checklist(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if items2[0].State != "done" || items2[0].By != "alice" || !items2[0].At.Equal(t0) {
		t.Errorf("item after reopen: %+v", items2[0])
	}
}

func TestPragmasOnEveryPooledConnection(t *testing.T) {
	sqliteOnly(t)
	s := newStore(t)
	ctx := context.Background()
	// Hold all four connections at once so each is a distinct one.
	for i := 0; i < 4; i++ {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		want := map[string]string{
			"busy_timeout":       "10000",
			"foreign_keys":       "1",
			"synchronous":        "2", // FULL
			"journal_mode":       "wal",
			"journal_size_limit": "67108864",
			"query_only":         "0",
		}
		for name, w := range want {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil {
				t.Fatalf("conn %d PRAGMA %s: %v", i, name, err)
			}
			if got != w {
				t.Errorf("conn %d: PRAGMA %s = %s, want %s", i, name, got, w)
			}
		}
		var uv, app int64
		if err := c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&uv); err != nil || uv != SchemaVersion {
			t.Errorf("user_version = %d (%v), want %d", uv, err, SchemaVersion)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil || app != applicationID {
			t.Errorf("application_id = %#x (%v)", app, err)
		}
	}
	if n := s.db.Stats().OpenConnections; n != 4 {
		t.Errorf("open connections = %d, want 4", n)
	}
}

func TestPathWithURISpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x?.db")
	s := openStore(t, path)
	startTestDeployment(t, s)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the escaped path: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("stray files next to the directory: %v", entries)
	}
}

func TestMissingDirectoryIsNotCreatedForExplicitPath(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	dir := filepath.Join(t.TempDir(), "missing")
	path := filepath.Join(dir, "x.db")
	_, err := Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), "directory "+dir+" does not exist") {
		t.Fatalf("err = %v, want it to name the missing directory", err)
	}
	assertOneLine(t, err)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("directory was created: %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	s := openStore(t, path)
	s.Close()
	raw := rawDB(t, path)
	if _, err := raw.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, ro := range []bool{false, true} {
		_, err := Open(context.Background(), path, Options{ReadOnly: ro})
		want := fmt.Sprintf("%s was written by a newer flightdeck (schema 99; this one knows %d): upgrade flightdeck", path, SchemaVersion)
		if err == nil || err.Error() != want {
			t.Errorf("ReadOnly=%v: err = %v, want %q", ro, err, want)
		}
	}
}

func TestRefusesForeignSQLiteUnchanged(t *testing.T) {
	sqliteOnly(t)
	for name, setup := range map[string]string{
		"other application_id": "PRAGMA application_id = 42; CREATE TABLE t (x)",
		"tables without mark":  "CREATE TABLE notes (body TEXT)",
	} {
		t.Run(name, func(t *testing.T) {
			path := tempDB(t)
			raw := rawDB(t, path)
			if _, err := raw.Exec(setup); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			before, _ := os.ReadFile(path)
			_, err := Open(context.Background(), path, Options{})
			if err == nil || !strings.Contains(err.Error(), "another program") || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the foreign database was modified (journal mode or schema)")
			}
		})
	}
}

func TestRefusesNonSQLiteFileUntouched(t *testing.T) {
	sqliteOnly(t)
	path := tempDB(t)
	content := []byte("# my notes\nthis is not a database, please keep it\n")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		_, err := Open(context.Background(), path, Options{ReadOnly: ro})
		want := path + " is not a SQLite database (was it written by another program?); flightdeck will not touch it"
		if err == nil || err.Error() != want {
			t.Errorf("ReadOnly=%v: err = %v, want %q", ro, err, want)
		}
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, content) {
		t.Errorf("file changed: %q", got)
	}
	assertMode(t, path, 0o644)
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("%s created next to a foreign file", suffix)
		}
	}
}

func TestRefusesCorruptFile(t *testing.T) {
	sqliteOnly(t)
	t.Run("header then garbage", func(t *testing.T) {
		path := tempDB(t)
		garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 2048)
		content := append([]byte("SQLite format 3\x00"), garbage...)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), path, Options{})
		assertFileError(t, err, path)
		if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
			t.Error("corrupt file was modified")
		}
	})
	t.Run("damaged schema page", func(t *testing.T) {
		path := tempDB(t)
		s := openStore(t, path)
		startTestDeployment(t, s)
		s.Close() // the last connection checkpoints the WAL into the file
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Keep the 100-byte file header; wreck the sqlite_schema b-tree after it.
		for i := 100; i < 4096 && i < len(b); i++ {
			b[i] = 0xff
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = Open(context.Background(), path, Options{})
		assertFileError(t, err, path)
		var de *DBError
		if !errors.As(err, &de) || de.Code != 11 {
			t.Errorf("want a DBError with SQLITE_CORRUPT, got %#v", err)
		}
	})
}

func assertFileError(t *testing.T, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatal("Open succeeded on a broken file")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name the file: %v", err)
	}
	assertOneLine(t, err)
}

func assertOneLine(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

func TestReadOnlyFileRefusedAtOpen(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write any file; the mapping is covered by TestMapError")
	}
	path := tempDB(t)
	s := openStore(t, path)
	s.Close()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), "is read-only for you") {
		t.Fatalf("err = %v", err)
	}
	assertOneLine(t, err)
	// --read-only still works on it.
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a read-only file: %v", err)
	}
	ro.Close()
}

func TestReadOnlyStore(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := tempDB(t)

	_, err := Open(ctx, path, Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "without --read-only") {
		t.Fatalf("read-only open of a missing file: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("read-only open created the file")
	}

	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "run flightdeck once without --read-only") {
		t.Fatalf("read-only open of an empty file: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatal("read-only open wrote to the file")
	}

	s := openStore(t, path)
	d, items := startTestDeployment(t, s)

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.Deployment(ctx, d.ID); err != nil || got.ID != d.ID {
		t.Fatalf("read through read-only store: %v", err)
	}
	if _, err := ro.SetItemState(ctx, items[0].ID, "", "done", "", "bob", t0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("write on read-only store: err = %v, want ErrReadOnly", err)
	}
	if _, err := ro.db.ExecContext(ctx, "UPDATE deployments SET service = 'x'"); err == nil {
		t.Error("raw write succeeded on a read-only connection")
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	path := tempDB(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), path, Options{})
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("%v (%#v)", err, errors.Unwrap(err))
		}
	}
	startTestDeployment(t, openStore(t, path))
}

func TestMigrationsMatchSchemaVersion(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != SchemaVersion {
		t.Fatalf("%d migrations, SchemaVersion %d", len(ms), SchemaVersion)
	}
}
