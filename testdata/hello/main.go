// Command hello is the floor for a CLI's start-up: a Go program that prints
// one line and exits. .ci/bench-cli compares `flightdeck --help` with it.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stdout, "hello, world")
}
