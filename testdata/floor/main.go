// Command floor is the floor flightdeck's dashboard is measured against: a
// bare Bubble Tea v1 program with one 1 s tick and a one-line view, at the
// same frame rate flightdeck uses. Run by .ci/idle-cost.sh and .ci/bench.
//
// Space toggles a mark, shown as "▶ [x]" or "▶ [ ]" after the first press,
// so .ci/bench can time key → on screen against it the way it times a
// checklist tick in flightdeck; until then the view is the one line of the
// idle floor.
package main

import (
	"fmt"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

type tick time.Time

type floor struct {
	now          time.Time
	pressed, set bool
}

func every() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tick(t) })
}

func (f floor) Init() tea.Cmd { return every() }

func (f floor) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tick:
		f.now = time.Time(msg)
		return f, every()
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "ctrl+c":
			return f, tea.Quit
		case " ":
			f.pressed, f.set = true, !f.set
		}
	}
	return f, nil
}

func (f floor) View() string {
	v := "floor " + f.now.Format("15:04:05")
	if f.pressed {
		mark := " "
		if f.set {
			mark = "x"
		}
		v += " ▶ [" + mark + "]"
	}
	return v
}

func main() {
	fps := 20
	if len(os.Args) > 1 {
		fmt.Sscan(os.Args[1], &fps)
	}
	if _, err := tea.NewProgram(floor{now: time.Now()}, tea.WithAltScreen(), tea.WithFPS(fps)).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
