package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/octoacme/flightdeck/model"
)

// The postmortem from the dashboard: W edits one of its fields or its
// status, A adds an action item or marks one done. Both work on the
// selected open incident and on the recently resolved ones the pane lists
// under "postmortem" (their review is what these are for): with more than
// one to choose from, a question asks which.

// postmortemActions need an incident, open or recently resolved.
func (k *KeyMap) postmortemActions() []*key.Binding {
	return []*key.Binding{&k.Postmortem, &k.ActionItem}
}

// postmortemTargets are the incidents W and A can work on: the selected
// open one first, then the recently resolved ones, at most 7: one key each,
// and the question's lines fit the footer (maxPromptLines+2).
func (p *escalationPane) postmortemTargets() []model.Incident {
	var out []model.Incident
	if inc, ok := p.selectedIncident(); ok {
		out = append(out, inc)
	}
	for _, inc := range p.resolved {
		if len(out) == 7 {
			break
		}
		if len(out) > 0 && out[0].ID == inc.ID {
			continue
		}
		out = append(out, inc)
	}
	return out
}

// pickIncident runs then on the one target, or asks which.
func (m *Model) pickIncident(what string, then func(m *Model, inc model.Incident)) {
	incs := m.escalation.postmortemTargets()
	switch len(incs) {
	case 0:
		m.setStatus("no incident to write a postmortem for: ! opens one", true)
		return
	case 1:
		then(m, incs[0])
		return
	}
	opts := map[string]func(m *Model) tea.Cmd{}
	var labels []string
	for i, inc := range incs {
		inc := inc
		n := fmt.Sprint(i + 1)
		labels = append(labels, fmt.Sprintf("%s %s %s: %s", n, inc.Ref(), inc.Status, clean(inc.Title)))
		opts[n] = func(m *Model) tea.Cmd {
			then(m, inc)
			return nil
		}
	}
	m.choice = choice{question: what + " of which incident? (press its number; any other key cancels)", list: labels, options: opts}
	m.mode = modeConfirm
}

// handlePostmortemKey answers W and A; false when msg is neither.
func (m *Model) handlePostmortemKey(msg tea.KeyMsg) bool {
	switch {
	case key.Matches(msg, m.keys.Postmortem):
		m.pickIncident("Postmortem", (*Model).postmortemFieldChoice)
	case key.Matches(msg, m.keys.ActionItem):
		m.pickIncident("Action item", (*Model).actionItemPrompt)
	default:
		return false
	}
	return true
}

// postmortemFieldChoice asks which field to edit, showing each one's value.
func (m *Model) postmortemFieldChoice(inc model.Incident) {
	opts := map[string]func(m *Model) tea.Cmd{}
	var labels []string
	for i, f := range model.PostmortemFields {
		f := f
		n := fmt.Sprint(i + 1)
		v := f.Get(inc.Postmortem)
		if v == "" {
			v = "(empty)"
		}
		labels = append(labels, fmt.Sprintf("%s %s: %s", n, f.Label, oneLine(v)))
		opts[n] = func(m *Model) tea.Cmd {
			// Long text goes to the editor (line breaks kept); the owner,
			// and every field where there is no editor (SSH), to a prompt.
			if f.Name != "owner" && m.opts.Editor != "" {
				return m.postmortemFieldEditor(inc, f)
			}
			m.postmortemFieldPrompt(inc, f)
			return nil
		}
	}
	n := fmt.Sprint(len(model.PostmortemFields) + 1)
	labels = append(labels, fmt.Sprintf("%s Status: %s", n, inc.Postmortem.State().Label()))
	opts[n] = func(m *Model) tea.Cmd {
		m.postmortemStatusPrompt(inc)
		return nil
	}
	// When it was detected: a time, in the one grammar.
	det := "(not recorded)"
	if !inc.Postmortem.DetectedAt.IsZero() {
		det = clockTime(inc.Postmortem.DetectedAt, m.now, m.loc())
	}
	labels = append(labels, fmt.Sprintf("d Detected at: %s", det))
	opts["d"] = func(m *Model) tea.Cmd {
		m.detectedAtPrompt(inc)
		return nil
	}
	// The root cause is the incident's (R asks for it at resolve); here it
	// gets the editor too, so its contributing detail can take lines.
	if m.opts.Editor != "" {
		rc := inc.RootCause
		if rc == "" {
			rc = "(empty)"
		}
		labels = append(labels, fmt.Sprintf("0 Root cause: %s", oneLine(rc)))
		opts["0"] = func(m *Model) tea.Cmd { return m.rootCauseEditor(inc) }
	}
	// Two to a line, so the nine fit the footer's question.
	var pairs []string
	for i := 0; i < len(labels); i += 2 {
		if i+1 < len(labels) {
			pairs = append(pairs, pad(labels[i], 38)+"  "+labels[i+1])
		} else {
			pairs = append(pairs, labels[i])
		}
	}
	m.choice = choice{question: inc.Ref() + " postmortem: edit which? (press its number; any other key cancels)", list: pairs, options: opts}
	m.mode = modeConfirm
}

