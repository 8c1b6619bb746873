package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests build the real binary and drive it the way a person
// would: in tmux, with keys, reading the screen. They poll for what they
// expect with generous deadlines and never sleep a fixed time.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func flightdeckBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flightdeck-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "flightdeck")
		out, err := exec.Command("go", "build", "-o", binPath, "../..").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cli runs the binary with args and returns stdout, failing on a non-zero exit.
func cli(t *testing.T, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(flightdeckBin(t), append([]string{"--db", db}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("flightdeck %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// tmux is one private tmux server (its own socket, no user config).
type tmux struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		skipOrFail(t, "tmux is not installed (.ci/run installs it)")
	}
	x := &tmux{t: t, socket: fmt.Sprintf("fd-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", x.socket, "kill-server").Run() })
	return x
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", x.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// start opens a session of w x h running the command. CI= keeps the CI
// variable from turning colours off inside the pane; TERM is what tmux sets.
func (x *tmux) start(w, h int, command ...string) {
	x.t.Helper()
	args := []string{"new-session", "-d", "-s", "main", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"-e", "CI=", "-e", "NO_COLOR=", "-e", "USER=e2e-user", "-e", "TZ=UTC"}
	x.run(append(args, command...)...)
	// Keep the pane after the program exits so its exit can be observed.
	x.run("set-option", "-t", "main", "remain-on-exit", "on")
}

func (x *tmux) screen() string {
	x.t.Helper()
	return x.run("capture-pane", "-p", "-t", "main")
}

func (x *tmux) keys(keys ...string) {
	x.t.Helper()
	x.run(append([]string{"send-keys", "-t", "main"}, keys...)...)
}

// waitFor polls the screen until cond holds, failing after a generous deadline.
func (x *tmux) waitFor(what string, cond func(screen string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = x.screen()
		if cond(s) {
			return s
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not a wait for an effect
	}
	x.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
	return ""
}

func (x *tmux) waitText(text string) string {
	x.t.Helper()
	return x.waitFor(fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

// waitExit waits until the program in the pane has exited.
func (x *tmux) waitExit() {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out := x.run("display-message", "-p", "-t", "main", "#{pane_dead}")
		if strings.TrimSpace(out) == "1" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	x.t.Fatalf("program did not exit; screen:\n%s", x.screen())
}

type exportDoc struct {
	ChecklistItems []struct {
		ID        int64   `json:"id"`
		Text      string  `json:"text"`
		State     string  `json:"state"`
		Reason    *string `json:"reason"`
		Note      *string `json:"note"`
		ChangedBy *string `json:"changed_by"`
		ChangedAt *string `json:"changed_at"`
	} `json:"checklist_items"`
	Events []struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
	} `json:"events"`
}

func exportJSON(t *testing.T, db string) exportDoc {
	t.Helper()
	var doc exportDoc
	out := cli(t, db, "export", "--format", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	return doc
}

func TestE2ETickInDashboardIsSaved(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	out := cli(t, db, "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")
	if !strings.Contains(out, "checkout-api") {
		t.Fatalf("deploy start said: %s", out)
	}
	x := newTmux(t)
	x.start(100, 30, flightdeckBin(t), "--db", db)
	x.waitText("▶ [ ] All automated tests passing in CI")
	x.keys("Space")
	x.waitText("[x] All automated tests passing in CI")
	// n/a with a reason on the next item.
	x.keys("j")
	x.waitText("▶ [ ] Code reviewed")
	x.keys("x")
	x.waitText("n/a because")
	x.keys("-l", "no reviewers needed: q typed")
	x.keys("Enter")
	x.waitText("n/a: no reviewers needed: q typed")
	x.keys("q")
	x.waitExit()

	doc := exportJSON(t, db)
	got := map[string]string{}
	for _, it := range doc.ChecklistItems {
		got[it.Text] = it.State
		if it.Text == "All automated tests passing in CI" && (it.ChangedBy == nil || *it.ChangedBy != "e2e-user" || it.ChangedAt == nil) {
			t.Errorf("who/when not recorded: %+v", it)
		}
	}
	if got["All automated tests passing in CI"] != "done" {
		t.Fatalf("first item is %q in the export", got["All automated tests passing in CI"])
	}
	if got["Code reviewed and approved by required reviewers"] != "n/a" {
		t.Fatalf("second item is %q in the export", got["Code reviewed and approved by required reviewers"])
	}

	// Reopening shows everything as it was left.
	x2 := newTmux(t)
	x2.start(120, 40, flightdeckBin(t), "--db", db)
	s := x2.waitText("[x] All automated tests passing in CI")
	if !strings.Contains(s, "e2e-user") || !strings.Contains(s, "Pre-Deployment 2/20") {
		t.Fatalf("reopened screen lacks who or progress:\n%s", s)
	}
	x2.keys("q")
	x2.waitExit()
}

func TestE2EResizeAndNarrow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "web", "v1")
	x := newTmux(t)
	x.start(80, 24, flightdeckBin(t), "--db", db)
	x.waitText("1 Checklist")
	x.run("resize-window", "-t", "main", "-x", "50", "-y", "12")
	x.waitText("[1 Checklist]") // narrow: a tab strip and one pane
	x.keys("Tab")
	x.waitText("[2 Rollout]")
	x.run("resize-window", "-t", "main", "-x", "200", "-y", "50")
	x.waitText("3 Incident log")
	x.keys("q")
	x.waitExit()
}

// Bubble Tea v1 asks the terminal for its background at init and waits up to
// 5 s on terminals that never answer (pitfalls A4); ui/earlyinit prevents it.
func TestStartupDoesNotWaitForTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		skipOrFail(t, "script(1) not installed")
	}
	bin := flightdeckBin(t)
	x := filepath.Join(t.TempDir(), "x.db")
	for _, args := range []string{"--help", "--version", "incident open --sev 3 x --db " + x, "deploy status --db " + x} {
		start := time.Now()
		cmd := exec.Command("script", "-qec", bin+" "+args, "/dev/null")
		cmd.Env = append(os.Environ(), "TERM=xterm-256color", "CI=")
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", args, err, out)
		}
		// A query to a terminal that never answers waits out its 5 s
		// timeout (or forever): well past this bound, which a loaded
		// machine's slow start-up (once 1.02 s under a load of 27 on two
		// cores) stays under. Speed itself is measured by benchmarks.
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("flightdeck %s took %v on a terminal that never answers queries", args, d)
		}
	}
}

