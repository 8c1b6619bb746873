package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete command in-process, as a shell's
// completion script does, and returns the candidates (value and
// description) and the directive line.
func complete(t *testing.T, args ...string) (cands []string, directive string, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Run(context.Background(), append([]string{"__complete"}, args...), &out, &errb); code != 0 {
		t.Fatalf("__complete %v: exit %d\n%s", args, code, errb.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(l, ":") {
			directive = l
			continue
		}
		if l != "" {
			cands = append(cands, l)
		}
	}
	return cands, directive, errb.String()
}

func TestCompletionFromTheDatabase(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1.0")
	fdOK(t, db, "deploy", "start", "web", "v2.0", "--strategy", "blue-green")
	fdOK(t, db, "deploy", "abort", "--deploy", "1", "--yes", "--reason", "bad build")
	fdOK(t, db, "incident", "open", "--sev", "2", "checkout down")
	fdOK(t, db, "incident", "open", "--sev", "3", "search slow")
	fdOK(t, db, "incident", "resolve", "INC-1", "--yes", "--root-cause", "bad flag")
	tpl := filepath.Join(t.TempDir(), "team-api.md")
	if err := os.WriteFile(tpl, []byte("## Pre-Deployment\n### Checks\n- [ ] tests pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fdOK(t, db, "template", "import", tpl)

	for _, c := range []struct {
		args []string
		want []string // in order
	}{
		// Open incidents first, then the rest; the description says which.
		{[]string{"incident", "ack", ""}, []string{"INC-2\tSEV3 open: search slow", "INC-1\tSEV2 resolved: checkout down"}},
		{[]string{"incident", "ack", "inc-1"}, []string{"INC-1\tSEV2 resolved: checkout down"}},
		{[]string{"incident", "sev", "INC-2", ""}, []string{"1\tSEV1 Critical", "2\tSEV2 High", "3\tSEV3 Medium", "4\tSEV4 Low"}},
		{[]string{"incident", "ack", "INC-2", ""}, nil}, // one argument only
		// Active deployments first, with service and version.
		{[]string{"deploy", "promote", "--deploy", ""}, []string{"2\tweb v2.0 (production, planned)", "1\tapi v1.0 (production, aborted)"}},
		{[]string{"history", "show", ""}, []string{"2\tweb v2.0 (production, planned)", "1\tapi v1.0 (production, aborted)"}},
		{[]string{"deploy", "hotfix", "2", ""}, []string{"INC-2\tSEV3 open: search slow", "INC-1\tSEV2 resolved: checkout down", "none\tnot a hotfix"}},
		{[]string{"template", "show", ""}, []string{"octoacme\tbuilt-in, 41 items", "team-api\t1 items"}},
		{[]string{"deploy", "start", "x", "y", "--template", "t"}, []string{"team-api\t1 items"}},
		{[]string{"deploy", "start", "x", "y", "--strategy", ""}, []string{"canary", "blue-green", "feature-flag", "all-at-once"}},
		{[]string{"incident", "open", "--sev", ""}, []string{"1\tSEV1 Critical", "2\tSEV2 High", "3\tSEV3 Medium", "4\tSEV4 Low"}},
		{[]string{"incident", "commander", "INC-2", "dave", "--role", ""}, []string{"commander", "scribe", "comms"}},
		{[]string{"history", "--status", "r"}, []string{"rolled_back"}},
	} {
		cands, directive, _ := complete(t, append([]string{"--db", db}, c.args...)...)
		if strings.Join(cands, "|") != strings.Join(c.want, "|") {
			t.Errorf("complete %q:\n got %q\nwant %q", c.args, cands, c.want)
		}
		if directive != ":4" { // ShellCompDirectiveNoFileComp
			t.Errorf("complete %q: directive %s, want :4 (no file names)", c.args, directive)
		}
	}
	// Flags before __complete work too.
	var out, errb bytes.Buffer
	Run(context.Background(), []string{"--db", db, "__complete", "incident", "ack", ""}, &out, &errb)
	if !strings.HasPrefix(out.String(), "INC-2\t") {
		t.Errorf("--db DB __complete incident ack: %q", out.String())
	}
	// Completion opened the database read-only: nothing changed (the
	// file's own test; on PostgreSQL the read-only session refuses writes).
	if !onPostgres() {
		before, _ := os.Stat(db)
		complete(t, "--db", db, "incident", "ack", "")
		if after, _ := os.Stat(db); after.ModTime() != before.ModTime() || after.Size() != before.Size() {
			t.Error("completion changed the database")
		}
	}
}

// Without a database completion suggests nothing, quietly, and creates
// nothing.
func TestCompletionWithoutADatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "fd.db")
	for _, args := range [][]string{{"incident", "ack", ""}, {"deploy", "promote", "--deploy", ""}, {"template", "show", ""}} {
		cands, directive, stderr := complete(t, append([]string{"--db", missing}, args...)...)
		if len(cands) != 0 || directive != ":4" || strings.Contains(stderr, "Error") {
			t.Errorf("complete %q without a database: %q %s %q", args, cands, directive, stderr)
		}
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("completion created %s", filepath.Dir(missing))
	}
	// A file that is not a database: no suggestions either.
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not sqlite"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cands, _, _ := complete(t, "--db", junk, "incident", "ack", ""); len(cands) != 0 {
		t.Errorf("complete on a junk file: %q", cands)
	}
	// Enum values need no database.
	if cands, _, _ := complete(t, "--db", missing, "deploy", "start", "a", "b", "--strategy", "b"); strings.Join(cands, "|") != "blue-green" {
		t.Errorf("--strategy b without a database: %q", cands)
	}
}

