package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// rawDump renders every row of each table, columns by name with the Go
// type the driver gave, rows sorted: equal dumps are equal data, whatever
// the engine.
func rawDump(t *testing.T, path string, tables []string) map[string][]string {
	t.Helper()
	db := openRaw(t, path)
	defer db.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		order := make([]int, len(cols))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(cols[a], cols[b]) })
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, i := range order {
				fmt.Fprintf(&b, "%s=%T:%v;", cols[i], vals[i], vals[i])
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(lines)
		out[table] = lines
	}
	return out
}

func sameDump(t *testing.T, what string, want, got map[string][]string) {
	t.Helper()
	for table, rows := range want {
		g := got[table]
		if slices.Equal(rows, g) {
			continue
		}
		t.Errorf("%s: table %s: %d rows, want %d", what, table, len(g), len(rows))
		for i := range min(len(rows), len(g)) {
			if rows[i] != g[i] {
				t.Errorf("  first difference:\n  want %s\n  got  %s", rows[i], g[i])
				break
			}
		}
	}
}

var exportedAt = regexp.MustCompile(`"exported_at":"[^"]*"`)

// exportOf is `flightdeck export` without its own timestamp.
func exportOf(t *testing.T, db string) string {
	t.Helper()
	return exportedAt.ReplaceAllString(fdOK(t, db, "export"), `"exported_at":""`)
}

func migrateJSONOf(t *testing.T, from, to string) migrateJSON {
	t.Helper()
	var m migrateJSON
	out := fdOK(t, from, "migrate", "--to", to, "--json")
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("migrate --json: %v\n%s", err, out)
	}
	return m
}

// TestCLIMigrateDemoYear moves the demo year from SQLite to PostgreSQL
// and back: every row of every table arrives (compared row by row and
// through export, byte for byte), the counts are verified, and a second
// migrate into the now full database is refused and changes nothing.
func TestCLIMigrateDemoYear(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and copies a year of history (half a minute)")
	}
	cliDB(t)
	file := filepath.Join(t.TempDir(), "team.db")
	fdOK(t, file, "demo", "--generate-only", "--seed", "7")
	dsn := pgtest.NewDatabase(t, pgtest.Server(t))

	start := time.Now()
	m := migrateJSONOf(t, file, dsn)
	took := time.Since(start)
	if !m.Verified || m.FromEngine != "SQLite" || m.ToEngine != "PostgreSQL" || m.Tables["deployments"] != 5002 || m.Tables["incidents"] != 2002 ||
		m.Tables["events"] < 190_000 || strings.Contains(m.To, pgPassword(t)) {
		t.Fatalf("migrate: %+v", m)
	}
	t.Logf("SQLite → PostgreSQL: %d rows in %d tables (%d events) in %.1f s (the command: %v)", m.Rows, len(m.Tables), m.Tables["events"], m.Seconds, took.Round(100*time.Millisecond))
	var tables []string
	for name := range m.Tables {
		tables = append(tables, name)
	}
	slices.Sort(tables)
	want := rawDump(t, file, tables)
	sameDump(t, "SQLite → PostgreSQL", want, rawDump(t, dsn, tables))
	exp := exportOf(t, file)
	if got := exportOf(t, dsn); got != exp {
		t.Errorf("the export of the PostgreSQL copy differs from the file's (%d and %d bytes)", len(got), len(exp))
	}

	back := filepath.Join(t.TempDir(), "back.db")
	mb := migrateJSONOf(t, dsn, back)
	t.Logf("PostgreSQL → SQLite: %d rows in %.1f s", mb.Rows, mb.Seconds)
	if mb.Rows != m.Rows || !mb.Verified {
		t.Errorf("migrate back: %+v", mb)
	}
	sameDump(t, "PostgreSQL → SQLite", want, rawDump(t, back, tables))
	if got := exportOf(t, back); got != exp {
		t.Errorf("the export after the round trip differs (%d and %d bytes)", len(got), len(exp))
	}

	// Into a database that holds something: refused, naming it, and the
	// target is as it was.
	for _, target := range []string{dsn, back} {
		code, out, errOut := fd(t, file, "migrate", "--to", target)
		if code != exitFail || out != "" || !regexp.MustCompile(`is not empty \(rows: \d+ in checklist_guidance, .*5002 in deployments, .*\): the copy goes into an empty database; nothing was changed`).MatchString(errOut) {
			t.Errorf("migrate into a full database: exit %d, %q %q", code, out, errOut)
		}
		if got := exportOf(t, target); got != exp {
			t.Errorf("a refused migrate changed %s", target)
		}
	}
}
