// Package data keeps flightdeck's state in one SQLite file (modernc.org/sqlite,
// no cgo). Methods take a context first and return model types; every write is
// one BEGIN IMMEDIATE transaction that also appends its timeline event, and is
// absolute and idempotent (set an item to a state, not toggle it).
package data

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the SQLite driver; stmtcache.go registers the store's wrapper of it

	"github.com/octoacme/flightdeck/model"
)

// Options change how Open treats the file.
type Options struct {
	// ReadOnly opens an existing, up-to-date database without ever writing
	// to it: no file or directory is created and nothing is migrated.
	ReadOnly bool
	// MustExist refuses a path with no database file instead of creating
	// one: a command that only reads must not answer "nothing here" from
	// a new empty file made at a mistyped --db.
	MustExist bool
	// ReadOnlyIfNeeded opens the file read-only when this user cannot
	// write it or its directory, instead of refusing: for commands that
	// only read.
	ReadOnlyIfNeeded bool
	// RollbackRule decides when the error rate meets the rollback criteria
	// wherever the store evaluates them (promote, finish, health readings).
	// The zero value is the default: more than 5 points above baseline.
	RollbackRule model.RollbackRule
	// Policy is the escalation ladder the store validates steps against and
	// resolves "the next step" with. No steps means model.DefaultPolicy.
	Policy model.EscalationPolicy
	// Plans are the rollout plans a deployment's rollout starts with, by
	// strategy; a strategy missing here gets model.DefaultPlan. A running
	// rollout keeps the plan it started with (it is stored with it).
	Plans map[model.Strategy]model.Plan
	// HealthMaxAge is how old the latest health reading may be when a stage
	// is promoted or finished without a reason. Zero means
	// model.DefaultHealthMaxAge.
	HealthMaxAge time.Duration
	// BusyTimeout is how long a statement waits for a lock another
	// connection (often another process) holds before failing with a "busy"
	// error that says nothing was changed. Zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// HandOn is for a file that is handed on alone once this store has
	// written it (a backup's copy): the last connection to close deletes
	// the -wal and -shm, as SQLite does by default, instead of leaving them
	// empty for the next process (see keepWAL).
	HandOn bool
}

// Store is an open flightdeck database. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	eng      engine // SQLite or PostgreSQL: what differs is in engine.go
	path     string // the file, or the PostgreSQL DSN without its password
	dsn      string // PostgreSQL: the DSN as given (see DSN)
	readOnly bool
	busy     time.Duration // Options.BusyTimeout
	// pgConfig is how to reach the PostgreSQL server (nil for SQLite): the
	// change feed opens its own connection with it.
	pgConfig *pgx.ConnConfig
	// reach says since when the server has been unreachable (PostgreSQL).
	reach *reachability
	rule  model.RollbackRule
	// healthMaxAge: see Options.HealthMaxAge.
	healthMaxAge time.Duration
	pol          model.EscalationPolicy
	plans        map[model.Strategy]model.Plan
	now          func() time.Time // export timestamps and backdated notes; see WithClock

	closer *closer     // shared with the views WithClock returns
	guard  *fileGuard  // shared too: which files were opened, damage seen
	queue  *writeQueue // SQLite: how writers take turns (writelock.go)
}

// closer closes the connections once, however many views share them.
type closer struct {
	once    sync.Once
	err     error
	release func(keepFD bool) // the file's claim (claimFile)
}

// Rule is the rollback rule in force (Options.RollbackRule, or the default),
// so every screen quotes the rule that actually decided.
func (s *Store) Rule() model.RollbackRule { return s.rule }

// Policy is the escalation policy in force (Options.Policy, or the seed's).
func (s *Store) Policy() model.EscalationPolicy { return s.pol }

// plan is the plan a new rollout of strategy st starts with.
func (s *Store) plan(st model.Strategy) model.Plan {
	if p, ok := s.plans[st]; ok {
		return p
	}
	return model.DefaultPlan(st)
}

// Path is the absolute path of the database file, or for PostgreSQL the
// DSN without its password.
func (s *Store) Path() string { return s.path }

// DSN is what the store was opened with — for PostgreSQL including any
// password it holds — for a child process that must reach the same database
// (the notify command's FLIGHTDECK_DB). Never print it: Path is the form
// for people.
func (s *Store) DSN() string {
	if s.dsn != "" {
		return s.dsn
	}
	return s.path
}

// Engine is "SQLite" or "PostgreSQL".
func (s *Store) Engine() string { return s.eng.String() }

