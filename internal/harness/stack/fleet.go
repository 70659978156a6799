package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"statusedge/internal/harness"
	"statusedge/nginx"
)

// FleetConfig says what StartFleet runs: N snapshotter replicas, each with its own
// STATUS_DIR, and E edges (nginx + origin) on the first E of those folders, all sharing
// one MariaDB and one Redis (of any topology) that the caller started.
type FleetConfig struct {
	Dir          string // everything lives under it
	Bin          string // folder holding the snapshotter and origin binaries
	Snapshotters int
	Edges        int // at most Snapshotters
	// Env is what every program gets: DB_*, REDIS_*, STATUS_UPDATE_INTERVAL,
	// STATUS_CACHE_TTL, STATUS_LEASE.
	Env map[string]string
}

// Fleet is statusedge as a multi-edge deployment runs it, on loopback.
type Fleet struct {
	Snapshotters []*Member
	Edges        []*Edge
	cfg          FleetConfig
}

// Member is one snapshotter replica; Start runs it (again, after a Kill) on the same
// folder and address.
type Member struct {
	Name      string
	StatusDir string
	Addr      string // SNAPSHOTTER_ADDR
	Log       string
	Process   *harness.Process
	env       []string
	bin       string
}

// Edge is nginx and the origin in front of one member's STATUS_DIR.
type Edge struct {
	Nginx      *Nginx
	Origin     *harness.Process
	Addr       string // PUBLIC_ADDR
	OriginAddr string // ORIGIN_ADDR
}

// StartFleet starts the snapshotters, then the edges. On error it stops what it started.
func StartFleet(cfg FleetConfig) (f *Fleet, err error) {
	if cfg.Edges > cfg.Snapshotters {
		return nil, fmt.Errorf("fleet: %d edges need as many snapshotters", cfg.Edges)
	}
	f = &Fleet{cfg: cfg}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	for i := range cfg.Snapshotters {
		m, err := f.member(i)
		if err != nil {
			return nil, err
		}
		f.Snapshotters = append(f.Snapshotters, m)
		if err := m.Start(); err != nil {
			return nil, err
		}
	}
	for i := range cfg.Edges {
		e, err := f.edge(i)
		if err != nil {
			return nil, err
		}
		f.Edges = append(f.Edges, e)
	}
	return f, nil
}

func (f *Fleet) member(i int) (*Member, error) {
	name := fmt.Sprintf("snapshotter%d", i)
	dir := filepath.Join(f.cfg.Dir, name, "status")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	addr, err := harness.FreeAddr()
	if err != nil {
		return nil, err
	}
	m := &Member{Name: name, StatusDir: dir, Addr: addr, Log: filepath.Join(f.cfg.Dir, name+".log"),
		bin: filepath.Join(f.cfg.Bin, "snapshotter")}
	m.env = envList(f.cfg.Env, "STATUS_DIR="+dir, "SNAPSHOTTER_ADDR="+m.Addr)
	return m, nil
}

func (f *Fleet) edge(i int) (*Edge, error) {
	m := f.Snapshotters[i]
	addrs := make([]string, 2)
	for j := range addrs {
		a, err := harness.FreeAddr()
		if err != nil {
			return nil, err
		}
		addrs[j] = a
	}
	e := &Edge{Addr: addrs[0], OriginAddr: addrs[1]}
	originAddr := e.OriginAddr
	name := fmt.Sprintf("origin%d", i)
	env := envList(f.cfg.Env, "STATUS_DIR="+m.StatusDir, "ORIGIN_ADDR="+originAddr)
	var err error
	if e.Origin, err = harness.StartProcess(name, filepath.Join(f.cfg.Dir, name+".log"), env, filepath.Join(f.cfg.Bin, "origin")); err != nil {
		return nil, err
	}
	if err := harness.WaitListening(e.Origin, originAddr, 10*time.Second); err != nil {
		return nil, err
	}
	interval, _ := strconv.Atoi(f.cfg.Env["STATUS_UPDATE_INTERVAL"])
	dir := filepath.Join(f.cfg.Dir, fmt.Sprintf("nginx%d", i))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	e.Nginx, err = StartNginx(dir, nginx.Params{Listen: e.Addr, OriginAddr: originAddr, StatusDir: m.StatusDir, Interval: interval}, "")
	return e, err
}

// Start runs the snapshotter and waits for its health server.
func (m *Member) Start() error {
	p, err := harness.StartProcess(m.Name, m.Log, m.env, m.bin)
	if err != nil {
		return err
	}
	m.Process = p
	if err := harness.WaitListening(p, m.Addr, 10*time.Second); err != nil {
		return fmt.Errorf("%w\n%s", err, m.Logs())
	}
	return nil
}

// Logs is the tail of the member's log, for failure messages.
func (m *Member) Logs() string {
	b, _ := os.ReadFile(m.Log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop stops every program, edges first.
func (f *Fleet) Stop() {
	for _, e := range f.Edges {
		if e.Nginx != nil {
			e.Nginx.Stop()
		}
		if e.Origin != nil {
			e.Origin.Stop(10 * time.Second)
		}
	}
	for _, m := range f.Snapshotters {
		if m.Process != nil {
			m.Process.Stop(15 * time.Second) // resumes a paused one first
		}
	}
}

func envList(base map[string]string, extra ...string) []string {
	var env []string
	for k, v := range base {
		env = append(env, k+"="+v)
	}
	return append(env, extra...)
}
