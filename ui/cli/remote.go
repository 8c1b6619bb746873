package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/ui/warroom"
)

// The CLI over SSH: "ssh -p 2222 ci@host deploy promote --deploy 42" runs
// the command inside flightdeck serve, on the server's open store and
// configuration, as the session's identity. What a client may run is an
// allowlist keyed by command path: a command nobody classified is refused
// (TestRemoteEveryCommandClassified fails until it is classified).

// Exit codes of commands refused over SSH.
const (
	// exitRemoteRefused: the command or a flag is not available over SSH
	// (it touches the server's files or process). Usage, so 2.
	exitRemoteRefused = exitUsage
	// exitNoPerm: a viewer (or --read-only) asked for a command that
	// writes (sysexits' EX_NOPERM).
	exitNoPerm = 77
)

// remoteClass says what a command does when a client sends it.
type remoteClass int

const (
	remoteRefused remoteClass = iota // never over SSH
	remoteRead                       // reads only: everyone, viewers too
	remoteWrite                      // records something: not viewers
)

// remotePolicy is one command's classification: why it is refused, and
// the flags a client may not give it (with what to do instead).
type remotePolicy struct {
	class remoteClass
	why   string            // for remoteRefused
	flags map[string]string // flag name -> why it is refused
}

func read() remotePolicy  { return remotePolicy{class: remoteRead} }
func write() remotePolicy { return remotePolicy{class: remoteWrite} }
func refused(why string) remotePolicy {
	return remotePolicy{class: remoteRefused, why: why}
}

// remoteCommands classifies every command by its path without the root
// name ("deploy start"); "" is the root (the dashboard, which needs a
// terminal and no command).
var remoteCommands = map[string]remotePolicy{
	"":           refused("with no command, serve runs the dashboard: ssh -t"),
	"help":       read(),
	"completion": read(), "completion bash": read(), "completion zsh": read(), "completion fish": read(), "completion powershell": read(),
	"__complete":       refused("shell completion runs the flightdeck on your side"),
	"__completeNoDesc": refused("shell completion runs the flightdeck on your side"),
	"version":          read(),

	"deploy": read(),
	"deploy start": {class: remoteWrite, flags: map[string]string{
		"repo": "it would read a git repository on the server; pipe your checkout's log instead: git log --topo-order --format='" + model.CommitLogFormat + "' -n 2000 HEAD | ssh … deploy start SERVICE VERSION --commits-from -"}},
	"deploy status":         read(),
	"deploy promote":        write(),
	"deploy live":           write(),
	"deploy pause":          write(),
	"deploy resume":         write(),
	"deploy abort":          write(),
	"deploy finish":         write(),
	"deploy health":         write(),
	"deploy declare":        write(),
	"deploy clear-criteria": write(),
	"deploy wait":           read(),
	"deploy hotfix":         write(),
	"check":                 write(),

	"incident":                     read(),
	"incident open":                write(),
	"incident list":                read(),
	"incident show":                read(),
	"incident note":                write(),
	"incident sev":                 write(),
	"incident ack":                 write(),
	"incident escalate":            write(),
	"incident mitigate":            write(),
	"incident resolve":             write(),
	"incident commander":           write(),
	"incident update":              write(),
	"incident security":            write(),
	"incident action":              write(),
	"incident postmortem":          write(),
	"incident root-cause":          write(),
	"incident star":                write(),
	"incident link":                write(),
	"incident unlink":              write(),
	"incident reopen":              write(),
	"incident skip":                write(),
	"incident postmortem schedule": write(), // --ics FILE refused, --ics - fine (remoteFileFlags)
	"incident report": {class: remoteRead, flags: map[string]string{
		"out": "it would write a file on the server; the report goes to stdout: ssh … incident report INC-4 > INC-4.md"}},

	"history":      read(),
	"history show": read(),
	"metrics":      read(),
	"export":       read(), // to stdout: ssh … export > backup.json

	"template":        read(),
	"template list":   read(),
	"template show":   read(),
	"template import": write(), // FILE must be "-" (checkRemote)
	"import":          write(), // FILE must be "-" (checkRemote)

	"backup":         refused("it writes a file on the server; 'ssh … export > flightdeck.json' copies the data to your side"),
	"demo":           refused("it creates a database on the server"),
	"migrate":        refused("it opens databases the server names by path or address; run it where both are reachable"),
	"serve":          refused("it starts another server"),
	"batch":          refused("every command over SSH already runs on the server's open database: send the lines as commands, or run batch on the server"),
	"notify":         refused("it runs the server's notification senders; the server already delivers notifications when its config has senders"),
	"config":         refused("it reads the server's configuration file"),
	"config check":   refused("it reads the server's configuration file"),
	"config example": read(),
}

// remoteGlobalFlags are refused on every command: they choose files or the
// identity, which the server decides.
var remoteGlobalFlags = map[string]string{
	"db":     "the server serves one database, the one it opened",
	"config": "the server's configuration applies",
	"as":     "actions are recorded as your SSH identity",
	"debug":  "the server decides its logging",
}

// remoteFileFlags are flags, on any command, that name a file to read or
// write: over SSH that would be a file on the server, so only "-" (the
// session's stdin or stdout) is accepted. The value is how to do it instead.
var remoteFileFlags = map[string]string{
	"body-file": "ssh … incident note INC-4 --body-file - < note.txt",
	"ics":       "ssh … incident postmortem schedule INC-4 --at … --ics - > invite.ics",
}

// remoteKey is a command's key in remoteCommands.
func remoteKey(cmd *cobra.Command) string {
	path := cmd.CommandPath()
	root := cmd.Root().Name()
	return strings.TrimSpace(strings.TrimPrefix(path, root))
}