// Close closes every connection. Closing twice is harmless.
func (s *Store) Close() error {
	c := s.closer
	c.once.Do(func() {
		if s.guard.check() != nil {
			// Closing the last connection checkpoints the -wal into the
			// main file. With the sidecars deleted or replaced, the -wal
			// this process holds is not the one other processes write:
			// copying its pages into the file would overwrite their
			// commits. The connections are abandoned instead; the process
			// is about to exit (or restart, as the refusal told it to).
			// Their locks stay too: the claim keeps its descriptor open.
			c.release(true)
			return
		}
		c.err = s.db.Close()
		// Only after the connections are gone may another Open in this
		// process read the file header (see claimFile).
		c.release(false)
	})
	return c.err
}

// WithClock returns the store as seen by a writer whose clock is now: the
// same database, connections and options, but "the time it is" — which
// marks a note backdated (model.TextIncidentNote) and stamps an export —
// comes from now instead of time.Now. It is for replaying a history on its
// own clock (the demo's live scenario) and for tests. Closing either store
// closes both.
func (s *Store) WithClock(now func() time.Time) *Store {
	v := *s
	v.now = now
	return &v
}

// Open opens the database at path, creating and migrating it when needed
// (unless opt.ReadOnly). Every problem with the file surfaces here as a
// one-line error that names the path and what to do.
//
// A postgres:// or postgresql:// DSN opens a PostgreSQL database instead
// (the password from the DSN, PGPASSWORD or ~/.pgpass); "sqlite:PATH" names
// a file explicitly.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("no database path given: pass --db PATH")
	}
	path = trimSQLitePrefix(path)
	rule := opt.RollbackRule
	if rule == (model.RollbackRule{}) {
		rule = model.DefaultRollbackRule()
	} else if rule.Kind == "" {
		rule.Kind = model.RuleKindPoints // as the model reads an empty kind
	}
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	pol := opt.Policy
	if len(pol.Steps) == 0 {
		pol = model.DefaultPolicy()
	}
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	for st, p := range opt.Plans {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("rollout plan for %s: %w", st, err)
		}
	}
	maxAge := opt.HealthMaxAge
	if maxAge <= 0 {
		maxAge = model.DefaultHealthMaxAge
	}
	if IsPostgresDSN(path) {
		return openPostgres(ctx, path, opt, &Store{rule: rule, healthMaxAge: maxAge, pol: pol, plans: maps.Clone(opt.Plans), now: time.Now, reach: &reachability{}})
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve database path %q: %w", path, err)
	}
	if opt.MustExist {
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s — check --db, or run a command that creates it (flightdeck deploy start …)", abs)
		}
	}
	if opt.ReadOnlyIfNeeded && !opt.ReadOnly && (!canWrite(abs) || !canWrite(filepath.Dir(abs))) {
		opt.ReadOnly = true
	}
	if err := prepareFile(abs, opt.ReadOnly); err != nil {
		return nil, err
	}
	cl, err := claimFile(abs)
	if err != nil {
		return nil, err
	}
	busy := opt.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	drv := sqliteDriverName
	if opt.HandOn {
		drv = sqliteHandOnDriverName
	}
	db, err := sql.Open(drv, dsn(abs, opt.ReadOnly, unsharable(abs, opt.ReadOnly), busy))
	if err != nil {
		cl.release(false)
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	// Bounded pool (one connection may be pinned by a change watcher), and no
	// churn: every new connection re-runs the DSN pragmas.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)

	s := &Store{db: db, reach: &reachability{}, path: abs, readOnly: opt.ReadOnly, busy: busy, rule: rule, healthMaxAge: maxAge, pol: pol, plans: maps.Clone(opt.Plans), now: time.Now,
		queue: cl.queue, closer: &closer{release: cl.release}, guard: &fileGuard{path: abs}}
	if err := s.init(ctx, cl.suspect); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// init reads page 1 and the schema, so a damaged or foreign file fails here
// rather than on the first keypress, then migrates. On a file that is up to
// date that is one query (readState) on the connection the command goes on
// to use: no ping, no second look at the journal mode.
func (s *Store) init(ctx context.Context, suspect bool) error {
	// Before migrate, which would write into the damage.
	if suspect {
		if err := s.IntegrityCheck(ctx); err != nil {
			return err
		}
	}
	wal, err := migrate(ctx, s.db, s.path, s.readOnly)
	if err != nil {
		return mapError(s.path, err)
	}
	return s.guard.record(wal)
}

// DefaultBusyTimeout is how long a connection waits for another's lock
// unless Options.BusyTimeout says otherwise; it is in the DSN as
// _busy_timeout, so SQLite retries (with back-off) for that long before a
// write fails. A write normally holds the lock for a millisecond or two.
const DefaultBusyTimeout = 10 * time.Second

// busyTimeout bounds the retries flightdeck does itself (switching to WAL).
const busyTimeout = DefaultBusyTimeout

// dsn builds the driver name. Per-connection pragmas must live here, not in
// db.Exec, or they would reach only one pooled connection (pitfalls D22).
//
// journal_mode=WAL is deliberately absent: it is persistent in the file, and
// asking for it here would convert a foreign SQLite file before migrate could
// refuse it. migrate sets it once the file is known to be ours.
func dsn(path string, readOnly, immutable bool, busy time.Duration) string {
	q := []string{
		"_busy_timeout=" + strconv.FormatInt(max(busy.Milliseconds(), 1), 10),
		"_synchronous=FULL", // WAL + NORMAL can lose the last commits on power loss
		"_foreign_keys=1",
		"_pragma=journal_size_limit(67108864)",
		"_txlock=immediate", // writers take the lock at BEGIN; no BUSY_SNAPSHOT upgrades
		"_time_format=sqlite",
	}
	if readOnly {
		// mode=ro never creates the file and fails every write; query_only
		// is a second guard inside SQLite.
		q = append(q, "mode=ro", "_pragma=query_only(1)")
		if immutable {
			q = append(q, "immutable=1")
		}
	} else {
		// prepareFile created the file; a connection the pool opens later
		// must never create a new empty one where the file was deleted.
		q = append(q, "mode=rw")
	}
	// The driver splits the name at the first '?', and SQLite decodes %XX in
	// a file: URI, so '?', '#', '%' and spaces in the path must be escaped.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join(q, "&")
}

// unsharable reports whether a read-only open must read the file as
// immutable: SQLite's WAL mode needs a -shm file beside the database, and a
// reader who may not write the directory cannot create one (it fails with
// "readonly, cannot init"). When neither -wal nor -shm exists, no process
// has the database open in WAL mode and every commit is in the file, so
// reading it as immutable sees exactly the committed state. A process that
// starts writing later is not seen by this reader: fine for a command that
// reads once, and the reason a writable directory is still preferred.
func unsharable(path string, readOnly bool) bool {
	if !readOnly || canWrite(filepath.Dir(path)) {
		return false
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(path + side); err == nil {
			return false
		}
	}
	return true
}

// prepareFile checks (and for the default location creates) the directory,
// and creates a missing database file with mode 0600. It never truncates or
// rewrites an existing file and never changes an existing directory.
func prepareFile(path string, readOnly bool) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if readOnly {
			return fmt.Errorf("%s does not exist (its directory %s is missing): run flightdeck once without --read-only to create it", path, dir)
		}
		if !isDefaultPath(path) {
			return fmt.Errorf("directory %s does not exist: create it (mkdir -p %s) or pass another --db path", dir, dir)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create directory %s: %s", dir, cause(err))
		}
	case err != nil:
		return fmt.Errorf("cannot reach directory %s: %s", dir, cause(err))
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory: pass another --db path", dir)
	}

	fi, err = os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if readOnly {
			return fmt.Errorf("%s does not exist: run flightdeck once without --read-only to create it", path)
		}
		// O_EXCL: if another process creates it first we use theirs.
		f, cerr := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if cerr == nil {
			return f.Close()
		}
		if !errors.Is(cerr, fs.ErrExist) {
			return fmt.Errorf("cannot create %s: %s", path, cause(cerr))
		}
		fi, err = os.Stat(path)
	}
	switch {
	case err != nil:
		return fmt.Errorf("cannot reach %s: %s", path, cause(err))
	case fi.IsDir():
		return fmt.Errorf("%s is a directory: pass the path of a database file", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file; flightdeck will not touch it", path)
	}
	if !readOnly {
		if !canWrite(path) {
			return fmt.Errorf("%s is read-only for you: make it writable (chmod u+w %s) or open it with --read-only", path, path)
		}
		if !canWrite(dir) {
			return fmt.Errorf("cannot write in %s, where SQLite keeps %s-wal and -shm: make the directory writable or open the database with --read-only", dir, filepath.Base(path))
		}
	}
	return nil
}

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// openFiles tracks the database files this process has open. POSIX locks
// belong to the (process, inode) pair, so closing any descriptor of the file
// drops the locks SQLite holds through its own descriptors (pitfalls D28).
// The header is therefore read only while no Store of this process has the
// file open, and the check and the claim happen under one mutex; the
// descriptor it was read through stays open, for the write queue's lock,
// until the last Store of this process on the file has closed its
// connections.
var openFiles struct {
	sync.Mutex
	files []*openFile
}

