package warroom

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// Tests with a Go SSH client as a hostile peer against a real server on
// 127.0.0.1. Every wait has a deadline; none sleeps a fixed time.

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type testPeer struct {
	signer gossh.Signer
	line   string // authorized_keys line (no comment)
}

func newPeer(t *testing.T) testPeer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testPeer{signer: s, line: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))}
}

type testServer struct {
	addr  string
	keys  string // authorized keys path
	log   *syncBuffer
	store *data.Store
}

// startServer serves a war room on a temp database with users alice
// (Alice Admin) and vic (a viewer) until the test ends.
func startServer(t *testing.T, o Options, keyLines ...string) *testServer {
	t.Helper()
	dir := t.TempDir()
	ts := &testServer{keys: filepath.Join(dir, "authorized_keys"), log: &syncBuffer{}}
	if err := os.WriteFile(ts.keys, []byte(strings.Join(keyLines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o.Listen, o.AuthorizedKeys, o.HostKey = "127.0.0.1:0", ts.keys, filepath.Join(dir, "host_key")
	o.Logger = log.New(ts.log, "", 0)
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := data.Open(ctx, filepath.Join(dir, "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts.store = st
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- w.Serve(ctx, Served{
			Store:   dashstore.New(st),
			Changes: make(chan struct{}),
			Dashboard: ui.Options{Now: time.Now, Template: mdtemplate.Builtin(), Rule: st.Rule(),
				HealthMaxAge: st.HealthMaxAge(), Policy: st.Policy()},
			Identity: func(login string) (string, bool) {
				switch login {
				case "alice":
					return "Alice Admin", false
				case "vic":
					return "Vic Viewer", true
				}
				return login, false
			},
			Database: "fd.db", Stdout: stdout, Stderr: io.Discard,
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop")
		}
		st.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", ts.log.String())
		}
	})
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	waitUntil(t, 10*time.Second, "the server listens", func() bool {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			ts.addr = m[1]
			return true
		}
		return false
	})
	return ts
}

func waitUntil(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", d, what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// dial logs in as user with the peer's key; banners land in banners.
func (ts *testServer) dial(user string, p testPeer, banners *syncBuffer) (*gossh.Client, error) {
	cfg := &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(p.signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	}
	if banners != nil {
		cfg.BannerCallback = func(m string) error { _, _ = banners.Write([]byte(m)); return nil }
	}
	return gossh.Dial("tcp", ts.addr, cfg)
}

func (ts *testServer) mustDial(t *testing.T, user string, p testPeer) *gossh.Client {
	t.Helper()
	c, err := ts.dial(user, p, nil)
	if err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dashboard opens a session with a pty of w x h and a shell; its output
// collects in the returned buffer.
func dashboard(t *testing.T, c *gossh.Client, w, h int) (*gossh.Session, *syncBuffer, *syncBuffer, io.WriteCloser) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	out, errOut := &syncBuffer{}, &syncBuffer{}
	sess.Stdout, sess.Stderr = out, errOut
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return sess, out, errOut, in
}

// memoryWatch fails the test (by crashing it, the only way to stop the
// allocation) if the heap grows beyond limit while the test runs.
func memoryWatch(t *testing.T, limit uint64) func() uint64 {
	stop := make(chan struct{})
	var peak uint64
	var mu sync.Mutex
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapAlloc)
			mu.Unlock()
			if ms.HeapAlloc > limit {
				panic(fmt.Sprintf("server heap grew to %d MB (limit %d MB): the client's terminal size is not bounded", ms.HeapAlloc>>20, limit>>20))
			}
		}
	}()
	return func() uint64 { close(stop); mu.Lock(); defer mu.Unlock(); return peak }
}

// Defect 2: a client asking for a 65535x65535 terminal gets 500x200 and
// the server's memory stays bounded, at start and on a window change.
func TestHostilePtySizeClamped(t *testing.T) {
	alice := newPeer(t)
	ts := startServer(t, Options{}, alice.line+" alice@laptop")
	peak := memoryWatch(t, 1<<30)
	c := ts.mustDial(t, "alice", alice)
	sess, out, _, _ := dashboard(t, c, 65535, 65535)
	waitUntil(t, 20*time.Second, "the first frame", func() bool { return strings.Contains(out.String(), "no active deployment") })
	waitUntil(t, 5*time.Second, "the clamp is logged", func() bool {
		return strings.Contains(ts.log.String(), "pty-req 65535x65535 clamped to 500x200")
	})
	if _, err := sess.SendRequest("window-change", false, gossh.Marshal(struct{ W, H, WPx, HPx uint32 }{65535, 65535, 0, 0})); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the window change is clamped", func() bool {
		return strings.Contains(ts.log.String(), "window-change 65535x65535 clamped to 500x200")
	})
	// Let a few frames render at the clamped size.
	n := len(out.String())
	waitUntil(t, 10*time.Second, "more frames", func() bool { return len(out.String()) > n })
	for _, line := range strings.Split(out.String(), "\n") {
		if w := len([]rune(line)); w > 40*MaxWidth { // runes incl. escapes; a 65535-wide line would be far longer
			t.Fatalf("a line of %d runes reached the client", w)
		}
	}
	t.Logf("peak heap %d MB", peak()>>20)
}

