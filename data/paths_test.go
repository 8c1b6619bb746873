package data

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveDB(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv("HOME", dir)
	t.Chdir(dir)
	def := filepath.Join(dir, "flightdeck", "flightdeck.db")
	const dsn = "postgres://alice@db.internal/flightdeck?sslmode=require"
	for _, tc := range []struct {
		name, flag, env, configured string
		want, err                   string
	}{
		{name: "default", want: def},
		{name: "flag first", flag: "f.db", env: "e.db", configured: "c.db", want: filepath.Join(dir, "f.db")},
		{name: "then env", env: "e.db", configured: "c.db", want: filepath.Join(dir, "e.db")},
		{name: "then config", configured: "/srv/c.db", want: "/srv/c.db"},
		{name: "dsn as given, trimmed", flag: "  " + dsn + "\n", want: dsn},
		{name: "postgresql scheme", env: "postgresql://bob@h:5433/fd", want: "postgresql://bob@h:5433/fd"},
		{name: "dsn from config", configured: dsn, want: dsn},
		{name: "env dsn beats config file", env: dsn, configured: "/srv/c.db", want: dsn},
		{name: "sqlite: prefix", flag: "sqlite:x.db", want: filepath.Join(dir, "x.db")},
		{name: "sqlite:// prefix", flag: "sqlite:///srv/x.db", want: "/srv/x.db"},
		{name: "sqlite: with tilde", flag: "sqlite:~/y.db", want: filepath.Join(dir, "y.db")},
		{name: "tilde", flag: "~/x.db", want: filepath.Join(dir, "x.db")},
		{name: "empty sqlite:", flag: "sqlite:", err: "sqlite: names no file"},
		{name: "other scheme", flag: "mysql://root@h/fd", err: "mysql:… is not a database flightdeck can open"},
		{name: "key/value dsn", flag: "host=db dbname=fd", err: "write it as a URL, postgres://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FLIGHTDECK_DB", tc.env)
			got, err := ResolveDB(tc.flag, tc.configured)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ResolveDB = %q, %v; want error %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ResolveDB = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestScriptDSN(t *testing.T) {
	for in, want := range map[string]string{
		"/srv/flightdeck.db":                                    "/srv/flightdeck.db",
		"postgres://alice:s3cret@db/fd?sslmode=require":         "postgres://alice@db/fd?sslmode=require",
		"postgres://alice:xxxxx@db/fd":                          "postgres://alice@db/fd",
		"postgresql://db/fd?password=s3cret&application_name=x": "postgresql://db/fd?application_name=x",
		"postgres://alice@db/fd":                                "postgres://alice@db/fd",
	} {
		if got := ScriptDSN(in); got != want {
			t.Errorf("ScriptDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDSNPassword(t *testing.T) {
	for in, want := range map[string]string{
		"/srv/flightdeck.db":                     "",
		"postgres://alice:s3cret@db/fd":          "s3cret",
		"postgres://alice:p%40ss@db/fd":          "p@ss",
		"postgresql://db/fd?password=s3cret&x=y": "s3cret",
		"postgres://alice@db/fd?sslmode=require": "",
		"postgres://alice:@db/fd":                "",
	} {
		if got := DSNPassword(in); got != want {
			t.Errorf("DSNPassword(%q) = %q, want %q", in, got, want)
		}
	}
}
