package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/octoacme/flightdeck/data/pgtest"
	"github.com/octoacme/flightdeck/model"
)

func TestRewritePlaceholders(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT * FROM t WHERE a = ? AND b = ?`, `SELECT * FROM t WHERE a = $1 AND b = $2`},
		{`WHERE a >= ?1 AND a < ?2 OR b = ?1`, `WHERE a >= $1 AND a < $2 OR b = $1`},
		{`WHERE a = ?2 AND b = ?`, `WHERE a = $2 AND b = $3`}, // SQLite: a bare ? is one past the largest so far
		{`SELECT '?', "a?b", ? -- what?` + "\n" + `, ?`, `SELECT '?', "a?b", $1 -- what?` + "\n" + `, $2`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`/* ? */ SELECT ?`, `/* ? */ SELECT $1`},
		{`LIKE ? ESCAPE '\'`, `LIKE $1 ESCAPE '\'`},
		{`VALUES (?,?),(?,?)`, `VALUES ($1,$2),($3,$4)`},
		{`SELECT '`, `SELECT '`}, // unterminated: left as is, the server reports it
	} {
		if got := rewritePlaceholders(c.in); got != c.want {
			t.Errorf("rewritePlaceholders(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://alice:s3cret@db.internal:5432/flightdeck?sslmode=require", "postgres://alice:xxxxx@db.internal:5432/flightdeck?sslmode=require"},
		{"postgres://alice@db.internal/flightdeck", "postgres://alice@db.internal/flightdeck"},
		{"postgresql://db/flightdeck?password=s3cret&user=bob", "postgresql://db/flightdeck?password=xxxxx&user=bob"},
		{"host=db user=bob password=s3cret dbname=fd", "host=db user=bob password=xxxxx dbname=fd"},
		{"host=db password='s 3cret' dbname=fd", "host=db password=xxxxx dbname=fd"},
	} {
		got := RedactDSN(c.in)
		if got != c.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(got, "s3cret") || strings.Contains(got, "3cret") {
			t.Errorf("RedactDSN(%q) leaks the password: %q", c.in, got)
		}
	}
	if !IsPostgresDSN(" postgres://x/y") || !IsPostgresDSN("postgresql://x/y") || IsPostgresDSN("/tmp/postgres.db") || IsPostgresDSN("sqlite:/tmp/x.db") {
		t.Error("IsPostgresDSN misclassifies")
	}
}

// TestSQLitePrefixNamesAFile: "sqlite:PATH" is the file at PATH.
func TestSQLitePrefixNamesAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fd.db")
	s, err := Open(context.Background(), "sqlite:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path || s.Engine() != "SQLite" {
		t.Errorf("Path %q Engine %q", s.Path(), s.Engine())
	}
}

// pgDB is a fresh PostgreSQL database for the tests of the engine itself,
// which run in both passes of the suite.
func pgDB(t *testing.T) string {
	t.Helper()
	return pgtest.NewDatabase(t, pgtest.Server(t))
}

func rawPG(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, _, err := pgConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(pgConnector{c: stdlib.GetConnector(*cfg)})
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestPostgresRefusesNewerSchemaAndForeignDatabases(t *testing.T) {
	ctx := context.Background()
	dsn := pgDB(t)
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Engine() != "PostgreSQL" || strings.Contains(s.Path(), pgPassword(t, dsn)) {
		t.Errorf("Engine %q, Path %q", s.Engine(), s.Path())
	}
	s.Close()
	raw := rawPG(t, dsn)
	if _, err := raw.Exec(`UPDATE flightdeck_schema SET version = 99`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dsn, Options{})
	if err == nil || !strings.Contains(err.Error(), "written by a newer flightdeck (schema 99; this one knows") {
		t.Errorf("newer schema: %v", err)
	}

	other := pgDB(t)
	if _, err := rawPG(t, other).Exec(`CREATE TABLE invoices (id bigint)`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, other, Options{})
	if err == nil || !strings.Contains(err.Error(), "already has 1 tables but is not flightdeck's") {
		t.Errorf("foreign database: %v", err)
	}
	var n int
	if err := rawPG(t, other).QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the foreign database was changed: %d tables (%v)", n, err)
	}
}

