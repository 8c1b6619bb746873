// Command flightdeck is a terminal dashboard for shipping software safely and
// for running the incident when a deploy goes wrong. See README.md.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/octoacme/flightdeck/ui/earlyinit"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/data/notify/send"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
	// exitStale: refused because the state the command read moved on
	// (model.ErrStale) — someone else acted first; nothing was written.
	exitStale = 3
)

// usageError marks a mistake in how the command was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// app holds the global flags and the lazily opened store shared by commands.
type app struct {
	dbFlag   string
	as       string
	theme    string
	mouse    bool
	readOnly bool
	debug    bool

	stdin  io.Reader // commands that read it (template import -)
	stdout io.Writer
	stderr io.Writer
	tty    bool // stdout is a terminal: tables aligned, else tab-separated (output.go)
	now    func() time.Time

	store *data.Store
	// remote is set for a command an SSH client sent to flightdeck serve:
	// the store and configuration are the server's, the actor is the
	// session's identity (remote.go).
	remote *remoteSession

	// noLocalGit: deploy start never reads the working directory's git
	// repository (a session over SSH, whose directory is not the client's
	// checkout); --repo is still honoured unless the caller refuses it.
	noLocalGit bool
	// noLocalFiles: nothing is read from or written to the server's files
	// on the caller's behalf (a session over SSH): --commits-from FILE is
	// refused, - (stdin) is fine.
	noLocalFiles bool

	// batch is set for a line of flightdeck batch, parent being the batch's
	// own app: the store, the global flags and the configuration are the
	// batch's (batch.go).
	batch  *batchRun
	parent *app

	configFlag string
	cfgMu      sync.Mutex        // SSH sessions may ask at once
	cfg        *config.Effective // loaded once by config()
	cfgErr     error
}

// config is the effective configuration (--config, $FLIGHTDECK_CONFIG or
// the default file; the seed's defaults when that is missing), loaded once.
func (a *app) config() (config.Effective, error) {
	a.cfgMu.Lock()
	defer a.cfgMu.Unlock()
	if a.cfg == nil && a.cfgErr == nil {
		path, explicit, err := config.ResolveConfigPath(a.configFlag)
		if err == nil {
			var eff config.Effective
			eff, err = config.LoadConfig(path, explicit)
			a.cfg = &eff
		}
		a.cfgErr = err
	}
	if a.cfgErr != nil {
		return config.Effective{}, a.cfgErr
	}
	return *a.cfg, nil
}

// actor is who an action is recorded as: --as, else $FLIGHTDECK_AS, else $USER, shown by the
// name the configuration's users map gives that login.
func (a *app) actor() string {
	if a.remote != nil {
		return a.remote.actor
	}
	login := a.login()
	if cfg, err := a.config(); err == nil {
		return cfg.DisplayName(login)
	}
	return login
}