type openFile struct {
	info  os.FileInfo
	refs  int
	queue *writeQueue
}

// claim is a Store's registration of its file.
type claim struct {
	queue *writeQueue
	// suspect: the header or the length looks damaged (suspectHeader), so
	// Open pays for a quick_check. It is decided from the same read as the
	// header check.
	suspect bool
	of      *openFile
	once    sync.Once
}

// release undoes the registration. keepFD leaves the descriptor open when
// it was the last: for connections abandoned rather than closed, whose
// locks must not go with it.
func (c *claim) release(keepFD bool) { c.once.Do(func() { unclaim(c.of, keepFD) }) }

// claimFile checks the header of a file no Store of this process has open
// yet and registers it.
func claimFile(path string) (*claim, error) {
	openFiles.Lock()
	defer openFiles.Unlock()
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %s", path, cause(err))
	}
	var of *openFile
	for _, f := range openFiles.files {
		if os.SameFile(f.info, fi) {
			of = f
			break
		}
	}
	suspect := false
	if of == nil {
		// Read-write if it may be: the write queue's lock needs it.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		lockable := err == nil
		if !lockable {
			f, err = os.Open(path)
		}
		if err != nil && fi.Size() > 0 {
			return nil, fmt.Errorf("cannot read %s: %s: check its permissions", path, cause(err))
		}
		// (An empty file this user cannot read: SQLite says so next.)
		if fi.Size() > 0 {
			if suspect, err = checkHeader(path, f); err != nil {
				f.Close()
				return nil, err
			}
		}
		if !lockable && f != nil {
			f.Close() // no Store of this process has the file open yet
			f = nil
		}
		of = &openFile{info: fi, queue: newWriteQueue(f)}
		openFiles.files = append(openFiles.files, of)
	}
	of.refs++
	return &claim{queue: of.queue, suspect: suspect, of: of}, nil
}

