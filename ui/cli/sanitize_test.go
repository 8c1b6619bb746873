package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/octoacme/flightdeck/data"
	"github.com/octoacme/flightdeck/model"
	"github.com/octoacme/flightdeck/model/mdtemplate"
	"github.com/octoacme/flightdeck/ui"
)

// badRune reports the first rune of out that may drive a terminal: a C0
// control other than newline and tab, DEL, a C1 control, ESC, a bidi
// control, or a byte that is not UTF-8.
func badRune(out string) (rune, bool) {
	for i, r := range out {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(out[i:]); n == 1 {
				return rune(out[i]), true
			}
		}
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			return r, true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return r, true
		}
	}
	return 0, false
}

func assertClean(t *testing.T, what, out string) {
	t.Helper()
	if r, bad := badRune(out); bad {
		t.Errorf("%s prints %U: %q", what, r, out)
	}
}

// Issue 13 defect 8: controls in service, version, environment, titles and
// names were accepted; they are refused at input with what and where.
func TestCLIRefusesControlsInInput(t *testing.T) {
	db := cliDB(t)
	for _, c := range []struct {
		msg  string
		args []string
	}{
		{"service contains a control character (U+009B) at character 4", []string{"deploy", "start", "web\u009b2J", "v1"}},
		{"version contains a bidirectional control (U+202E) at character 2", []string{"deploy", "start", "web", "v\u202e1.2"}},
		{"environment contains a control character (U+009D)", []string{"deploy", "start", "web", "v1", "--env", "prod\u009d0;x\u009c"}},
		{"service is not valid UTF-8 (byte 0xFF at character 4)", []string{"deploy", "start", "web\xff", "v1"}},
		{"title contains a control character (U+001B, escape)", []string{"incident", "open", "--sev", "3", "pay\x1b]52;c;aGk=\x07ments"}},
		{"the name to record (--as) contains a bidirectional control (U+202E)", []string{"--as", "al\u202eice", "incident", "open", "--sev", "3", "x"}},
	} {
		code, out, errOut := fd(t, db, c.args...)
		if code == exitOK || !strings.Contains(errOut, c.msg) {
			t.Errorf("flightdeck %q: exit %d, stderr %q; want refused with %q", c.args, code, errOut, c.msg)
		}
		assertClean(t, "refusal", out+errOut)
	}
	if out := fdOK(t, db, "export"); strings.Contains(out, `"service"`) && strings.Contains(out, "web") {
		t.Errorf("a refused deployment was stored:\n%s", out)
	}
}

// Issue 13 defect 8: paths, flags and commands were echoed raw in errors,
// cobra's own messages included.
func TestCLIErrorEchoesAreClean(t *testing.T) {
	db := cliDB(t)
	osc := "\x1b]52;c;aGk=\x07"
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists"+osc)
	if err := os.WriteFile(existing, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--bogus" + osc},
		{"dep" + osc + "loy"},
		{"deploy", "st\u009b2Jatus"},
		{"--config", filepath.Join(dir, "no"+osc+".yaml"), "deploy", "status"},
		{"backup", existing},
		{"incident", "show", "INC-\u202e1"},
		{"deploy", "status", "--deploy", "1" + osc},
	} {
		code, out, errOut := fd(t, db, args...)
		if code == exitOK {
			t.Errorf("flightdeck %q succeeded", args)
		}
		assertClean(t, strings.Join(args, " "), out+errOut)
	}
	var out, errb bytes.Buffer
	Run(context.Background(), []string{"--db", filepath.Join(dir, "d\u009d0;x\u009c", "x.db"), "deploy", "status"}, &out, &errb)
	assertClean(t, "--db echo", out.String()+errb.String())
}

