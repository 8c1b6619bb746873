package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/octoacme/flightdeck/data/config"
	"github.com/octoacme/flightdeck/model"
)

// Result is how an external command (notify, probe) went.
type Result struct {
	stdout      []byte
	overflow    bool   // stdout was longer than maxStdout
	stderrLine  string // the first non-empty line of stderr, cleaned
	exitCode    int    // -1 when it did not exit normally
	startErr    error  // it could not be started
	timedOut    bool   // killed at the timeout
	interrupted bool   // killed because flightdeck is quitting
	elapsed     time.Duration
	timeout     time.Duration
	waitErr     error
}

func (r Result) OK() bool {
	return r.startErr == nil && !r.timedOut && !r.interrupted && r.waitErr == nil && r.exitCode == 0
}

// summary says in one line how it went: "exit 0 in 0.3s", "timed out after
// 10s (killed)", "exit status 7: curl: (6) Could not resolve host".
func (r Result) Summary() string {
	var s string
	switch {
	case r.startErr != nil:
		s = "could not start: " + r.startErr.Error()
	case r.timedOut:
		s = fmt.Sprintf("timed out after %s (killed)", model.FormatDurationExact(r.timeout))
	case r.interrupted:
		s = "interrupted: flightdeck was quitting"
	case r.exitCode > 0:
		s = fmt.Sprintf("exit status %d", r.exitCode)
	case r.waitErr != nil:
		s = r.waitErr.Error()
	default:
		return fmt.Sprintf("exit 0 in %s", r.elapsed.Round(time.Millisecond))
	}
	if r.stderrLine != "" {
		s += ": " + r.stderrLine
	}
	return s
}

const (
	maxStdout = 4 << 10
	maxStderr = 4 << 10
)

// capBuffer keeps the first max bytes and swallows the rest, so a chatty
// command never blocks on a full pipe nor fills memory.
type capBuffer struct {
	buf      bytes.Buffer
	max      int
	overflow bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	if b.buf.Len()+len(p) > b.max {
		b.overflow = true
	}
	return len(p), nil
}

// runCommand runs c with env as its whole environment, no stdin, and c's
// timeout. The command gets its own process group, and the timeout kills the
// whole group, so a script's children (curl, sleep) die with it.
func runCommand(ctx context.Context, c *config.Command, env []string) Result {
	res := Result{timeout: c.Timeout, exitCode: -1}
	tctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = env
	var out, errOut capBuffer
	out.max, errOut.max = maxStdout, maxStderr
	cmd.Stdout, cmd.Stderr = &out, &errOut
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killProcessGroup(cmd) }
	// A grandchild that keeps the pipes open must not hold us past the kill.
	cmd.WaitDelay = time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.startErr = startReason(err)
		return res
	}
	err := cmd.Wait()
	res.elapsed = time.Since(start)
	res.stdout, res.overflow = out.buf.Bytes(), out.overflow
	res.stderrLine = firstLine(errOut.buf.String())
	if cmd.ProcessState != nil {
		res.exitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		res.interrupted = true
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		res.timedOut = true
	case errors.Is(err, exec.ErrWaitDelay) && res.exitCode == 0:
		// It exited 0 but left a child holding its output: that is its
		// business, the command itself succeeded.
	case err != nil && res.exitCode <= 0:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			res.waitErr = fmt.Errorf("killed (%s)", ee.ProcessState.String())
		} else {
			res.waitErr = err
		}
	}
	return res
}

// startReason drops exec's repetition of the program name where the
// message already has it.
func startReason(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return fmt.Errorf("%s: %v", ee.Name, ee.Err)
	}
	return err
}

// firstLine is the first non-empty line of s, sanitised (model.SanitizeLine),
// at most 200 characters: enough to say why, short enough for a log line.
func firstLine(s string) string {
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(model.SanitizeLine(line))
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > 200 {
			line = string(r[:199]) + "…"
		}
		return line
	}
	return ""
}
