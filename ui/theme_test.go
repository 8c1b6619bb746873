package ui

import (
	"strings"
	"testing"
)

func TestParseTheme(t *testing.T) {
	cases := []struct {
		flag, env string
		want      string // "dark", "light", "" for nil, "error"
		errHas    string
	}{
		{"", "", "", ""},
		{"dark", "", "dark", ""},
		{"LIGHT", "", "light", ""},
		{"", "light", "light", ""},
		{"dark", "light", "dark", ""}, // the flag wins
		{" light ", "", "light", ""},
		{"blue", "", "error", `invalid --theme "blue"`},
		{"", "sepia", "error", `invalid FLIGHTDECK_THEME "sepia"`},
	}
	for _, c := range cases {
		dark, err := ParseTheme(c.flag, c.env)
		got := ""
		switch {
		case err != nil:
			got = "error"
			if c.errHas != "" && !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("ParseTheme(%q, %q) error %q, want it to say %q", c.flag, c.env, err, c.errHas)
			}
		case dark == nil:
		case *dark:
			got = "dark"
		default:
			got = "light"
		}
		if got != c.want {
			t.Errorf("ParseTheme(%q, %q) = %s, want %s", c.flag, c.env, got, c.want)
		}
	}
}

func TestLocalDark(t *testing.T) {
	light, dark := false, true
	cases := []struct {
		said      *bool
		colorfgbg string
		want      bool
	}{
		{nil, "", true},
		{nil, "15;0", true},
		{nil, "0;15", false},
		{nil, "0;default;15", false},
		{&light, "15;0", false},
		{&dark, "0;15", true},
	}
	for _, c := range cases {
		if got := LocalDark(c.said, c.colorfgbg); got != c.want {
			t.Errorf("LocalDark(%v, %q) = %v, want %v", c.said, c.colorfgbg, got, c.want)
		}
	}
}
