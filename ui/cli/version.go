package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
)

// version, commit and buildDate are set at build time with
// -ldflags "-X github.com/octoacme/flightdeck/ui/cli.version=v1.2.3
// -X github.com/octoacme/flightdeck/ui/cli.commit=abc123
// -X github.com/octoacme/flightdeck/ui/cli.buildDate=2026-12-01T12:00:00Z";
// a build from a checkout finds the commit and its time in the binary's
// build information (vcs.revision, vcs.time) without them.
var version, commit, buildDate string

// Version is the -ldflags version, else the module version that
// 'go install …@v1.2.3' records, else the commit a checkout was built from,
// else "dev".
func Version() string {
	if version != "" {
		return version
	}
	return buildInfoVersion(debug.ReadBuildInfo())
}

func buildInfoVersion(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	v := "dev-" + rev[:min(12, len(rev))]
	if modified == "true" {
		v += "-dirty"
	}
	return strings.TrimSpace(v)
}

// versionInfo is what flightdeck version prints (--json keys are stable).
type versionInfo struct {
	Version       string `json:"version"`
	Module        string `json:"module"`
	Commit        string `json:"commit"`     // "" when unknown
	Modified      bool   `json:"modified"`   // built from a checkout with changes
	BuildDate     string `json:"build_date"` // RFC 3339; the commit's time for a checkout build; "" when unknown
	GoVersion     string `json:"go_version"`
	Platform      string `json:"platform"`
	SchemaVersion int    `json:"schema_version"`
	// The database this command line names (not opened): its engine,
	// SQLite or PostgreSQL, and the file or the DSN without its password;
	// "" when it cannot be told (the configuration does not load).
	Engine   string `json:"database_engine"`
	Database string `json:"database"`
}

func currentVersionInfo() versionInfo {
	info, ok := debug.ReadBuildInfo()
	return versionInfoFrom(Version(), info, ok)
}

// versionInfoFrom fills in what -ldflags left empty from the build
// information: the commit (vcs.revision), its time (vcs.time) as the build
// date, whether the checkout had changes, the Go version.
func versionInfoFrom(ver string, info *debug.BuildInfo, ok bool) versionInfo {
	v := versionInfo{Version: ver, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		SchemaVersion: data.SchemaVersion, Commit: commit, BuildDate: buildDate}
	if ok && info != nil {
		v.Module = info.Main.Path
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.time":
				if v.BuildDate == "" {
					v.BuildDate = s.Value
				}
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
		if info.GoVersion != "" {
			v.GoVersion = info.GoVersion
		}
	}
	if v.Module == "" {
		v.Module = "github.com/octoacme/flightdeck"
	}
	return v
}

func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print the version, commit, build date, Go version and database schema version",
		Long: "Print the version (the same as flightdeck --version), the commit it was built from\n" +
			"and when, the Go version, and the database schema version this binary reads and\n" +
			"writes, and the database this command line names (its engine and the file, or the\n" +
			"PostgreSQL DSN without its password; it is not opened). --json prints one object:\n" +
			"version, module, commit, modified, build_date, go_version, platform, schema_version,\n" +
			"database_engine, database (unknown strings are \"\").",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := currentVersionInfo()
			v.Engine, v.Database = a.shownDatabase()
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				return enc.Encode(v)
			}
			orUnknown := func(s string) string {
				if s == "" {
					return "unknown"
				}
				return s
			}
			c := orUnknown(v.Commit)
			if v.Modified {
				c += " (with uncommitted changes)"
			}
			fmt.Fprintf(a.stdout, "flightdeck %s\n", v.Version)
			fmt.Fprintf(a.stdout, "module:     %s\n", v.Module)
			fmt.Fprintf(a.stdout, "commit:     %s\n", c)
			fmt.Fprintf(a.stdout, "built:      %s\n", orUnknown(v.BuildDate))
			fmt.Fprintf(a.stdout, "go:         %s %s\n", v.GoVersion, v.Platform)
			fmt.Fprintf(a.stdout, "schema:     %d\n", v.SchemaVersion)
			if v.Database != "" {
				fmt.Fprintf(a.stdout, "database:   %s %s\n", v.Engine, v.Database)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// shownDatabase is the engine and the printable name of the database the
// command line names: the open store's, else --db, $FLIGHTDECK_DB, db: in
// the configuration or the default, resolved without opening it.
func (a *app) shownDatabase() (engine, name string) {
	if a.store != nil {
		return a.store.Engine(), a.store.Path()
	}
	db, err := a.database()
	switch {
	case err != nil:
		return "", ""
	case data.IsPostgresDSN(db):
		return "PostgreSQL", data.RedactDSN(db)
	}
	return "SQLite", db
}
