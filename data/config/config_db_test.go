package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigDB(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, db string
		mode     os.FileMode
		want     string // the effective DB
		err      string // "" loads
	}{
		{name: "none", mode: 0o644},
		{name: "dsn", db: "postgres://alice@db.internal:5432/flightdeck", mode: 0o644, want: "postgres://alice@db.internal:5432/flightdeck"},
		{name: "postgresql scheme", db: "postgresql://alice@db/fd?sslmode=require", mode: 0o644, want: "postgresql://alice@db/fd?sslmode=require"},
		{name: "relative file", db: "team.db", mode: 0o644, want: filepath.Join(dir, "team.db")},
		{name: "sqlite: relative", db: "sqlite:data/team.db", mode: 0o644, want: filepath.Join(dir, "data", "team.db")},
		{name: "absolute file", db: "/srv/fd.db", mode: 0o644, want: "/srv/fd.db"},
		{name: "tilde kept", db: "~/fd.db", mode: 0o644, want: "~/fd.db"},
		{name: "password readable", db: "postgres://alice:s3cret@db/fd", mode: 0o644,
			err: "holds secrets (db) but others can read it (mode 0644): chmod 600 " + filepath.Join(dir, "config.yaml") + ", or leave the password out of db: and put it in ~/.pgpass (mode 600) or PGPASSWORD"},
		{name: "password parameter readable", db: "postgres://alice@db/fd?password=s3cret", mode: 0o640, err: "holds secrets (db)"},
		{name: "password 600", db: "postgres://alice:s3cret@db/fd", mode: 0o600, want: "postgres://alice:s3cret@db/fd"},
		{name: "the default server", db: "postgres:///fd", mode: 0o644, want: "postgres:///fd"},
		{name: "bad url", db: "postgres://alice:s3cret@db:port/fd", mode: 0o600, err: "config.yaml:1:5: db: not a valid PostgreSQL URL"},
		{name: "other scheme", db: "mysql://root@h/fd", mode: 0o600, err: `"mysql://…" is not a database flightdeck can open`},
		{name: "empty sqlite:", db: "sqlite:", mode: 0o600, err: "sqlite: names no file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "config.yaml")
			src := "links: []\n"
			if tc.db != "" {
				src = "db: '" + tc.db + "'\n"
			}
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			eff, err := LoadConfig(path, true)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("LoadConfig: %v; want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error quotes the password: %v", err)
				}
				return
			}
			if err != nil || eff.DB != tc.want {
				t.Fatalf("LoadConfig: DB %q, %v; want %q", eff.DB, err, tc.want)
			}
		})
	}
}