// editorTextMsg ends an editor session on a text field: done saves text.
type editorTextMsg struct {
	path string
	err  error
	done func(m *Model, text string) tea.Cmd
}

// postmortemFieldEditor edits one text field in the editor, prefilled with
// its value, line breaks kept; saving an unchanged text writes nothing.
func (m *Model) postmortemFieldEditor(inc model.Incident, f model.PostmortemField) tea.Cmd {
	ref, id, cur := inc.Ref(), inc.ID, f.Get(inc.Postmortem)
	header := fmt.Sprintf("# %s postmortem — %s: edit below, save and quit. Lines starting with # are dropped;\n# an empty text clears the field. Line breaks are kept.\n", ref, f.Label)
	return m.editText(header, cur, func(m *Model, v string) tea.Cmd {
		if v == strings.TrimSpace(cur) {
			m.setStatus(fmt.Sprintf("%s postmortem %s unchanged", ref, strings.ToLower(f.Label)), false)
			return nil
		}
		var e model.PostmortemEdit
		f.Set(&e, v)
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			_, err := m.writer.SetPostmortem(ctx, id, e, actor, at)
			return fmt.Sprintf("%s postmortem %s saved", ref, strings.ToLower(f.Label)), err
		})
	})
}

// detectedAtPrompt sets when the incident was detected (the report's
// Detection), read like every time (model.ParseTime); empty clears it.
func (m *Model) detectedAtPrompt(inc model.Incident) {
	ref, id := inc.Ref(), inc.ID
	m.openPrompt(ref+" detected at", "-5m, 09:28:40, 2026-12-01 09:28 +0100 (empty clears it)", "", func(m *Model, v string) (tea.Cmd, string) {
		var t time.Time
		if strings.TrimSpace(v) != "" {
			var err error
			if t, err = model.ParseTime(v, m.now, m.loc()); err != nil {
				return nil, err.Error()
			}
		}
		e := model.PostmortemEdit{DetectedAt: &t}
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			_, err := m.writer.SetPostmortem(ctx, id, e, actor, at)
			return ref + " detection time saved", err
		}), ""
	})
}

// rootCauseEditor edits the incident's root cause in the editor.
func (m *Model) rootCauseEditor(inc model.Incident) tea.Cmd {
	ref, id, cur := inc.Ref(), inc.ID, inc.RootCause
	header := fmt.Sprintf("# %s root cause: edit below, save and quit. Lines starting with # are dropped;\n# an empty text clears it. Line breaks are kept.\n", ref)
	return m.editText(header, cur, func(m *Model, v string) tea.Cmd {
		if v == strings.TrimSpace(cur) {
			m.setStatus(ref+" root cause unchanged", false)
			return nil
		}
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			return ref + " root cause saved", m.writer.SetRootCause(ctx, id, v, actor, at)
		})
	})
}

