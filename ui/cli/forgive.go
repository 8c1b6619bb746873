package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// forgive makes every command that has subcommands answer a mistyped one
// with what was probably meant ("deploy strat": did you mean start?), at
// every depth. Cobra suggests only for a root without Args; ours have them.
func forgive(cmd *cobra.Command) {
	if cmd.HasSubCommands() {
		orig := cmd.Args
		cmd.SuggestionsMinimumDistance = 2
		cmd.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				if s := suggestCommands(c, args[0]); s != "" {
					if !c.HasParent() {
						return usagef("unknown command %q: did you mean %s?", args[0], s)
					}
					return usagef("unknown command %q for %s: did you mean %s?", args[0], c.CommandPath(), s)
				}
				if !c.HasParent() {
					return usagef("unknown command %q: see %s --help for the commands", args[0], c.CommandPath())
				}
			}
			if orig != nil {
				return orig(c, args)
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		forgive(c)
	}
}

// suggestCommands is "start" or "ack or action": the visible subcommands
// of cmd whose name (or alias) is near typed.
func suggestCommands(cmd *cobra.Command, typed string) string {
	if strings.HasPrefix(typed, "-") {
		return ""
	}
	s := cmd.SuggestionsFor(typed)
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// helpPath is the command whose --help a usage error points at: the one
// that was being run, at whatever depth.
func helpPath(cmd *cobra.Command) string {
	if cmd == nil {
		return "flightdeck"
	}
	return cmd.CommandPath()
}