func TestClampPayloads(t *testing.T) {
	p := gossh.Marshal(struct {
		Term          string
		W, H, WPx, HP uint32
		Modes         string
	}{"xterm", 65535, 65535, 1, 2, ""})
	out, asked, got, ok := clampPtyReq(p)
	if !ok || asked != [2]uint32{65535, 65535} || got != [2]uint32{MaxWidth, MaxHeight} {
		t.Fatalf("pty-req: ok %v asked %v got %v", ok, asked, got)
	}
	var back struct {
		Term          string
		W, H, WPx, HP uint32
		Modes         string
	}
	if err := gossh.Unmarshal(out, &back); err != nil || back.W != MaxWidth || back.H != MaxHeight || back.Term != "xterm" || back.WPx != 1 {
		t.Fatalf("rewritten pty-req %+v, %v", back, err)
	}
	if _, _, got, _ := clampWindowChange(gossh.Marshal(struct{ W, H, A, B uint32 }{0, 0, 0, 0})); got != [2]uint32{80, 24} {
		t.Fatalf("0x0 became %v", got)
	}
	if _, _, got, _ := clampWindowChange(gossh.Marshal(struct{ W, H, A, B uint32 }{120, 40, 0, 0})); got != [2]uint32{120, 40} {
		t.Fatalf("120x40 became %v", got)
	}
	if _, _, _, ok := clampPtyReq([]byte{0, 0, 0, 9, 'x'}); ok {
		t.Fatal("a truncated pty-req was accepted")
	}
}

// Defect 3: a key logs in only as the login it is bound to, so a viewer's
// key cannot become alice, and every action over SSH carries the key.
func TestHostileIdentityBoundToKey(t *testing.T) {
	alice, vic, team := newPeer(t), newPeer(t), newPeer(t)
	ts := startServer(t, Options{}, alice.line+" alice@laptop", vic.line+" vic", `principals="alice,bob" `+team.line)
	for _, c := range []struct {
		user string
		peer testPeer
		ok   bool
	}{
		{"alice", alice, true}, {"vic", vic, true}, {"alice", team, true}, {"bob", team, true},
		{"alice", vic, false}, {"bob", alice, false}, {"vic", team, false}, {"alice@host", vic, false},
	} {
		banners := &syncBuffer{}
		cl, err := ts.dial(c.user, c.peer, banners)
		if cl != nil {
			cl.Close()
		}
		if (err == nil) != c.ok {
			t.Errorf("%s with key %s: err %v, want ok=%v", c.user, gossh.FingerprintSHA256(c.peer.signer.PublicKey()), err, c.ok)
		}
		if !c.ok && !strings.Contains(banners.String(), "principals=") {
			t.Errorf("%s refused without saying how to bind the key: %q", c.user, banners.String())
		}
	}

	ctx := context.Background()
	d, err := ts.store.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: "v1"}, mdtemplate.Builtin(), "seed", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := ts.mustDial(t, "alice", alice)
	_, out, _, in := dashboard(t, c, 120, 40)
	waitUntil(t, 20*time.Second, "alice's dashboard", func() bool { return strings.Contains(out.String(), "All automated tests") })
	if _, err := in.Write([]byte(" ")); err != nil {
		t.Fatal(err)
	}
	fp := gossh.FingerprintSHA256(alice.signer.PublicKey())[:len("SHA256:")+8]
	want := "Alice Admin (ssh " + fp + ")"
	waitUntil(t, 10*time.Second, "the tick is recorded as "+want, func() bool {
		items, _, err := ts.store.Checklist(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.By == want {
				return true
			}
		}
		return false
	})
}

