package harness

import "testing"

// TestSentinel starts a Sentinel deployment for one test and stops it at cleanup. A
// missing binary fails the test with the package to install: never a silent skip.
func TestSentinel(t testing.TB) *Sentinel {
	t.Helper()
	s, err := StartSentinel(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// TestCluster starts a three-master Redis Cluster for one test and stops it at cleanup.
func TestCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := StartCluster(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}
