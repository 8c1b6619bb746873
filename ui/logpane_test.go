package ui

import "testing"

func TestDeployLabelKeepsTheID(t *testing.T) {
	cases := []struct {
		service string
		id      int64
		w       int
		want    string
	}{
		{"payments", 1, 18, "payments#1"},
		{"checkout-api", 5002, 18, "checkout-api#5002"},
		{"checkout-api", 5002, 12, "checko…#5002"},
		{"checkout-api", 5002, 8, "ch…#5002"},
		{"checkout-api", 5002, 6, "#5002"},
		{"", 7, 12, "deploy#7"},
	}
	for _, c := range cases {
		if got := deployLabel(c.service, c.id, c.w); got != c.want {
			t.Errorf("deployLabel(%q, %d, %d) = %q, want %q", c.service, c.id, c.w, got, c.want)
		}
	}
}
