package data

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// snapshotTest keeps every history's snapshot (however small) in a
// directory of the test's own.
func snapshotTest(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(SetMetricsSnapshots(dir, 0, 0))
	return dir
}

// metricsHistory writes a small history of deployments with commits,
// rollbacks, incidents raised and resolved, around t0.
func metricsHistory(t *testing.T, s *Store, from int) {
	t.Helper()
	h := func(n int) time.Time { return t0.Add(time.Duration(from+n) * time.Hour) }
	ctx := context.Background()
	a := finishedDeployment(t, s, "api", "production", h(0), h(2), h(-1), false)
	b := finishedDeployment(t, s, "web", "production", h(3), h(5), time.Time{}, true)
	finishedDeployment(t, s, "api", "staging", h(6), h(7), h(5), false)
	inc := openInc(t, s, model.SEV3, a.ID, h(8))
	noErr(t, s.SetIncidentSeverity(ctx, inc.ID, model.IncidentSeen{}, model.SEV1, "bob", h(9)))
	noErr(t, s.ResolveIncident(ctx, inc.ID, model.IncidentSeen{}, "", "bob", h(10)))
	noErr(t, s.MarkHotfix(ctx, b.ID, inc.ID, "bob", h(11)))
	openInc(t, s, model.SEV4, 0, h(12))
	// Shipped with its commits (one after completion: not counted).
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: fmt.Sprintf("pay%d", from), Version: "v1", Strategy: model.StrategyAllAtOnce,
		CommitSHA: shaOf('a'), CommittedAt: h(11), Commits: commitsAt(h(11), h(10), h(16))}, testTemplate(), "alice", h(13))
	noErr(t, err)
	_, err = s.StartExecution(ctx, d.ID, "alice", h(14), true)
	noErr(t, err)
	_, err = s.Finish(ctx, d.ID, model.RolloutSeen{}, "test", "alice", h(15))
	noErr(t, err)
}

func checkWindows(t *testing.T, s *Store, what string, get func(model.MetricsWindow) (model.Metrics, error)) {
	t.Helper()
	for _, w := range []model.MetricsWindow{
		{From: t0.Add(-48 * time.Hour), To: t0.Add(200 * time.Hour)},
		{From: t0.Add(-400 * time.Hour), To: t0.Add(400 * time.Hour), Service: "api"},
		{From: t0.Add(time.Hour), To: t0.Add(300 * time.Hour), Environment: "staging"},
	} {
		got, err := get(w)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if want := oldMetrics(t, s, w); !reflect.DeepEqual(got, want) {
			t.Errorf("%s, window %+v: differs from the old computation:\n%+v\n%+v", what, w, got, want)
		}
	}
}

func TestMetricsSnapshotRoundTrip(t *testing.T) {
	s := newStore(t)
	metricsHistory(t, s, 0)
	st, err := s.loadFacts(context.Background(), toMS(t0.Add(-500*time.Hour)), newScopeIndex())
	noErr(t, err)
	line := lineage{at: 12, kind: "x", text: 34}
	snap, err := decodeSnapshot(encodeSnapshot(snapshot{st: st, line: line, db: "db"}))
	noErr(t, err)
	if snap.db != "db" || snap.line != line || snap.st.since != st.since || snap.st.mark != st.mark ||
		!reflect.DeepEqual(noEmpty(snap.st.facts.Deploys()), noEmpty(st.facts.Deploys())) || !reflect.DeepEqual(snap.st.facts.Incidents(), st.facts.Incidents()) ||
		!reflect.DeepEqual(snap.st.facts.Scopes(), st.facts.Scopes()) {
		t.Fatalf("round trip changed the snapshot:\n%+v\n%+v", snap, st)
	}
	b := encodeSnapshot(snapshot{st: st, line: line, db: "db"})
	for _, bad := range [][]byte{nil, b[:len(b)/2], append(append([]byte{}, b[:40]...), b[41:]...), []byte("flightdeck metrics facts v0\n....")} {
		if _, err := decodeSnapshot(bad); err == nil {
			t.Errorf("a damaged snapshot (%d bytes) was accepted", len(bad))
		}
	}
	flipped := append([]byte{}, b...)
	flipped[len(flipped)/2] ^= 1
	if _, err := decodeSnapshot(flipped); err == nil {
		t.Error("a snapshot with a flipped bit was accepted")
	}
}

