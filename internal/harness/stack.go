package harness

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"statusedge/deploy"
	"statusedge/internal/probe"
	"statusedge/nginx"
)

// StackConfig says what StartStack runs.
type StackConfig struct {
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
	// Addresses; empty picks free loopback ports.
	PublicAddr, OriginAddr, SnapshotterAddr string
}

// Stack is statusedge running on this machine: MariaDB, Redis, snapshotter, origin, nginx.
type Stack struct {
	MariaDB     *MariaDB // nil when external
	Redis       *Redis   // nil when external
	Env         map[string]string
	StatusDir   string
	Origin      *Process
	Snapshotter *Process // nil unless StackConfig.Snapshotter
	Nginx       *Nginx
	cfg         StackConfig
	stops       []func()
}

// StartStack starts every part, in dependency order. On error it stops what it started.
func StartStack(ctx context.Context, cfg StackConfig) (s *Stack, err error) {
	s = &Stack{cfg: cfg, StatusDir: filepath.Join(cfg.Dir, "status")}
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
		for k, v := range cfg.DB {
			s.Env[k] = v
		}
	} else {
		dir := filepath.Join(cfg.Dir, "mariadb")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if s.MariaDB, err = StartMariaDB(dir); err != nil {
			return nil, err
		}
		s.stops = append(s.stops, s.MariaDB.Stop)
		if err := s.MariaDB.CreateDB(ctx, "tzserver", deploy.SeedSQL); err != nil {
			return nil, err
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
		if s.Redis, err = StartRedis(dir); err != nil {
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
			port, err := FreePort()
			if err != nil {
				return nil, err
			}
			a.val = loopback(port)
		}
		s.Env[a.name] = a.val
	}

	if cfg.Snapshotter {
		if err := s.StartSnapshotter(); err != nil {
			return nil, err
		}
	}
	if s.Origin, err = s.startProgram("origin"); err != nil {
		return nil, err
	}
	if err := WaitListening(s.Origin, s.Env["ORIGIN_ADDR"], 10*time.Second); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, s.Logs("origin"))
	}

	p := cfg.NginxParams
	p.Listen, p.OriginAddr, p.StatusDir = s.Env["PUBLIC_ADDR"], s.Env["ORIGIN_ADDR"], s.StatusDir
	p.Interval = cfg.Interval
	if pc, on, err := probe.LoadConfig(func(k string) string { return s.Env[k] }); err != nil {
		return nil, err
	} else if on {
		p.ProbeInterval = int(pc.Interval / time.Second)
	}
	dir := filepath.Join(cfg.Dir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if s.Nginx, err = StartNginx(dir, p, cfg.NginxExtra); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Nginx.Stop)
	return s, nil
}

// StartSnapshotter starts the snapshotter loop, which refreshes at once.
func (s *Stack) StartSnapshotter() (err error) {
	if s.Snapshotter, err = s.startProgram("snapshotter"); err != nil {
		return err
	}
	if err := WaitListening(s.Snapshotter, s.Env["SNAPSHOTTER_ADDR"], 10*time.Second); err != nil {
		return fmt.Errorf("%w\n%s", err, s.Logs("snapshotter"))
	}
	return nil
}

func (s *Stack) startProgram(name string, args ...string) (*Process, error) {
	p, err := startProcess(name, filepath.Join(s.cfg.Dir, name+".log"), s.envList(), filepath.Join(s.cfg.Bin, name), args...)
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
	cmd := exec.CommandContext(ctx, filepath.Join(s.cfg.Bin, "snapshotter"), "-once")
	cmd.Env = append(append(os.Environ(), s.envList()...), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("snapshotter -once: %w\n%s", err, out)
	}
	return nil
}

// PublicURL is the nginx base URL.
func (s *Stack) PublicURL() string { return "http://" + s.Env["PUBLIC_ADDR"] }

// OriginURL is the origin's base URL.
func (s *Stack) OriginURL() string { return "http://" + s.Env["ORIGIN_ADDR"] }

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

// RedactedURL hides a password in a URL for printing.
func RedactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// BuildPrograms builds the snapshotter and origin into dir with the flags `make build` uses.
func BuildPrograms(ctx context.Context, dir string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", dir+"/", "./snapshotter", "./origin")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// ModuleRoot is the folder holding go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the statusedge module")
	}
	return filepath.Dir(gomod), nil
}
