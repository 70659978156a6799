package stack

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
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

// StartFleet renders the edges' nginx files, starts the snapshotters, then the edges'
// origins and nginx. A member with an edge checks that edge's file at start, as in
// production; one without serves no nginx (STATUS_NGINX_CONF=none). On error it stops
// what it started.
func StartFleet(cfg FleetConfig) (_ *Fleet, err error) {
	if cfg.Edges > cfg.Snapshotters {
		return nil, fmt.Errorf("fleet: %d edges need as many snapshotters", cfg.Edges)
	}
	// f is not the named result: a `return nil, err` would nil it before the deferred Stop.
	f := &Fleet{cfg: cfg}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	confs := make([]*NginxConf, cfg.Edges)
	for i := range cfg.Snapshotters {
		m, err := f.member(i)
		if err != nil {
			return nil, err
		}
		conf := "none"
		if i < cfg.Edges {
			e, c, err := f.edge(i, m)
			if err != nil {
				return nil, err
			}
			f.Edges, confs[i], conf = append(f.Edges, e), c, c.Path
		}
		m.env = append(m.env, nginx.ConfEnv+"="+conf)
		f.Snapshotters = append(f.Snapshotters, m)
		if err := m.Start(); err != nil {
			return nil, err
		}
	}
	for i, e := range f.Edges {
		if err := e.start(f.cfg, i, confs[i]); err != nil {
			return nil, err
		}
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

// edge picks the addresses of member m's edge and renders its nginx file, for the
// contract of the fleet's environment on m's folder.
func (f *Fleet) edge(i int, m *Member) (*Edge, *NginxConf, error) {
	addrs := make([]string, 2)
	for j := range addrs {
		a, err := harness.FreeAddr()
		if err != nil {
			return nil, nil, err
		}
		addrs[j] = a
	}
	e := &Edge{Addr: addrs[0], OriginAddr: addrs[1]}
	env := maps.Clone(f.cfg.Env)
	env["STATUS_DIR"] = m.StatusDir
	c, err := ContractOf(env)
	if err != nil {
		return nil, nil, err
	}
	p := nginx.Params{Listen: e.Addr, OriginAddr: e.OriginAddr}.WithContract(c)
	conf, err := RenderNginx(filepath.Join(f.cfg.Dir, fmt.Sprintf("nginx%d", i)), p, "")
	return e, conf, err
}

// start runs the edge's origin, then its nginx.
func (e *Edge) start(cfg FleetConfig, i int, conf *NginxConf) (err error) {
	name := fmt.Sprintf("origin%d", i)
	env := envList(cfg.Env, "STATUS_DIR="+conf.Params.StatusDir, "ORIGIN_ADDR="+e.OriginAddr, nginx.ConfEnv+"="+conf.Path)
	if e.Origin, err = harness.StartProcess(name, filepath.Join(cfg.Dir, name+".log"), env, filepath.Join(cfg.Bin, "origin")); err != nil {
		return err
	}
	if err := harness.WaitListening(e.Origin, e.OriginAddr, 10*time.Second); err != nil {
		return err
	}
	e.Nginx, err = conf.Start()
	return err
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
