package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// A metrics snapshot keeps a database's metrics facts between processes, so
// that `flightdeck metrics` and a dashboard's first M read a year of a large
// history from one file of a few megabytes instead of stepping through
// every deployment and commit of it (at ten times the demo's size, 180,000
// rows: a quarter of a second, nearly all of it SQLite's own work).
//
// It is a cache in the user's cache directory
// ($XDG_CACHE_HOME/flightdeck/metrics/, one file per database), never the
// truth: a process that reads it first checks, in the same transaction as
// everything else it reads, that the database still has the history the
// snapshot was made from — the event with the snapshot's last event id
// still there with the same time, kind and text — and then reads what was
// written since exactly as a dashboard's MetricsCache does between two
// presses. A database restored from an older copy, or replaced by another
// at the same path, fails that check and is read in full, as is a snapshot
// that is damaged, of another format, or unreadable. Small histories (fewer
// than snapshotMin facts) read fast enough and get none.

// snapshotMin is the number of facts below which no snapshot is kept: the
// demo year (7,000) reads in tens of milliseconds.
var snapshotMin = 10_000

// snapshotLag is how many events a snapshot may be behind before a call
// that read it keeps a new one (a few milliseconds to read again; writing a
// year at ten times the demo's size is 4 MB).
var snapshotLag int64 = 1000

// snapshotDir is where snapshots live; "" keeps none. Tests move it.
var snapshotDir = func() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "flightdeck", "metrics")
}

// snapshotKeep is how many snapshots the directory keeps (the most recently
// written), so that databases long gone do not pile up.
const snapshotKeep = 16

// snapshotMagic starts every snapshot: change its version when what facts
// hold, or how a row becomes a fact, changes.
const snapshotMagic = "flightdeck metrics facts v1\n"

// snapshotOf names the database a snapshot belongs to: the engine, the
// file or DSN (without password), and the schema (a migration may rewrite
// rows without an event).
func (s *Store) snapshotOf() string {
	return s.eng.String() + "\x00" + s.path + "\x00" + strconv.Itoa(SchemaVersion)
}

// snapshotPath is the file of this database's snapshot, or "".
func (s *Store) snapshotPath() string {
	dir := snapshotDir()
	if dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(s.eng.String() + "\x00" + s.path))
	return filepath.Join(dir, hex.EncodeToString(sum[:12])+".facts")
}

// lineage identifies the history a state was read from: its last event.
type lineage struct {
	at   int64
	kind string
	text uint64 // FNV-1a of the text
}

func readLineage(ctx context.Context, tx *sql.Tx, eventID int64) (lineage, error) {
	if eventID == 0 {
		return lineage{}, nil
	}
	var l lineage
	var text string
	err := tx.QueryRowContext(ctx, `SELECT at, kind, text FROM events WHERE id = ?`, eventID).Scan(&l.at, &l.kind, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return lineage{kind: "\x00gone"}, nil
	}
	if err != nil {
		return l, fmt.Errorf("read event %d: %w", eventID, err)
	}
	h := fnv.New64a()
	h.Write([]byte(text))
	l.text = h.Sum64()
	return l, nil
}

// snapshot is a factState as a file holds it, with the lineage it was read
// from and the database it belongs to.
type snapshot struct {
	st   factState
	line lineage
	db   string
}

// loadSnapshot reads this database's snapshot; ok is false when there is
// none that can be used.
func (s *Store) loadSnapshot() (snap snapshot, ok bool) {
	path := s.snapshotPath()
	if path == "" {
		return snap, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return snap, false
	}
	snap, err = decodeSnapshot(b)
	if err != nil || snap.db != s.snapshotOf() {
		return snapshot{}, false
	}
	return snap, true
}