func pgPassword(t *testing.T, dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password == "" {
		return "\x00no password\x00"
	}
	return cfg.Password
}

func TestPostgresReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn := pgDB(t)
	if _, err := Open(ctx, dsn, Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "is not set up yet") {
		t.Errorf("read-only open of an empty database: %v", err)
	}
	s := openStore(t, dsn)
	startTestDeployment(t, s)
	ro, err := Open(ctx, dsn, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.StartDeployment(ctx, model.NewDeployment{Service: "api", Version: "v2"}, testTemplate(), "bob", t0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("write on a read-only store: %v", err)
	}
	if ds, err := ro.Deployments(ctx, 0); err != nil || len(ds) != 1 {
		t.Errorf("read on a read-only store: %d %v", len(ds), err)
	}
}

// TestPostgresBusyWriteFailsCleanly: a writer that cannot get the write lock
// within the busy timeout is refused with SQLite's wording, nothing changed.
func TestPostgresBusyWriteFailsCleanly(t *testing.T) {
	ctx := context.Background()
	dsn := pgDB(t)
	s, err := Open(ctx, dsn, Options{BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, items := startTestDeployment(t, s)
	holder, err := rawPG(t, dsn).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(writeLockKey)); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "blocked", "alice", t0)
	var de *DBError
	if !errors.As(err, &de) || de.State != "55P03" || !strings.Contains(err.Error(), "is busy (another flightdeck is writing and did not finish in time); nothing was changed") {
		t.Fatalf("write under a held lock: %v", err)
	}
	if waited := time.Since(began); waited < 300*time.Millisecond {
		t.Errorf("gave up after %v, before the busy timeout", waited)
	}
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, int64(writeLockKey)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "free", "alice", t0); err != nil {
		t.Errorf("write after the lock was released: %v", err)
	}
	got, _, _ := s.Checklist(ctx, 1)
	if got[0].Note != "free" {
		t.Errorf("note = %q", got[0].Note)
	}
}

