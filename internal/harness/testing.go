package harness

import (
	"context"
	"testing"
	"time"
)

// TestMariaDB starts a MariaDB for one test and stops it at cleanup. A missing binary
// fails the test with the package to install: never a silent skip.
func TestMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	m, err := StartMariaDB(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// TestRedis starts a Redis for one test and stops it at cleanup.
func TestRedis(t testing.TB) *Redis {
	t.Helper()
	r, err := StartRedis(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// TestDB creates a database seeded with seed on m and returns its name.
func TestDB(t testing.TB, m *MariaDB, name, seed string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.CreateDB(ctx, name, seed); err != nil {
		t.Fatal(err)
	}
	return name
}

// Env is a getenv over a map, for calling a program's run in tests.
func Env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