// The demo shows a newcomer everything alive: the four panes on a year of
// history with a live canary and SEV2, and the metrics view populated.
func TestE2EDemo(t *testing.T) {
	x := newTmux(t)
	x.start(140, 40, "sh", "-c", flightdeckBin(t)+" demo --keep=false 2>/dev/null; echo DEMO-EXITED; sleep 30")
	s := x.waitText("stage 2/4 · 25%")
	// The demo's SEV2 is linked to the canary: its rollout is on HOLD.
	for _, want := range []string{"HOLD: INC-", "Eng Lead", "SEV2", "INC-", "checked \"", "Deployment Execution", "FREEZE"} {
		if !strings.Contains(s, want) {
			t.Fatalf("demo screen lacks %q:\n%s", want, s)
		}
	}
	x.keys("M")
	s = x.waitText("Deployment frequency")
	for _, want := range []string{"deploys", "Lead time for changes", "Change fail rate", "MTTR", "Weekly trend"} {
		if !strings.Contains(s, want) {
			t.Fatalf("metrics view lacks %q:\n%s", want, s)
		}
	}
	x.keys("q")
	x.waitText("DEMO-EXITED")
}

// The dashboard itself draws its first frame within a second on a terminal
// that never answers queries (a relayed PTY with TERM=xterm-256color).
func TestDashboardStartsOnSilentTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		skipOrFail(t, "script(1) not installed")
	}
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "web", "v1")
	cmd := exec.Command("script", "-qefc", "stty cols 100 rows 30; exec "+flightdeckBin(t)+" --db "+db, "/dev/null")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "CI=")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out bytes.Buffer
	cmd.Stdout = writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var firstFrame time.Duration
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		seen := strings.Contains(out.String(), "All automated tests passing in CI")
		mu.Unlock()
		if seen {
			firstFrame = time.Since(start)
			break
		}
	}
	if firstFrame == 0 {
		mu.Lock()
		t.Fatalf("no first frame; output: %q", out.String())
	}
	t.Logf("first frame after %v", firstFrame.Round(time.Millisecond))
	if firstFrame > time.Second {
		t.Errorf("first frame took %v on a terminal that never answers queries", firstFrame)
	}
	_, _ = stdin.Write([]byte("q"))
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// A canary started from the CLI is driven from the dashboard; the
// dashboard is killed with SIGKILL and reopened: same stage, the same soak
// end, the remaining time within a second of what it should be.
func TestE2ERolloutSurvivesKill9(t *testing.T) {
	onEngines(t, testE2ERolloutSurvivesKill9)
}

