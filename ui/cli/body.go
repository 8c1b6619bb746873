package cli

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/model"
)

// Long text (notes, updates, root causes, summaries, lessons) comes from a
// file or stdin rather than one shell argument: --body-file FILE, or
// --body-file - for stdin (the only form over SSH, where FILE would be a
// file on the server: checkRemote refuses it). The text keeps its line
// breaks; a trailing newline (every editor writes one) is dropped, and a
// leading UTF-8 byte-order mark too.

// maxBodyFile bounds what a body file may hold: the store's own limits are
// far smaller, this only keeps a mistaken path (a log, a binary) from being
// read whole into memory.
const maxBodyFile = 1 << 20

// readBody reads the text named by a --…-file flag's value (flag is the
// flag's name, for messages): "-" is stdin (the SSH session's over SSH),
// anything else a file. An empty value returns "", false.
func readBody(flag, value string, a *app) (string, bool, error) {
	if value == "" {
		return "", false, nil
	}
	var r io.Reader
	name := value
	if value == "-" {
		r, name = a.stdinReader(), "stdin"
	} else {
		f, err := os.Open(value)
		if err != nil {
			return "", false, usagef("--%s: %v: give a readable file, or - to read stdin", flag, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBodyFile+1))
	if err != nil {
		return "", false, usagef("--%s: reading %s: %v", flag, name, err)
	}
	if len(b) > maxBodyFile {
		return "", false, usagef("--%s: %s is over %d KiB: that is not a note; check the path", flag, name, maxBodyFile>>10)
	}
	s := string(b)
	if !utf8.ValidString(s) {
		return "", false, usagef("--%s: %s is not UTF-8 text: save it as UTF-8", flag, name)
	}
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimRight(s, "\n")
	if strings.TrimSpace(s) == "" {
		return "", false, usagef("--%s: %s is empty: write the text into it", flag, name)
	}
	return s, true, nil
}

// bodyOrArgs is the text of a command that takes it as arguments or from
// --body-file: exactly one of them. A single "-" argument reads stdin, as
// --body-file - does (it never stores a literal "-").
func bodyOrArgs(flag, value string, args []string, a *app, what string) (string, error) {
	if len(args) == 1 && args[0] == "-" {
		if value != "" {
			return "", usagef("give %s once: as - (stdin) or with --%s, not both", what, flag)
		}
		value = "-"
		args = nil
	}
	body, ok, err := readBody(flag, value, a)
	if err != nil {
		return "", err
	}
	if ok {
		if len(args) > 0 {
			return "", usagef("give %s once: as arguments or with --%s, not both", what, flag)
		}
		return body, nil
	}
	if len(args) == 0 {
		return "", usagef("no %s given: write it after the id, or use --%s FILE (- for stdin)", what, flag)
	}
	return strings.Join(args, " "), nil
}

// parseUpdateBody is model.ParseUpdateBody: the update's sections.
func parseUpdateBody(s string) (conditions, actions, needs string, err error) {
	return model.ParseUpdateBody(s)
}
