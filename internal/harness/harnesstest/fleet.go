package harnesstest

import (
	"testing"

	"statusedge/internal/harness"
)

// Sentinel starts a Sentinel deployment for one test and stops it at cleanup.
func Sentinel(t testing.TB) *harness.Sentinel { t.Helper(); return start(t, harness.StartSentinel) }

// Cluster starts a three-master Redis Cluster for one test and stops it at cleanup.
func Cluster(t testing.TB) *harness.Cluster { t.Helper(); return start(t, harness.StartCluster) }
