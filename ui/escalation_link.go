package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// linkPrompt links the selected incident to the deployment that caused it,
// moves the link, or removes it (0). It asks for the deployment's number,
// naming the active ones with the focused first: any deployment can be the
// cause, also one already finished. Nothing is chosen for the person.
func (m *Model) linkPrompt(inc model.Incident) {
	ref, id, was := inc.Ref(), inc.ID, inc.DeploymentID
	seen := model.SeenIncident(inc) // the link as shown: a change since is refused
	d, has := m.focused()
	var names []string
	for _, c := range linkChoices(m.deployments, d, has) {
		names = append(names, fmt.Sprintf("#%d %s %s", c.ID, clean(c.Service), clean(c.Version)))
	}
	now := "not linked to a deployment"
	if was != 0 {
		now = fmt.Sprintf("linked to #%d", was)
		for _, c := range m.deployments {
			if c.ID == was {
				now += " " + clean(c.Service) + " " + clean(c.Version)
			}
		}
	}
	label := fmt.Sprintf("%s is %s. Link it to deployment", ref, now)
	if len(names) > 0 {
		label += " (active: " + strings.Join(names, " · ") + ")"
	}
	placeholder := "a deployment number"
	if was != 0 {
		placeholder = "a number, or 0 to unlink"
	}
	m.openPrompt(label, placeholder, "", func(m *Model, v string) (tea.Cmd, string) {
		v = strings.TrimPrefix(strings.TrimSpace(v), "#")
		if v == "" && was != 0 {
			return nil, "type a deployment number, or 0 to unlink"
		} else if v == "" {
			return nil, "type a deployment number"
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Sprintf("%q is not a deployment number: type one, e.g. 3 (H lists past deployments)", v)
		}
		if n == 0 {
			if was == 0 {
				return nil, ref + " is not linked to a deployment: type one to link it"
			}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				return fmt.Sprintf("%s unlinked from #%d", ref, was), m.writer.UnlinkIncident(ctx, id, seen, actor, at)
			}), ""
		}
		if n == was {
			return nil, fmt.Sprintf("%s is already linked to #%d", ref, n)
		}
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			status := fmt.Sprintf("%s linked to #%d", ref, n)
			if was != 0 {
				status += fmt.Sprintf(" (was #%d)", was)
			}
			return status, m.writer.LinkIncident(ctx, id, n, seen, actor, at)
		}), ""
	})
}
