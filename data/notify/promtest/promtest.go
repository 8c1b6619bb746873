// Package promtest runs a real Prometheus (Debian's prometheus package) on
// 127.0.0.1 for tests, scraping a tiny exporter the test serves, so the
// probe reads an error rate that changes during the test through the real
// HTTP API. It is used only by tests (data/notify, ui/cli).
package promtest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// SkipOrFail skips a test whose tool is missing on a developer's machine,
// and fails it under CI (CI=true), where .ci/run installs every tool (as
// ui/cli's does).
func SkipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf("SKIPPED, NOT TESTED: "+format, args...)
}

// Exporter serves http_requests_total for checkout-api; every scrape adds
// ok and bad requests to the counters, so rate() follows what the test
// sets. down makes it refuse to serve (the target is down).
type Exporter struct {
	mu       sync.Mutex
	ok, bad  float64
	okStep   float64
	badStep  float64
	down     bool
	scrapes  int
	Listener net.Listener
}

func (e *Exporter) Set(okPerScrape, badPerScrape float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.okStep, e.badStep = okPerScrape, badPerScrape
}

func (e *Exporter) SetDown(down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.down = down
}

func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	e.scrapes++
	e.ok += e.okStep
	e.bad += e.badStep
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# TYPE http_requests_total counter\n")
	fmt.Fprintf(w, "http_requests_total{code=\"200\",service=\"checkout-api\"} %g\n", e.ok)
	fmt.Fprintf(w, "http_requests_total{code=\"500\",service=\"checkout-api\"} %g\n", e.bad)
}

func StartExporter(t *testing.T) *Exporter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &Exporter{okStep: 99, badStep: 1, Listener: l}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

// Server is a running Prometheus.
type Server struct {
	URL string
	cmd *exec.Cmd
}

func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs /usr/bin/prometheus (or the one in $PATH) scraping
// target every second, waits until it is ready, and kills it at cleanup.
func Start(t *testing.T, target string) *Server {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if _, err := os.Stat("/usr/bin/prometheus"); err != nil {
			SkipOrFail(t, "prometheus is not installed (apt-get install prometheus): the Prometheus probe is not tested against a real server")
		}
		bin = "/usr/bin/prometheus"
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	writeFile(t, cfg, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ['%s']
`, target))
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p := &Server{URL: "http://" + addr, cmd: cmd}
	t.Cleanup(func() { p.Stop() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("prometheus exited before it was ready:\n%s", b)
		default:
		}
		resp, err := http.Get(p.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("prometheus at %s not ready after 60s:\n%s", p.URL, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *Server) Stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
}

// Scraped waits until Prometheus has scraped the exporter n times.
func (e *Exporter) Scraped(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		e.mu.Lock()
		got := e.scrapes
		e.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 60s waiting for %d scrapes (%d so far)", n, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Addr is the exporter's host:port, for Prometheus to scrape.
func (e *Exporter) Addr() string { return e.Listener.Addr().String() }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
