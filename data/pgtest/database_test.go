package pgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestDatabaseName(t *testing.T) {
	long := strings.Repeat("TestAVeryLongName/", 10)
	tests := []struct {
		test, want string
	}{
		{"TestStore", "fd_teststore_0123abcd"},
		{"TestStore/ack#01", "fd_teststore_ack_01_0123abcd"},
		{"TestX/Ünïcode and  spaces", "fd_testx_n_code_and_spaces_0123abcd"},
		{"___", "fd_0123abcd"},
		{"Test/", "fd_test_0123abcd"},
		{long, "fd_testaverylongname_testaverylongname_testaverylongna_0123abcd"},
	}
	for _, tt := range tests {
		got := databaseName(tt.test, "0123abcd")
		if got != tt.want {
			t.Errorf("databaseName(%q) = %q, want %q", tt.test, got, tt.want)
		}
		if len(got) > maxIdent {
			t.Errorf("databaseName(%q) is %d bytes, more than %d", tt.test, len(got), maxIdent)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		dsn, want string
	}{
		{"postgres://u:p%40ss@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:p%40ss@127.0.0.1:5432/fd_x?sslmode=disable"},
		{"postgresql://u@h/", "postgresql://u@h/fd_x"},
		{"postgres://u@h", "postgres://u@h/fd_x"},
		{"postgres://u@h/postgres?dbname=postgres&sslmode=disable", "postgres://u@h/fd_x?sslmode=disable"},
		{"host=h user=u dbname=postgres ", "host=h user=u dbname=postgres dbname=fd_x"},
	}
	for _, tt := range tests {
		got, err := withDatabase(tt.dsn, "fd_x")
		if err != nil || got != tt.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
		}
	}
	if _, err := withDatabase("postgres://u:sekrit@h:port/db", "fd_x"); err == nil || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("withDatabase(bad URL) error = %v, want an error without the password", err)
	}
}

func TestCIMustFail(t *testing.T) {
	for ci, want := range map[string]bool{"": false, "true": true, "1": true, "false": true} {
		if got := ciMustFail(ci); got != want {
			t.Errorf("ciMustFail(%q) = %v, want %v", ci, got, want)
		}
	}
}

func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return conn
}

func exists(t testing.TB, serverDSN, name string) bool {
	t.Helper()
	conn := connect(t, serverDSN)
	defer func() { _ = conn.Close(context.Background()) }()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestNewDatabase(t *testing.T) {
	server := Server(t)
	forms := map[string]func(string) string{
		"url": func(s string) string { return s },
		"keyword-value": func(s string) string {
			c, err := pgx.ParseConfig(s)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("host=%s port=%d user=%s password='%s' dbname=postgres sslmode=disable", c.Host, c.Port, c.User, c.Password)
		},
	}
	for form, to := range forms {
		t.Run(form, func(t *testing.T) {
			var name string
			t.Run("inner", func(t *testing.T) {
				dsn := NewDatabase(t, to(server))
				conn := connect(t, dsn)
				// Left open on purpose: the drop must terminate it.
				if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(name, "fd_testnewdatabase_") {
					t.Errorf("database %q is not named after the test", name)
				}
				if _, err := conn.Exec(context.Background(), "CREATE TABLE t (x int)"); err != nil {
					t.Fatal(err)
				}
			})
			if name == "" {
				t.Fatal("the inner test did not reach its database")
			}
			if exists(t, server, name) {
				t.Errorf("database %s is still there after its test ended", name)
			}
		})
	}
}

// Two tests of the same name (a -count=2 run, or parallel runs of the
// suite on one server) get different databases.
func TestNewDatabaseUnique(t *testing.T) {
	server := Server(t)
	a, b := NewDatabase(t, server), NewDatabase(t, server)
	if a == b {
		t.Fatalf("two calls returned the same database %s", a)
	}
}

// BenchmarkNewDatabase measures what each store test pays for its own
// database: create, then drop at cleanup.
func BenchmarkNewDatabase(b *testing.B) {
	server := Server(b)
	for b.Loop() {
		name := databaseName(b.Name(), randomSuffix(b))
		ctx := context.Background()
		if err := adminExec(ctx, server, "CREATE DATABASE "+name); err != nil {
			b.Fatal(err)
		}
		if err := adminExec(ctx, server, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			b.Fatal(err)
		}
	}
}
