package harness

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/deploy"
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

// Servers are a MariaDB whose database tzserver holds the demo constants, a Redis and a
// STATUS_DIR, with the environment that points the programs at them (interval 60 s, TTL 90 s).
type Servers struct {
	DB    *MariaDB
	Redis *Redis
	RDB   *redis.Client // to inspect Redis
	Dir   string
	Env   map[string]string
}

// TestServers starts Servers for one test; everything stops at cleanup.
func TestServers(t testing.TB) *Servers {
	t.Helper()
	s := &Servers{DB: TestMariaDB(t), Redis: TestRedis(t), Dir: t.TempDir()}
	TestDB(t, s.DB, "tzserver", deploy.SeedSQL)
	s.RDB = redis.NewClient(&redis.Options{Addr: s.Redis.Addr()})
	t.Cleanup(func() { s.RDB.Close() })
	s.Env = map[string]string{
		"DB_HOST": s.DB.Host, "DB_PORT": strconv.Itoa(s.DB.Port), "DB_USER": "root", "DB_NAME": "tzserver",
		"REDIS_URL": s.Redis.URL(), "STATUS_DIR": s.Dir,
		"STATUS_UPDATE_INTERVAL": "60", "STATUS_CACHE_TTL": "90",
	}
	return s
}
