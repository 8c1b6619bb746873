// Package procs runs a flightdeck command on one processor unless it
// serves many at once or does bulk work.
//
// A command-line action is one goroutine's work from start to exit: parse,
// open, one transaction, print. With the runtime's default of one P per
// core, the scheduler still wakes a second thread to look for work every
// time that goroutine blocks (each fsync, each wait for the write lock)
// and hands the processor back and forth: on a two-core machine a third of
// a one-action run's CPU, and under eight concurrent writers more CPU than
// the actions themselves, taken from the writer that holds the lock. One P
// takes all of that away (measured in issue 18's notes: a one-action run
// 12.6 -> 7.7 ms of CPU; eight batch writers 4.7 -> 3.1 s for 4,000
// actions).
//
// It is set in package initialisation, before the other packages' init
// starts threads of its own, and only in the flightdeck binary: main
// imports this package; ui/cli and its tests do not. The dashboard, an
// event loop, stays on one processor too (idle, a sixth less CPU); the
// commands that serve many at once or do bulk work (serve, demo, notify,
// migrate) call Default and get the runtime's default back. A GOMAXPROCS
// in the environment is the user's choice and is left as it is.
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
