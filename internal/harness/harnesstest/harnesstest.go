// Package harnesstest starts the harness's servers for one test and stops them at its
// cleanup, and holds the few helpers the integration tests share. It imports package
// testing, so only tests import it: the programs and the dev commands that use the
// harness link no test code.
package harnesstest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness"
)

// MariaDB starts a MariaDB for one test and stops it at cleanup.
func MariaDB(t testing.TB) *harness.MariaDB { t.Helper(); return start(t, harness.StartMariaDB) }

// Redis starts a Redis for one test and stops it at cleanup.
func Redis(t testing.TB) *harness.Redis { t.Helper(); return start(t, harness.StartRedis) }

// start runs one of the harness's Start functions in a temp folder of t's and stops the
// server at cleanup. A missing binary fails the test with the package to install: never
// a silent skip.
func start[S interface{ Stop() }](t testing.TB, startIn func(dir string) (S, error)) S {
	t.Helper()
	s, err := startIn(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// DB creates a database seeded with seed on m and returns its name.
func DB(t testing.TB, m *harness.MariaDB, name, seed string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.CreateDB(ctx, name, seed); err != nil {
		t.Fatal(err)
	}
	return name
}

// DemoSeed is deploy/seed.sql (harness.DemoSeed), or the test fails.
func DemoSeed(t testing.TB) string { t.Helper(); return must(t, harness.DemoSeed) }

// ModuleRoot is the folder holding go.mod (harness.ModuleRoot), or the test fails.
func ModuleRoot(t testing.TB) string { t.Helper(); return must(t, harness.ModuleRoot) }

// FreeAddr is a loopback host:port that was free a moment ago (harness.FreeAddr).
func FreeAddr(t testing.TB) string { t.Helper(); return must(t, harness.FreeAddr) }

func must[T any](t testing.TB, f func() (T, error)) T {
	t.Helper()
	v, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Env is a getenv over a map, for calling a program's run in tests.
func Env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// Servers are a MariaDB whose database tzserver holds the demo constants, a Redis and a
// STATUS_DIR, with the environment that points the programs at them (interval 60 s, TTL 90 s).
// No nginx serves that STATUS_DIR: STATUS_NGINX_CONF is "none" (the stack package runs
// the programs behind a rendered nginx, and checks it).
type Servers struct {
	DB    *harness.MariaDB
	Redis *harness.Redis
	RDB   *redis.Client // to inspect Redis
	Dir   string
	Env   map[string]string
}

// StartServers starts Servers for one test; everything stops at cleanup.
func StartServers(t testing.TB) *Servers {
	t.Helper()
	s := &Servers{DB: MariaDB(t), Redis: Redis(t), Dir: t.TempDir()}
	DB(t, s.DB, "tzserver", DemoSeed(t))
	s.RDB = redis.NewClient(&redis.Options{Addr: s.Redis.Addr()})
	t.Cleanup(func() { s.RDB.Close() })
	s.Env = map[string]string{
		"DB_HOST": s.DB.Host, "DB_PORT": strconv.Itoa(s.DB.Port), "DB_USER": "root", "DB_NAME": "tzserver",
		"REDIS_URL": s.Redis.URL(), "STATUS_DIR": s.Dir,
		"STATUS_UPDATE_INTERVAL": "60", "STATUS_CACHE_TTL": "90", "STATUS_NGINX_CONF": "none",
	}
	return s
}

// GameServer starts a fake game server for one test (see harness.GameServer) and closes
// it at cleanup.
func GameServer(t testing.TB, speak bool) *harness.GameServer {
	t.Helper()
	g, err := harness.StartGameServer(speak)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}

// Built is the folder of p's programs, built on the first call of the test process
// (harness.Programs), or the test fails. The bound allows for an empty Go build cache on
// 2 cores while `make test` compiles every package's race build beside it: 3 minutes
// were not enough there.
func Built(t testing.TB, p *harness.Programs) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := p.Dir(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