// login is --as, else $FLIGHTDECK_AS (a pipeline's actor), else $USER,
// else the OS user.
func (a *app) login() string {
	if s := strings.TrimSpace(a.as); s != "" {
		return s
	}
	if s := strings.TrimSpace(os.Getenv("FLIGHTDECK_AS")); s != "" {
		return s
	}
	if u := strings.TrimSpace(os.Getenv("USER")); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// open opens (creating and migrating when needed) the database once.
func (a *app) open(ctx context.Context) (*data.Store, error) {
	return a.openWith(ctx, false)
}

// openRead opens the database for a command that only reads: the file must
// exist (a mistyped --db is not a new empty database), and a file this
// user cannot write is opened read-only instead of refused.
func (a *app) openRead(ctx context.Context) (*data.Store, error) {
	return a.openWith(ctx, true)
}

func (a *app) openWith(ctx context.Context, reading bool) (*data.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	if a.parent != nil {
		// A batch line: the batch's one store, opened by its first line
		// that needs it, as that command would open it alone.
		st, err := a.parent.openWith(ctx, reading)
		if err != nil {
			return nil, err
		}
		a.store = st
		return st, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	path, err := data.ResolveDB(a.dbFlag, cfg.DB)
	if err != nil {
		return nil, err
	}
	st, err := data.Open(ctx, path, data.Options{ReadOnly: a.readOnly, MustExist: reading, ReadOnlyIfNeeded: reading, RollbackRule: cfg.Rule, HealthMaxAge: cfg.HealthMaxAge, Policy: cfg.Policy, Plans: cfg.Plans})
	if err != nil {
		return nil, err
	}
	a.store = st
	return st, nil
}

// database is the database this command uses: --db, else $FLIGHTDECK_DB,
// else db: in the configuration file, else the default file. A PostgreSQL
// DSN is returned whole: show it only as data.RedactDSN does.
func (a *app) database() (string, error) {
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	return data.ResolveDB(a.dbFlag, cfg.DB)
}

// clock is the one "now" of the process: every command, dashboard and
// session reads time through it (tests replace a.now). The monotonic
// reading is dropped so that instants compare and print like stored ones.
func (a *app) clock() time.Time { return a.now().Round(0) }

// debugging is --debug or $DEBUG.
func (a *app) debugging() bool { return a.debug || strings.TrimSpace(os.Getenv("DEBUG")) != "" }

func (a *app) close() {
	if a.store != nil && a.remote == nil && a.batch == nil { // the server's (or the batch's) store outlives the command
		_ = a.store.Close()
		a.store = nil
	}
}

// topCommand is a top-level command by the name it is called with, built
// only when needed.
type topCommand struct {
	name  string
	build func(*app) *cobra.Command
}

// topCommands are the top-level commands, in the order help lists them (a
// test keeps the names true). A function, not a variable: serve runs
// commands itself, which would make a variable's initialisation a cycle.
func topCommands() []topCommand {
	return []topCommand{
		{"deploy", newDeployCmd}, {"check", newCheckCmd}, {"export", newExportCmd}, {"incident", newIncidentCmd},
		{"backup", newBackupCmd}, {"migrate", newMigrateCmd},
		{"config", newConfigCmd}, {"notify", newNotifyCmd},
		{"serve", newServeCmd},
		{"metrics", newMetricsCmd}, {"history", newHistoryCmd}, {"demo", newDemoCmd},
		{"template", newTemplateCmd},
		{"import", newImportCmd},
		{"batch", newBatchCmd},
	}
}

// newRootCmd is the whole command tree.
func newRootCmd(a *app) *cobra.Command { return newRootCmdFor(a, "") }

// LongRunning, when set, is called as a command in longRunning starts:
// the flightdeck binary runs its one-action commands on one processor
// (ui/procs) and sets this to give the others the runtime's default back.
var LongRunning func()

// longRunning are the top-level commands that keep running or do bulk
// work, where a second processor pays: the dashboard (""; its metrics
// screen reads a year of facts in the background while it draws, 0.3-0.5 s
// slower for 90 days at 10x on one), the SSH server (a dashboard and
// commands per session), the demo (it generates a year first), the
// notification senders, and the commands that read or write a whole
// history (metrics, export, import, backup, migrate: the garbage collector
// works beside them).
var longRunning = map[string]bool{"": true, "serve": true, "demo": true, "notify": true,
	"metrics": true, "export": true, "import": true, "backup": true, "migrate": true}

// keepsRunning calls LongRunning for the commands in longRunning.
func keepsRunning(cmd *cobra.Command) {
	if LongRunning == nil {
		return
	}
	top, _, _ := strings.Cut(remoteKey(cmd), " ")
	if longRunning[top] {
		LongRunning()
	}
}

// newRootCmdFor is the command tree with only the top-level command only
// under the root, or the whole tree when only is "". Building all of it,
// every flag of every command, was a tenth of what a one-action run costs
// in the process; the action needs its own command alone.
func newRootCmdFor(a *app, only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "flightdeck",
		Short: "Deployment checklist, canary timer, incident log and escalation clocks in one terminal",
		Long: "flightdeck is a terminal dashboard for shipping software safely and for running the\n" +
			"incident when a deploy goes wrong. With no command it opens the dashboard.\n\n" +
			"Data lives in one SQLite file, or for a team on several hosts in a PostgreSQL\n" +
			"database: --db PATH or --db postgres://USER@HOST/DBNAME (the password from\n" +
			"~/.pgpass or PGPASSWORD), else $FLIGHTDECK_DB, else db: in the configuration, else\n" +
			"$XDG_DATA_HOME/flightdeck/flightdeck.db; flightdeck migrate moves a team from one to\n" +
			"the other. Configuration (roster, escalation policy, stages, rollback rule, links,\n" +
			"probe and notify commands): --config PATH, else $FLIGHTDECK_CONFIG, else\n" +
			"$XDG_CONFIG_HOME/flightdeck/config.yaml (flightdeck config check).",
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDashboard(cmd.Context(), a)
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			keepsRunning(cmd)
			return a.checkActor()
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbFlag, "db", "", "database: a SQLite file, or PostgreSQL as postgres://USER@HOST/DBNAME (default $FLIGHTDECK_DB, else db: in the config, else $XDG_DATA_HOME/flightdeck/flightdeck.db)")
	pf.StringVar(&a.as, "as", "", "record actions as this person (default $FLIGHTDECK_AS, else $USER)")
	pf.StringVar(&a.configFlag, "config", "", "configuration file (default $FLIGHTDECK_CONFIG or $XDG_CONFIG_HOME/flightdeck/config.yaml)")
	f := root.Flags()
	f.StringVar(&a.theme, "theme", "", "colour theme for terminals that cannot tell: dark or light (default $FLIGHTDECK_THEME, else dark)")
	f.BoolVar(&a.mouse, "mouse", false, "capture the mouse (off by default so you can select and copy text)")
	pf.BoolVar(&a.readOnly, "read-only", false, "open the database read-only: the dashboard disables every action (for a shared screen), commands that write refuse")
	f.BoolVar(&a.debug, "debug", false, "write a debug log to flightdeck-debug.log in the current directory")
	if p := a.parent; p != nil {
		// A batch line starts from the batch's flags; its own --as wins.
		a.dbFlag, a.as, a.configFlag, a.readOnly = p.dbFlag, p.as, p.configFlag, p.readOnly
		root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
			if err := a.checkBatch(cmd); err != nil {
				return err
			}
			return a.checkActor()
		}
	}

	for _, c := range topCommands() {
		if only == "" || only == c.name {
			root.AddCommand(c.build(a))
		}
	}
	installJSON(a, root)
	root.AddCommand(newVersionCmd(a))
	root.SetVersionTemplate("flightdeck {{.Version}}\n")
	forgive(root)
	return root
}

