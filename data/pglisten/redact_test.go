package pglisten

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct {
		in, password, want string
	}{
		{"no password here", "", "no password here"},
		{"pw=hunter2 again hunter2", "hunter2", "pw=xxxxx again xxxxx"},
		{"postgres://u:p%40ss%20w%2Frd@h/db", "p@ss w/rd", "postgres://u:xxxxx@h/db"},
		{"?password=p%40ss+w%2Frd", "p@ss w/rd", "?password=xxxxx"},
		{"/p@ss%20w%2Frd", "p@ss w/rd", "/xxxxx"},
	}
	for _, tt := range tests {
		if got := redact(tt.in, tt.password); got != tt.want {
			t.Errorf("redact(%q, %q) = %q, want %q", tt.in, tt.password, got, tt.want)
		}
	}
}
