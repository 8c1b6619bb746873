package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/ui/warroom"
)

// Every command is classified for SSH, and every classification names a
// command that exists: a new command is refused over SSH until someone
// decides, here, what it may do.
func TestRemoteEveryCommandClassified(t *testing.T) {
	root := newRootCmd(&app{})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		key := remoteKey(c)
		seen[key] = true
		if _, ok := remoteCommands[key]; !ok {
			t.Errorf("%q is not classified for SSH in remoteCommands (remote.go): say whether it reads, writes or is refused", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for key, p := range remoteCommands {
		if !seen[key] && !strings.HasPrefix(key, "__complete") {
			t.Errorf("remoteCommands classifies %q, which is not a command", key)
		}
		for flag := range p.flags {
			c, _, err := root.Find(strings.Fields(key))
			if err == nil && c.Flags().Lookup(flag) == nil {
				t.Errorf("remoteCommands refuses --%s on %q, which has no such flag", flag, key)
			}
		}
	}
}

// remoteFD runs a command as an SSH client would, in-process, on db.
func remoteFD(t *testing.T, db string, who warroom.Identity, stdin string, args ...string) (int, string, string) {
	t.Helper()
	st := openTestStore(t, db)
	a := &app{now: time.Now}
	run := a.remoteRunner(st, config.DefaultEffective())
	var out, errb bytes.Buffer
	code := run(context.Background(), who, warroom.Command{Args: args, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestRemoteCommandRules(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	alice := warroom.Identity{Login: "alice", Name: "Alice Liddell", Actor: "Alice Liddell (ssh SHA256:abcdefgh)"}
	vic := warroom.Identity{Login: "vic", Name: "Vic Viewer", Actor: "Vic Viewer (ssh SHA256:zzzzzzzz)", Viewer: true}

	// A write is recorded as the SSH identity.
	code, out, errOut := remoteFD(t, db, alice, "", "incident", "open", "--sev", "2", "checkout", "down")
	if code != 0 {
		t.Fatalf("incident open: exit %d: %s", code, errOut)
	}
	show := fdOK(t, db, "incident", "show", "INC-1", "--json")
	if !strings.Contains(show, "Alice Liddell (ssh SHA256:abcdefgh)") {
		t.Errorf("the incident is not recorded as the SSH identity:\n%s\n%s", out, show)
	}

	for _, c := range []struct {
		name   string
		who    warroom.Identity
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"viewer write", vic, "", []string{"incident", "ack", "INC-1"}, exitNoPerm,
			"flightdeck: incident ack records an action, and Vic Viewer is a viewer (viewer: true under users: in the server's config): viewers may only read"},
		{"viewer read", vic, "", []string{"incident", "list"}, 0, ""},
		{"read-only write", alice, "", []string{"--read-only", "incident", "ack", "INC-1"}, exitNoPerm, "--read-only was given"},
		{"--db", alice, "", []string{"--db", "/tmp/x.db", "deploy", "status"}, exitUsage,
			"flightdeck: --db is not accepted over SSH: the server serves one database, the one it opened"},
		{"--config", alice, "", []string{"deploy", "status", "--config", "/etc/passwd"}, exitUsage, "--config is not accepted over SSH"},
		{"--as", alice, "", []string{"--as", "bob", "incident", "ack", "INC-1"}, exitUsage,
			"--as is not accepted over SSH: actions are recorded as your SSH identity"},
		{"backup", alice, "", []string{"backup", "/tmp/b.db"}, exitUsage, "flightdeck: backup is not available over SSH: it writes a file on the server"},
		{"demo", alice, "", []string{"demo"}, exitUsage, "flightdeck: demo is not available over SSH"},
		{"serve", alice, "", []string{"serve"}, exitUsage, "flightdeck: serve is not available over SSH"},
		{"notify", alice, "", []string{"notify", "--once"}, exitUsage, "flightdeck: notify is not available over SSH"},
		{"config check", alice, "", []string{"config", "check"}, exitUsage, "flightdeck: config check is not available over SSH"},
		{"report --out", alice, "", []string{"incident", "report", "INC-1", "--out", "/tmp/r.md"}, exitUsage,
			"--out is not accepted over SSH: it would write a file on the server"},
		{"deploy start --repo", alice, "", []string{"deploy", "start", "web", "v2", "--repo", "/srv"}, exitUsage, "--repo is not accepted over SSH: it would read a git repository on the server"},
		{"report to stdout", alice, "", []string{"incident", "report", "INC-1"}, 0, ""},
		{"template import FILE", alice, "", []string{"template", "import", "/etc/hosts", "--name", "x"}, exitUsage,
			"template import over SSH reads the template from stdin"},
		{"template import -", alice, "## Pre-Deployment\n### Checks\n- [ ] tests pass\n", []string{"template", "import", "-", "--name", "tiny"}, 0, ""},
		{"import FILE", alice, "", []string{"import", "/etc/passwd"}, exitUsage, "import over SSH reads the file from stdin, not a file on the server"},
		{"import - -", alice, "", []string{"import", "-", "-"}, exitUsage, "import over SSH reads one file from stdin"},
		{"viewer import", vic, "service,version,status,started_at,finished_at\n", []string{"import", "-"}, exitNoPerm, "import records an action"},
		{"import -", alice, "service,version,status,started_at,finished_at\nold,v0.9,completed,2026-10-01T10:00:00Z,2026-10-01T10:30:00Z\n",
			[]string{"import", "-"}, 0, ""},
		{"stale mistakes stay usage errors", alice, "", []string{"deploy", "status", "extra"}, exitUsage, "see flightdeck deploy status --help"},
		{"completion runs locally", alice, "", []string{"__complete", "incident", "ack", ""}, exitUsage, "shell completion runs the flightdeck on your side"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := remoteFD(t, db, c.who, c.stdin, c.args...)
			if code != c.code || !strings.Contains(errOut, c.stderr) {
				t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d and %q", c.args, code, errOut, out, c.code, c.stderr)
			}
		})
	}
	// Nothing the refusals named was written; the stdin template was.
	if out := fdOK(t, db, "history", "--service", "old"); !strings.Contains(out, "v0.9") {
		t.Errorf("import - over SSH did not import the CSV piped in:\n%s", out)
	}
	if out := fdOK(t, db, "template", "show", "tiny"); !strings.Contains(out, "tests pass") {
		t.Errorf("template import - did not import the template piped in:\n%s", out)
	}
	show = fdOK(t, db, "incident", "show", "INC-1")
	if strings.Contains(show, "acknowledged") || strings.Contains(show, "bob") {
		t.Errorf("a refused command wrote:\n%s", show)
	}
}

// Many SSH clients waiting at once on the server's one store never take
// its connections from a write (a wait pinning a watcher each would
// exhaust the pool of four), and every wait ends with its own exit code.
func TestRemoteConcurrentWaitsAndWrites(t *testing.T) {
	db := cliDB(t)
	fdOK(t, db, "deploy", "start", "api", "v1")
	st := openTestStore(t, db)
	a := &app{now: time.Now}
	run := a.remoteRunner(st, config.DefaultEffective())
	alice := warroom.Identity{Login: "alice", Name: "Alice", Actor: "Alice (ssh SHA256:abcdefgh)"}
	const waiters = 8
	codes := make(chan int, waiters)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < waiters; i++ {
		go func() {
			var out, errb bytes.Buffer
			codes <- run(ctx, alice, warroom.Command{Args: []string{"deploy", "wait", "--deploy", "1", "--timeout", "4s"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
		}()
	}
	time.Sleep(300 * time.Millisecond) // let them start waiting; the write below must not need them to end
	start := time.Now()
	var out, errb bytes.Buffer
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second) // fail, not hang, when the pool is taken
	defer wcancel()
	if code := run(wctx, alice, warroom.Command{Args: []string{"check", "All automated tests passing in CI"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}); code != 0 {
		t.Fatalf("check while %d clients wait: exit %d: %s", waiters, code, errb.String())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a write while %d clients wait took %v", waiters, d)
	}
	// A client that goes away ends its wait at once (130), the rest time out (124).
	cancel()
	for i := 0; i < waiters; i++ {
		select {
		case code := <-codes:
			if code != exitInterrupted && code != exitTimeout {
				t.Errorf("a wait ended with exit %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a wait did not end after its client went away")
		}
	}
}

func TestRemoteStdinIsBounded(t *testing.T) {
	r := &capReader{r: strings.NewReader(strings.Repeat("x", 10)), left: 4}
	b, err := io.ReadAll(r)
	if err == nil || len(b) != 4 || !strings.Contains(err.Error(), "stdin is over") {
		t.Errorf("over the cap: %q %v", b, err)
	}
	r = &capReader{r: strings.NewReader("abcd"), left: 4}
	if b, err := io.ReadAll(r); err != nil || string(b) != "abcd" {
		t.Errorf("at the cap: %q %v", b, err)
	}
}