// Run executes the command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	earlyinit.Restore()       // before anything reads $CI
	tty := isTerminal(stdout) // the real file, before the sanitiser wraps it
	// Every byte the CLI prints goes through the one sanitiser.
	stdout, stderr = newCleanWriter(stdout), newCleanWriter(stderr)
	a := &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, tty: tty, now: time.Now}
	send.UserAgent = "flightdeck/" + Version()
	return a.execute(ctx, args)
}

// execute runs one command line on a (local, or remote: an SSH client's
// command inside serve) and returns the exit code.
func (a *app) execute(ctx context.Context, args []string) int {
	stderr := a.stderr
	defer a.close()
	only := ""
	if a.remote == nil && !completing(args) {
		only = onlyCommand(args)
	}
	root := newRootCmdFor(a, only)
	if completing(args) {
		if a.remote != nil { // cobra adds this command at execute, past guardRemote
			fmt.Fprintf(stderr, "flightdeck: shell completion is not available over SSH: %s\n", remoteCommands["__complete"].why)
			return exitRemoteRefused
		}
		// Only when asked: cobra keeps flag completions in a global map.
		addCompletions(a, root)
	}
	if a.remote != nil {
		// No checkActor: the actor is the session's identity, never --as
		// or the server's $FLIGHTDECK_AS. Every command checks checkRemote.
		root.PersistentPreRunE = nil
		guardRemote(a, root)
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	// Cobra's own errors quote flags and commands as typed.
	where := ""
	if a.batch != nil {
		where = fmt.Sprintf("line %d: ", a.batch.line)
	}
	fmt.Fprintf(stderr, "flightdeck: %s%s\n", where, model.SanitizeLine(oneLine(err.Error())))
	// Commands with their own exit codes (deploy wait: 124 on timeout); first,
	// so text quoted in their message cannot look like a cobra usage error.
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if errors.Is(err, model.ErrStale) {
		return exitStale
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", helpPath(cmd))
		return exitUsage
	}
	return exitFail
}

// onlyCommand is the top-level command args run, if it is one of
// topCommands and nothing before it needs the rest of the tree: only the
// root's own flags may come first. Anything else (no command, help,
// --version, a typo that earns a suggestion, a flag it does not know) gets
// the whole tree, as does a session over SSH, whose guards walk it.
func onlyCommand(args []string) string {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			for _, c := range topCommands() {
				if c.name == arg {
					return arg
				}
			}
			return ""
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		switch {
		case !strings.HasPrefix(arg, "--"):
			return "" // -h, a shorthand
		case name == "db" || name == "as" || name == "config" || name == "theme":
			if !hasValue {
				i++ // its value
			}
		case name == "mouse" || name == "read-only" || name == "debug":
		default:
			return "" // --help, --version, "--", one it does not know
		}
	}
	return ""
}

// exitCoder is an error that chooses the process exit code.
type exitCoder interface{ ExitCode() int }

// isCobraUsage recognises cobra's own argument errors, which are plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