// noEmpty is deps with empty commit lists nil (the same to the facts).
func noEmpty(deps []model.DeployFact) []model.DeployFact {
	out := append([]model.DeployFact{}, deps...)
	for i := range out {
		if len(out[i].Commits) == 0 {
			out[i].Commits = nil
		}
	}
	return out
}

// TestMetricsSnapshotFollowsTheDatabase: Store.Metrics keeps a snapshot,
// reads from it what was written since, and reads everything again when the
// snapshot is damaged or the database no longer holds its history.
func TestMetricsSnapshotFollowsTheDatabase(t *testing.T) {
	dir := snapshotTest(t)
	s := newStore(t)
	ctx := context.Background()
	metricsHistory(t, s, 0)
	once := func(w model.MetricsWindow) (model.Metrics, error) { return s.Metrics(ctx, w) }
	checkWindows(t, s, "first", once)
	path := s.snapshotPath()
	if filepath.Dir(path) != dir {
		t.Fatalf("snapshot at %s, not in %s", path, dir)
	}
	snap, ok := s.loadSnapshot()
	if !ok || snap.st.mark == (factMark{}) {
		t.Fatalf("no snapshot kept: %+v %v", snap, ok)
	}

	// Written since: read from the snapshot and the events since.
	metricsHistory(t, s, 20)
	checkWindows(t, s, "after writes", once)
	if again, _ := s.loadSnapshot(); again.st.mark == snap.st.mark {
		t.Error("the snapshot was not brought up to date")
	}

	// A snapshot whose history the database does not hold: not used, even
	// though its mark matches (here its facts are emptied to show it).
	cur, _ := s.loadSnapshot()
	empty := model.NewMetricsFacts(cur.st.facts.Scopes(), nil, nil)
	forged := snapshot{st: factState{facts: empty, since: cur.st.since, mark: cur.st.mark, scopes: cur.st.scopes}, line: cur.line, db: cur.db}
	forged.line.text++
	noErr(t, os.WriteFile(path, encodeSnapshot(forged), 0o600))
	checkWindows(t, s, "another history", once)
	// The same with its history intact is used as it is: the check is what
	// kept the forged one out.
	forged.line.text--
	noErr(t, os.WriteFile(path, encodeSnapshot(forged), 0o600))
	if m, err := s.Metrics(ctx, model.MetricsWindow{From: t0.Add(-48 * time.Hour), To: t0.Add(200 * time.Hour)}); err != nil || m.ChangeFailRate.Den != 0 {
		t.Errorf("a snapshot of this history was not used (%v): %+v", err, m.ChangeFailRate)
	}

	// Damaged: ignored, and replaced.
	noErr(t, os.WriteFile(path, []byte("flightdeck metrics facts v1\ngarbage"), 0o600))
	checkWindows(t, s, "damaged snapshot", once)
	if _, ok := s.loadSnapshot(); !ok {
		t.Error("a damaged snapshot was not replaced")
	}

	// Nowhere to keep one: still right.
	SetMetricsSnapshots(filepath.Join(dir, "missing", "\x00bad"), 0, 0)
	checkWindows(t, s, "no snapshot directory", once)
}

