package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tmuxCtl is one tmux server of our own, driven through a control-mode
// client: each command is a line on its stdin and its answer a
// %begin … %end block, with no process started per capture, so polling the
// screen every millisecond costs the machine little and reads it within a
// millisecond of tmux's own.
type tmuxCtl struct {
	sock   string
	cmd    *exec.Cmd
	in     io.WriteCloser
	blocks chan tmuxBlock
	mu     sync.Mutex
	n      int
}

type tmuxBlock struct {
	lines []string
	err   bool
}

func startTmux(sock string) (*tmuxCtl, error) {
	t := &tmuxCtl{sock: sock, blocks: make(chan tmuxBlock, 1)}
	// The control client's own session runs a program that prints
	// nothing; the measured programs get sessions of their own.
	t.cmd = exec.Command("tmux", "-L", sock, "-f", os.DevNull, "-C", "new-session", "-s", "ctl", "-x", "80", "-y", "24", "sleep", "86400")
	t.cmd.Stderr = os.Stderr
	var err error
	if t.in, err = t.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := t.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := t.cmd.Start(); err != nil {
		return nil, err
	}
	go t.read(out)
	for _, c := range []string{"set -g status off", "set -g remain-on-exit on", "set -g history-limit 0"} {
		if _, err := t.do(c); err != nil {
			t.close()
			return nil, err
		}
	}
	return t, nil
}

// read splits tmux's output into the answers to our commands (flags 1);
// notifications and the attach's own block are dropped.
func (t *tmuxCtl) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cur *tmuxBlock
	mine := false
	for sc.Scan() {
		line := sc.Text()
		if os.Getenv("BENCH_TMUX_DEBUG") != "" {
			fmt.Fprintln(os.Stderr, "tmux>", line)
		}
		switch {
		case cur == nil && strings.HasPrefix(line, "%begin "):
			f := strings.Fields(line)
			cur, mine = &tmuxBlock{}, len(f) == 4 && f[3] == "1"
		case cur != nil && (strings.HasPrefix(line, "%end ") || strings.HasPrefix(line, "%error ")):
			cur.err = strings.HasPrefix(line, "%error ")
			if mine {
				t.blocks <- *cur
			}
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, line)
		}
	}
	close(t.blocks)
}

func (t *tmuxCtl) do(command string) ([]string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := io.WriteString(t.in, command+"\n"); err != nil {
		return nil, err
	}
	b, ok := <-t.blocks
	if !ok {
		return nil, errors.New("tmux control client ended")
	}
	if b.err {
		return nil, fmt.Errorf("tmux %s: %s", command, strings.Join(b.lines, " "))
	}
	return b.lines, nil
}

func (t *tmuxCtl) close() {
	_, _ = io.WriteString(t.in, "kill-server\n")
	_ = t.in.Close()
	done := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = t.cmd.Process.Kill()
	}
	_ = exec.Command("tmux", "-L", t.sock, "kill-server").Run()
}

// quote is tmux's single-quoted string (no escapes inside).
func quote(s string) string {
	if strings.ContainsRune(s, '\'') {
		panic("benchkit: a quote in a tmux argument: " + s)
	}
	return "'" + s + "'"
}

// A pane is one measured program in a session of its own.
type pane struct {
	t    *tmuxCtl
	name string
	pid  int
}

func (t *tmuxCtl) start(name string, w, h int, argv ...string) (*pane, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "new-session -d -s %s -x %d -y %d -e CI= -e TERM=tmux-256color -e FLIGHTDECK_AS=bench --", name, w, h)
	for _, a := range argv {
		b.WriteString(" " + quote(a))
	}
	t.n++
	if _, err := t.do(b.String()); err != nil {
		return nil, err
	}
	p := &pane{t: t, name: name}
	out, err := t.do("display-message -p -t " + name + ": '#{pane_pid}'")
	if err != nil || len(out) == 0 {
		return nil, fmt.Errorf("pane pid of %s: %v", name, err)
	}
	p.pid, err = strconv.Atoi(strings.TrimSpace(out[0]))
	return p, err
}

func (p *pane) capture() (string, error) {
	lines, err := p.t.do("capture-pane -p -t " + p.name + ":")
	return strings.Join(lines, "\n"), err
}

func (p *pane) keys(keys string) error {
	_, err := p.t.do("send-keys -t " + p.name + ": " + keys)
	return err
}

func (p *pane) kill() { _, _ = p.t.do("kill-session -t " + p.name) }

// wait polls the screen every millisecond until ok says so, and returns
// when that capture was taken.
func (p *pane) wait(timeout time.Duration, ok func(string) bool) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := p.capture()
		at := time.Now()
		if err != nil {
			return at, err
		}
		if ok(s) {
			return at, nil
		}
		if at.After(deadline) {
			return at, fmt.Errorf("%s: timed out after %s; the screen:\n%s", p.name, timeout, s)
		}
		time.Sleep(time.Millisecond)
	}
}

// rssMB is the program's resident memory now.
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuNS is the CPU time the program's threads have run, in nanoseconds
// (schedstat, not the tick-sampled utime+stime: an idle program uses a few
// milliseconds a second).
func cpuNS(pid int) (float64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no schedstat for pid %d", pid)
	}
	sum := 0.0
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that just ended
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			v, _ := strconv.ParseFloat(f[0], 64)
			sum += v
		}
	}
	return sum, nil
}
