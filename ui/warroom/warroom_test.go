package warroom

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
	"github.com/octoacme/flightdeck/ui/cli/dashstore"
)

// Unit tests of the SSH server's parts: no ssh client needed.

func newTestPublicKey(t *testing.T) (gossh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
}

func writeKeysFile(t *testing.T, mode os.FileMode, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseAuthorizedKeys(t *testing.T) {
	k1, line1 := newTestPublicKey(t)
	k2, line2 := newTestPublicKey(t)
	other, _ := newTestPublicKey(t)

	p := writeKeysFile(t, 0o600, "# the war room", "", line1+" alice@laptop", `principals="bob,carol" `+line2)
	keys, err := parseAuthorizedKeys(p)
	if err != nil {
		t.Fatal(err)
	}
	kr := &keyring{keys: keys}
	for _, c := range []struct {
		key   gossh.PublicKey
		login string
		want  bool
	}{
		{k1, "alice", true}, {k1, "anyone", false}, {k1, "laptop", false}, // no principals: the comment's name only
		{k2, "bob", true}, {k2, "carol", true}, {k2, "alice", false}, // bound to its principals
		{other, "alice", false},
	} {
		got := false
		for _, k := range kr.keys {
			got = got || k.allows(c.key, c.login)
		}
		if got != c.want {
			t.Errorf("key %s as %q: allowed=%v, want %v", gossh.FingerprintSHA256(c.key), c.login, got, c.want)
		}
	}

	bad := []struct {
		name  string
		mode  os.FileMode
		lines []string
		want  string
	}{
		{"garbage on line 3", 0o600, []string{line1 + " alice", "", "ssh-ed25519 not-base64 x"}, "authorized_keys:3: not a public key"},
		{"no principals and no comment", 0o600, []string{line1}, `authorized_keys:1: key SHA256:`},
		{"no principals and a comment that is no login", 0o600, []string{line1 + " Alice's laptop"}, `its comment "Alice's laptop" names no login: write the names it may log in as before it, e.g. principals="alice"`},
		{"private key pasted", 0o600, []string{"-----BEGIN OPENSSH PRIVATE KEY-----"}, "authorized_keys:1:"},
		{"unsupported option", 0o600, []string{`from="10.0.0.0/8" ` + line1}, `authorized_keys:1: option "from=\"10.0.0.0/8\"" is not supported`},
		{"empty principals", 0o600, []string{`principals="" ` + line1}, "authorized_keys:1: principals"},
		{"writable by others", 0o666, []string{line1 + " alice"}, "writable by others"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseAuthorizedKeys(writeKeysFile(t, c.mode, c.lines...))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := newKeyring(writeKeysFile(t, 0o600, "# nobody yet"), t.Logf); err == nil || !strings.Contains(err.Error(), "has no keys") {
		t.Fatalf("a file without keys at start: %v", err)
	}
	if _, err := parseAuthorizedKeys(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing file: %v", err)
	}
}

// The keyring re-reads the file when it changes, and refuses everyone while
// it is broken rather than keep keys that were meant to be removed.
func TestKeyringReloadsAndFailsClosed(t *testing.T) {
	k1, line1 := newTestPublicKey(t)
	k2, line2 := newTestPublicKey(t)
	p := writeKeysFile(t, 0o600, line1+" alice")
	var logged []string
	kr, err := newKeyring(p, func(f string, a ...any) { logged = append(logged, f) })
	if err != nil {
		t.Fatal(err)
	}
	if !kr.allows(k1, "alice") || kr.allows(k2, "alice") {
		t.Fatal("initial keys wrong")
	}
	rewrite := func(content string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		// Make the change visible even on a coarse mtime clock.
		future := time.Now().Add(time.Duration(len(logged)+1) * time.Second)
		if err := os.Chtimes(p, future, future); err != nil {
			t.Fatal(err)
		}
	}
	rewrite(line2 + " alice\n")
	if kr.allows(k1, "alice") || !kr.allows(k2, "alice") {
		t.Fatal("a revoked key still works or a new one does not")
	}
	rewrite(line2 + " alice\nthis is not a key\n")
	if kr.allows(k2, "alice") {
		t.Fatal("a broken file must refuse everyone")
	}
	rewrite(line1 + " alice\n")
	if !kr.allows(k1, "alice") {
		t.Fatal("a fixed file must work again")
	}
	if len(logged) < 2 {
		t.Fatalf("reloads and refusals are not logged: %q", logged)
	}
}

func TestHostKeyCreatedOnceAndPrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "new-dir", "ssh_host_ed25519")
	_, s1, created, err := loadOrCreateHostKey(p)
	if err != nil || !created {
		t.Fatalf("first run: created=%v err=%v", created, err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v, err %v", fi.Mode(), err)
	}
	if di, _ := os.Stat(filepath.Dir(p)); di.Mode().Perm() != 0o700 {
		t.Fatalf("host key directory mode %v", di.Mode())
	}
	_, s2, created, err := loadOrCreateHostKey(p)
	if err != nil || created {
		t.Fatalf("second run: created=%v err=%v", created, err)
	}
	if gossh.FingerprintSHA256(s1.PublicKey()) != gossh.FingerprintSHA256(s2.PublicKey()) {
		t.Fatal("the host key changed between runs")
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := loadOrCreateHostKey(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a host key others can read must be refused: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk")
	if err := os.WriteFile(junk, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := loadOrCreateHostKey(junk); err == nil || !strings.Contains(err.Error(), "not an unencrypted OpenSSH private key") {
		t.Fatalf("junk host key: %v", err)
	}
}

func TestListenWarning(t *testing.T) {
	for _, c := range []struct {
		addr    string
		warn    bool
		invalid bool
	}{
		{"127.0.0.1:2222", false, false},
		{"localhost:2222", false, false},
		{"[::1]:2222", false, false},
		{"127.0.0.1:0", false, false},
		{"0.0.0.0:2222", true, false},
		{":2222", true, false},
		{"192.168.1.5:2222", true, false},
		{"2222", false, true},
		{"127.0.0.1", false, true},
	} {
		w, err := ListenWarning(c.addr)
		if (err != nil) != c.invalid || (w != "") != c.warn {
			t.Errorf("%q: warning %q, err %v", c.addr, w, err)
		}
	}
}

func TestValidLogin(t *testing.T) {
	for login, want := range map[string]bool{
		"alice": true, "alice.smith": true, "Zoë": true,
		"": false, " alice": false, "al\x1b[2Jice": false, "a\nb": false, strings.Repeat("x", 65): false,
	} {
		if validLogin(login) != want {
			t.Errorf("validLogin(%q) = %v", login, !want)
		}
	}
}

func TestSSHCommand(t *testing.T) {
	for _, c := range []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}, "ssh -t -p 2222 alice@127.0.0.1"},
		{&net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 22}, "ssh -t alice@10.0.0.1"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 2222}, "ssh -t -p 2222 alice@[::1]"},
		{nil, "ssh -t alice@HOST"},
	} {
		if got := sshCommand("alice", c.addr); got != c.want {
			t.Errorf("sshCommand(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}

// A session that never drains its channel (its program is stuck behind a
// dead client) costs the others nothing: notify never blocks, the others
// get their signal, and a session that left gets nothing.
func TestHubNeverBlocks(t *testing.T) {
	h := newHub()
	stuck, leaveStuck := h.join(nil, member{})
	live, leaveLive := h.join(nil, member{})
	gone, leaveGone := h.join(nil, member{})
	leaveGone()
	leaveGone() // twice is harmless
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10000; i++ {
			h.notify()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("notify blocked on a session that does not read")
	}
	select {
	case <-live:
	default:
		t.Fatal("the live session was not told")
	}
	if len(stuck) != 1 {
		t.Fatalf("the stuck session holds %d signals, want one coalesced", len(stuck))
	}
	if len(gone) != 0 {
		t.Fatal("a session that left was still told")
	}
	if h.len() != 2 {
		t.Fatalf("%d sessions registered, want 2", h.len())
	}
	leaveStuck()
	leaveLive()
	if h.len() != 0 {
		t.Fatalf("%d sessions left registered", h.len())
	}
}

// The session's store: writes that commit tell every session, a viewer's
// writes are refused at the store too, and calls end with the session.
func TestSessionStore(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sessCtx, endSession := context.WithCancel(ctx)
	told := 0
	s := newSessionStore(dashstore.New(st), sessCtx, func() { told++ }, false).(sessionStore)
	now := time.Now()
	d, err := s.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: "v1"}, mdtemplate.Builtin(), "alice", now)
	if err != nil || told != 1 {
		t.Fatalf("start: err %v, told %d times", err, told)
	}
	items, _, err := s.Checklist(ctx, d.ID)
	if err != nil || len(items) == 0 {
		t.Fatalf("checklist: %v", err)
	}
	if _, err := s.SetItemState(ctx, items[0].ID, "", model.ItemDone, "", "alice", now); err != nil || told != 2 {
		t.Fatalf("tick: err %v, told %d", err, told)
	}
	if _, err := s.SetItemState(ctx, -1, "", model.ItemDone, "", "alice", now); err == nil || told != 2 {
		t.Fatalf("a failed write must not be announced: err %v, told %d", err, told)
	}

	viewer := newSessionStore(dashstore.New(st), sessCtx, func() { told++ }, true)
	assertNoWritePath(t, viewer)
	if _, err := viewer.ActiveDeployments(ctx); err != nil {
		t.Fatalf("a viewer still reads: %v", err)
	}

	endSession()
	if _, err := s.ActiveDeployments(ctx); err == nil {
		t.Fatal("a call after the session ended must be cancelled")
	}
}

// sshd's StrictModes: a keys file owned by someone else, or in a directory
// others may write, is refused.
func TestAuthorizedKeysOwnerChecked(t *testing.T) {
	_, line := newTestPublicKey(t)
	p := writeKeysFile(t, 0o600, line+" alice")
	if os.Getuid() == 0 {
		if err := os.Chown(p, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		if _, err := parseAuthorizedKeys(p); err == nil || !strings.Contains(err.Error(), "belongs to uid 4242") {
			t.Fatalf("a file of another user: %v", err)
		}
		if err := os.Chown(p, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := parseAuthorizedKeys(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(p), 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := parseAuthorizedKeys(p); err == nil || !strings.Contains(err.Error(), "is writable by others (mode 0777), so anyone could replace the file") {
		t.Fatalf("a directory others can write: %v", err)
	}
	if err := os.Chmod(filepath.Dir(p), 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if _, err := parseAuthorizedKeys(p); err != nil {
		t.Fatalf("a sticky directory like /tmp is fine: %v", err)
	}
}

// A viewer's store has no write path: no method of ui.Writer exists on it,
// not even one reached through an embedded field, so no key, bug or method
// added later can write through it.
func assertNoWritePath(t *testing.T, st ui.Reader) {
	t.Helper()
	if _, ok := st.(ui.Writer); ok {
		t.Fatalf("%T implements ui.Writer", st)
	}
	typ := reflect.TypeOf(st)
	w := reflect.TypeOf((*ui.Writer)(nil)).Elem()
	for i := range w.NumMethod() {
		if _, ok := typ.MethodByName(w.Method(i).Name); ok {
			t.Errorf("%T has the write method %s", st, w.Method(i).Name)
		}
	}
}

func TestViewerStoreHasNoWritePath(t *testing.T) {
	ctx := context.Background()
	st, err := data.Open(ctx, filepath.Join(t.TempDir(), "fd.db"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	assertNoWritePath(t, newSessionStore(dashstore.New(st), ctx, func() {}, true))
	assertNoWritePath(t, sessionReader{})
	if _, ok := newSessionStore(dashstore.New(st), ctx, func() {}, false).(ui.Writer); !ok {
		t.Fatal("a user's session lost its writes")
	}
}
