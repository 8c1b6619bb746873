package cli

import (
	"bytes"
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

// A run builds only the command it runs (newRootCmdFor): the table of
// top-level commands must name every command the whole tree has, by the
// name it is called with, and a command must read the same — usage, flags,
// subcommands — in the tree built for it alone as in the whole tree.
func TestLazyCommandTreeMatchesWholeTree(t *testing.T) {
	newApp := func() *app { return &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}} }
	whole := newRootCmd(newApp())
	var names []string
	for _, c := range whole.Commands() {
		if c.Name() != "version" { // added after installJSON, in every tree
			names = append(names, c.Name())
		}
	}
	var table []string
	for _, c := range topCommands() {
		table = append(table, c.name)
	}
	slices.Sort(names) // cobra lists them sorted
	if sorted := slices.Sorted(slices.Values(table)); !slices.Equal(names, sorted) {
		t.Fatalf("topCommands %v, the whole tree has %v", table, names)
	}
	for _, name := range table {
		lazy := newRootCmdFor(newApp(), name)
		var got []string
		for _, c := range lazy.Commands() {
			got = append(got, c.Name())
		}
		if !slices.Equal(got, slices.Sorted(slices.Values([]string{name, "version"}))) {
			t.Errorf("tree for %s has %v", name, got)
		}
		want := map[string]string{}
		walk(whole, func(c *cobra.Command) { want[c.CommandPath()] = c.UsageString() })
		walk(lazy, func(c *cobra.Command) {
			if c == lazy {
				return
			}
			if w, ok := want[c.CommandPath()]; !ok || w != c.UsageString() {
				t.Errorf("%s reads differently built alone:\n%s\nin the whole tree:\n%s", c.CommandPath(), c.UsageString(), w)
			}
		})
	}
}

func TestOnlyCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "1", "--note", "x"}, "check"},
		{[]string{"--db", "x.db", "--as", "dana", "deploy", "start", "api", "v1"}, "deploy"},
		{[]string{"--db=x.db", "--read-only", "--config", "deploy", "incident", "list"}, "incident"}, // --config's value is not the command
		{[]string{"--as", "check"}, ""},
		{nil, ""},                       // the dashboard
		{[]string{"--help"}, ""},        // lists every command
		{[]string{"-h"}, ""},            // so does this
		{[]string{"--version"}, ""},     // version: whole tree
		{[]string{"help", "check"}, ""}, // cobra's help command
		{[]string{"chek", "1"}, ""},     // a typo earns a suggestion from all the names
		{[]string{"--bogus", "check"}, ""},
		{[]string{"--", "check"}, ""},
	} {
		if got := onlyCommand(tc.args); got != tc.want {
			t.Errorf("onlyCommand(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
