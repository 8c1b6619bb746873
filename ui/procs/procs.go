// Package procs runs a flightdeck command on one processor unless it keeps
// running or does bulk work.
//
// A command-line action is one goroutine's work from start to exit: parse,
// open, one transaction, print. With the runtime's default of one P per
// core, the scheduler wakes a second thread to look for work every time
// that goroutine blocks (each fsync, each wait for the write turn) and
// hands the processor back and forth. Under eight concurrent writers on
// two cores that took more CPU than the actions and slowed the writer
// holding the lock; on one P, eight `flightdeck batch` writers of 500 notes
// each went from 3.7-5.2 to 2.9-3.4 s (CPU 4.9-6.7 -> 3.6-4.2 s) on this
// project's machine, side by side.
//
// It is set in package initialisation, before the other packages' init
// starts threads of its own, and only in the flightdeck binary: main
// imports this package; ui/cli and its tests do not. The commands that
// keep running or do bulk work (the dashboard, serve, demo, notify, and
// metrics, export, import, backup and migrate, which read or write a whole
// history) call Default and get the runtime's default back: there a second
// processor pays (the garbage collector beside the work, the dashboard's
// background reads beside its frames). A GOMAXPROCS in the environment is
// the user's choice and is left as it is.
package procs

import (
	"runtime"
	"syscall"
)

// lowered is whether init set one processor, so Default restores only
// what this package changed.
var lowered bool

func init() {
	if _, set := syscall.Getenv("GOMAXPROCS"); set {
		return
	}
	runtime.GOMAXPROCS(1)
	lowered = true
}

// Default gives the process the runtime's default number of processors
// again (one per core the process may use), if init had lowered it.
func Default() {
	if lowered {
		lowered = false
		runtime.SetDefaultGOMAXPROCS()
	}
}
