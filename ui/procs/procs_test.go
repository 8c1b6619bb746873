package procs

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestMain lets the test binary be the child the tests start: it reports
// the processors package init left and what Default gives back.
func TestMain(m *testing.M) {
	if os.Getenv("PROCS_TEST_CHILD") == "1" {
		atInit := runtime.GOMAXPROCS(0)
		Default()
		fmt.Printf("%d %d\n", atInit, runtime.GOMAXPROCS(0))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, append([]string{"PROCS_TEST_CHILD=1"}, env...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestOneProcessorUntilDefault(t *testing.T) {
	// What the runtime gives a process by default on this machine: this
	// test binary's own init lowered it too, unless GOMAXPROCS was set.
	Default()
	def := runtime.GOMAXPROCS(0)
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		runtime.SetDefaultGOMAXPROCS()
		def = runtime.GOMAXPROCS(0)
	}
	if got, want := child(t), fmt.Sprintf("1 %d", def); got != want {
		t.Errorf("without GOMAXPROCS: processors at init, after Default = %s, want %s", got, want)
	}
}

func TestGOMAXPROCSFromTheEnvironmentIsKept(t *testing.T) {
	if got := child(t, "GOMAXPROCS=3"); got != "3 3" {
		t.Errorf("GOMAXPROCS=3: processors at init, after Default = %s, want 3 3 (the user's setting, before and after)", got)
	}
}
