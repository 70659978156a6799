package harnesstest

import (
	"testing"

	"statusedge/internal/harness"
)

// Sentinel starts a Sentinel deployment for one test and stops it at cleanup. A
// missing binary fails the test with the package to install: never a silent skip.
func Sentinel(t testing.TB) *harness.Sentinel {
	t.Helper()
	s, err := harness.StartSentinel(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Cluster starts a three-master Redis Cluster for one test and stops it at cleanup.
func Cluster(t testing.TB) *harness.Cluster {
	t.Helper()
	c, err := harness.StartCluster(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}
