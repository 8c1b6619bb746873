package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/octoacme/flightdeck/model"
)

// Prompts and questions wrap instead of cutting what they ask (D15, D16,
// D37): the early-promote question keeps its clocks whole, the declare
// criterion and severity choices list every option at 80 columns.
func TestGoldenPrompts(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}}
	cases := []struct {
		name string
		want string // must be on the screen, whole
		open func(t *testing.T, w, h int) Model
	}{
		{"promote-early", "stage 1/4 · 5% has 14:10 of its 15:00 soak left — promote anyway because:", func(t *testing.T, w, h int) Model {
			st, m, clock, _ := executing(t, w, h)
			m = reading(t, st, m, t0.Add(30*time.Second), 0.45) // health is known: the soak alone needs the reason
			m = at(t, m, clock, 50*time.Second+300*time.Millisecond)
			return keys(t, m, "p")
		}},
		{"declare", "3 Performance degradation affects customer experience", func(t *testing.T, w, h int) Model {
			_, m, _, _ := executing(t, w, h)
			return keys(t, m, "D")
		}},
		{"severity", "4 Low: Cosmetic issue or minor bug", func(t *testing.T, w, h int) Model {
			_, m, _, _ := withIncident(t, w, h)
			return keys(t, m, "V")
		}},
		{"ack-placeholder", "who was reached: Priya Raman — type to replace", func(t *testing.T, w, h int) Model {
			_, m, _, _ := withIncident(t, w, h)
			m.escalation.policy = withPerson(m.escalation.policy, "Priya Raman")
			return keys(t, m, "a")
		}},
	}
	for _, c := range cases {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", c.name, sz[0], sz[1]), func(t *testing.T) {
				m := c.open(t, sz[0], sz[1])
				v := m.View()
				assertFits(t, v, sz[0], sz[1])
				flat := strings.Join(strings.Fields(v), " ")
				if !strings.Contains(flat, c.want) {
					t.Errorf("the screen lacks %q:\n%s", c.want, v)
				}
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// The ack prompt's configured person is a placeholder: typing writes the
// name typed, not the configured name with it appended (D12); enter alone
// records the configured person.
func TestAckTypingReplacesTheConfiguredPerson(t *testing.T) {
	st, m, _, _ := withIncident(t, 120, 40)
	m.escalation.policy = withPerson(m.escalation.policy, "Priya Raman")
	m = keys(t, m, "a")
	m = typeText(t, m, "carol")
	m = keys(t, m, "enter")
	inc := st.incidents[0]
	if len(inc.Acks) != 1 || inc.Acks[0].Reached != "carol" {
		t.Fatalf("acks %+v, want one reaching carol", inc.Acks)
	}
}

// A pre-filled value (the resolve prompt's known root cause) is selected:
// the first key typed replaces it; a movement key keeps it for editing.
func TestPrefilledPromptTypingReplaces(t *testing.T) {
	m := newTestModel(t, newFakeStore(), 120, 40)
	m.openPrompt("root cause", "", "bad flag default", func(m *Model, v string) (tea.Cmd, string) { return nil, "" })
	if !strings.Contains(m.View(), "typing replaces") {
		t.Errorf("no hint that typing replaces:\n%s", m.View())
	}
	m2 := typeText(t, m, "expired cert")
	if got := m2.prompt.value(); got != "expired cert" {
		t.Errorf("typing gave %q, want the typed text only", got)
	}
	m3 := keys(t, m, "left")
	m3 = typeText(t, m3, "X")
	if got := m3.prompt.value(); got != "bad flag defaulXt" {
		t.Errorf("after ← typing gave %q, want an edit of the value", got)
	}
}

// withPerson is p with its first step filled by person, as a roster does.
func withPerson(p model.EscalationPolicy, person string) model.EscalationPolicy {
	p.Steps = append([]model.EscalationStep(nil), p.Steps...)
	p.Steps[0].Person = person
	return p
}