// editText suspends the dashboard and runs the editor on a temporary file
// holding header and initial; when it exits, done gets the text without
// the # lines (editorTextMsg).
func (m *Model) editText(header, initial string, done func(m *Model, text string) tea.Cmd) tea.Cmd {
	f, err := os.CreateTemp("", "flightdeck-edit-*.txt")
	if err != nil {
		m.setStatus("✗ cannot make a file for the editor: "+err.Error(), true)
		return nil
	}
	_, werr := f.WriteString(header + initial)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		m.setStatus("✗ cannot write the editor's file: "+werr.Error(), true)
		return nil
	}
	argv := append(strings.Fields(m.opts.Editor), f.Name())
	msg := editorTextMsg{path: f.Name(), done: done}
	cmd := exec.Command(argv[0], argv[1:]...)
	// The editor gets the terminal itself: the program's output is a
	// writer around it (cellWriter), which exec would hand on as a pipe.
	// Only the local dashboard has an editor (Options.Editor).
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return tea.ExecProcess(cmd, func(err error) tea.Msg {
		msg.err = err
		return msg
	})
}

// editorText reads back what the editor left and hands it to msg.done.
func (m *Model) editorText(msg editorTextMsg) tea.Cmd {
	b, rerr := os.ReadFile(msg.path)
	_ = os.Remove(msg.path)
	switch {
	case msg.err != nil:
		m.setStatus("✗ the editor failed ("+msg.err.Error()+"): nothing was saved", true)
		return nil
	case rerr != nil:
		m.setStatus("✗ cannot read the editor's file: "+rerr.Error(), true)
		return nil
	case m.writer == nil:
		m.setStatus("✗ "+m.readOnlyNotice(), true)
		return nil
	}
	return msg.done(m, editorBody(string(b)))
}

// editorBody is an editor file's text: # lines dropped, trailing spaces
// and surrounding blank lines trimmed, line breaks kept.
func editorBody(s string) string {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, strings.TrimRight(l, " \t"))
		}
	}
	return strings.TrimSpace(strings.Trim(strings.Join(lines, "\n"), "\n"))
}

// postmortemFieldPrompt edits one text field, prefilled with its value.
func (m *Model) postmortemFieldPrompt(inc model.Incident, f model.PostmortemField) {
	ref, id, cur := inc.Ref(), inc.ID, f.Get(inc.Postmortem)
	label := fmt.Sprintf("%s postmortem — %s", ref, f.Label)
	initial := cur
	if n := strings.Count(cur, "\n"); n > 0 {
		// A one-line prompt cannot keep line breaks: say so rather than
		// flatten them silently.
		label += fmt.Sprintf(" (now %d lines: saving makes it this one line; esc keeps them)", n+1)
		initial = strings.ReplaceAll(cur, "\n", " ")
	}
	placeholder := "text (empty clears it)"
	if f.Name == "owner" {
		placeholder = "who owns the postmortem (empty clears it)"
	}
	m.openPrompt(label, placeholder, initial, func(m *Model, v string) (tea.Cmd, string) {
		v = strings.TrimSpace(v)
		if v == cur {
			m.setStatus(fmt.Sprintf("%s postmortem %s unchanged", ref, strings.ToLower(f.Label)), false)
			return nil, ""
		}
		var e model.PostmortemEdit
		f.Set(&e, v)
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			_, err := m.writer.SetPostmortem(ctx, id, e, actor, at)
			return fmt.Sprintf("%s postmortem %s saved", ref, strings.ToLower(f.Label)), err
		}), ""
	})
}

