package ui

import (
	"context"
	"errors"
	"os"

	tea "github.com/charmbracelet/bubbletea"
)

// RunOptions are how the program is started.
type RunOptions struct {
	Mouse    bool
	DebugLog string // file to log to, empty for none
	// Changes signals that another process (or connection) committed; the
	// dashboard then reloads. Nil means no live sync.
	Changes <-chan struct{}
	// Poll, when set, asks the database whether another process committed
	// (signalling Changes if so). The dashboard's 1 s clock calls it as it
	// fires, from the clock's own goroutine: an idle poll then wakes
	// nothing of its own.
	Poll func()
}

// Run starts the dashboard on the terminal and blocks until it quits.
func Run(ctx context.Context, st Reader, opts Options, ro RunOptions) error {
	popts := []tea.ProgramOption{
		tea.WithAltScreen(),
		tea.WithContext(ctx),
		// A 1 s dashboard needs no 60 fps renderer; 20 fps keeps keys
		// instant at a third of the idle cost (pitfalls B11).
		tea.WithFPS(20),
		// Only the cells that changed of a changed line go to the
		// terminal (cellWriter): a ticking countdown in a wide row costs
		// its digits, not the row.
		tea.WithOutput(newCellWriter(os.Stdout)),
	}
	if ro.Mouse {
		popts = append(popts, tea.WithMouseCellMotion())
	}
	if ro.DebugLog != "" {
		f, err := tea.LogToFile(ro.DebugLog, "flightdeck")
		if err != nil {
			return err
		}
		defer f.Close()
	}
	m := New(st, opts)
	if ro.Poll != nil {
		m.arm = pollingTick(ro.Poll)
	}
	p := tea.NewProgram(m, popts...)
	done := make(chan struct{})
	defer close(done)
	if ro.Changes != nil {
		go forwardChanges(p, ro.Changes, done)
	}
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// forwardChanges turns change signals into messages. The channel is
// coalescing (capacity one), so a burst of commits costs one reload.
func forwardChanges(p *tea.Program, changes <-chan struct{}, done <-chan struct{}) {
	defer func() {
		if r := recover(); r != nil {
			p.Kill() // restore the terminal before the panic propagates
			panic(r)
		}
	}()
	for {
		select {
		case <-done:
			return
		case _, ok := <-changes:
			if !ok {
				return
			}
			p.Send(dataChangedMsg{})
		}
	}
}

// DataChanged is the message that makes a dashboard reload from the
// database; servers hosting several dashboards send it to each program.
func DataChanged() tea.Msg { return dataChangedMsg{} }