// saveSnapshotOf saves st with the history it was read from (the event of
// its mark: events are never deleted, so a later read finds the same one),
// unless the snapshot there reaches further back: that one serves more
// windows, and what was written since it is read from the events.
func (s *Store) saveSnapshotOf(ctx context.Context, st factState) {
	path := s.snapshotPath()
	if path == "" || st.facts == nil || len(st.facts.Deploys())+len(st.facts.Incidents()) < snapshotMin {
		return
	}
	if since, ok := peekSnapshot(path, s.snapshotOf()); ok && since < st.since {
		return
	}
	var line lineage
	err := s.read(ctx, "read metrics", func(tx *sql.Tx) (err error) {
		line, err = readLineage(ctx, tx, st.mark.events)
		return err
	})
	if err == nil {
		s.saveSnapshot(st, line)
	}
}

// saveSnapshot writes st, read from history line, as this database's
// snapshot (atomically: a reader sees the old file or the new), unless it
// is too small to need one. A snapshot is a cache: failing to write one
// changes nothing, and is not reported.
func (s *Store) saveSnapshot(st factState, line lineage) {
	path := s.snapshotPath()
	if path == "" || st.facts == nil || len(st.facts.Deploys())+len(st.facts.Incidents()) < snapshotMin {
		return
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".facts-*")
	if err != nil {
		return
	}
	err = writeSnapshot(tmp, snapshot{st: st, line: line, db: s.snapshotOf()})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return
	}
	pruneSnapshots(dir)
}

// pruneSnapshots keeps the snapshotKeep newest snapshots of dir, and
// removes what a process killed while writing one left.
func pruneSnapshots(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		name string
		mod  int64
	}
	var files []file
	for _, e := range entries {
		info, err := e.Info()
		switch {
		case err != nil:
		case strings.HasSuffix(e.Name(), ".facts"):
			files = append(files, file{e.Name(), info.ModTime().UnixNano()})
		case strings.HasPrefix(e.Name(), ".facts-") && time.Since(info.ModTime()) > time.Hour:
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod > files[j].mod })
	for _, f := range files[min(len(files), snapshotKeep):] {
		_ = os.Remove(filepath.Join(dir, f.name))
	}
}

// peekSnapshot reads how far back the snapshot at path for database db
// reaches, from its first bytes only (the whole file is checked when read).
func peekSnapshot(path, db string) (since int64, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	head := make([]byte, len(snapshotMagic)+binary.MaxVarintLen64+len(db)+8)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.HasPrefix(head, []byte(snapshotMagic)) {
		return 0, false
	}
	r := snapReader{b: head[len(snapshotMagic):]}
	if r.str() != db {
		return 0, false
	}
	since = r.i64()
	return since, r.err == nil
}

// The file: the magic line, then little-endian fields, then a CRC-32 of
// everything before it.

func encodeSnapshot(snap snapshot) []byte {
	var buf bytes.Buffer
	_ = writeSnapshot(&buf, snap)
	return buf.Bytes()
}

// writeSnapshot writes snap to w in chunks (a year at ten times the demo's
// size is 4 MB: a dashboard need not hold it twice).
func writeSnapshot(w io.Writer, snap snapshot) error {
	crc := crc32.NewIEEE()
	out := io.MultiWriter(w, crc)
	var err error
	b := make([]byte, 0, 64<<10)
	flush := func(always bool) {
		if err == nil && (always || len(b) > 60<<10) {
			_, err = out.Write(b)
			b = b[:0]
		}
	}
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...); flush(false) }
	i64 := func(v int64) { b = binary.LittleEndian.AppendUint64(b, uint64(v)) }
	u := func(v uint64) { b = binary.AppendUvarint(b, v) }
	f := snap.st.facts
	b = append(b, snapshotMagic...)
	str(snap.db)
	i64(snap.st.since)
	i64(snap.st.mark.events)
	i64(snap.st.mark.deployments)
	i64(snap.st.mark.incidents)
	i64(snap.line.at)
	str(snap.line.kind)
	u(snap.line.text)
	scopes := f.Scopes()
	u(uint64(len(scopes)))
	for _, sc := range scopes {
		str(sc.Service)
		str(sc.Environment)
	}
	deps := f.Deploys()
	u(uint64(len(deps)))
	for _, d := range deps {
		i64(d.ID)
		i64(d.HotfixFor)
		i64(d.CreatedAt)
		i64(d.ExecutionAt)
		i64(d.FinishedAt)
		i64(d.CommittedAt)
		u(uint64(d.Scope))
		u(boolBit(d.RolledBack))
		u(uint64(len(d.Commits)))
		for _, c := range d.Commits {
			i64(c)
		}
		flush(false)
	}
	incs := f.Incidents()
	u(uint64(len(incs)))
	for _, inc := range incs {
		i64(inc.ID)
		i64(inc.DeploymentID)
		i64(inc.OpenedAt)
		i64(inc.ResolvedAt)
		u(uint64(inc.Scope + 1))
		u(boolBit(inc.Resolved))
		u(uint64(inc.Peak))
		flush(false)
	}
	flush(true)
	if err != nil {
		return err
	}
	_, err = w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

