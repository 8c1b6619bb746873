package config

import (
	"net/url"
	"path/filepath"
	"strings"
	"unicode"
)

// db checks the db: key and resolves a relative file against the
// configuration file's directory, as command paths are: the database must
// not change with the directory flightdeck was started in. A DSN is kept
// as written; its password, if any, is never quoted in a message.
func (l *loader) db(v string) (string, error) {
	p := cfgPath{"db"}
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", nil
	case strings.ContainsFunc(v, unicode.IsControl):
		return "", l.errf(p, "the database contains control characters")
	case isPostgresDSN(v):
		// No host is libpq's default server: PGHOST, else the local socket.
		if _, err := url.Parse(v); err != nil {
			// url.Parse's error quotes the DSN, password and all.
			return "", l.errf(p, "not a valid PostgreSQL URL: write it as postgres://USER@HOST:PORT/DBNAME (percent-encode special characters)")
		}
		return v, nil
	}
	file := v
	if rest, ok := strings.CutPrefix(file, "sqlite:"); ok {
		file = strings.TrimPrefix(rest, "//")
		if file == "" {
			return "", l.errf(p, "sqlite: names no file: write sqlite:PATH or just the path")
		}
	}
	if strings.Contains(file, "://") {
		return "", l.errf(p, "%q is not a database flightdeck can open: give a SQLite file (a path) or a PostgreSQL DSN (postgres://USER@HOST/DBNAME)", schemeOf(file))
	}
	if strings.HasPrefix(file, "~/") || filepath.IsAbs(file) || l.file == "" {
		return file, nil // ~ is expanded where the database is resolved
	}
	dir := filepath.Dir(l.file)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Join(dir, file), nil
}

// isPostgresDSN is data.IsPostgresDSN (config does not import data).
func isPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func schemeOf(s string) string {
	scheme, _, _ := strings.Cut(s, "://")
	return scheme + "://…"
}

// dbPassword reports whether the db: key holds a password literally: in
// the URL's user part or as a password= parameter.
func dbPassword(v string) bool {
	v = strings.TrimSpace(v)
	if !isPostgresDSN(v) {
		return false
	}
	u, err := url.Parse(v)
	if err != nil {
		return strings.Contains(strings.ToLower(v), "password=") || strings.Contains(v, "@")
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return true
		}
	}
	for k := range u.Query() {
		if strings.EqualFold(k, "password") {
			return true
		}
	}
	return false
}
