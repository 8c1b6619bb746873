package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The built-in phases, in the seed's wording.
const (
	PhasePreDeployment = "Pre-Deployment"
	PhaseExecution     = "Deployment Execution"
	PhaseRollback      = "Rollback"
)

// ItemState is the state of one checklist item.
type ItemState string

// Item states. n/a needs a reason.
const (
	ItemTodo ItemState = "todo"
	ItemDone ItemState = "done"
	ItemNA   ItemState = "n/a"
)

// ParseItemState accepts "todo", "done", "n/a" (or "na").
func ParseItemState(s string) (ItemState, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "todo":
		return ItemTodo, nil
	case "done":
		return ItemDone, nil
	case "n/a", "na":
		return ItemNA, nil
	}
	return "", fmt.Errorf("unknown item state %q: use todo, done or n/a", s)
}

// Resolved reports whether the item no longer blocks its phase.
func (s ItemState) Resolved() bool { return s == ItemDone || s == ItemNA }

// Item is one checklist line of one deployment.
type Item struct {
	ID           int64
	DeploymentID int64
	Phase        string
	Section      string
	Position     int // order within the deployment's checklist
	Text         string
	State        ItemState
	Reason       string // why it is n/a
	By           string // who last changed the state
	At           time.Time
	Note         string
	NoteBy       string
	NoteAt       time.Time
}

// ErrReasonRequired is returned when an item is marked n/a without a reason.
var ErrReasonRequired = errors.New("n/a needs a reason: say why this item does not apply")

// ValidateChange checks a state change before it is stored.
func ValidateChange(state ItemState, reason string) error {
	switch state {
	case ItemTodo, ItemDone:
		return nil
	case ItemNA:
		if strings.TrimSpace(reason) == "" {
			return ErrReasonRequired
		}
		return nil
	}
	return fmt.Errorf("unknown item state %q", state)
}

// Toggled is the state `space` moves an item to: todo ⇄ done; n/a goes back to todo.
func (s ItemState) Toggled() ItemState {
	if s == ItemTodo {
		return ItemDone
	}
	return ItemTodo
}

// Progress counts resolved (done or n/a) items out of all.
type Progress struct{ Done, NA, Total int }

// Resolved is done plus n/a.
func (p Progress) Resolved() int { return p.Done + p.NA }

// Open is the number of items still to do.
func (p Progress) Open() int { return p.Total - p.Resolved() }

// String renders "14/20".
func (p Progress) String() string { return fmt.Sprintf("%d/%d", p.Resolved(), p.Total) }

// SectionGroup is a section with its items in order.
type SectionGroup struct {
	Name  string
	Items []Item
}

// PhaseGroup is a phase with its sections in order.
type PhaseGroup struct {
	Name     string
	Sections []SectionGroup
	Guidance []string // e.g. the seed's "When to Rollback" criteria
}

// Progress of the whole phase.
func (p PhaseGroup) Progress() Progress {
	var pr Progress
	for _, s := range p.Sections {
		for _, it := range s.Items {
			pr.Total++
			switch it.State {
			case ItemDone:
				pr.Done++
			case ItemNA:
				pr.NA++
			}
		}
	}
	return pr
}

// Checklist is a deployment's items grouped phase → section → item.
type Checklist struct {
	Phases []PhaseGroup
}

// Guidance is template text attached to a phase, carried with each deployment.
type Guidance struct {
	Phase string
	Title string
	Lines []string
}

// Group builds the checklist from items sorted by Position; phases and
// sections keep the order of their first item.
func Group(items []Item, guidance []Guidance) Checklist {
	var c Checklist
	pIdx := map[string]int{}
	for _, it := range items {
		pi, ok := pIdx[it.Phase]
		if !ok {
			pi = len(c.Phases)
			pIdx[it.Phase] = pi
			c.Phases = append(c.Phases, PhaseGroup{Name: it.Phase})
		}
		ph := &c.Phases[pi]
		if n := len(ph.Sections); n == 0 || ph.Sections[n-1].Name != it.Section {
			ph.Sections = append(ph.Sections, SectionGroup{Name: it.Section})
		}
		s := &ph.Sections[len(ph.Sections)-1]
		s.Items = append(s.Items, it)
	}
	for _, g := range guidance {
		if pi, ok := pIdx[g.Phase]; ok {
			if g.Title != "" {
				c.Phases[pi].Guidance = append(c.Phases[pi].Guidance, g.Title+":")
			}
			c.Phases[pi].Guidance = append(c.Phases[pi].Guidance, g.Lines...)
		}
	}
	return c
}