// TestMetricsSnapshotRestoredDatabase: a database restored from an older
// copy — then written to differently, past where the snapshot was made — is
// read in full, not through the snapshot of the history it lost.
func TestMetricsSnapshotRestoredDatabase(t *testing.T) {
	sqliteOnly(t)
	snapshotTest(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flightdeck.db")
	s := openStore(t, path)
	metricsHistory(t, s, 0)
	noErr(t, s.Close())
	copyFile(t, path, path+".copy")

	s = openStore(t, path)
	metricsHistory(t, s, 20)
	if _, err := s.Metrics(ctx, model.MetricsWindow{From: t0.Add(-400 * time.Hour), To: t0.Add(400 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	kept, ok := s.loadSnapshot()
	noErr(t, s.Close())
	if !ok {
		t.Fatal("no snapshot")
	}

	for _, c := range []struct {
		name  string
		write func(s *Store)
	}{
		{"restored", func(*Store) {}},
		{"restored and written past the snapshot", func(s *Store) {
			for i := 0; i < 3; i++ {
				metricsHistory(t, s, 40+20*i)
			}
		}},
	} {
		for _, suffix := range []string{"-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
		copyFile(t, path+".copy", path)
		s := openStore(t, path)
		c.write(s)
		if c.name != "restored" {
			var n int64
			noErr(t, s.db.QueryRowContext(ctx, `SELECT max(id) FROM events`).Scan(&n))
			if n <= kept.st.mark.events {
				t.Fatalf("%s: the test should write past the snapshot's events (%d ≤ %d)", c.name, n, kept.st.mark.events)
			}
		}
		noErr(t, os.WriteFile(s.snapshotPath(), encodeSnapshot(kept), 0o600))
		checkWindows(t, s, c.name, func(w model.MetricsWindow) (model.Metrics, error) { return s.Metrics(ctx, w) })
		noErr(t, s.Close())
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	noErr(t, err)
	noErr(t, os.WriteFile(to, b, 0o600))
}

// TestMetricsCacheReachesBackBySnapshot: a dashboard's first M reads its
// window from the database and keeps the wider snapshot another process
// made; reaching further back then takes that snapshot (here one forged
// empty, with the database's history, to show it is the snapshot that
// answers) instead of reading the rows.
func TestMetricsCacheReachesBackBySnapshot(t *testing.T) {
	snapshotTest(t)
	s := newStore(t)
	ctx := context.Background()
	metricsHistory(t, s, 0)
	wide := model.MetricsWindow{From: t0.Add(-400 * time.Hour), To: t0.Add(400 * time.Hour)}
	if _, err := s.Metrics(ctx, wide); err != nil {
		t.Fatal(err)
	}
	kept, ok := s.loadSnapshot()
	if !ok {
		t.Fatal("no snapshot")
	}
	forged := kept
	forged.st.facts = model.NewMetricsFacts(kept.st.facts.Scopes(), nil, nil)
	noErr(t, os.WriteFile(s.snapshotPath(), encodeSnapshot(forged), 0o600))
	before, err := os.ReadFile(s.snapshotPath())
	noErr(t, err)

	c := NewMetricsCache(s)
	narrow := model.MetricsWindow{From: t0.Add(-48 * time.Hour), To: t0.Add(200 * time.Hour)}
	got, err := c.Metrics(ctx, narrow)
	noErr(t, err)
	if want := oldMetrics(t, s, narrow); !reflect.DeepEqual(got, want) {
		t.Errorf("first window, read from the database, differs:\n%+v\n%+v", got, want)
	}
	if after, _ := os.ReadFile(s.snapshotPath()); !bytes.Equal(after, before) {
		t.Error("the first window's narrower facts replaced the wider snapshot")
	}
	got, err = c.Metrics(ctx, wide)
	noErr(t, err)
	if got.ChangeFailRate.Den != 0 || c.st.since != forged.st.since {
		t.Errorf("reaching back did not take the snapshot: %v, reach %d", got.ChangeFailRate, c.st.since)
	}
}

// TestMetricsSnapshotPrune: the directory keeps the newest snapshots and
// loses what a killed writer left behind.
func TestMetricsSnapshotPrune(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	for i := range snapshotKeep + 3 {
		p := filepath.Join(dir, fmt.Sprintf("%02d.facts", i))
		noErr(t, os.WriteFile(p, []byte("x"), 0o600))
		at := old.Add(time.Duration(i) * time.Minute)
		noErr(t, os.Chtimes(p, at, at))
	}
	for _, name := range []string{".facts-killed", ".facts-writing"} {
		noErr(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600))
	}
	noErr(t, os.Chtimes(filepath.Join(dir, ".facts-killed"), old, old))
	pruneSnapshots(dir)
	entries, err := os.ReadDir(dir)
	noErr(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{".facts-writing"}
	for i := 3; i < snapshotKeep+3; i++ {
		want = append(want, fmt.Sprintf("%02d.facts", i))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kept %q, want %q", got, want)
	}
}
