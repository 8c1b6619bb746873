package ui

import "testing"

func TestIsCommitHash(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"3f2a", true},
		{"3f2a9c1", true},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", false}, // 65
		{"3f2", false},
		{"", false},
		{"3F2A", false}, // the form lower-cases first
		{"zz9z", false},
		{"3f2a g", false},
		{"3f2-a", false},
		{"é3f2a", false},
	} {
		if got := isCommitHash(c.in); got != c.want {
			t.Errorf("isCommitHash(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