// PhaseIndex returns the index of the named phase, or -1.
func (c Checklist) PhaseIndex(name string) int {
	for i, p := range c.Phases {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// FindItem resolves what a person typed — an item id ("12" or "#12") or a
// piece of its text — to exactly one item. A number is always an item id and
// must be one of items (it never falls back to matching text: "check 0" once
// ticked whichever item mentioned a 0). Text matches case-insensitively: an
// exact match wins, otherwise the text — at least MinItemQuery characters
// with a letter in it — must be contained in exactly one item.
func FindItem(items []Item, query string) (Item, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return Item{}, errors.New("no item given: pass an item id or part of its text")
	}
	if idq, ok := itemNumber(q); ok {
		id, err := strconv.ParseInt(idq, 10, 64)
		if err == nil {
			for _, it := range items {
				if it.ID == id {
					return it, nil
				}
			}
		}
		return Item{}, fmt.Errorf("there is no item #%s on this checklist%s", idq, idRange(items))
	}
	lq := strings.ToLower(q)
	var matches, exact []Item
	for _, it := range items {
		lt := strings.ToLower(it.Text)
		if lt == lq {
			exact = append(exact, it)
		}
		if strings.Contains(lt, lq) {
			matches = append(matches, it)
		}
	}
	switch len(exact) {
	case 1:
		return exact[0], nil
	case 0:
	default:
		// The same words in several sections: only the id tells them apart.
		return Item{}, fmt.Errorf("%q is %d items, in different sections (%s): use the item id", q, len(exact), itemList(exact, false))
	}
	if utf8.RuneCountInString(q) < MinItemQuery || !strings.ContainsFunc(q, unicode.IsLetter) {
		return Item{}, fmt.Errorf("%q is too short to pick an item by its text: use at least %d characters with a word in them, or the item id%s", q, MinItemQuery, idRange(items))
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return Item{}, fmt.Errorf("no checklist item matches %q", q)
	}
	return Item{}, fmt.Errorf("%q matches %d items (%s): use more words or the item id", q, len(matches), itemList(matches, true))
}

// itemList names up to four items by id and place: "#12 Deployment
// Execution › Verify: Smoke tests pass"; withText false leaves the text out
// (it is the same for all).
func itemList(items []Item, withText bool) string {
	var b strings.Builder
	for i, m := range items {
		if i == 4 {
			fmt.Fprintf(&b, "; …")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "#%d %s › %s", m.ID, m.Phase, m.Section)
		if withText {
			fmt.Fprintf(&b, ": %s", m.Text)
		}
	}
	return b.String()
}

// MinItemQuery is the shortest text FindItem matches inside an item.
const MinItemQuery = 3

// itemNumber reports whether q is an item number ("12", "#12", "-1"),
// returning its digits.
func itemNumber(q string) (string, bool) {
	d := strings.TrimPrefix(q, "#")
	digits := strings.TrimPrefix(d, "-")
	if digits == "" || strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", false
	}
	return d, true
}

// idRange says which item ids a checklist has: " (items here are #12–#52)".
func idRange(items []Item) string {
	if len(items) == 0 {
		return " (it has no items)"
	}
	lo, hi := items[0].ID, items[0].ID
	for _, it := range items {
		lo, hi = min(lo, it.ID), max(hi, it.ID)
	}
	return fmt.Sprintf(" (items here are #%d–#%d)", lo, hi)
}

// FirstOpen is the position of the first todo item of the phase, or -1.
func (p PhaseGroup) FirstOpen() (section, item int) {
	for si, s := range p.Sections {
		for ii, it := range s.Items {
			if it.State == ItemTodo {
				return si, ii
			}
		}
	}
	return -1, -1
}
