package pgtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvBin overrides the directory of the PostgreSQL server binaries
// (initdb, pg_ctl, pg_isready) StartCluster runs.
const EnvBin = "FLIGHTDECK_TEST_PGBIN"

// DefaultBin is where Debian's postgresql-15 package puts them.
const DefaultBin = "/usr/lib/postgresql/15/bin"

// Deadlines for the server to come up or go down. Generous: a loaded CI
// machine with two cores may take many seconds; a healthy one takes well
// under one.
const (
	startDeadline = 2 * time.Minute
	stopDeadline  = 2 * time.Minute
)

// Cluster is a private PostgreSQL server of one test, for tests that stop
// or restart the server under a client. It listens on 127.0.0.1 on a port
// of its own with scram-sha-256 password authentication, keeps its data
// and Unix socket in a temporary directory, and runs with fsync off (its
// data need not survive a crash of the machine). When running as root it
// runs as the `postgres` user, since PostgreSQL refuses root.
//
// Its methods are not safe for concurrent use.
type Cluster struct {
	bin     string
	dir     string // root of the temporary directory, owned by the server's user
	data    string
	logFile string
	port    int
	dsn     string
	asUser  string // non-empty: run commands through runuser -u asUser
	running bool
}

// StartCluster initialises and starts a new server and returns it
// running. When the test ends the server is stopped and its directory
// removed. Without the binaries (or, as root, without the postgres user)
// the test is skipped, or fails under CI.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{bin: os.Getenv(EnvBin)}
	if c.bin == "" {
		c.bin = DefaultBin
	}
	for _, tool := range []string{"initdb", "pg_ctl", "pg_isready", "postgres"} {
		if _, err := os.Stat(filepath.Join(c.bin, tool)); err != nil {
			missing(t, fmt.Sprintf("no PostgreSQL server binaries (%s not in %s): install postgresql-15, as .ci/run does, or set %s", tool, c.bin, EnvBin))
		}
	}
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			missing(t, "running as root and there is no postgres user to run the PostgreSQL server as: "+err.Error())
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			missing(t, "running as root and runuser (util-linux) is missing to run the PostgreSQL server as postgres")
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		c.asUser = "postgres"
	}

	// Not t.TempDir: its parents are private to the test's user, and the
	// server's user must reach the directory. A short path also keeps the
	// Unix socket under its 107-byte limit.
	dir, err := os.MkdirTemp(scratch(), "fdpg-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	c.dir = dir
	t.Cleanup(func() { c.cleanup(t) })
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	c.data = filepath.Join(dir, "data")
	c.logFile = filepath.Join(dir, "server.log")

	password := hex.EncodeToString(randomBytes(t, 16))
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if uid >= 0 {
		if err := os.Chown(pwfile, uid, gid); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	if out, err := c.run(context.Background(), "initdb", "-D", c.data, "-U", "postgres",
		"--pwfile", pwfile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C",
		"--no-sync", "--no-instructions"); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	_ = os.Remove(pwfile)

	// A free port can be taken by someone else between our probe and the
	// server's bind: try a few.
	for attempt := 1; ; attempt++ {
		c.port = freePort(t)
		if err := c.configure(); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		err := c.start()
		if err == nil {
			break
		}
		if attempt == 5 || !strings.Contains(c.logTail(), "could not bind") {
			t.Fatalf("pgtest: start the server: %v\n%s", err, c.logTail())
		}
	}
	c.dsn = (&url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword("postgres", password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}).String()
	return c
}

// DSN is the superuser DSN to the server's postgres database.
func (c *Cluster) DSN() string { return c.dsn }

// Port is the TCP port on 127.0.0.1 the server listens on, the same after
// every Start.
func (c *Cluster) Port() int { return c.port }

// Stop shuts the server down (fast mode: open sessions are terminated,
// as a restart by an operator does) and returns once it is gone.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := c.stop("fast"); err != nil {
		t.Fatalf("pgtest: stop the server: %v\n%s", err, c.logTail())
	}
}

// Start starts the stopped server again, on the same port and data, and
// returns once it accepts connections on TCP.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	if err := c.start(); err != nil {
		t.Fatalf("pgtest: start the server: %v\n%s", err, c.logTail())
	}
}

// Restart is Stop then Start.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	c.Stop(t)
	c.Start(t)
}

// configure appends this server's settings to postgresql.conf; the last
// setting of a name wins, so a second call (a new port) overrides the first.
func (c *Cluster) configure() error {
	conf := fmt.Sprintf(`
# pgtest
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
`, c.port, c.dir)
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (c *Cluster) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline)
	defer cancel()
	// -w: pg_ctl polls the postmaster's status until it is ready or has
	// died; the pg_isready loop below then proves TCP is up too.
	if out, err := c.run(ctx, "pg_ctl", "start", "-D", c.data, "-l", c.logFile,
		"-w", "-t", strconv.Itoa(int(startDeadline/time.Second))); err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	c.running = true
	return c.waitReady(ctx)
}

// waitReady polls pg_isready until the server accepts TCP connections.
func (c *Cluster) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := c.run(ctx, "pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-t", "5")
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pg_isready: not ready within %v: %v %s", startDeadline, err, out)
		case <-tick.C:
		}
	}
}

func (c *Cluster) stop(mode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopDeadline)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.data, "-m", mode,
		"-w", "-t", strconv.Itoa(int(stopDeadline/time.Second))); err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	c.running = false
	return nil
}

// cleanup stops a server still running (immediate mode: its data is
// about to go) and removes the directory.
func (c *Cluster) cleanup(t testing.TB) {
	if c.running {
		if err := c.stop("immediate"); err != nil {
			t.Errorf("pgtest: stop the server at cleanup: %v", err)
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		t.Errorf("pgtest: remove the server's directory: %v", err)
	}
}

// run runs a server binary as the server's user, in the cluster's
// directory (the user may not reach the test's working directory).
func (c *Cluster) run(ctx context.Context, tool string, args ...string) (string, error) {
	path := filepath.Join(c.bin, tool)
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir
	// Keep PG* settings of the developer's shell away from the tools.
	cmd.Env = cleanEnv(os.Environ())
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// pg_ctl start leaves the postmaster running with our pipes as its
	// stdout and stderr unless -l redirects them (it does); WaitDelay
	// keeps a stray holder of the pipe from hanging us anyway.
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

func cleanEnv(env []string) []string {
	kept := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PG") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// logTail is the end of the server's log, for failure messages.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.logFile)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return "server log:\n" + string(b)
}

// scratch is where clusters live: tmpfs when the machine has one. On the
// ext4 of our CI machine a CREATE DATABASE (some 600 files) takes 300 ms,
// on tmpfs 20 ms, and initdb and every start are faster too; the data is
// thrown away at the end of the test anyway.
func scratch() string {
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp(shm, "fdpg-probe-"); err == nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			return shm
		}
	}
	return os.TempDir()
}

var portMu sync.Mutex

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort(t testing.TB) int {
	portMu.Lock()
	defer portMu.Unlock()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: find a free port: %v", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}
