package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// The rollout pane's actions, started from handleRolloutKey: each is a
// write through the store, with the prompts and confirmations it needs.

// rolloutWrite runs one rollout action for the focused deployment.
func (m Model) rolloutWrite(do func(ctx context.Context, actor string, at timeT) (string, error)) tea.Cmd {
	actor, at := m.opts.Actor, m.opts.Now()
	return m.write(m.focusID, func(ctx context.Context) (string, int64, error) {
		s, err := do(ctx, actor, at)
		return s, 0, err
	})
}

func (m Model) promote() (tea.Model, tea.Cmd) {
	p := &m.rollout
	s := p.status(m.now)
	id := p.deploy.ID
	seen := model.SeenRollout(p.rollout) // as shown when the prompt opens: the decision rests on it
	do := func(reason string) tea.Cmd {
		return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			if err := m.writer.Promote(ctx, id, seen, reason, actor, at); err != nil {
				return "", err
			}
			return fmt.Sprintf("promoted to %s", clean(s.Next)), nil
		})
	}
	_, err := model.Promote(p.rollout, m.opts.Now(), "", p.gate(false))
	switch {
	case err == nil:
		return m, do("")
	case errors.Is(err, model.ErrNeedsReason):
		// The question lists everything the reason overrides, worst first
		// (a HOLD before the soak), so nobody overrides a SEV1 by accident.
		needs := p.gate(false).Needs(p.rollout, m.opts.Now())
		q := clean(strings.Join(needs, "; ")) + " — promote anyway because"
		if soak, _, ok := strings.Cut(err.Error(), " (ends "); ok && len(needs) == 1 && strings.HasPrefix(soak, "stage ") {
			q = clean(soak) + " — promote anyway because" // the soak alone: its clocks whole
		}
		m.openPrompt(q, "reason (required, recorded)", "", func(m *Model, v string) (tea.Cmd, string) {
			if v == "" {
				return nil, "a reason is required"
			}
			return do(v), ""
		})
		return m, nil
	}
	m.setStatus("✗ "+err.Error(), true)
	return m, nil
}

func (m Model) pauseOrResume() tea.Cmd {
	id := m.rollout.deploy.ID
	seen := model.SeenRollout(m.rollout.rollout)
	if m.rollout.rollout.Paused {
		return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			return "rollout resumed", m.writer.Resume(ctx, id, seen, actor, at)
		})
	}
	return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
		return "rollout paused: the soak clock is stopped", m.writer.Pause(ctx, id, seen, actor, at)
	})
}

func (m Model) finish() (tea.Model, tea.Cmd) {
	p := &m.rollout
	d := p.deploy
	id := d.ID
	seen := model.SeenRollout(p.rollout)
	do := func(reason string) tea.Cmd {
		return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			if err := m.writer.Finish(ctx, id, seen, reason, actor, at); err != nil {
				return "", err
			}
			if d.RollingBack() {
				return fmt.Sprintf("%s marked rolled back", clean(d.Title())), nil
			}
			return fmt.Sprintf("%s completed", clean(d.Title())), nil
		})
	}
	g := p.gate(true)
	reasonPrompt := func(q string) {
		m.openPrompt(q, "reason (required, recorded)", "", func(m *Model, v string) (tea.Cmd, string) {
			if v == "" {
				return nil, "a reason is required"
			}
			return do(v), ""
		})
	}
	if d.RollingBack() {
		watch := ""
		if rem, ok := d.StabilityRemaining(m.now); !ok || rem > 0 {
			watch = "The 15-min stability watch is not over. "
		}
		if len(g.OpenItems) > 0 {
			reasonPrompt(clean(watch + model.OpenItemsText(g.OpenPhase, g.OpenItems) + " — mark " + d.Title() + " rolled back anyway (recorded) because"))
			return m, nil
		}
		q := fmt.Sprintf("Mark %s as rolled back?", clean(d.Title()))
		if watch != "" {
			q = fmt.Sprintf("%sMark %s as rolled back anyway?", watch, clean(d.Title()))
		}
		m.choice = yesNo(q, func(m *Model) tea.Cmd { return do("") })
		m.mode = modeConfirm
		return m, nil
	}
	_, err := model.Finish(p.rollout, m.opts.Now(), "", g)
	switch {
	case err == nil:
		m.choice = yesNo(fmt.Sprintf("Finish: mark %s completed?", clean(d.Title())), func(m *Model) tea.Cmd { return do("") })
		m.mode = modeConfirm
	case errors.Is(err, model.ErrNeedsReason):
		needs := g.Needs(p.rollout, m.opts.Now())
		reasonPrompt(clean(strings.Join(needs, "; ")) + " — finish anyway (recorded) because")
	default:
		m.setStatus("✗ "+err.Error(), true)
	}
	return m, nil
}

