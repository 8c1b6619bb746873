package warroom

import (
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

// hub fans "the database changed" out to every live SSH dashboard. One
// data_version watcher per process and every in-process write notify it;
// each session drains its own one-slot channel into its program.
//
// Sending never blocks: a session whose program is stuck (a slow or dead
// client stalls its renderer, and then its Send) already has a reload
// pending, so the signal is dropped for it alone and every other session
// is told at once (pitfalls A17, E37).
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	changes chan struct{} // capacity one: bursts coalesce
	prog    *tea.Program
	member
}

// member is who a session is: the key that logged in, the login it is
// bound to, and how to end the session when the key no longer allows it.
type member struct {
	key   gossh.PublicKey
	login string
	end   func()
}

func newHub() *hub { return &hub{subs: map[*subscriber]struct{}{}} }

// join registers a program and returns the channel its forwarder reads
// and the function that removes it; call leave when the program has ended.
func (h *hub) join(p *tea.Program, m member) (changes <-chan struct{}, leave func()) {
	s := &subscriber{changes: make(chan struct{}, 1), prog: p, member: m}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return s.changes, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, s)
			h.mu.Unlock()
		})
	}
}

// notify tells every session that the database changed.
func (h *hub) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.changes <- struct{}{}:
		default: // a reload is already pending for this session
		}
	}
}

// revoke ends every session whose key allowed no longer lets it in, and
// says how many it ended. Each session is ended once.
func (h *hub) revoke(allowed func(key gossh.PublicKey, login string) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for s := range h.subs {
		if s.key == nil || s.end == nil || allowed(s.key, s.login) {
			continue
		}
		s.end()
		s.end = nil
		n++
	}
	return n
}

// len is how many sessions are live.
func (h *hub) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// quitAll asks every program to quit so its client gets its terminal back.
// Quit is a Send, which blocks while a program is stuck, so each one gets
// its own goroutine; that goroutine ends when the program (or, at the
// latest, its session) ends.
func (h *hub) quitAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		go s.prog.Quit()
	}
}
