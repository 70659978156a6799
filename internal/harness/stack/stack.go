// Package stack runs statusedge itself on this machine for the tests, `make run` and
// `make bench`: the snapshotter and origin binaries, nginx from the rendered templates,
// over the harness's throwaway MariaDB (seeded with deploy/seed.sql) and Redis.
//
// It is apart from package harness because it imports statusedge/nginx to render the
// config: the harness's servers stay usable from any package's tests, nginx's own
// included, without an import cycle.
package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/healthcheck"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// Config says what Start runs.
type Config struct {
	Dir         string // everything lives under it
	Bin         string // folder holding the snapshotter and origin binaries
	Interval    int    // STATUS_UPDATE_INTERVAL
	TTL         int    // STATUS_CACHE_TTL
	Snapshotter bool   // run the snapshotter loop (else the caller refreshes with Once)
	NginxParams nginx.Params
	// NginxExtra is nginx text added to the http block: the bench's ceiling, a bare server
	// in the same nginx process.
	NginxExtra string
	// Env is more environment for the programs (GAME_SERVER_ADDR, STATUS_PROBE_*...). With
	// a probe configured, nginx is rendered with its interval as the max-age hint.
	Env map[string]string
	// External servers, as the programs take them; empty starts throwaway ones.
	DB       map[string]string // DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME
	RedisURL string
	// Schemas are more databases created on the throwaway MariaDB (an external one is
	// never written to), each seeded, before any program starts: the worlds of
	// `make run-worlds`.
	Schemas []Schema
	// Addresses; empty picks free loopback ports.
	PublicAddr, OriginAddr, SnapshotterAddr string
}

// Schema is a database the stack creates on its MariaDB, and the SQL it is seeded with.
type Schema struct{ Name, Seed string }

// Stack is statusedge running on this machine: MariaDB, Redis, snapshotter, origin, nginx.
type Stack struct {
	MariaDB     *harness.MariaDB // nil when external
	Redis       *harness.Redis   // nil when external
	Env         map[string]string
	StatusDir   string
	Origin      *harness.Process
	Snapshotter *harness.Process // nil unless Config.Snapshotter
	Nginx       *Nginx
	cfg         Config
	stops       []func()
}

// Publisher publishes into the stack's STATUS_DIR as its snapshotter would, for the
// max-age hint its nginx was rendered with.
func (s *Stack) Publisher(now func() time.Time) *snapshot.Publisher {
	return snapshot.NewPublisher(s.StatusDir, s.Nginx.Params.MaxAge(), now, time.Sleep)
}

// Start starts every part, in dependency order. On error it stops what it started.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	// s is not the named result: every `return nil, err` would nil it before the deferred
	// Stop ran, which then panicked and left the started servers running.
	s := &Stack{cfg: cfg, StatusDir: filepath.Join(cfg.Dir, "status")}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := os.MkdirAll(s.StatusDir, 0o755); err != nil {
		return nil, err
	}
	s.Env = map[string]string{
		"STATUS_DIR": s.StatusDir, "STATUS_UPDATE_INTERVAL": strconv.Itoa(cfg.Interval),
		"STATUS_CACHE_TTL": strconv.Itoa(cfg.TTL),
	}
	for k, v := range cfg.Env {
		s.Env[k] = v
	}
	if len(cfg.DB) > 0 {
		if len(cfg.Schemas) > 0 {
			return nil, fmt.Errorf("stack: %d schemas to create, but the MariaDB is external", len(cfg.Schemas))
		}
		for k, v := range cfg.DB {
			s.Env[k] = v
		}
	} else {
		dir := filepath.Join(cfg.Dir, "mariadb")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		seed, err := harness.DemoSeed()
		if err != nil {
			return nil, err
		}
		if s.MariaDB, err = harness.StartMariaDB(dir); err != nil {
			return nil, err
		}
		s.stops = append(s.stops, s.MariaDB.Stop)
		if err := s.MariaDB.CreateDB(ctx, "tzserver", seed); err != nil {
			return nil, err
		}
		for _, sc := range cfg.Schemas {
			if err := s.MariaDB.CreateDB(ctx, sc.Name, sc.Seed); err != nil {
				return nil, err
			}
		}
		s.Env["DB_HOST"], s.Env["DB_PORT"] = s.MariaDB.Host, strconv.Itoa(s.MariaDB.Port)
		s.Env["DB_USER"], s.Env["DB_NAME"] = "root", "tzserver"
	}
	if cfg.RedisURL != "" {
		s.Env["REDIS_URL"] = cfg.RedisURL
	} else {
		dir := filepath.Join(cfg.Dir, "redis")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if s.Redis, err = harness.StartRedis(dir); err != nil {
			return nil, err
		}
		s.stops = append(s.stops, s.Redis.Stop)
		s.Env["REDIS_URL"] = s.Redis.URL()
	}
	for _, a := range []struct {
		name string
		val  string
	}{{"PUBLIC_ADDR", cfg.PublicAddr}, {"ORIGIN_ADDR", cfg.OriginAddr}, {"SNAPSHOTTER_ADDR", cfg.SnapshotterAddr}} {
		if a.val == "" {
			if a.val, err = harness.FreeAddr(); err != nil {
				return nil, err
			}
		}
		s.Env[a.name] = a.val
	}

	// nginx's file is rendered first: the programs check at start that it carries their
	// contract (STATUS_NGINX_CONF), derived from this same environment.
	c, err := ContractOf(s.Env)
	if err != nil {
		return nil, err
	}
	p := cfg.NginxParams.WithContract(c)
	p.Listen, p.OriginAddr = s.Env["PUBLIC_ADDR"], s.Env["ORIGIN_ADDR"]
	dir := filepath.Join(cfg.Dir, "nginx")
	conf, err := RenderNginx(dir, p, cfg.NginxExtra)
	if err != nil {
		return nil, err
	}
	s.Env[nginx.ConfEnv] = conf.Path
	if cfg.Snapshotter {
		if err := s.StartSnapshotter(); err != nil {
			return nil, err
		}
	}
	if s.Origin, err = s.startProgram("origin"); err != nil {
		return nil, err
	}
	if err := harness.WaitListening(s.Origin, s.Env["ORIGIN_ADDR"], 10*time.Second); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, s.Logs("origin"))
	}
	if s.Nginx, err = conf.Start(); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Nginx.Stop)
	return s, nil
}

