package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
)

// deployLabel is "#3 checkout-api v2.14.0 → production", or "#3" when it
// cannot be read.
func deployLabel(ctx context.Context, s *data.Store, id int64) string {
	if d, err := s.Deployment(ctx, id); err == nil {
		return fmt.Sprintf("#%d %s", d.ID, model.SanitizeLine(d.Title()))
	}
	return fmt.Sprintf("#%d", id)
}

func newIncidentLinkCmd(a *app) *cobra.Command {
	var deployFlag string
	cmd := &cobra.Command{
		Use:   "link ID --deploy N",
		Short: "Link the incident to the deployment that caused it (or move the link)",
		Long: "Link the incident to deployment N, or move its link there. A linked SEV1/SEV2 makes\n" +
			"the deployment a change failure in flightdeck metrics. Each link is a timeline event.",
		Example: "  flightdeck incident link INC-1 --deploy 3",
		Args:    incidentArgs(0, "an incident id and --deploy N"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(deployFlag) == "" {
				return usagef("incident link needs --deploy N, the deployment that caused it, e.g. flightdeck incident link %s --deploy 3", args[0])
			}
			id, err := parseDeployID(deployFlag)
			if err != nil {
				return err
			}
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				if before.DeploymentID == id {
					fmt.Fprintf(a.stdout, "%s is already linked to %s\n", before.Ref(), deployLabel(ctx, s, id))
					return nil
				}
				if err := s.LinkIncident(ctx, before.ID, id, model.SeenIncident(before), a.actor(), now); err != nil {
					return err
				}
				was := ""
				if before.DeploymentID != 0 {
					was = " (was " + deployLabel(ctx, s, before.DeploymentID) + ")"
				}
				fmt.Fprintf(a.stdout, "%s linked to %s%s\n", before.Ref(), deployLabel(ctx, s, id), was)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&deployFlag, "deploy", "", "the deployment that caused the incident (required)")
	return cmd
}

func newIncidentUnlinkCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "unlink ID",
		Short:   "Remove the incident's link to a deployment (it did not cause it)",
		Long:    "Remove the link, so the deployment no longer counts as a change failure because of it.",
		Example: "  flightdeck incident unlink INC-1",
		Args:    incidentArgs(0, "an incident id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(cmd, a, args[0], func(ctx context.Context, s *data.Store, before model.Incident, now time.Time) error {
				if before.DeploymentID == 0 {
					fmt.Fprintf(a.stdout, "%s is not linked to a deployment\n", before.Ref())
					return nil
				}
				if err := s.UnlinkIncident(ctx, before.ID, model.SeenIncident(before), a.actor(), now); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s unlinked from %s\n", before.Ref(), deployLabel(ctx, s, before.DeploymentID))
				return nil
			})
		},
	}
}
