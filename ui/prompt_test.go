package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestFirstClause(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"stage 1/4 · 5% has 14:10 of its 15:00 soak left (ends 09:33:37 UTC): give a reason to promote early",
			"stage 1/4 · 5% has 14:10 of its 15:00 soak left"},
		{"stage 4/4 · 100% has 00:59 of its 15:00 soak left (ends 10:20:00 UTC): give a reason to finish early",
			"stage 4/4 · 100% has 00:59 of its 15:00 soak left"},
		{"rollback criteria are met: error rate 7.20%; give a reason", "rollback criteria are met"},
		{"held; INC-1 SEV1 open: give a reason", "held"},
		{"no separator here", "no separator here"},
		{"at 14:10:05 it ended", "at 14:10:05 it ended"},
	} {
		if got := firstClause(c.in); got != c.want {
			t.Errorf("firstClause(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Issue 13 defect 9: a pasted note longer than the limit was cut at 500
// characters and reported "note saved". Now nothing is saved and the prompt
// says why.
func TestPromptRefusesOverlongPaste(t *testing.T) {
	st := seeded(t)
	m := newTestModel(t, st, 120, 30)
	m = keys(t, m, "e")
	if m.mode != modePrompt {
		t.Fatal("e opened no note prompt")
	}
	paste := strings.Repeat("0123456789", 61) // 610 characters
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(paste), Paste: true})
	m = keys(t, m, "enter")
	items, _, _ := st.Checklist(context.Background(), 1)
	if items[0].Note != "" {
		t.Fatalf("a cut note was saved: %d characters", len(items[0].Note))
	}
	if m.mode != modePrompt || !strings.Contains(m.View(), "too long: keep it to 500 characters — nothing saved") {
		t.Fatalf("no refusal shown:\n%s", m.View())
	}
	if strings.Contains(m.View(), "note saved") {
		t.Fatal("says note saved")
	}
	// Exactly the limit is saved whole.
	m = keys(t, m, "esc", "e")
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(paste[:PromptMaxLen]), Paste: true})
	m = keys(t, m, "enter")
	items, _, _ = st.Checklist(context.Background(), 1)
	if items[0].Note != paste[:PromptMaxLen] {
		t.Fatalf("a note of exactly %d characters was not saved whole: %d", PromptMaxLen, len(items[0].Note))
	}
}