// ContractOf is the edge contract of the programs run with env: their settings, read by
// their own loader, through nginx.ContractOf.
func ContractOf(env map[string]string) (nginx.Contract, error) {
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		return nginx.Contract{}, err
	}
	return nginx.ContractOf(cfg), nil
}

// StartSnapshotter starts the snapshotter loop, which refreshes at once.
func (s *Stack) StartSnapshotter() (err error) {
	if s.Snapshotter, err = s.startProgram("snapshotter"); err != nil {
		return err
	}
	if err := harness.WaitListening(s.Snapshotter, s.Env["SNAPSHOTTER_ADDR"], 10*time.Second); err != nil {
		return fmt.Errorf("%w\n%s", err, s.Logs("snapshotter"))
	}
	return nil
}

func (s *Stack) startProgram(name string, args ...string) (*harness.Process, error) {
	p, err := harness.StartProcess(name, filepath.Join(s.cfg.Dir, name+".log"), s.envList(), filepath.Join(s.cfg.Bin, name), args...)
	if err != nil {
		return nil, err
	}
	s.stops = append(s.stops, func() { p.Stop(15 * time.Second) })
	return p, nil
}

func (s *Stack) envList() []string {
	var env []string
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// Once runs `snapshotter -once` against the stack; env ("NAME=value") overrides the stack's.
func (s *Stack) Once(ctx context.Context, env ...string) error {
	if out, err := s.Run(ctx, "snapshotter", []string{"-once"}, env...); err != nil {
		return fmt.Errorf("snapshotter -once: %w\n%s", err, out)
	}
	return nil
}

// Run runs a program (snapshotter or origin) with args in the stack's environment, env
// ("NAME=value") overriding it, until it exits or ctx ends; it returns what it printed.
func (s *Stack) Run(ctx context.Context, name string, args []string, env ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.cfg.Bin, name), args...)
	cmd.Env = append(append(os.Environ(), s.envList()...), env...)
	return cmd.CombinedOutput()
}

// PublicURL is the nginx base URL.
func (s *Stack) PublicURL() string { return "http://" + s.Env["PUBLIC_ADDR"] }

// OriginURL is the origin's base URL.
func (s *Stack) OriginURL() string { return "http://" + s.Env["ORIGIN_ADDR"] }

// OriginRequests counts the status requests the origin has answered, from its own
// metrics: nginx's (/api/server/status, the document's path) and direct ones
// (/server/status). It asks /healthz first: the latency histogram has no family until the
// origin has answered once, and a missing family stays an error (harness.Metric).
func (s *Stack) OriginRequests(ctx context.Context) (int, error) {
	if err := healthcheck.Probe(ctx, s.OriginURL()+"/healthz"); err != nil {
		return 0, err
	}
	total := 0
	for _, route := range []string{"/server/status", "/" + nginx.StatusDoc} {
		n, err := harness.Metric(ctx, s.OriginURL()+"/metrics", "statusedge_origin_request_duration_seconds",
			map[string]string{"route": route})
		if err != nil {
			return 0, err
		}
		total += int(n)
	}
	return total, nil
}

// Logs returns the tail of a part's log, for failure messages.
func (s *Stack) Logs(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.cfg.Dir, name+".log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop stops every part it started, newest first.
func (s *Stack) Stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}
