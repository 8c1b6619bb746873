package pgtest

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestCluster(t *testing.T) {
	c := StartCluster(t)
	ctx := context.Background()

	conn := connect(t, c.DSN())
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	var auth string
	if err := conn.QueryRow(ctx, "SELECT current_setting('password_encryption')").Scan(&auth); err != nil || auth != "scram-sha-256" {
		t.Errorf("password_encryption = %q, %v; want scram-sha-256", auth, err)
	}

	c.Stop(t)
	// The open session was terminated, and nobody can connect.
	if err := conn.Ping(ctx); err == nil {
		t.Error("a session survived Stop")
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(short, c.DSN()); err == nil {
		_ = conn.Close(ctx)
		t.Fatal("connected to a stopped server")
	}

	port := c.Port()
	c.Start(t)
	if c.Port() != port {
		t.Errorf("port after Start = %d, want %d", c.Port(), port)
	}
	c.Restart(t)
	conn = connect(t, c.DSN())
	defer func() { _ = conn.Close(ctx) }()
	var x int
	if err := conn.QueryRow(ctx, "SELECT x FROM kept").Scan(&x); err != nil || x != 42 {
		t.Errorf("after restarts: x = %d, %v; want 42 kept", x, err)
	}
}

func TestClusterWrongPassword(t *testing.T) {
	c := StartCluster(t)
	cfg, err := pgx.ParseConfig(c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = "wrong"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if conn, err := pgx.ConnectConfig(ctx, cfg); err == nil {
		_ = conn.Close(ctx)
		t.Fatal("connected with a wrong password: the server does not check passwords")
	}
}

func TestClusterCleanup(t *testing.T) {
	var c *Cluster
	t.Run("inner", func(t *testing.T) { c = StartCluster(t) })
	if c == nil {
		t.Fatal("the inner test did not start a cluster")
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("the cluster's directory %s is still there: %v", c.dir, err)
	}
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port())), 5*time.Second); err == nil {
		_ = conn.Close()
		t.Errorf("the server still listens on port %d after its test ended", c.Port())
	}
}

// NewDatabase works on a Cluster, also after the server restarted under
// the idle connections NewDatabase keeps.
func TestNewDatabaseOnRestartedCluster(t *testing.T) {
	c := StartCluster(t)
	NewDatabase(t, c.DSN())
	c.Restart(t)
	dsn := NewDatabase(t, c.DSN())
	conn := connect(t, dsn)
	_ = conn.Close(context.Background())
}