func TestDidYouMean(t *testing.T) {
	db := cliDB(t)
	for _, c := range []struct {
		args     []string
		msg, run string
	}{
		{[]string{"deplyo"}, `flightdeck: unknown command "deplyo": did you mean deploy?`, "Run 'flightdeck --help' for usage."},
		{[]string{"incdent", "list"}, `flightdeck: unknown command "incdent": did you mean incident?`, "Run 'flightdeck --help' for usage."},
		{[]string{"deploy", "strat", "api", "v1"}, `flightdeck: unknown command "strat" for flightdeck deploy: did you mean start?`, "Run 'flightdeck deploy --help' for usage."},
		{[]string{"incident", "acj", "INC-1"}, `flightdeck: unknown command "acj" for flightdeck incident: did you mean ack?`, "Run 'flightdeck incident --help' for usage."},
		{[]string{"template", "lst"}, `flightdeck: unknown command "lst" for flightdeck template: did you mean list?`, "Run 'flightdeck template --help' for usage."},
		{[]string{"xyzzy"}, `flightdeck: unknown command "xyzzy": see flightdeck --help for the commands`, "Run 'flightdeck --help' for usage."},
	} {
		code, out, errOut := fd(t, db, c.args...)
		if code != exitUsage || out != "" || errOut != c.msg+"\n"+c.run+"\n" {
			t.Errorf("flightdeck %v: exit %d, stdout %q, stderr %q; want 2 and\n%s\n%s", c.args, code, out, errOut, c.msg, c.run)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Error("a mistyped command created the database")
	}
}

// A usage mistake points at the help of the command that was run, at every
// depth.
func TestUsageHintsNameTheCommandsOwnHelp(t *testing.T) {
	db := cliDB(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"metrics", "extra"}, []string{"see flightdeck metrics --help", "Run 'flightdeck metrics --help' for usage."}},
		{[]string{"deploy", "status", "extra"}, []string{"flightdeck deploy status takes no arguments (got \"extra\"): see flightdeck deploy status --help", "Run 'flightdeck deploy status --help' for usage."}},
		{[]string{"deploy", "status", "--bogus"}, []string{"unknown flag: --bogus", "Run 'flightdeck deploy status --help' for usage."}},
		{[]string{"config", "check", "--bogus"}, []string{"Run 'flightdeck config check --help' for usage."}},
		{[]string{"incident", "ack", "INC-1", "extra"}, []string{"see flightdeck incident ack --help", "Run 'flightdeck incident ack --help' for usage."}},
		{[]string{"--bogus"}, []string{"Run 'flightdeck --help' for usage."}},
	} {
		code, _, errOut := fd(t, db, c.args...)
		for _, w := range c.want {
			if code != exitUsage || !strings.Contains(errOut, w) {
				t.Errorf("flightdeck %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, w)
			}
		}
		if strings.Contains(errOut, "see flightdeck status --help") {
			t.Errorf("flightdeck %v still points at flightdeck status --help: %q", c.args, errOut)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"version", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("version --json: exit %d %s", code, errb.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("version --json is not JSON: %v\n%s", err, out.String())
	}
	var keys []string
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, " "); got != "build_date commit database database_engine go_version modified module platform schema_version version" {
		t.Errorf("version --json keys: %s", got)
	}
	if v["version"] != Version() || v["module"] != "github.com/octoacme/flightdeck" || !strings.HasPrefix(v["go_version"].(string), "go1.") {
		t.Errorf("version --json: %v", v)
	}
	if n, ok := v["schema_version"].(float64); !ok || n < 1 {
		t.Errorf("schema_version: %v", v["schema_version"])
	}
	// The text form and --version agree on the version.
	out.Reset()
	Run(context.Background(), []string{"version"}, &out, &errb)
	first, _, _ := strings.Cut(out.String(), "\n")
	var vv bytes.Buffer
	Run(context.Background(), []string{"--version"}, &vv, &errb)
	if first != strings.TrimSpace(vv.String()) || !strings.Contains(out.String(), "schema:") {
		t.Errorf("version says %q, --version says %q", out.String(), vv.String())
	}
}

// The build information a checkout build carries is what version reports.
func TestVersionFromTheBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out := cli(t, filepath.Join(t.TempDir(), "x.db"), "version", "--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Commit == "" || v.BuildDate == "" {
		t.Logf("the test binary has no vcs stamp (built outside a checkout?): %+v", v)
	}
	if v.Version == "" || v.GoVersion == "" || v.SchemaVersion < 1 {
		t.Errorf("version --json from the binary: %+v", v)
	}
}

func TestVersionInfoFromBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.10", Main: debug.Module{Path: "github.com/octoacme/flightdeck", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T09:12:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	v := versionInfoFrom(buildInfoVersion(info, true), info, true)
	want := versionInfo{Version: "dev-0123456789ab-dirty", Module: "github.com/octoacme/flightdeck", Commit: "0123456789abcdef0123", Modified: true,
		BuildDate: "2026-11-30T09:12:00Z", GoVersion: "go1.26.10", Platform: v.Platform, SchemaVersion: v.SchemaVersion}
	if v != want {
		t.Errorf("got  %+v\nwant %+v", v, want)
	}
	if v := versionInfoFrom("dev", nil, false); v.Module != "github.com/octoacme/flightdeck" || v.Commit != "" || v.GoVersion == "" {
		t.Errorf("without build info: %+v", v)
	}
}
