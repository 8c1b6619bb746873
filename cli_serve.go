package main

import (
	"github.com/spf13/cobra"
)

func newServeCmd(a *app) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard over SSH, one live dashboard per person, for a remote war room",
		Long: "Serve the dashboard over SSH: everyone who connects gets their own live dashboard\n" +
			"on this database, and an action in one appears in all the others at once (and\n" +
			"changes from other processes within a second). Actions are recorded as the SSH\n" +
			"user, or as the name the config gives that user under 'users:'; users marked\n" +
			"'viewer: true' get a read-only dashboard.\n\n" +
			"Only public-key login is allowed: --authorized-keys names a file of OpenSSH public\n" +
			"keys, one per line, read whole at start (a bad line stops the server and names\n" +
			"the line) and re-read when it changes. A line may start with\n" +
			"principals=\"alice,bob\" to let that key log in only as those users; without it,\n" +
			"the key may use any user name. The server listens on loopback unless told\n" +
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
	f.StringVar(&o.listen, "listen", "127.0.0.1:2222", "address to listen on (HOST:PORT; a port of 0 picks a free one)")
	f.StringVar(&o.authorizedKeys, "authorized-keys", "", "file of OpenSSH public keys allowed to log in (required)")
	f.StringVar(&o.hostKey, "host-key", "", "server private key, created on first run (default $XDG_DATA_HOME/flightdeck/ssh_host_ed25519)")
	f.StringVar(&a.theme, "theme", "", "colour theme for every session: dark or light (default $FLIGHTDECK_THEME, else each client's terminal decides)")
	f.BoolVar(&a.debug, "debug", false, "log connections to flightdeck-debug.log in the current directory")
	return cmd
}
