package data

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/adrg/xdg"
)

// DefaultPath is $XDG_DATA_HOME/flightdeck/flightdeck.db.
func DefaultPath() (string, error) {
	// xdg reads the environment once at init; looking first ourselves keeps
	// a later change to XDG_DATA_HOME (tests, wrappers) effective. The spec
	// says relative values are invalid and must be ignored.
	base := os.Getenv("XDG_DATA_HOME")
	if !filepath.IsAbs(base) {
		base = xdg.DataHome
	}
	if base == "" {
		return "", errors.New("cannot find a data directory: set XDG_DATA_HOME or HOME, or pass --db PATH")
	}
	return filepath.Join(base, "flightdeck", "flightdeck.db"), nil
}

// ResolvePath picks the database: the --db flag, else $FLIGHTDECK_DB,
// else DefaultPath. See ResolveDB.
func ResolvePath(flagValue string) (string, error) { return ResolveDB(flagValue, "") }

// ResolveDB picks the database: the --db flag, else $FLIGHTDECK_DB, else
// configured (the configuration file's db:, already resolved against the
// file's directory), else DefaultPath. A postgres:// or postgresql:// DSN
// is returned as given (trimmed); anything else is a SQLite file, which
// may be written sqlite:PATH, and is returned as an absolute path so
// messages name one file.
func ResolveDB(flagValue, configured string) (string, error) {
	p := strings.TrimSpace(flagValue)
	if p == "" {
		p = strings.TrimSpace(os.Getenv("FLIGHTDECK_DB"))
	}
	if p == "" {
		p = strings.TrimSpace(configured)
	}
	if p == "" {
		return DefaultPath()
	}
	if IsPostgresDSN(p) {
		return p, nil
	}
	if err := notAFile(p); err != nil {
		return "", err
	}
	p = trimSQLitePrefix(p)
	if p == "" {
		return "", errors.New("sqlite: names no file: write sqlite:PATH, e.g. sqlite:/srv/flightdeck/flightdeck.db")
	}
	// "--db=~/x" reaches us unexpanded because no shell saw the tilde.
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot expand ~ in the database path: $HOME is not set; give a full path")
		}
		p = filepath.Join(home, rest)
	}
	return filepath.Abs(p)
}

// urlScheme matches the start of an address such as mysql://… .
var urlScheme = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`) })

// notAFile refuses what is plainly a database address flightdeck does not
// read, instead of creating a SQLite file of that name in the current
// directory: another scheme, or a libpq key/value string.
func notAFile(p string) error {
	if m := urlScheme().FindString(p); m != "" && !strings.HasPrefix(p, "sqlite:") && !strings.HasPrefix(p, "file:") {
		return fmt.Errorf("%s… is not a database flightdeck can open: give a SQLite file (a path, or sqlite:PATH) or a PostgreSQL DSN (postgres://USER@HOST/DBNAME)", strings.TrimSuffix(m, "//"))
	}
	if kvDSN().MatchString(p) {
		return errors.New("the database looks like a key=value PostgreSQL connection string: write it as a URL, postgres://USER@HOST:PORT/DBNAME (the password from PGPASSWORD or ~/.pgpass)")
	}
	return nil
}

var kvDSN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*(host|dbname|user|port|hostaddr|service)\s*=`)
})

// ScriptDSN is the database as a script may be handed it (FLIGHTDECK_DB in
// a notify or probe command's environment) or told it: a file path as it
// is, a PostgreSQL DSN without any password — the script reaches the
// server with PGPASSWORD or ~/.pgpass, and prints no password when it
// prints the DSN.
func ScriptDSN(db string) string {
	if !IsPostgresDSN(db) {
		return db
	}
	u, err := url.Parse(strings.TrimSpace(db))
	if err != nil {
		return RedactDSN(db)
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// DSNPassword is the password a PostgreSQL DSN holds (in its user part or
// as password=), "" when it holds none or db is a file.
func DSNPassword(db string) string {
	if !IsPostgresDSN(db) {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(db))
	if err != nil {
		return ""
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
	}
	for k, v := range u.Query() {
		if strings.EqualFold(k, "password") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// isDefaultPath reports whether path is the XDG default, the only location
// whose missing directories flightdeck creates by itself.
func isDefaultPath(path string) bool {
	def, err := DefaultPath()
	return err == nil && filepath.Clean(def) == filepath.Clean(path)
}
