package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/octoacme/flightdeck/data/pgtest"
)

// notify --watch, in a process of its own, delivers what other processes
// commit, on either engine: the incident another process opens reaches the
// notify command without anyone asking (the change feed: SQLite's file,
// PostgreSQL's LISTEN/NOTIFY), and Ctrl-C stops it.
func TestNotifyWatchOnBothEngines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		t.Run(engine, func(t *testing.T) {
			cliDB(t)
			db := filepath.Join(t.TempDir(), "fd.db")
			if engine == "PostgreSQL" {
				db = pgtest.NewDatabase(t, pgtest.Server(t))
			}
			fdOK(t, db, "deploy", "start", "api", "v1.2") // the database exists before the watcher opens it
			runs, reach := filepath.Join(t.TempDir(), "runs"), filepath.Join(t.TempDir(), "reach")
			// The command reaches the database through FLIGHTDECK_DB (its
			// password, if any, in PGPASSWORD).
			cmd := script(t, `echo "$FLIGHTDECK_EVENT|$FLIGHTDECK_DB" >> "`+runs+`"; "`+flightdeckBin(t)+`" --db "$FLIGHTDECK_DB" incident list >> "`+reach+`" 2>&1`)
			cfg := writeConfig(t, "notify:\n  command: ['"+cmd+"']\n  timeout: 5s\n")

			w := exec.Command(flightdeckBin(t), "--db", db, "--config", cfg, "notify", "--watch")
			w.Env = append(os.Environ(), "FLIGHTDECK_DB=", "PGPASSWORD=")
			out, err := w.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			w.Stderr = w.Stdout
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = w.Process.Kill(); _ = w.Wait() })
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var log []string
			wait := func(what string, ok func(string) bool) {
				t.Helper()
				deadline := time.After(30 * time.Second)
				for {
					select {
					case l, open := <-lines:
						if !open {
							t.Fatalf("notify --watch ended before %s:\n%s", what, strings.Join(log, "\n"))
						}
						log = append(log, l)
						if ok(l) {
							return
						}
					case <-deadline:
						t.Fatalf("notify --watch: no %s after 30 s:\n%s", what, strings.Join(log, "\n"))
					}
				}
			}
			wait("start line", func(l string) bool {
				return strings.Contains(l, "watching ") && strings.Contains(l, "("+engine+"; senders: command (command)")
			})

			start := time.Now()
			fdOK(t, db, "incident", "open", "--sev", "2", "payments failing") // another process: this test
			wait("delivery", func(l string) bool {
				return strings.Contains(l, "notify command: delivered incident_opened incident_opened:INC-1:")
			})
			t.Logf("%s: an incident opened by another process delivered by notify --watch after %v", engine, time.Since(start).Round(time.Millisecond))

			if err := w.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			for range lines { // drain until it exits
			}
			if err := w.Wait(); err != nil {
				t.Errorf("notify --watch after Ctrl-C: %v", err)
			}
			b, _ := os.ReadFile(runs)
			if !strings.HasPrefix(string(b), "incident_opened|") {
				t.Errorf("the notify command ran with:\n%s", b)
			}
			if r, _ := os.ReadFile(reach); !strings.Contains(string(r), "INC-1") {
				t.Errorf("flightdeck in the notify command, on $FLIGHTDECK_DB:\n%s", r)
			}
			if engine == "PostgreSQL" {
				pw := pgPassword(t)
				if strings.Contains(string(b), pw) || strings.Contains(strings.Join(log, "\n"), pw) {
					t.Errorf("the password reached the notify command or the log:\n%s\n%s", b, strings.Join(log, "\n"))
				}
				if !strings.Contains(string(b), "|"+withoutPassword(t, db)+"\n") {
					t.Errorf("FLIGHTDECK_DB is not the DSN without its password:\n%s", b)
				}
			}
		})
	}
}
