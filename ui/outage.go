package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// While the database is out of reach (a PostgreSQL server restarting, a
// network gone) the dashboard keeps the last state it read on screen, says
// since when it has been unreachable in the status line, and tries again
// until it answers. Actions are not refused up front: each still goes to
// the store, which refuses it with its own message while the server is
// down ("… database unreachable since 09:41:05 — retrying: … nothing was
// changed") and performs it the moment the server is back. Nothing is
// queued for later: a refusal is final, and says so.

// outageRetry is how often the dashboard reads again while the database
// is unreachable and nothing else made it read (the change feed's slow
// poll usually does, every 5 s): so the outage line clears by itself even
// if no notification ever arrives.
const outageRetry = 5 * time.Second

// followOutage records what the store says about its reach after a read
// or a write. A new outage clears the status line: what it said was about
// a time the database answered (the ✓ of the last action) and must not
// hide the outage. The end of one is said once, until the next key.
func (m *Model) followOutage(outage string) {
	was := m.outage
	m.outage = outage
	switch {
	case outage != "" && outage != was:
		m.status, m.statusErr = "", false
	case outage == "" && was != "":
		m.setStatus("✓ database reachable again at "+m.now.In(m.loc()).Format("15:04:05"), false)
	}
}

// retryOutage is the clock's part: while the database is unreachable and
// no read has been tried for outageRetry, try one.
func (m Model) retryOutage() (Model, tea.Cmd) {
	if m.outage == "" || m.reloading || m.now.Sub(m.lastLoad) < outageRetry {
		return m, nil
	}
	m.reloading = true
	return m, m.load(m.focusID)
}

// outageLine is the status line while the database is unreachable and no
// newer message is showing: red, like a failing sender's, which it
// outranks (while the database is unreachable, what it said about the
// senders is old news).
func (m Model) outageLine(w int) string {
	return m.styles.StatusError.Render(fit("✗ "+clean(m.outage), w))
}
