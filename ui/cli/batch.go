package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	shlex "github.com/anmitsu/go-shlex"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/octoacme/flightdeck/model"
)

// A batch runs many command lines in one process on one open database.
//
// A pipeline that records hundreds of actions pays for each flightdeck run
// it starts: the process, then opening the database (a new connection
// compiles the whole schema) and closing it again. `flightdeck batch` pays
// that once, the way one sqlite3 process runs many statements: each line is
// a command as it would be typed after `flightdeck`, run on the database
// the batch opened, committing on its own (a batch is not one transaction).

// batchRefused are the commands a batch line may not run, and why.
var batchRefused = map[string]string{
	"":                 "a line needs a command (the dashboard is `flightdeck` on its own)",
	"batch":            "batches do not nest: put the lines of the other file in this one",
	"serve":            "it runs until stopped; start it on its own",
	"demo":             "it opens a database of its own and the dashboard; run it on its own",
	"migrate":          "it opens the databases it names; run it on its own",
	"notify":           "it runs the notification senders; run it on its own",
	"__complete":       "shell completion is not a command to batch",
	"__completeNoDesc": "shell completion is not a command to batch",
}

// batchFlags are the global flags a line may not give: the batch opened one
// database with one configuration.
var batchFlags = map[string]string{
	"db":     "the batch runs on the database it opened: give --db before batch",
	"config": "the batch runs with one configuration: give --config before batch",
}

// batchRun is a line of a batch being run: where it came from, for errors.
type batchRun struct {
	line int
}

func newBatchCmd(a *app) *cobra.Command {
	var keepGoing bool
	cmd := &cobra.Command{
		Use:   "batch [FILE|-]",
		Short: "Run many commands on one open database, one per line (for pipelines)",
		Long: "Run the commands in FILE, or on stdin (- or no argument), one per line, each as it would be typed\n" +
			"after flightdeck, quoted as in a shell: check 3 --note \"smoke tests green\". Empty lines and lines\n" +
			"starting with # are skipped. The database is opened once, so a pipeline recording hundreds of\n" +
			"actions does not pay for a process and a connection each. Every line commits on its own, exactly\n" +
			"as if it were run alone (a batch is not one transaction): a stale or refused line is refused with\n" +
			"the same message and exit code, and the lines before it stay recorded.\n" +
			"--db, --config, --as and --read-only go before batch and apply to every line; a line may give its\n" +
			"own --as. The batch stops at the first line that fails and exits with that line's code, naming the\n" +
			"line (--keep-going runs the rest and exits with the first failure's code). A line cannot read\n" +
			"stdin (it is the batch): give files by path. serve, demo, migrate, notify and the dashboard are\n" +
			"not run in a batch.",
		Example: "  printf '%s\\n' 'check 1 --deploy 7' 'check 2 --deploy 7 --note \"canary clean\"' | flightdeck --as ci batch\n" +
			"  flightdeck --db team.db batch actions.txt --keep-going",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, name := a.stdinReader(), "stdin"
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("cannot read the batch %s: %w", args[0], err)
				}
				defer f.Close()
				in, name = f, args[0]
			}
			if _, err := a.config(); err != nil {
				return err
			}
			return a.runBatch(cmd, in, name, keepGoing)
		},
	}
	cmd.Flags().BoolVar(&keepGoing, "keep-going", false, "run every line even after one fails (exit with the first failure's code)")
	return cmd
}

// maxBatchLine is the longest line a batch reads (a note is at most a few
// KB; this leaves room for quoting).
const maxBatchLine = 1 << 20

func (a *app) runBatch(cmd *cobra.Command, in io.Reader, name string, keepGoing bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxBatchLine)
	var failed []int
	firstCode := exitOK
	ran := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := cmd.Context().Err(); err != nil {
			return fmt.Errorf("batch stopped before line %d of %s: %w", n, name, err)
		}
		ran++
		code := a.batchLine(cmd, n, line)
		if code == exitOK {
			continue
		}
		failed = append(failed, n)
		if firstCode == exitOK {
			firstCode = code
		}
		if !keepGoing {
			return batchError{fmt.Sprintf("batch stopped at line %d of %s: lines before it ran and are recorded, none after it ran (--keep-going runs the rest)", n, name), code}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("batch %s: a line is over %d KiB: split it, or give a long note with --body-file", name, maxBatchLine>>10)
		}
		return fmt.Errorf("cannot read the batch %s: %w", name, err)
	}
	if len(failed) > 0 {
		lines := make([]string, len(failed))
		for i, n := range failed {
			lines[i] = fmt.Sprint(n)
		}
		which := "lines"
		if len(failed) == 1 {
			which = "line"
		}
		return batchError{fmt.Sprintf("%d of %d lines of %s failed (%s %s); the others ran and are recorded",
			len(failed), ran, name, which, strings.Join(lines, ", ")), firstCode}
	}
	if ran == 0 {
		a.hint("no commands in %s: give one per line, as typed after flightdeck (check 3 --note \"smoke tests green\")", name)
	}
	return nil
}

// batchLine runs one line on the batch's store and returns its exit code;
// what it prints, errors included, goes where the batch's output goes.
func (a *app) batchLine(cmd *cobra.Command, n int, line string) int {
	words, err := shlex.Split(line, true)
	if err != nil {
		fmt.Fprintf(a.stderr, "flightdeck: line %d: %s: check the quotes\n", n, model.SanitizeLine(err.Error()))
		return exitUsage
	}
	sub := &app{
		stdin: batchStdin{line: n}, stdout: a.stdout, stderr: a.stderr, tty: a.tty, now: a.now,
		batch: &batchRun{line: n}, parent: a,
	}
	sub.cfg, sub.cfgErr = a.cfg, a.cfgErr
	return sub.execute(cmd.Context(), words)
}

// checkBatch refuses what a batch line may not run (see batchRefused).
func (a *app) checkBatch(cmd *cobra.Command) error {
	key := remoteKey(cmd)
	top, _, _ := strings.Cut(key, " ")
	if why, ok := batchRefused[key]; ok {
		return usagef("%s is not run in a batch: %s", orDashboard(key), why)
	} else if why, ok := batchRefused[top]; ok && top != "" {
		return usagef("%s is not run in a batch: %s", key, why)
	}
	var refused error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if why, bad := batchFlags[f.Name]; bad && refused == nil {
			refused = usagef("--%s is not accepted on a batch line: %s", f.Name, why)
		}
	})
	return refused
}

func orDashboard(key string) string {
	if key == "" {
		return "the dashboard"
	}
	return key
}

// batchError is the batch's own failure: its message and the exit code of
// the line that failed.
type batchError struct {
	msg  string
	code int
}

func (e batchError) Error() string { return e.msg }
func (e batchError) ExitCode() int { return e.code }

// batchStdin is what "-" reads on a batch line: nothing, with a reason.
type batchStdin struct{ line int }

func (b batchStdin) Read([]byte) (int, error) {
	return 0, fmt.Errorf("line %d reads stdin, but stdin is the batch itself: give the file's path instead of -", b.line)
}
