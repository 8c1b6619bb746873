package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func keyMatches(msg tea.KeyMsg, b key.Binding) bool { return key.Matches(msg, b) }

func ansiWidth(s string) int { return ansi.StringWidth(s) }

// truncateCells keeps the first n cells of a styled line.
func truncateCells(s string, n int) string { return ansi.Truncate(s, n, "") }

// cutCells keeps the cells [from, to) of a styled line.
func cutCells(s string, from, to int) string { return ansi.Cut(s, from, to) }

type timeT = time.Time

// splitLines flattens multi-line strings into lines.
func splitLines(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.Split(s, "\n")...)
	}
	return out
}