// postmortemStatusPrompt moves the postmortem's status by the status rule
// (model.PostmortemStatus.CheckNext): a refusal keeps the prompt open.
func (m *Model) postmortemStatusPrompt(inc model.Incident) {
	ref, id, cur := inc.Ref(), inc.ID, inc.Postmortem.State()
	m.openPrompt(fmt.Sprintf("%s postmortem status (now %s)", ref, cur.Label()),
		"draft, in-review or published; back to draft: draft: REASON", string(cur), func(m *Model, v string) (tea.Cmd, string) {
			word, reason, _ := strings.Cut(v, ":")
			next, err := model.ParsePostmortemStatus(word)
			if err != nil {
				return nil, err.Error()
			}
			reason = strings.TrimSpace(reason)
			if next == cur {
				m.setStatus(fmt.Sprintf("%s postmortem is already %s", ref, cur.Label()), false)
				return nil, ""
			}
			if err := cur.CheckNext(next, reason); err != nil {
				if next == model.PostmortemDraft {
					return nil, fmt.Sprintf("the postmortem is %s: going back to draft needs a reason: write draft: WHAT MUST CHANGE", cur.Label())
				}
				return nil, err.Error()
			}
			e := model.PostmortemEdit{Status: &next, Reason: reason}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				_, err := m.writer.SetPostmortem(ctx, id, e, actor, at)
				return fmt.Sprintf("%s postmortem is now %s", ref, next.Label()), err
			}), ""
		})
}

// actionItemHint is the one-line syntax of the action item prompt.
const actionItemHint = "TEXT [@owner] [due:YYYY-MM-DD] [kind:prevent|mitigate|detect] — or done N / undo N / edit N [@owner] [due:…] [kind:…]"

// actionItemPrompt adds an action item from one line, or marks one done.
func (m *Model) actionItemPrompt(inc model.Incident) {
	ref, id, items := inc.Ref(), inc.ID, inc.ActionItems
	open := 0
	for _, a := range items {
		if !a.Done {
			open++
		}
	}
	label := fmt.Sprintf("%s action item (%d, %d open)", ref, len(items), open)
	m.openPrompt(label, actionItemHint, "", func(m *Model, v string) (tea.Cmd, string) {
		if pos, done, ok, err := parseActionDone(v, len(items)); ok {
			if err != nil {
				return nil, err.Error()
			}
			if items[pos-1].Done == done {
				return nil, fmt.Sprintf("action item %d is already %s", pos, map[bool]string{true: "done", false: "open"}[done])
			}
			e := model.ActionItemEdit{Done: &done}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				_, err := m.writer.EditActionItem(ctx, id, pos, e, actor, at)
				return fmt.Sprintf("%s action item %d %s", ref, pos, map[bool]string{true: "done", false: "reopened"}[done]), err
			}), ""
		}
		if pos, e, ok, err := parseActionEdit(v, len(items)); ok {
			if err != nil {
				return nil, err.Error()
			}
			return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
				item, err := m.writer.EditActionItem(ctx, id, pos, e, actor, at)
				return fmt.Sprintf("%s action item %d: %s", ref, pos, model.ActionItemDetails(item)), err
			}), ""
		}
		a, err := parseActionLine(v)
		if err != nil {
			return nil, err.Error()
		}
		return m.incidentWrite(func(ctx context.Context, actor string, at timeT) (string, error) {
			item, err := m.writer.AddActionItemWith(ctx, id, a, actor, at)
			return fmt.Sprintf("%s %s", ref, model.TextActionItemAdded(item)), err
		}), ""
	})
}

// parseActionDone reads "done N" or "undo N"; ok says whether v is one.
func parseActionDone(v string, n int) (pos int, done, ok bool, err error) {
	f := strings.Fields(v)
	if len(f) != 2 || (!strings.EqualFold(f[0], "done") && !strings.EqualFold(f[0], "undo")) {
		return 0, false, false, nil
	}
	pos, aerr := strconv.Atoi(f[1])
	if aerr != nil {
		return 0, false, false, nil // "done deploying the fix" is an item's text
	}
	done = strings.EqualFold(f[0], "done")
	switch {
	case n == 0:
		return 0, done, true, fmt.Errorf("no action items yet: write one as %s", actionItemHint)
	case pos < 1 || pos > n:
		return 0, done, true, fmt.Errorf("there are action items 1 to %d, not %d", n, pos)
	}
	return pos, done, true, nil
}

