package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

func newExportCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every table to stdout as JSON",
		Long: "Write every table (deployments, checklist items and guidance, the timeline) to\n" +
			"stdout as one JSON object with stable snake_case keys, RFC 3339 UTC times and\n" +
			"rows ordered by id.",
		Example: "  flightdeck export > flightdeck-$(date +%F).json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !strings.EqualFold(strings.TrimSpace(format), "json") {
				return usagef("--format %q is not supported: the only format is json", format)
			}
			s, err := a.openRead(cmd.Context())
			if err != nil {
				return err
			}
			return s.Export(cmd.Context(), a.stdout)
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "output format (only json)")
	return cmd
}