func boolBit(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

var errSnapshot = errors.New("not a metrics snapshot of this format")

func decodeSnapshot(b []byte) (snapshot, error) {
	var snap snapshot
	if len(b) < len(snapshotMagic)+4 || !bytes.HasPrefix(b, []byte(snapshotMagic)) ||
		crc32.ChecksumIEEE(b[:len(b)-4]) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return snap, errSnapshot
	}
	r := snapReader{b: b[len(snapshotMagic) : len(b)-4]}
	snap.db = r.str()
	snap.st.since = r.i64()
	snap.st.mark = factMark{events: r.i64(), deployments: r.i64(), incidents: r.i64()}
	snap.line = lineage{at: r.i64(), kind: r.str(), text: r.u()}
	scopes := newScopeIndex()
	n := r.count(2)
	for range n {
		scopes.of(r.str(), r.str())
	}
	deps := make([]model.DeployFact, r.count(50))
	var commits []int64
	for i := range deps {
		d := &deps[i]
		d.ID, d.HotfixFor, d.CreatedAt, d.ExecutionAt, d.FinishedAt, d.CommittedAt = r.i64(), r.i64(), r.i64(), r.i64(), r.i64(), r.i64()
		d.Scope = int32(r.below(uint64(len(scopes.scopes))))
		d.RolledBack = r.u() == 1
		if k := r.count(8); k > 0 {
			if len(commits) < k {
				commits = make([]int64, max(k, 4096))
			}
			d.Commits, commits = commits[:k:k], commits[k:]
			for j := range d.Commits {
				d.Commits[j] = r.i64()
			}
		}
	}
	incs := make([]model.IncidentFact, r.count(35))
	for i := range incs {
		inc := &incs[i]
		inc.ID, inc.DeploymentID, inc.OpenedAt, inc.ResolvedAt = r.i64(), r.i64(), r.i64(), r.i64()
		inc.Scope = int32(r.below(uint64(len(scopes.scopes))+1)) - 1
		inc.Resolved = r.u() == 1
		inc.Peak = model.Severity(r.below(5))
	}
	if r.err != nil || len(r.b) != 0 {
		return snapshot{}, errSnapshot
	}
	snap.st.scopes = scopes
	snap.st.facts = model.NewMetricsFacts(scopes.list(), deps, incs)
	return snap, nil
}

// snapReader reads a snapshot's fields; the first error sticks.
type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) fail() { r.err, r.b = errSnapshot, nil }

func (r *snapReader) i64() int64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := int64(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *snapReader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// below is a varint that must be less than n.
func (r *snapReader) below(n uint64) uint64 {
	v := r.u()
	if v >= n {
		r.fail()
		return 0
	}
	return v
}

// count is a length of items of at least size bytes each: no more than the
// bytes left could hold.
func (r *snapReader) count(size int) int {
	v := r.u()
	if v > uint64(len(r.b)/size) {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *snapReader) str() string {
	n := r.count(1)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