// TestPostgresWritersSerialise: the rules that read then write hold with
// many writers at once, as under SQLite's single writer — here the freeze:
// two processes opening a SEV1 and starting a deployment at once never
// both win (the start must see the freeze or come before it).
func TestPostgresWritersSerialise(t *testing.T) {
	ctx := context.Background()
	dsn := pgDB(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	const rounds = 20
	for i := range rounds {
		var wg sync.WaitGroup
		var incErr, depErr error
		wg.Go(func() {
			_, incErr = a.OpenIncident(ctx, model.NewIncident{Title: fmt.Sprintf("outage %d", i), Severity: model.SEV1}, "alice", t0.Add(time.Duration(i)*time.Minute))
		})
		wg.Go(func() {
			_, depErr = b.StartDeployment(ctx, model.NewDeployment{Service: fmt.Sprintf("svc%d", i), Version: "v1"}, testTemplate(), "bob", t0.Add(time.Duration(i)*time.Minute))
		})
		wg.Wait()
		if incErr != nil {
			t.Fatal(incErr)
		}
		// Either order is fine; what must not happen is a start that read
		// "no freeze" after the SEV1 committed.
		if depErr == nil {
			// The deployment's start event must precede the incident's.
			evs, err := a.Events(ctx, EventFilter{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var started, opened int64
			for _, e := range evs {
				switch {
				case e.Kind == model.EventDeployStarted && strings.Contains(e.Text, fmt.Sprintf("svc%d ", i)):
					started = e.ID
				case e.Kind == model.EventIncidentOpened && strings.Contains(e.Text, fmt.Sprintf("outage %d", i)):
					opened = e.ID
				}
			}
			if started == 0 || opened == 0 || started > opened {
				t.Fatalf("round %d: a deployment started after the SEV1 froze deployments (events %d, %d)", i, started, opened)
			}
		}
		// Resolve so the next round starts unfrozen.
		incs, err := a.OpenIncidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range incs {
			if err := a.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "root cause", "alice", t0.Add(time.Duration(i)*time.Minute+time.Second)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Ids stay gap-free: INC-1 … INC-20.
	incs, err := a.Incidents(ctx, 0)
	if err != nil || len(incs) != rounds || incs[0].ID != rounds || incs[rounds-1].ID != 1 {
		t.Errorf("incidents: %d, %v", len(incs), err)
	}
}

// TestPostgresConcurrentFirstOpen: several processes starting at once on an
// empty database all end on the same schema; one migrates, the others wait.
func TestPostgresConcurrentFirstOpen(t *testing.T) {
	dsn := pgDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn, Options{})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	var v int
	if err := rawPG(t, dsn).QueryRow(`SELECT version FROM flightdeck_schema`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("schema version %d (%v)", v, err)
	}
}

// TestPostgresWrongPasswordSaysSo: the login failure names the fix and
// never the password.
func TestPostgresWrongPasswordSaysSo(t *testing.T) {
	dsn := pgDB(t)
	bad := strings.Replace(dsn, ":"+pgPassword(t, dsn)+"@", ":not-the-password@", 1)
	if bad == dsn {
		t.Skip("the test server's DSN has no password")
	}
	_, err := Open(context.Background(), bad, Options{})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL refused the login") || strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("wrong password: %v", err)
	}
	missing := strings.Replace(dsn, "/fd_", "/nosuch_fd_", 1)
	_, err = Open(context.Background(), missing, Options{})
	if err == nil || !strings.Contains(err.Error(), "does not exist: create it (createdb nosuch_fd_") {
		t.Errorf("missing database: %v", err)
	}
}

// TestPostgresUnreachableThenBack: with the server stopped, reads and
// writes are refused with "database unreachable since …", nothing is
// changed, the watcher reports the outage; after the restart everything
// works again by itself and the watcher sees a new commit.
func TestPostgresUnreachableThenBack(t *testing.T) {
	ctx := context.Background()
	c := pgtest.StartCluster(t)
	dsn := pgtest.NewDatabase(t, c.DSN())
	s := openStore(t, dsn)
	_, items := startTestDeployment(t, s)
	w, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	c.Stop(t)
	_, err = s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "during the outage", "alice", t0)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "save note: database unreachable since ") ||
		!strings.Contains(err.Error(), ": nothing was changed (127.0.0.1:") {
		t.Fatalf("write while the server is down: %v", err)
	}
	if strings.Contains(err.Error(), pgPassword(t, dsn)) {
		t.Errorf("the message holds the password: %v", err)
	}
	since, _, down := s.Unreachable()
	if !down || time.Since(since) > time.Minute {
		t.Errorf("Unreachable() = %v %v", since, down)
	}
	if _, err := s.Deployments(ctx, 0); !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("read while down: %v", err)
	}
	if ch, err := w.Changed(ctx); err != nil {
		t.Errorf("watcher while down: %v %v", ch, err)
	}

	c.Start(t)
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := s.SetItemNote(ctx, items[0].ID, model.NoteSeen{}, "after the restart", "alice", t0)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
	if _, _, down := s.Unreachable(); down {
		t.Error("still unreachable after a successful write")
	}
	got, _, err := s.Checklist(ctx, 1)
	if err != nil || got[0].Note != "after the restart" {
		t.Fatalf("note %q (%v)", got[0].Note, err)
	}
	// The watcher is LISTENing again: another store's commit reaches it.
	other := openStore(t, dsn)
	for deadline := time.Now().Add(60 * time.Second); ; {
		_, _ = w.Changed(ctx) // drain the reconnect's change
		if _, err := other.SetItemNote(ctx, items[1].ID, model.NoteSeen{}, fmt.Sprint(time.Now().UnixNano()), "bob", t0); err != nil {
			t.Fatal(err)
		}
		seen := false
		for wait := time.Now().Add(2 * time.Second); time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
			if ch, _ := w.Changed(ctx); ch {
				seen = true
				break
			}
		}
		if seen {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watcher never saw a commit after the restart")
		}
	}
}