// abort asks for a reason, then confirms: rollback is destructive.
func (m Model) abort() (tea.Model, tea.Cmd) {
	d := m.rollout.deploy
	id := d.ID
	seen := model.SeenRollout(m.rollout.rollout)
	m.openPrompt(fmt.Sprintf("ABORT %s and roll back — reason", clean(d.Title())), "what went wrong (optional), then confirm", "", func(m *Model, v string) (tea.Cmd, string) {
		m.choice = yesNo(fmt.Sprintf("Abort %s and start the rollback now?", clean(d.Title())), func(m *Model) tea.Cmd {
			m.setFocus(paneChecklist)
			return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				if err := m.writer.Abort(ctx, id, seen, v, actor, at); err != nil {
					return "", err
				}
				if d.Status == model.StatusPlanned {
					return fmt.Sprintf("%s aborted before execution", clean(d.Title())), nil
				}
				return "rollout aborted: work the Rollback checklist", nil
			})
		})
		m.mode = modeConfirm
		return nil, ""
	})
	return m, nil
}

func (m *Model) healthPrompt() {
	id := m.rollout.deploy.ID
	placeholder := "e.g. 2.4 1.1 (error rate, then the baseline)"
	if h := m.rollout.health; h.Has {
		placeholder = fmt.Sprintf("e.g. 2.4 — baseline stays %g%% unless you add one", h.BaselineErrorRate)
	}
	m.openPrompt("error rate % [baseline %]", placeholder, "", func(m *Model, v string) (tea.Cmd, string) {
		f := strings.Fields(v)
		if len(f) == 0 || len(f) > 2 {
			return nil, "type the error rate, then optionally the baseline: 2.4 1.1"
		}
		rate, err := model.ParsePercent(f[0])
		if err != nil {
			return nil, err.Error()
		}
		var base *float64
		if len(f) == 2 {
			b, err := model.ParsePercent(f[1])
			if err != nil {
				return nil, "baseline: " + err.Error()
			}
			base = &b
		}
		return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			met, expl, err := m.writer.RecordHealth(ctx, id, rate, base, actor, at)
			if err != nil {
				return "", err
			}
			if met {
				return "! ROLLBACK CRITERIA MET: " + expl, nil
			}
			return fmt.Sprintf("error rate %.2f%% recorded: within the rule", rate), nil
		}), ""
	})
}

// declareChoice picks one of the seed's other rollback criteria, then asks why.
func (m *Model) declareChoice() {
	id := m.rollout.deploy.ID
	opts := map[string]func(m *Model) tea.Cmd{}
	var labels []string
	n := 0
	for _, c := range model.Criteria {
		if c == model.CriterionErrorRate {
			continue
		}
		n++
		c := c
		k := fmt.Sprint(n)
		labels = append(labels, k+" "+c.Label())
		opts[k] = func(m *Model) tea.Cmd {
			m.openPrompt("declare “"+c.Label()+"” because", "what you saw (required)", "", func(m *Model, v string) (tea.Cmd, string) {
				if v == "" {
					return nil, "a reason is required"
				}
				return m.rolloutWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
					if err := m.writer.DeclareCriterion(ctx, id, c, v, actor, at); err != nil {
						return "", err
					}
					return "! ROLLBACK CRITERIA MET: " + c.Label(), nil
				}), ""
			})
			return nil
		}
	}
	m.choice = choice{question: "Declare a rollback criterion (press its number; any other key cancels):", list: labels, options: opts}
	m.mode = modeConfirm
}

// firstClause trims a refusal to its first clause for a prompt label: up to
// the first ": " or "; " (a colon inside a clock, 14:10, is not a break),
// without a trailing aside in parentheses ("(ends 09:33:37 UTC)").
func firstClause(s string) string {
	cut := len(s)
	for _, sep := range []string{": ", "; "} {
		if i := strings.Index(s, sep); i > 0 && i < cut {
			cut = i
		}
	}
	s = strings.TrimSpace(s[:cut])
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, " ("); i > 0 {
			s = s[:i]
		}
	}
	return s
}