// Issue 13 defect 8: a team config in git could print OSC 52 into every
// on-caller's terminal through config check; now it is refused at its line.
func TestCLIConfigWithControlsIsRefused(t *testing.T) {
	db := cliDB(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("roster:\n  Engineering Lead: \"Sam\\e]52;c;aGk=\\a\"\nlinks:\n  - name: \"run\u202ebook\"\n    url: https://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := fd(t, db, "--config", cfg, "config", "check")
	if code == exitOK || !strings.Contains(errOut, "config.yaml:2:21: roster[\"Engineering Lead\"]: the value contains a control character (U+001B, escape)") {
		t.Errorf("config check: exit %d, stderr %q", code, errOut)
	}
	assertClean(t, "config check", out+errOut)
	code, out, errOut = fd(t, db, "--config", cfg, "config", "check", "--json")
	if code == exitOK {
		t.Errorf("config check --json accepted the file: %s", out)
	}
	assertClean(t, "config check --json", out+errOut)
}

// Issue 13 defect 9.
func TestCLIInputValidationDefect9(t *testing.T) {
	db := emptyDB(t) // read commands no longer create a database
	// --sev -1 opened a SEV1.
	fdFail(t, db, exitUsage, `--sev: severity "-1" is outside 1–4`, "incident", "open", "--sev", "-1", "x")
	fdFail(t, db, exitUsage, `--sev: severity "0" is outside 1–4`, "incident", "open", "--sev", "0", "x")
	if out := fdOK(t, db, "incident", "list", "--all"); strings.Contains(out, "INC-") {
		t.Errorf("a refused severity opened an incident:\n%s", out)
	}
	// check 0 ticked an unrelated item whose text has a 0 in it.
	db = cliDB(t)
	fdOK(t, db, "deploy", "start", "web", "v2.0.0")
	fdFail(t, db, exitUsage, "there is no item #0 on this checklist (items here are #1–#", "check", "0")
	fdFail(t, db, exitUsage, "there is no item #9999 on this checklist", "check", "#9999")
	fdFail(t, db, exitUsage, `"CI" is too short to pick an item by its text`, "check", "CI")
	if out := fdOK(t, db, "check", "tests passing in"); !strings.HasPrefix(out, "#1 done: All automated tests passing in CI") {
		t.Errorf("check by text printed %q", out)
	}
	if out := fdOK(t, db, "deploy", "status"); strings.Count(out, "[x]") > 1 {
		t.Errorf("more than one item ticked:\n%s", out)
	}
	// A note dated 2015 on an incident opened now.
	db = cliDB(t)
	fdOK(t, db, "incident", "open", "--sev", "3", "search slow")
	code, _, errOut := fd(t, db, "incident", "note", "INC-1", "--at", "2015-01-01T00:00:00Z", "typo")
	if code == exitOK || !strings.Contains(errOut, "INC-1 opened at ") || !strings.Contains(errOut, "a note can be dated at most 24h before that") {
		t.Errorf("note dated 2015: exit %d, stderr %q", code, errOut)
	}
	fdOK(t, db, "incident", "note", "INC-1", "--at", "-5m", "--force", "first alert fired") // minutes before opening is the point of --at
}

// The dashboard's prompt limit is the store's.
func TestPromptLimitIsTheStoreLimit(t *testing.T) {
	if ui.PromptMaxLen != data.MaxTextLen {
		t.Fatalf("ui.PromptMaxLen %d != data.MaxTextLen %d", ui.PromptMaxLen, data.MaxTextLen)
	}
}

// FuzzCLIOutput stores fuzzed text the way a user (note, reason, title) or an
// older database (service, version, actor written before input was checked)
// could hold it, then runs the read commands in-process: nothing they print
// may drive a terminal, and --json and export stay JSON whose strings are
// clean too.
func FuzzCLIOutput(f *testing.F) {
	for _, s := range []string{
		"plain", "\x1b]52;c;aGk=\x07", "\u009b2J", "\u009d0;t\u009c", "a\u202eb", "\x1b[31mred\x1b[0m",
		"line\nbreak\ttab\r", "\xff\xfe", "\x1bP+q\x1b\\", "\x9b", "日本\u2066語", "\x00nul",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, s string) {
		n++
		db := filepath.Join(dir, "f"+itoa(int64(n))+".db")
		ctx := context.Background()
		st, err := data.Open(ctx, db, data.Options{})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)
		d, err := st.StartDeployment(ctx, model.NewDeployment{Service: "web", Version: "v1"}, mdtemplate.Builtin(), "alice", at)
		if err != nil {
			t.Fatal(err)
		}
		items, _, _ := st.Checklist(ctx, d.ID)
		_, _ = st.SetItemNote(ctx, items[0].ID, model.SeenNote(items[0]), s, "alice", at)
		_, _ = st.SetItemState(ctx, items[1].ID, items[1].State, model.ItemNA, "n/a "+s, "alice", at)
		inc, err := st.OpenIncident(ctx, model.NewIncident{Title: "t" + s, Severity: model.SEV2, DeploymentID: d.ID}, "alice", at)
		if err != nil {
			inc, err = st.OpenIncident(ctx, model.NewIncident{Title: "title", Severity: model.SEV2, DeploymentID: d.ID}, "alice", at)
			if err != nil {
				t.Fatal(err)
			}
		}
		_ = st.AddIncidentNote(ctx, inc.ID, "n "+s, "alice", at, false)
		_ = st.Close()
		// What older databases may hold: text stored before input was checked.
		raw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE deployments SET service = ?1 || 'svc', version = 'v' || ?1, started_by = ?1`,
			`UPDATE incidents SET title = 'T' || ?1, opened_by = ?1`,
		} {
			if _, err := raw.Exec(q, s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_ = raw.Close()
		for _, args := range [][]string{
			{"deploy", "status"},
			{"deploy", "status", "--json"},
			{"incident", "show", "INC-1"},
			{"incident", "show", "INC-1", "--json"},
			{"incident", "list", "--all"},
			{"incident", "report", "INC-1"},
			{"history", "show", "1"},
			{"export"},
		} {
			var out, errb bytes.Buffer
			code := Run(ctx, append([]string{"--db", db, "--as", "alice"}, args...), &out, &errb)
			what := strings.Join(args, " ")
			assertClean(t, what+" stdout", out.String())
			assertClean(t, what+" stderr", errb.String())
			if code != exitOK {
				t.Errorf("%s: exit %d: %s", what, code, errb.String())
				continue
			}
			if strings.Contains(what, "json") || what == "export" {
				var v any
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Errorf("%s: not JSON: %v", what, err)
					continue
				}
				walkStrings(v, func(str string) {
					for _, r := range str {
						if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0x2066) {
							t.Errorf("%s: a JSON string holds %U: %q", what, r, str)
							return
						}
					}
				})
			}
		}
	})
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case []any:
		for _, e := range v {
			walkStrings(e, f)
		}
	case map[string]any:
		for k, e := range v {
			f(k)
			walkStrings(e, f)
		}
	}
}
