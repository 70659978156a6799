package stack_test

import (
	"os"
	"testing"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
)

// programs are the snapshotter and origin, built once for this test process.
var programs harness.Programs

func TestMain(m *testing.M) {
	code := m.Run()
	programs.Cleanup()
	os.Exit(code)
}

// built is the folder of the built programs.
func built(t *testing.T) string { return harnesstest.Built(t, &programs) }
