package config

import (
	"errors"
	"strings"
	"testing"
)

// A team config in git must not be a way to drive every on-caller's
// terminal: terminal controls, bidi overrides and invalid UTF-8 in any string
// setting are refused at the value's line and column (issue 13, defect 8).
func TestConfigRefusesTerminalControls(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"OSC 52 in a person", "roster:\n  Engineering Lead: \"Sam\\e]52;c;aGk=\\a\"\n",
			`config.yaml:2:21: roster["Engineering Lead"]: the value contains a control character (U+001B, escape) at character 4: remove it`},
		{"C1 CSI in a role", "escalation:\n  - role: \"On-call\\u009b2J\"\n    trigger: at-open\n",
			"config.yaml:2:11: escalation[0].role: the value contains a control character (U+009B) at character 8"},
		{"bidi override in a stage label", "strategies:\n  canary:\n    - label: \"5\u202e%\"\n      percent: 5\n",
			"config.yaml:3:14: strategies.canary[0].label: the value contains a bidirectional control (U+202E) at character 2"},
		{"OSC in a link name", "links:\n  - name: \"\\e]8;;http://evil\\e\\\\click\"\n    url: https://x\n",
			"config.yaml:2:11: links[0].name: the value contains a control character (U+001B, escape) at character 1"},
		{"control in a key", "users:\n  \"al\\u009dice\":\n    name: Alice\n",
			"config.yaml:2:3: users[\"al\\u009dice\"]: the name contains a control character (U+009D) at character 3"},
		{"invalid UTF-8", "roster:\n  Engineering Lead: Sa\xffm\n",
			"config.yaml:2:23: byte 0xFF is not UTF-8: save the file as UTF-8"},
		{"newline in a name", "users:\n  alice:\n    name: \"Al\\nice\"\n",
			"config.yaml:3:11: users.alice.name: the value contains a control character (line break) at character 3: use one line of plain text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseConfig("config.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("accepted; want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got  %s\nwant %s…", err, tc.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Line == 0 {
				t.Errorf("error %v carries no position", err)
			}
			for _, r := range err.Error() {
				if r < 0x20 || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) {
					t.Errorf("error echoes control %U: %q", r, err)
				}
			}
		})
	}
	// Command arguments may span lines (they are argv, never printed raw).
	if _, _, err := ParseConfig("config.yaml", []byte("notify:\n  command: [printf, \"a\\nb\"]\n")); err != nil {
		t.Errorf("a newline in a command argument was refused: %v", err)
	}
}
