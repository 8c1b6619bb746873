package warroom

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Limits of one war room, with OpenSSH's sshd as the reference.
const (
	// MaxWidth and MaxHeight bound the terminal size a client may ask for
	// (pty-req and window-change): a 4K screen in a small font is about
	// 480x135. Larger sizes are clamped before the dashboard sees them;
	// 65535x65535 would otherwise cost gigabytes per frame.
	MaxWidth, MaxHeight = 500, 200
	// DefaultLoginGrace is how long a connection may take to log in
	// (sshd's LoginGraceTime is 120 s; public keys need far less).
	DefaultLoginGrace = 30 * time.Second
	// DefaultMaxUnauthenticated bounds connections that have not logged in
	// yet (sshd's MaxStartups begins refusing at 10).
	DefaultMaxUnauthenticated = 32
	// DefaultMaxSessions bounds the dashboards served at once.
	DefaultMaxSessions = 64
	// DefaultIdleTimeout ends a connection that neither read nor wrote for
	// this long. A dashboard on a war-room TV redraws its clock, so only a
	// client that stopped reading (its SSH window full) ever gets near it.
	DefaultIdleTimeout = 12 * time.Hour
	// maxEnv bounds the environment variables a session may set.
	maxEnv = 32
)

// acceptedEnv are the variables a client may send (sshd's AcceptEnv): its
// time zone, its locale and the theme; anything else is refused.
func acceptedEnv(name string) bool {
	switch name {
	case "TZ", "LANG", "COLORTERM", "FLIGHTDECK_THEME":
		return true
	}
	return strings.HasPrefix(name, "LC_")
}

// clampSize keeps a client's terminal size sane: 0 (unknown) is 80x24's
// dimension, anything beyond MaxWidth x MaxHeight is cut down.
func clampSize(w, h uint32) (uint32, uint32) {
	switch {
	case w == 0:
		w = 80
	case w > MaxWidth:
		w = MaxWidth
	}
	switch {
	case h == 0:
		h = 24
	case h > MaxHeight:
		h = MaxHeight
	}
	return w, h
}

// clampPtyReq rewrites a pty-req payload (RFC 4254 6.2: term, cols, rows,
// width px, height px, modes) with a clamped size. ok is false for a
// payload that does not parse or names an absurd terminal.
func clampPtyReq(p []byte) (out []byte, asked, got [2]uint32, ok bool) {
	if len(p) < 4 {
		return nil, asked, got, false
	}
	n := binary.BigEndian.Uint32(p)
	if n > 256 || uint64(len(p)) < 4+uint64(n)+16 {
		return nil, asked, got, false
	}
	off := 4 + int(n)
	out = append([]byte(nil), p...)
	asked = [2]uint32{binary.BigEndian.Uint32(p[off:]), binary.BigEndian.Uint32(p[off+4:])}
	got[0], got[1] = clampSize(asked[0], asked[1])
	binary.BigEndian.PutUint32(out[off:], got[0])
	binary.BigEndian.PutUint32(out[off+4:], got[1])
	return out, asked, got, true
}

// clampWindowChange rewrites a window-change payload (cols, rows, width
// px, height px) with a clamped size.
func clampWindowChange(p []byte) (out []byte, asked, got [2]uint32, ok bool) {
	if len(p) < 16 {
		return nil, asked, got, false
	}
	out = append([]byte(nil), p...)
	asked = [2]uint32{binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])}
	got[0], got[1] = clampSize(asked[0], asked[1])
	binary.BigEndian.PutUint32(out, got[0])
	binary.BigEndian.PutUint32(out[4:], got[1])
	return out, asked, got, true
}

// guardedChannel is a session channel whose requests pass a filter before
// the ssh library's session sees them: sizes clamped, agent and X11
// forwarding and subsystems refused (the library would answer agent
// forwarding with success), the environment limited.
type guardedChannel struct {
	gossh.NewChannel
	logf func(format string, a ...any)
	who  string
}

func (c guardedChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go c.filter(reqs, out)
	return ch, out, nil
}