// parseActionEdit reads "edit N [@owner] [due:YYYY-MM-DD] [kind:KIND]":
// the marked words change item N (due: or kind: alone clears them); ok
// says whether v is an edit.
func parseActionEdit(v string, n int) (pos int, e model.ActionItemEdit, ok bool, err error) {
	f := strings.Fields(v)
	if len(f) < 2 || !strings.EqualFold(f[0], "edit") {
		return 0, e, false, nil
	}
	pos, aerr := strconv.Atoi(f[1])
	if aerr != nil {
		return 0, e, false, nil // "edit the runbook" is an item's text
	}
	switch {
	case n == 0:
		return 0, e, true, fmt.Errorf("no action items yet: write one as %s", actionItemHint)
	case pos < 1 || pos > n:
		return 0, e, true, fmt.Errorf("there are action items 1 to %d, not %d", n, pos)
	case len(f) == 2:
		return 0, e, true, fmt.Errorf("edit %d: say what changes: @owner, due:YYYY-MM-DD or kind:prevent|mitigate|detect (due: or kind: alone clears it)", pos)
	}
	for _, w := range f[2:] {
		lw := strings.ToLower(w)
		switch {
		case strings.HasPrefix(w, "@") && len(w) > 1:
			o := w[1:]
			e.Owner = &o
		case strings.HasPrefix(lw, "due:"):
			var d time.Time
			if day := w[len("due:"):]; day != "" {
				if d, err = model.ParseDueDate(day); err != nil {
					return 0, e, true, err
				}
			}
			e.Due = &d
		case strings.HasPrefix(lw, "kind:"):
			k, kerr := model.ParseActionKind(w[len("kind:"):])
			if kerr != nil {
				return 0, e, true, kerr
			}
			e.Kind = &k
		default:
			return 0, e, true, fmt.Errorf("edit %d: %q is not @owner, due:… or kind:…: the text stays as written", pos, w)
		}
	}
	return pos, e, true, nil
}

// parseActionLine reads TEXT [@owner] [due:YYYY-MM-DD] [kind:KIND]: the
// marked words anywhere in the line, the rest is the text.
func parseActionLine(v string) (model.ActionItem, error) {
	var a model.ActionItem
	var text []string
	for _, w := range strings.Fields(v) {
		lw := strings.ToLower(w)
		switch {
		case strings.HasPrefix(w, "@") && len(w) > 1:
			if a.Owner != "" {
				return a, fmt.Errorf("two owners (@%s, %s): an action item has one owner", a.Owner, w)
			}
			a.Owner = w[1:]
		case strings.HasPrefix(lw, "due:"):
			d, err := model.ParseDueDate(w[len("due:"):])
			if err != nil {
				return a, err
			}
			if w[len("due:"):] == "" {
				return a, fmt.Errorf("due: needs a day: write due:YYYY-MM-DD, e.g. due:2026-12-08")
			}
			a.Due = d
		case strings.HasPrefix(lw, "kind:"):
			k, err := model.ParseActionKind(w[len("kind:"):])
			if err != nil {
				return a, err
			}
			if k == "" {
				return a, fmt.Errorf("kind: needs a kind: write kind:prevent, kind:mitigate or kind:detect")
			}
			a.Kind = k
		default:
			text = append(text, w)
		}
	}
	a.Text = strings.Join(text, " ")
	if a.Text == "" {
		return a, fmt.Errorf("the action item needs its text: %s", actionItemHint)
	}
	return a, nil
}
