package harness

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// Varnish is a throwaway varnishd with the builtin VCL in front of one backend: a real
// HTTP cache, to check what a CDN makes of the edge's headers.
type Varnish struct {
	Addr string
	dir  string
	*Process
}

// StartVarnish runs varnishd on a free loopback port, caching backend (host:port). keep
// is how long an expired object is kept for conditional revalidation (builtin VCL, only
// the default_keep parameter set).
func StartVarnish(dir, backend string, keep time.Duration) (*Varnish, error) {
	bin, err := need("varnishd", "varnish")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	v := &Varnish{Addr: loopback(port), dir: dir}
	// -j none: no privilege separation, so the work folder can stay a temp folder.
	p, err := startListening("varnishd", filepath.Join(dir, "varnish.log"), bin, v.Addr, 20*time.Second,
		"-F", "-j", "none", "-n", dir, "-a", v.Addr, "-b", backend, "-s", "malloc,32m",
		"-p", "default_keep="+strconv.Itoa(int(keep.Seconds())))
	if err != nil {
		return nil, err
	}
	v.Process = p
	return v, nil
}

// Counter reads one of varnishstat's counters, e.g. MAIN.fetch_304 or MAIN.cache_hit.
func (v *Varnish) Counter(name string) (int, error) {
	bin, err := need("varnishstat", "varnish")
	if err != nil {
		return 0, err
	}
	out, err := exec.Command(bin, "-n", v.dir, "-1", "-f", name).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("varnishstat %s: %w\n%s", name, err, out)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("varnishstat: no %s in %q", name, out)
	}
	return strconv.Atoi(string(m[1]))
}

// Stop ends varnishd and its child.
func (v *Varnish) Stop() { v.Process.Stop(10 * time.Second) }
