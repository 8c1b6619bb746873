package ui

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The frame is drawn again on every message, and idle that is the tick:
// once a second, for the countdowns in the header, the rollout and the
// escalation panes. The checklist and the log do not change with the
// clock (they show times of day, and the date only when it is another
// day), so their framed lines are kept between frames and drawn again only
// when something but the clock changed.
//
// "Something changed" is the Model's generation: every message except the
// tick gives the Model it returns a new one (Update), from a counter no two
// Models share, so a Model and the one Update made from it never meet in
// the cache with different states. A tick changes only the clock and what
// the footer says, neither of which a kept pane shows.

// viewGen numbers generations across every Model of the process.
var viewGen atomic.Uint64

func nextGen() uint64 { return viewGen.Add(1) }

// viewCache is shared by a Model and every Model made from it; View, which
// has a value receiver, fills it.
type viewCache struct {
	mu    sync.Mutex
	panes [paneCount]cachedPane
	// The footer's key help, drawn again when the keys it lists or the
	// width change (which keys apply changes with the clock: promote once
	// the soak is served).
	helpKey, helpLine string
	// The body's rows of the last frame (composeExact).
	rows rowCache
}

type cachedPane struct {
	key   paneKey
	lines []string // never changed once stored
}

// paneKey is everything a kept pane's framed lines depend on: the
// generation, the day the clock is on, and (cheap to compare, and what a
// test may set by hand) where and how it is drawn.
type paneKey struct {
	gen     uint64
	day     int
	loc     *time.Location
	r       rect
	focused bool
	framed  bool
	loaded  bool
	failed  bool
}

// keptPane says whether p is drawn from the cache: only the panes that do
// not change with the clock.
func keptPane(p paneID) bool { return p == paneChecklist || p == paneLog }

func dayOf(t time.Time, loc *time.Location) int {
	t = t.In(loc)
	return t.Year()*1000 + t.YearDay()
}

func (c *viewCache) get(p paneID, k paneKey) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.panes[p]; e.lines != nil && e.key == k {
		return e.lines, true
	}
	return nil, false
}

func (c *viewCache) put(p paneID, k paneKey, lines []string) {
	if c == nil || lines == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.panes[p] = cachedPane{key: k, lines: lines}
}

// shortHelpLine is the footer's key help for the keys that apply now.
func (m Model) shortHelpLine() string {
	bs := m.shortHelp()
	var k strings.Builder
	k.WriteString(strconv.Itoa(m.help.Width))
	for _, b := range bs {
		if b.Enabled() {
			h := b.Help()
			k.WriteString("\x00" + h.Key + "\x01" + h.Desc)
		}
	}
	key := k.String()
	if c := m.cache; c != nil {
		c.mu.Lock()
		line, ok := c.helpLine, c.helpKey == key && c.helpKey != ""
		c.mu.Unlock()
		if ok {
			return line
		}
	}
	line := m.help.ShortHelpView(bs)
	if c := m.cache; c != nil {
		c.mu.Lock()
		c.helpKey, c.helpLine = key, line
		c.mu.Unlock()
	}
	return line
}