// remoteSession is who a remote command runs as.
type remoteSession struct {
	warroom.Identity
	actor string // Identity.Actor, what a.actor() returns
}

// remoteError is a refusal of a remote command, with its exit code.
type remoteError struct {
	msg  string
	code int
}

func (e remoteError) Error() string { return e.msg }
func (e remoteError) ExitCode() int { return e.code }

// guardRemote makes every command of the tree (and cobra's help and
// completion commands, added at execute) run checkRemote before it runs,
// whatever hooks a command declares of its own.
func guardRemote(a *app, root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch {
		case c.RunE != nil:
			run := c.RunE
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if err := a.checkRemote(cmd, args); err != nil {
					return err
				}
				return run(cmd, args)
			}
		case c.Run != nil:
			run := c.Run
			c.Run, c.RunE = nil, func(cmd *cobra.Command, args []string) error {
				if err := a.checkRemote(cmd, args); err != nil {
					return err
				}
				run(cmd, args)
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// checkRemote refuses what cmd may not do over SSH (guardRemote).
func (a *app) checkRemote(cmd *cobra.Command, args []string) error {
	r := a.remote
	key := remoteKey(cmd)
	what := key // "deploy promote", as typed after ssh host
	if what == "" {
		what = cmd.CommandPath()
	}
	p, ok := remoteCommands[key]
	if !ok {
		return remoteError{fmt.Sprintf("%s is not available over SSH (it has not been cleared for remote use); run it on the server", what), exitRemoteRefused}
	}
	if p.class == remoteRefused {
		return remoteError{fmt.Sprintf("%s is not available over SSH: %s", what, p.why), exitRemoteRefused}
	}
	var refusedFlag error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if refusedFlag != nil {
			return
		}
		why, bad := remoteGlobalFlags[f.Name]
		if !bad {
			why, bad = p.flags[f.Name]
		}
		if bad {
			refusedFlag = remoteError{fmt.Sprintf("--%s is not accepted over SSH: %s", f.Name, why), exitRemoteRefused}
		}
	})
	if refusedFlag != nil {
		return refusedFlag
	}
	for name, example := range remoteFileFlags {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed && f.Value.String() != "-" {
			return remoteError{fmt.Sprintf("--%s %s is not accepted over SSH: it names a file on the server; give --%s - and pipe it: %s",
				name, model.SanitizeLine(f.Value.String()), name, example), exitRemoteRefused}
		}
	}
	if key == "template import" && (len(args) != 1 || args[0] != "-") {
		return remoteError{"template import over SSH reads the template from stdin, not a file on the server: " +
			"ssh … template import - --name team-api < team-api.md", exitRemoteRefused}
	}
	if key == "import" {
		for _, arg := range args {
			if arg != "-" {
				return remoteError{"import over SSH reads the file from stdin, not a file on the server: " +
					"ssh … import - < deploys.csv (one file per command; --dry-run first)", exitRemoteRefused}
			}
		}
		if len(args) > 1 {
			return remoteError{"import over SSH reads one file from stdin: run one command per file (ssh … import - < deploys.csv)", exitRemoteRefused}
		}
	}
	if p.class == remoteWrite {
		switch {
		case r.Viewer:
			return remoteError{fmt.Sprintf("%s records an action, and %s is a viewer (viewer: true under users: in the server's config): viewers may only read (deploy status, deploy wait, incident list, history, metrics…)",
				what, model.SanitizeLine(r.Name)), exitNoPerm}
		case a.readOnly:
			return remoteError{fmt.Sprintf("%s records an action, and --read-only was given: drop --read-only to act", what), exitNoPerm}
		}
	}
	return nil
}

// remoteRunner is the command runner flightdeck serve hands to the war
// room: every command runs in-process on the server's store and
// configuration, its output going to the session.
func (a *app) remoteRunner(st *data.Store, cfg config.Effective) warroom.CommandFunc {
	return func(ctx context.Context, who warroom.Identity, c warroom.Command) int {
		ra := &app{stdin: &capReader{r: c.Stdin, left: maxRemoteStdin}, stdout: newCleanWriter(c.Stdout), stderr: newCleanWriter(c.Stderr), tty: c.Terminal, now: a.now,
			store: st, remote: &remoteSession{Identity: who, actor: who.Actor},
			noLocalGit: true, noLocalFiles: true} // the server's directory is not the client's checkout
		eff := cfg
		ra.cfg = &eff // never loaded from a file
		return ra.execute(ctx, c.Args)
	}
}

// changeWatcher is what deploy wait asks whether to re-read.
type changeWatcher interface {
	Changed(ctx context.Context) (bool, error)
	Close() error
}

// watch is a watcher on s for deploy wait. A watcher pins one of the
// store's four connections until it closes; inside serve, where any number
// of SSH clients may wait at once on the one store, a remote wait instead
// re-reads on every tick (a few small reads a second) so that waiting
// clients can never take every connection from the dashboards and writes.
func (a *app) watch(ctx context.Context, s *data.Store) (changeWatcher, error) {
	if a.remote != nil {
		return everyTick{}, nil
	}
	return s.Watch(ctx)
}

type everyTick struct{}

func (everyTick) Changed(context.Context) (bool, error) { return true, nil }
func (everyTick) Close() error                          { return nil }

// stdinReader is what "-" reads: the session's stdin over SSH, else the
// process's.
func (a *app) stdinReader() io.Reader {
	if a.stdin == nil {
		return os.Stdin
	}
	return a.stdin
}

// maxRemoteStdin bounds what one SSH client may pipe into a command
// (template import -, import -): the server holds it in memory.
const maxRemoteStdin = 64 << 20

// capReader fails, rather than truncates, past its limit: a cut-off CSV
// must not import as a shorter one.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("stdin is over %d MiB, the most a command over SSH accepts", maxRemoteStdin>>20)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