func unclaim(of *openFile, keepFD bool) {
	openFiles.Lock()
	defer openFiles.Unlock()
	of.refs--
	if of.refs > 0 {
		return
	}
	for i, f := range openFiles.files {
		if f == of {
			openFiles.files = append(openFiles.files[:i], openFiles.files[i+1:]...)
			break
		}
	}
	if of.queue.fd != nil && !keepFD {
		_ = of.queue.fd.Close()
	}
}

// checkHeader refuses a non-empty file that does not start like a SQLite
// database, before SQLite could ever write to it, and reports whether its
// header and length look damaged (suspectHeader) when nothing explains it
// (walAhead).
func checkHeader(path string, f *os.File) (suspect bool, err error) {
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("cannot read %s: %s", path, cause(err))
	}
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("cannot read %s: %s", path, cause(err))
	}
	if !bytes.HasPrefix(h[:n], sqliteHeader) {
		return false, errors.New(notSQLiteMessage(path))
	}
	return suspectHeader(h[:n], fi.Size()) && !walAhead(path), nil
}

// walAhead reports whether the database at path is in WAL mode with
// commits its file does not hold yet, so that its header may say it has
// more pages than the file: a checkpoint that cannot copy every frame (a
// reader still needs the older pages) copies each page's latest frame it
// may, and skips the others — page 1, which holds the number of pages, can
// be copied while a page that grew the file is skipped because it changed
// again later. Under a few busy writers that is the usual state of the
// file, and taking it for damage cost every Open a quick_check of the whole
// database (seconds at a year of history) in a read transaction that kept
// the next checkpoints from finishing.
//
// It reads the WAL index's header from the -shm, as SQLite does before it
// takes a lock: two copies that must agree, then how many frames the WAL
// holds (mxFrame) and how many are in the database file (nBackfill). A
// file with no -wal or -shm, or whose every frame is copied, must be
// as long as its header says; a truncated database whose WAL is behind is
// checked by the next Open after a checkpoint catches up. It opens and
// closes a descriptor of the -shm, which drops any POSIX lock this process
// holds on it (pitfalls D28): call it only while no Store of this process
// has the file open (claimFile).
func walAhead(path string) bool {
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		return false
	}
	f, err := os.Open(path + "-shm")
	if err != nil {
		return false
	}
	defer f.Close()
	// WalIndexHdr (48 bytes, twice, in the machine's byte order): isInit at
	// 12, mxFrame at 16; then WalCkptInfo: nBackfill at 96. The copies
	// differ for the moment a commit rewrites them: read again.
	var h [136]byte
	for range 3 {
		if _, err := f.ReadAt(h[:], 0); err != nil {
			return false
		}
		if bytes.Equal(h[0:48], h[48:96]) && h[12] != 0 {
			mxFrame := binary.NativeEndian.Uint32(h[16:20])
			nBackfill := binary.NativeEndian.Uint32(h[96:100])
			return mxFrame > nBackfill
		}
	}
	return false
}

// cause drops the operation and path that *fs.PathError repeats, since our
// messages name the path already.
func cause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