// Defect 4: a connection that never logs in is closed at the login-grace
// deadline, and beyond the cap a connection is told why and closed.
func TestHostileLoginGraceAndCaps(t *testing.T) {
	alice := newPeer(t)
	ts := startServer(t, Options{LoginGrace: 500 * time.Millisecond, MaxUnauthenticated: 3, MaxSessions: 1}, alice.line+" alice")
	var idle []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Admitted: the server's version line arrives.
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 8)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "SSH-2.0-" {
			t.Fatalf("connection %d: %q %v", i, buf, err)
		}
		idle = append(idle, c)
	}
	extra, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(extra)
	extra.Close()
	if !strings.Contains(string(b), "too many connections logging in at once (3)") || strings.Contains(string(b), "SSH-2.0") {
		t.Fatalf("the fourth unauthenticated connection got %q", b)
	}
	start := time.Now()
	for _, c := range idle {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Fatalf("an idle unauthenticated connection was not closed by the server: %v", err)
		}
	}
	t.Logf("idle connections closed %v after the first read", time.Since(start).Round(time.Millisecond))
	// The slots are free again; one dashboard is the cap here.
	c := ts.mustDial(t, "alice", alice)
	_, out, _, _ := dashboard(t, c, 80, 24)
	waitUntil(t, 20*time.Second, "the first dashboard", func() bool { return strings.Contains(out.String(), "no active deployment") })
	sess2, _, errOut, _ := dashboard(t, ts.mustDial(t, "alice", alice), 80, 24)
	err = sess2.Wait()
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 || !strings.Contains(errOut.String(), "the war room is full (1 dashboards open") {
		t.Fatalf("a session over the cap: %v, stderr %q", err, errOut.String())
	}
}

// Defect 4: agent, X11 and port forwarding and subsystems are answered
// with failure.
func TestHostileForwardingRefused(t *testing.T) {
	alice := newPeer(t)
	ts := startServer(t, Options{}, alice.line+" alice")
	c := ts.mustDial(t, "alice", alice)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for _, r := range []struct {
		typ     string
		payload []byte
	}{
		{"auth-agent-req@openssh.com", nil},
		{"x11-req", gossh.Marshal(struct {
			Single        bool
			Proto, Cookie string
			Screen        uint32
		}{false, "MIT-MAGIC-COOKIE-1", "00", 0})},
		{"subsystem", gossh.Marshal(struct{ Name string }{"sftp"})},
		{"env", gossh.Marshal(struct{ K, V string }{"LD_PRELOAD", "/tmp/x.so"})},
	} {
		ok, err := sess.SendRequest(r.typ, true, r.payload)
		if err != nil || ok {
			t.Errorf("%s: answered ok=%v err=%v, want refused", r.typ, ok, err)
		}
	}
	if ok, err := sess.SendRequest("env", true, gossh.Marshal(struct{ K, V string }{"TZ", "UTC"})); err != nil || !ok {
		t.Errorf("TZ: ok=%v err=%v", ok, err)
	}
	if ok, _, err := c.SendRequest("tcpip-forward", true, gossh.Marshal(struct {
		Addr string
		Port uint32
	}{"127.0.0.1", 0})); err != nil || ok {
		t.Errorf("tcpip-forward: ok=%v err=%v", ok, err)
	}
	if _, err := c.Dial("tcp", ts.addr); err == nil {
		t.Error("a direct-tcpip channel was opened")
	}
}

// Defect 4: a client that answers no terminal query gets its first frame
// at once (wish's renderer waited for a background-colour answer).
func TestHostileSilentTerminalGetsFrame(t *testing.T) {
	alice := newPeer(t)
	ts := startServer(t, Options{}, alice.line+" alice")
	c := ts.mustDial(t, "alice", alice)
	start := time.Now()
	_, out, _, _ := dashboard(t, c, 100, 30)
	waitUntil(t, 5*time.Second, "the first frame", func() bool { return strings.Contains(out.String(), "no active deployment") })
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("first frame after %v", d)
	}
	if s := out.String(); strings.Contains(s, "\x1b]11;?") || strings.Contains(s, "\x1b[6n") {
		t.Fatalf("the server queried the terminal: %q", s[:min(len(s), 200)])
	}
}

// Defect 4: removing a key from the file ends that key's open sessions
// (and only those), with a message.
func TestHostileRemovedKeyEndsSession(t *testing.T) {
	alice, bob := newPeer(t), newPeer(t)
	ts := startServer(t, Options{}, alice.line+" alice", bob.line+" bob")
	sa, outA, errA, _ := dashboard(t, ts.mustDial(t, "alice", alice), 80, 24)
	_, outB, _, _ := dashboard(t, ts.mustDial(t, "bob", bob), 80, 24)
	for _, o := range []*syncBuffer{outA, outB} {
		waitUntil(t, 20*time.Second, "the dashboards", func() bool { return strings.Contains(o.String(), "no active deployment") })
	}
	if err := os.WriteFile(ts.keys, []byte(bob.line+" bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(5 * time.Second)
	if err := os.Chtimes(ts.keys, future, future); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- sa.Wait() }()
	select {
	case err := <-ended:
		if !strings.Contains(errA.String(), "no longer allows logging in as \"alice\"") {
			t.Fatalf("alice's session ended (%v) without saying why: %q", err, errA.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("alice's session outlived her key")
	}
	n := len(outB.String())
	waitUntil(t, 10*time.Second, "bob's dashboard goes on", func() bool { return len(outB.String()) > n })
}
