package cli

import (
	"runtime/debug"
	"strings"
)

// version is set at build time with
// -ldflags "-X github.com/octoacme/flightdeck/ui/cli.version=v1.2.3".
var version string

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