func testE2ERolloutSurvivesKill9(t *testing.T, engine string) {
	db := engineDB(t, engine)
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0", "--strategy", "canary")
	cli(t, db, "deploy", "promote", "--reason", "e2e: start execution")
	cli(t, db, "deploy", "live")
	cli(t, db, "deploy", "health", "--error-rate", "0.4", "--baseline", "0.4")
	bin := flightdeckBin(t)
	x := newTmux(t)
	x.start(120, 40, bin, "--db", db)
	x.waitFor("stage 1/4 · 5% with a countdown", func(s string) bool {
		return strings.Contains(s, "1/4 · 5%") && regexp.MustCompile(`\d\d:\d\d left`).MatchString(s)
	})
	x.keys("2")
	x.waitText("▶ 2 Rollout")
	x.keys("p") // before the soak ends: a reason is asked for
	x.waitText("of its 15:00 soak left — promote anyway because")
	x.keys("-l", "e2e: canary metrics already clean")
	x.keys("Enter")
	s := x.waitText("stage 2/4 · 25%")
	end := regexp.MustCompile(`soak ends (\d\d:\d\d:\d\d)`).FindStringSubmatch(s)
	if end == nil {
		t.Fatalf("no soak end on screen:\n%s", s)
	}
	pid := strings.TrimSpace(x.run("display-message", "-p", "-t", "main", "#{pane_pid}"))
	if out, err := exec.Command("kill", "-9", pid).CombinedOutput(); err != nil {
		t.Fatalf("kill -9 %s: %v %s", pid, err, out)
	}
	x.waitExit()

	y := newTmux(t)
	y.start(120, 40, bin, "--db", db)
	y.keys("2")
	s = y.waitText("stage 2/4 · 25%")
	end2 := regexp.MustCompile(`soak ends (\d\d:\d\d:\d\d)`).FindStringSubmatch(s)
	if end2 == nil || end2[1] != end[1] {
		t.Fatalf("soak end after restart %v, before %v:\n%s", end2, end, s)
	}
	// The remaining time shown is the stored end minus now, to the second.
	left := regexp.MustCompile(`(\d\d):(\d\d) left`).FindStringSubmatch(s)
	if left == nil {
		t.Fatalf("no countdown after restart:\n%s", s)
	}
	ends, _ := time.ParseInLocation("15:04:05", end[1], time.UTC)
	now := time.Now().UTC()
	endAt := time.Date(now.Year(), now.Month(), now.Day(), ends.Hour(), ends.Minute(), ends.Second(), 0, time.UTC)
	if endAt.Before(now.Add(-time.Hour)) {
		endAt = endAt.Add(24 * time.Hour) // the soak ends after midnight
	}
	var mm, ss int
	fmt.Sscan(left[1], &mm)
	fmt.Sscan(left[2], &ss)
	shown := time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second
	want := endAt.Sub(now)
	if d := shown - want; d < -2*time.Second || d > 2*time.Second {
		t.Fatalf("after restart %v left, want %v (±1 s, +1 s for the screen poll)", shown, want.Round(time.Second))
	}
	doc := exportJSON(t, db)
	kinds := map[string]int{}
	for _, e := range doc.Events {
		kinds[e.Kind]++
	}
	if kinds["rollout.promote"] != 1 {
		t.Fatalf("promote events: %v", kinds)
	}
	y.keys("q")
	y.waitExit()
}

// An incident opened from the CLI appears in a running dashboard with its
// Engineering Lead clock; it is acknowledged and resolved from the dashboard,
// and the report has all of it, in order.
func TestE2EIncidentFromCLIToReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	cli(t, db, "deploy", "start", "checkout-api", "v2.14.0")
	x := newTmux(t)
	x.start(140, 40, flightdeckBin(t), "--db", db)
	x.waitText("1 Checklist")
	cli(t, db, "incident", "open", "--sev", "2", "checkout", "5xx", "after", "deploy", "--as", "pipeline")
	x.waitFor("the SEV2 with the Eng Lead due in 15:00", func(s string) bool {
		return strings.Contains(s, "SEV2 INC-1") && regexp.MustCompile(`Eng Lead\s+\d\d:\d\d in (15:00|14:5\d)`).MatchString(s)
	})
	x.keys("4")
	x.waitText("▶ 4 Escalation")
	x.keys("a") // acknowledge the step that is due: the on-call engineer
	x.waitText("who was reached")
	x.keys("-l", "carol")
	x.keys("Enter")
	x.waitText("acked")
	x.keys("R")
	x.waitText("root cause")
	x.keys("-l", "bad feature flag")
	x.keys("Enter")
	x.waitText("Resolve INC-1")
	x.keys("y")
	x.waitText("INC-1 schedule postmortem")
	x.keys("q")
	x.waitExit()

	report := cli(t, db, "incident", "report", "INC-1")
	order := []string{"pipeline: opened SEV2", "e2e-user: acknowledged step 1", "e2e-user: resolved"}
	last := -1
	for _, want := range order {
		i := strings.Index(report, want)
		if i < 0 || i < last {
			t.Fatalf("report lacks %q in order:\n%s", want, report)
		}
		last = i
	}
	for _, want := range []string{"bad feature flag", "carol", "e2e-user", "## Postmortem"} {
		if !strings.Contains(report, want) {
			t.Fatalf("report lacks %q:\n%s", want, report)
		}
	}
}
