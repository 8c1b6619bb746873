package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

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

// ResolvePath picks the database file: the --db flag, else $FLIGHTDECK_DB,
// else DefaultPath. The result is absolute so messages name one file.
func ResolvePath(flagValue string) (string, error) {
	p := strings.TrimSpace(flagValue)
	if p == "" {
		p = strings.TrimSpace(os.Getenv("FLIGHTDECK_DB"))
	}
	if p == "" {
		return DefaultPath()
	}
	if IsPostgresDSN(p) {
		return p, nil
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

// isDefaultPath reports whether path is the XDG default, the only location
// whose missing directories flightdeck creates by itself.
func isDefaultPath(path string) bool {
	def, err := DefaultPath()
	return err == nil && filepath.Clean(def) == filepath.Clean(path)
}
