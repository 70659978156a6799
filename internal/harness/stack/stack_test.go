package stack_test

import (
	"context"
	"strings"
	"testing"

	"statusedge/internal/harness/stack"
)

// TestStartFailureReturnsAnError: a part that does not start (here, no origin binary)
// is an error from Start, after it stopped the MariaDB and Redis it had started.
func TestStartFailureReturnsAnError(t *testing.T) {
	s, err := stack.Start(context.Background(), stack.Config{Dir: t.TempDir(), Bin: t.TempDir(), Interval: 600, TTL: 900})
	if err == nil {
		s.Stop()
		t.Fatal("Start with no programs to run succeeded")
	}
	if s != nil || !strings.Contains(err.Error(), "origin") {
		t.Errorf("Start = %v, %v; want nil and the origin's failure", s, err)
	}
}
