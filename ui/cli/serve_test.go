package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// End-to-end tests of flightdeck serve with the real OpenSSH client: the
// server is the built binary on a free loopback port, clients are ssh in
// tmux. They poll with generous deadlines and never sleep a fixed time.

func requireSSHTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "%s is not installed; the SSH tests need the OpenSSH client, ssh-keygen and tmux (.ci/run installs openssh-client and tmux)", tool)
		}
	}
}

// sshKey generates an ed25519 key pair and returns the private key's path
// and the public key line.
func sshKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(p + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return p, strings.TrimSpace(string(pub))
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) add(s string) { l.mu.Lock(); l.b.WriteString(s); l.mu.Unlock() }
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type serveProc struct {
	t           *testing.T
	cmd         *exec.Cmd
	port        string
	fingerprint string
	out         *lockedBuffer // stdout and stderr
	exited      chan struct{}
	err         error // after exited
}

var (
	listenRe  = regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+)`)
	hostKeyRe = regexp.MustCompile(`host key (SHA256:\S+)`)
)

// startServe runs "flightdeck --db DB serve ARGS" in dir with env and
// waits until it listens; the server is killed when the test ends.
func startServe(t *testing.T, dir string, env []string, db string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(flightdeckBin(t), append([]string{"--db", db, "serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout // one pipe, one reader
	p := &serveProc{t: t, cmd: cmd, out: &lockedBuffer{}, exited: make(chan struct{})}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.out.add(sc.Text() + "\n")
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := p.out.String()
		if m := listenRe.FindStringSubmatch(out); m != nil {
			if h := hostKeyRe.FindStringSubmatch(out); h != nil {
				p.port, p.fingerprint = m[1], h[1]
				t.Logf("serve listening on port %s after %v", p.port, time.Since(started).Round(time.Millisecond))
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("serve exited before listening: %v\n%s", p.err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start listening:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// stop sends sig and waits for the server to exit, returning how long it took.
func (p *serveProc) stop(sig syscall.Signal) time.Duration {
	p.t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("serve did not stop after %v:\n%s", sig, p.out.String())
	}
	if p.err != nil {
		p.t.Fatalf("serve exited with %v after %v:\n%s", p.err, sig, p.out.String())
	}
	return time.Since(start)
}

// sshArgs are the client options every test uses: no user config, no agent,
// no known_hosts, never a prompt.
func sshArgs(port, key string) []string {
	return []string{"-F", "/dev/null", "-i", key, "-p", port,
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20"}
}

// sshRun runs ssh without a terminal and returns its output and exit code.
func sshRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ssh", args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("ssh %s: %v\n%s", strings.Join(args, " "), err, out)
	return "", -1
}

// sshPane opens an interactive SSH session in its own tmux server.
func sshPane(t *testing.T, w, h int, port, key, login string) (*tmux, time.Time) {
	t.Helper()
	x := newTmux(t)
	start := time.Now()
	x.start(w, h, append(append([]string{"ssh", "-tt"}, sshArgs(port, key)...), login+"@127.0.0.1")...)
	return x, start
}

// clientPID is the pid of the ssh client running in the pane (tmux runs
// a command given as several arguments without a shell).
func (x *tmux) clientPID() int {
	x.t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(x.run("display-message", "-p", "-t", "main", "#{pane_pid}")))
	if err != nil {
		x.t.Fatal(err)
	}
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) != "ssh" {
		x.t.Fatalf("the pane runs %q, not ssh", comm)
	}
	return pid
}

// step runs one stage of a long scenario. The panes' helpers fail the whole
// test, so the stages are not subtests (FailNow must not reach a parent).
func step(t *testing.T, name string, f func()) {
	t.Helper()
	t.Logf("— %s", name)
	f()
}

func writeServeConfig(t *testing.T, configHome string) {
	t.Helper()
	dir := filepath.Join(configHome, "flightdeck")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "users:\n" +
		"  alice:\n    name: Alice Liddell\n" +
		"  bob:\n    name: Bob Builder\n" +
		"  vic:\n    name: Vic Viewer\n    viewer: true\n"
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The war room: two people and a viewer in three SSH sessions on one
// database, a pipeline writing from another process, a frozen client, a
// client killed outright, and a graceful stop. Then the host key is reused.
func TestServeWarRoomOverSSH(t *testing.T) {
	requireSSHTools(t)
	dir := t.TempDir()
	dataHome, configHome := filepath.Join(dir, "data"), filepath.Join(dir, "config")
	writeServeConfig(t, configHome)
	env := []string{"XDG_DATA_HOME=" + dataHome, "XDG_CONFIG_HOME=" + configHome, "FLIGHTDECK_CONFIG=", "FLIGHTDECK_DB=", "DEBUG=1"}
	db := filepath.Join(dir, "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")

	teamKey, teamPub := sshKey(t, dir, "team")    // alice and bob
	viewerKey, viewerPub := sshKey(t, dir, "vic") // bound to vic
	wrongKey, _ := sshKey(t, dir, "stranger")     // not authorized
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte("# war room\nprincipals=\"alice,bob\" "+teamPub+"\n"+viewerPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// No --host-key: the default under $XDG_DATA_HOME.
	srv := startServe(t, dir, env, db, "--authorized-keys", keys)
	hostKey := filepath.Join(dataHome, "flightdeck", "ssh_host_ed25519")
	if fi, err := os.Stat(hostKey); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v %v", hostKey, fi, err)
	}
	if di, err := os.Stat(filepath.Dir(hostKey)); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("host key directory: %v %v", di, err)
	}
	// ssh-keygen reads the same fingerprint from the file the server wrote.
	out, err := exec.Command("ssh-keygen", "-l", "-f", hostKey).CombinedOutput()
	if err != nil || !strings.Contains(string(out), srv.fingerprint) {
		t.Fatalf("ssh-keygen -l on the host key: %v %s; server said %s", err, out, srv.fingerprint)
	}

	step(t, "refused", func() {
		for _, c := range []struct {
			what string
			args []string
		}{
			{"a key not in the file", append(sshArgs(srv.port, wrongKey), "alice@127.0.0.1", "true")},
			{"password login", append(sshArgs(srv.port, teamKey), "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "alice@127.0.0.1", "true")},
			{"keyboard-interactive login", append(sshArgs(srv.port, teamKey), "-o", "PreferredAuthentications=keyboard-interactive", "-o", "PubkeyAuthentication=no", "alice@127.0.0.1", "true")},
			{"anonymous (none) login", append(sshArgs(srv.port, teamKey), "-o", "PreferredAuthentications=none", "alice@127.0.0.1", "true")},
			{"the viewer's key as alice", append(sshArgs(srv.port, viewerKey), "alice@127.0.0.1", "true")},
		} {
			out, code := sshRun(t, c.args...)
			// The server offers public keys and nothing else.
			if code == 0 || !strings.Contains(out, "Permission denied (publickey)") {
				t.Errorf("%s: exit %d, output %q; want refused with only publickey offered", c.what, code, out)
			}
		}
	})

	step(t, "a key asking for a name it is not bound to is told how to bind it", func() {
		args := append(append([]string{"-o", "LogLevel=INFO"}, sshArgs(srv.port, viewerKey)...), "alice@127.0.0.1", "true")
		out, code := sshRun(t, args...)
		if code == 0 || !strings.Contains(out, `may not log in as "alice"`) || !strings.Contains(out, `principals="alice,alice"`) && !strings.Contains(out, "principals=") {
			t.Errorf("vic's key as alice: exit %d, output %q", code, out)
		}
	})

	step(t, "no terminal, or a command", func() {
		out, code := sshRun(t, append(sshArgs(srv.port, teamKey), "-T", "alice@127.0.0.1")...)
		want := "flightdeck needs a terminal: ssh -t -p " + srv.port + " alice@127.0.0.1"
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("without a PTY: exit %d, output %q; want 1 and %q", code, out, want)
		}
		// A command runs as the CLI (serve_cmd_test.go has the rest).
		out, code = sshRun(t, append(sshArgs(srv.port, teamKey), "alice@127.0.0.1", "deploy", "status")...)
		if code != 0 || !strings.Contains(out, "#1 checkout-api v2.14.0") {
			t.Errorf("with a command: exit %d, output %q", code, out)
		}
	})

	alice, started := sshPane(t, 120, 40, srv.port, teamKey, "alice")
	alice.waitText("▶ [ ] All automated tests passing in CI")
	t.Logf("alice's dashboard visible %v after ssh started", time.Since(started).Round(time.Millisecond))
	bob, started := sshPane(t, 100, 30, srv.port, teamKey, "bob")
	bob.waitText("▶ [ ] All automated tests passing in CI")
	t.Logf("bob's dashboard visible %v after ssh started", time.Since(started).Round(time.Millisecond))
	vic, started := sshPane(t, 120, 40, srv.port, viewerKey, "vic")
	vic.waitText("▶ [ ] All automated tests passing in CI")
	t.Logf("vic's dashboard visible %v after ssh started", time.Since(started).Round(time.Millisecond))

	step(t, "a tick in one session shows in the others under its person's name", func() {
		start := time.Now()
		alice.keys("Space")
		for name, x := range map[string]*tmux{"bob": bob, "vic": vic} {
			x.waitFor("alice's tick in "+name+"'s session", func(s string) bool {
				return strings.Contains(s, "[x] All a") && strings.Contains(s, "Alice Liddell (ssh SHA256:")
			})
		}
		t.Logf("alice's tick visible in bob's and vic's sessions after %v (bar: 1.5 s)", time.Since(start).Round(time.Millisecond))
		// Recorded as alice's configured name and the key she logged in with,
		// as ssh-keygen prints its fingerprint.
		out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", teamKey+".pub").CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen -l: %v %s", err, out)
		}
		fp := regexp.MustCompile(`SHA256:\S+`).FindString(string(out))
		want := "Alice Liddell (ssh " + fp[:len("SHA256:")+8] + ")"
		doc := exportJSON(t, db)
		for _, it := range doc.ChecklistItems {
			if it.Text == "All automated tests passing in CI" && (it.ChangedBy == nil || *it.ChangedBy != want) {
				t.Fatalf("the tick is not recorded as %q: %+v", want, it)
			}
		}
	})

	step(t, "a change from another process shows in every session", func() {
		start := time.Now()
		cli(t, db, "check", "Code reviewed and approved by required reviewers", "--note", "pipeline-note-1", "--as", "pipeline")
		for _, x := range []*tmux{alice, bob, vic} {
			x.waitText("pipeline-note-1")
		}
		t.Logf("a CLI write visible in all three sessions after %v (bar: 1.5 s)", time.Since(start).Round(time.Millisecond))
	})

	step(t, "a viewer's session refuses actions but reads history", func() {
		vic.keys("j")
		vic.waitText("▶ [ ] Code reviewed")
		vic.keys("j")
		vic.waitText("▶ [ ] Security scans completed")
		vic.keys("Space")
		vic.waitText("✗ READ-ONLY")
		for _, it := range exportJSON(t, db).ChecklistItems {
			if strings.HasPrefix(it.Text, "Security scans completed") && it.State != "todo" {
				t.Fatalf("the viewer changed an item: %+v", it)
			}
		}
		// Reading the past is not an action: the history view opens.
		vic.keys("H")
		vic.waitFor("the history view", func(s string) bool {
			return strings.Contains(s, "[Deployments]") && strings.Contains(s, "checkout-api")
		})
		vic.keys("Escape")
		vic.waitText("▶ [ ] Security scans completed")
	})

	step(t, "a frozen client holds up nobody", func() {
		pid := bob.clientPID()
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = syscall.Kill(pid, syscall.SIGCONT) }()
		for i := 1; i <= 3; i++ {
			note := fmt.Sprintf("while-bob-is-frozen-%d", i)
			start := time.Now()
			cli(t, db, "check", "Release notes drafted with changes and known issues", "--note", note, "--as", "pipeline")
			alice.waitText(note)
			vic.waitText(note)
			t.Logf("with bob frozen, note %d visible to alice and vic after %v", i, time.Since(start).Round(time.Millisecond))
		}
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		bob.waitText("while-bob-is-frozen-3")
	})

	step(t, "a killed client leaves, the others carry on", func() {
		if err := syscall.Kill(bob.clientPID(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		bob.waitExit()
		log := filepath.Join(dir, "flightdeck-debug.log")
		deadline := time.Now().Add(30 * time.Second)
		for {
			b, _ := os.ReadFile(log)
			if regexp.MustCompile(`session bob from \S+: dashboard closed`).Match(b) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("bob's session was not closed on the server; debug log:\n%s", b)
			}
			time.Sleep(50 * time.Millisecond) // polling interval
		}
		alice.keys("j")
		alice.waitText("▶ [ ] Code reviewed")
		alice.keys("j")
		alice.waitText("▶ [ ] Security scans completed")
		alice.keys("Space")
		vic.waitText("[x] Secur")
	})

	step(t, "SIGTERM ends every session and gives the terminals back", func() {
		took := srv.stop(syscall.SIGTERM)
		t.Logf("server stopped %v after SIGTERM with 2 sessions open", took.Round(time.Millisecond))
		alice.waitExit()
		vic.waitExit()
		if !strings.Contains(srv.out.String(), "stopping, 2 session(s) open") {
			t.Errorf("server output:\n%s", srv.out.String())
		}
	})

	step(t, "the host key is reused", func() {
		again := startServe(t, dir, env, db, "--authorized-keys", keys)
		if again.fingerprint != srv.fingerprint || !strings.Contains(again.out.String(), "(using "+hostKey+")") {
			t.Fatalf("host key changed: %s then %s\n%s", srv.fingerprint, again.fingerprint, again.out.String())
		}
		x, _ := sshPane(t, 100, 30, again.port, teamKey, "alice")
		x.waitText("[x] All a")
		x.keys("q")
		x.waitExit()
		again.stop(syscall.SIGINT)
	})
}

// serve refuses to start without the keys it needs, before touching
// anything, and names what is wrong.
func TestServeStartupErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "fd.db")
	env := append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "FLIGHTDECK_CONFIG=")
	run := func(args ...string) (string, int) {
		cmd := exec.Command(flightdeckBin(t), append([]string{"--db", db, "serve", "--listen", "127.0.0.1:0"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}

	out, code := run()
	if code != exitUsage || !strings.Contains(out, "serve needs --authorized-keys FILE") || !strings.Contains(out, "ssh-keygen") {
		t.Fatalf("without --authorized-keys: exit %d\n%s", code, out)
	}
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte("# ok\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGarbage bad\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = run("--authorized-keys", keys)
	if code != exitFail || !strings.Contains(out, keys+":3: not a public key") {
		t.Fatalf("bad authorized keys line: exit %d\n%s", code, out)
	}
	out, code = run("--authorized-keys", filepath.Join(dir, "nope"))
	if code != exitFail || !strings.Contains(out, "does not exist") {
		t.Fatalf("missing authorized keys: exit %d\n%s", code, out)
	}
	out, code = run("--authorized-keys", keys, "--theme", "purple")
	if code != exitUsage || !strings.Contains(out, `invalid --theme "purple"`) {
		t.Fatalf("bad theme: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a refused start created the database")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "flightdeck", "ssh_host_ed25519")); err == nil {
		t.Fatal("a refused start created a host key")
	}
}

// The OpenSSH client, as a hostile peer would use it: stdio and remote
// forwarding and the sftp subsystem are refused, and a key removed from the
// file ends that key's open dashboard with a message, while another
// key's session carries on.
func TestServeRefusesForwardingAndEndsRemovedKeysOverOpenSSH(t *testing.T) {
	requireSSHTools(t)
	dir := t.TempDir()
	dataHome, configHome := filepath.Join(dir, "data"), filepath.Join(dir, "config")
	writeServeConfig(t, configHome)
	env := []string{"XDG_DATA_HOME=" + dataHome, "XDG_CONFIG_HOME=" + configHome, "FLIGHTDECK_CONFIG=", "FLIGHTDECK_DB=", "DEBUG=1"}
	db := filepath.Join(dir, "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	teamKey, teamPub := sshKey(t, dir, "team")
	otherKey, otherPub := sshKey(t, dir, "vic")
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte("principals=\"alice\" "+teamPub+"\n"+otherPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, dir, env, db, "--authorized-keys", keys)

	for _, c := range []struct {
		what string
		args []string
		want string
	}{
		{"stdio forwarding (-W)", append(sshArgs(srv.port, teamKey), "-W", "127.0.0.1:1", "alice@127.0.0.1"), "open failed"},
		{"remote forwarding (-R)", append(sshArgs(srv.port, teamKey), "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:1", "alice@127.0.0.1"), "forwarding failed"},
		{"the sftp subsystem (-s)", append(sshArgs(srv.port, teamKey), "-s", "alice@127.0.0.1", "sftp"), ""},
	} {
		out, code := sshRun(t, append([]string{"-o", "LogLevel=INFO"}, c.args...)...)
		if code == 0 || (c.want != "" && !strings.Contains(out, c.want)) {
			t.Errorf("%s: exit %d, want a refusal (%q):\n%s", c.what, code, c.want, out)
		}
	}

	// A terminal far larger than any screen (the OpenSSH client sends its
	// pane's size) is drawn at the clamped size.
	huge, _ := sshPane(t, 2000, 1000, srv.port, otherKey, "vic")
	huge.waitText("Checklist")
	logged := func() string { b, _ := os.ReadFile(filepath.Join(dir, "flightdeck-debug.log")); return string(b) }
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logged(), "2000x1000 clamped to 500x200") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logged(), "2000x1000 clamped to 500x200") {
		t.Errorf("a 2000x1000 OpenSSH terminal was not clamped; debug log:\n%s", logged())
	}
	huge.keys("q")
	huge.waitExit()

	alice, _ := sshPane(t, 100, 30, srv.port, teamKey, "alice")
	alice.waitText("Checklist")
	vic, _ := sshPane(t, 100, 30, srv.port, otherKey, "vic")
	vic.waitText("Checklist")
	// The team key leaves the file: alice's session ends and says why.
	if err := os.WriteFile(keys, []byte(otherPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	alice.waitFor("alice told her key no longer allows her in", func(s string) bool {
		s = strings.Join(strings.Fields(s), " ")
		return strings.Contains(s, "as \"alice\" (changed in") && strings.Contains(s, "session ended")
	})
	if s := vic.screen(); !strings.Contains(s, "Checklist") {
		t.Errorf("another key's session ended too:\n%s", s)
	}
	vic.keys("q")
	vic.waitExit()
}
