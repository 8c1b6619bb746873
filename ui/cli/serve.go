package cli

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	charmlog "github.com/charmbracelet/log"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/ui/cli/dashstore"
	"github.com/octoacme/flightdeck/ui/warroom"
)

func newServeCmd(a *app) *cobra.Command {
	var o warroom.Options
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard over SSH, one live dashboard per person, for a remote war room",
		Long: "Serve the dashboard over SSH: everyone who connects gets their own live dashboard\n" +
			"on this database, and an action in one appears in all the others at once (and\n" +
			"changes from other processes within a second). Actions are recorded as the name\n" +
			"the config gives the SSH user under 'users:' (else the user name) with the key's\n" +
			"fingerprint, e.g. \"Alice Liddell (ssh SHA256:uCv0YwT2)\"; users marked\n" +
			"'viewer: true' get a read-only dashboard.\n\n" +
			"A command sent over SSH runs as that CLI command on this database, as that person:\n" +
			"'ssh -p 2222 ci@host deploy promote --deploy 42 --json' (stdout, stderr and the exit\n" +
			"code come back). Viewers are refused every command that writes (exit 77); commands\n" +
			"and flags that touch the server's files (--db, --config, --as, backup, --out …) are\n" +
			"refused (exit 2); a file to import is piped in: ssh … template import - --name NAME < FILE.\n\n" +
			"Only public-key login is allowed: --authorized-keys names a file of OpenSSH public\n" +
			"keys, one per line, read whole at start (a bad line stops the server and names\n" +
			"the line) and re-read when it changes. A line may start with\n" +
			"principals=\"alice,bob\" to let that key log in only as those users; without it,\n" +
			"the key logs in only as the name its comment gives (alice@laptop: alice). The\n" +
			"file must be yours (or root's) and writable by nobody else; a key removed from it\n" +
			"ends that key's sessions. Terminal sizes are capped at 500x200; agent, X11 and\n" +
			"port forwarding are refused. The server listens on loopback unless told\n" +
			"otherwise; its host key is created on first run (mode 0600) and reused.",
		Example: "  ssh-keygen -t ed25519                          # if you have no key yet\n" +
			"  cat ~/.ssh/id_ed25519.pub >> ~/.config/flightdeck/authorized_keys\n" +
			"  flightdeck serve --authorized-keys ~/.config/flightdeck/authorized_keys\n" +
			"  ssh -t -p 2222 alice@127.0.0.1                 # from another terminal",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), a, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:2222", "address to listen on (HOST:PORT; a port of 0 picks a free one)")
	f.StringVar(&o.AuthorizedKeys, "authorized-keys", "", "file of OpenSSH public keys allowed to log in (required)")
	f.StringVar(&o.HostKey, "host-key", "", "server private key, created on first run (default $XDG_DATA_HOME/flightdeck/ssh_host_ed25519)")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", warroom.DefaultIdleTimeout, "end a connection with no traffic either way for this long (0: never); a live dashboard redraws its clock, so only a client that stopped reading gets near it")
	f.IntVar(&o.MaxSessions, "max-sessions", warroom.DefaultMaxSessions, "most dashboards served at once")
	f.StringVar(&a.theme, "theme", "", "colour theme for every session: dark or light (default $FLIGHTDECK_THEME, else each client's terminal decides)")
	f.BoolVar(&a.debug, "debug", false, "log connections to flightdeck-debug.log in the current directory")
	return cmd
}

// runServe opens what the war room needs — the store, the one change
// signal, the notifier — and hands it to ui/warroom.
func runServe(ctx context.Context, a *app, o warroom.Options) error {
	dark, err := themeFlag(a.theme)
	if err != nil {
		return err
	}
	o.Dark = dark
	if strings.TrimSpace(o.AuthorizedKeys) == "" {
		return usagef("serve needs --authorized-keys FILE (only public-key login is allowed): " +
			"put the public key of each person, one per line, in a file, e.g. " +
			"'cat ~/.ssh/id_ed25519.pub >> ~/.config/flightdeck/authorized_keys' " +
			"(no key yet? 'ssh-keygen -t ed25519'), then pass --authorized-keys ~/.config/flightdeck/authorized_keys")
	}
	if o.IdleTimeout < 0 {
		return usagef("invalid --idle-timeout %v: give a duration such as 12h, or 0 for none", o.IdleTimeout)
	}
	if o.MaxSessions < 1 {
		return usagef("invalid --max-sessions %d: give at least 1", o.MaxSessions)
	}
	if _, err := warroom.ListenWarning(o.Listen); err != nil {
		return usageError{err}
	}
	logger, closeLog, err := serveLogger(a)
	if err != nil {
		return err
	}
	defer closeLog()
	o.Logger = logger
	srv, err := warroom.New(o)
	if err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	st, err := a.open(ctx)
	if err != nil {
		return err
	}
	changes, _, stop, err := a.changes(ctx, st, false)
	if err != nil {
		return err
	}
	defer stop()
	return srv.Serve(ctx, warroom.Served{
		Store:     dashstore.New(st),
		Changes:   changes,
		Dashboard: a.dashboardOptions(st, cfg),
		Identity:  func(login string) (string, bool) { return cfg.DisplayName(login), cfg.Viewer(login) },
		Database:  st.Path(),
		Command:   a.remoteRunner(st, cfg),
		Stdout:    a.stdout,
		Stderr:    a.stderr,
	})
}

// serveLogger is where connections are logged: the debug log when asked
// for (--debug or DEBUG=1), else nowhere. Never the terminal.
func serveLogger(a *app) (*log.Logger, func(), error) {
	var w io.Writer = io.Discard
	closeLog := func() {}
	if a.debugging() {
		f, err := os.OpenFile("flightdeck-debug.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("debug log: %w", err)
		}
		w, closeLog = f, func() { _ = f.Close() }
	}
	// wish and its middlewares log through charmbracelet/log's default.
	charmlog.SetOutput(w)
	return log.New(w, "flightdeck serve: ", log.LstdFlags|log.Lmicroseconds), closeLog, nil
}