func (c guardedChannel) filter(in <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	env := 0
	refuse := func(req *gossh.Request, why string) {
		c.logf("%s: refused %s request: %s", c.who, req.Type, why)
		_ = req.Reply(false, nil)
	}
	for req := range in {
		switch req.Type {
		case "pty-req", "window-change":
			clamp := clampWindowChange
			if req.Type == "pty-req" {
				clamp = clampPtyReq
			}
			p, asked, got, ok := clamp(req.Payload)
			if !ok {
				refuse(req, "malformed")
				continue
			}
			if asked != got {
				c.logf("%s: %s %dx%d clamped to %dx%d", c.who, req.Type, asked[0], asked[1], got[0], got[1])
			}
			req.Payload = p
		case "auth-agent-req@openssh.com":
			refuse(req, "agent forwarding is not offered")
			continue
		case "x11-req":
			refuse(req, "X11 forwarding is not offered")
			continue
		case "subsystem":
			refuse(req, "no subsystems (sftp, …) are offered")
			continue
		case "env":
			var kv struct{ Key, Value string }
			if gossh.Unmarshal(req.Payload, &kv) != nil || !acceptedEnv(kv.Key) || len(kv.Value) > 256 || env >= maxEnv {
				_ = req.Reply(false, nil) // as sshd does for what AcceptEnv does not name
				continue
			}
			env++
		}
		out <- req
	}
}

// connGuard is one TCP connection's login state: it holds a slot among the
// unauthenticated connections until it logs in or closes, and is closed if
// it has not logged in by the login-grace deadline.
type connGuard struct {
	net.Conn
	once    sync.Once
	release func()
	authed  atomic.Bool
	timer   atomic.Pointer[time.Timer] // set after AfterFunc returns, which a short grace can outrun
	preAuth atomic.Pointer[gossh.ServerPreAuthConn]
}

// loggedIn releases the unauthenticated slot and stops the grace timer.
func (g *connGuard) loggedIn() {
	g.authed.Store(true)
	g.once.Do(g.release)
	g.stopTimer()
}

func (g *connGuard) Close() error {
	g.once.Do(g.release)
	g.stopTimer()
	return g.Conn.Close()
}

// stopTimer stops the grace timer; when the timer's own callback closes the
// connection before admit has stored it, there is nothing left to stop.
func (g *connGuard) stopTimer() {
	if t := g.timer.Load(); t != nil {
		t.Stop()
	}
}

// banner sends a message the client shows before "Permission denied",
// while it is logging in.
func (g *connGuard) banner(msg string) {
	if p := g.preAuth.Load(); p != nil {
		_ = (*p).SendAuthBanner(msg + "\r\n")
	}
}

type guardKey struct{}

func guardOf(ctx ssh.Context) *connGuard {
	g, _ := ctx.Value(guardKey{}).(*connGuard)
	return g
}

// refuseConn tells a client that is turned away before the SSH handshake
// why, in a line before the server's version string (RFC 4253 4.2 allows
// it; OpenSSH prints it as "banner line 0"), and closes the connection.
func refuseConn(c net.Conn, msg string) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(c, "%s\r\n", msg)
}

// actorFor is how a session's actions are recorded: the person's name and
// the key that logged in, e.g. "Alice Liddell (ssh SHA256:uCv0YwT2)".
// The fingerprint is cut to its first 8 characters (48 bits: enough to tell the file's keys apart; the debug log has it whole; as
// ssh-keygen -lf prints it) and the name shortened, to keep within the
// store's 80 characters.
func actorFor(name string, key gossh.PublicKey) string {
	if key == nil {
		return name
	}
	fp := gossh.FingerprintSHA256(key)
	if len(fp) > len("SHA256:")+8 {
		fp = fp[:len("SHA256:")+8]
	}
	suffix := " (ssh " + fp + ")"
	const limit = 80
	if r := []rune(name); len(r)+len([]rune(suffix)) > limit {
		name = string(r[:limit-len([]rune(suffix))-1]) + "…"
	}
	return name + suffix
}
