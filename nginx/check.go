package nginx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"time"

	"statusedge/internal/config"
)

// ConfEnv names the nginx file the programs serve through (config.Config.NginxConf).
const ConfEnv = "STATUS_NGINX_CONF"

// Contract is what a program and the nginx files it serves through must agree on: the
// folder nginx serves documents from and the max-age hint nginx adds to their mtime. The
// origin-cache span is the contract's own constant; the check finds it in the file too,
// so a hand edit of either number is caught.
type Contract struct {
	StatusDir string
	// Interval and ProbeInterval (0: no probe) are the settings the hint follows.
	Interval, ProbeInterval time.Duration
}

// ContractOf is the contract of a program's settings: the one derivation of what the
// nginx file must carry, for both programs, -print-nginx and the test stacks.
func ContractOf(cfg config.Config) Contract {
	c := Contract{StatusDir: cfg.StatusDir, Interval: cfg.Interval}
	if cfg.Probing {
		c.ProbeInterval = cfg.Probe.Interval
	}
	return c
}

// MaxAge is the hint of the contract: MaxAge of its intervals.
func (c Contract) MaxAge() time.Duration { return MaxAge(c.Interval, c.ProbeInterval) }

// why names the settings the hint follows, for a refusal.
func (c Contract) why() string {
	s := fmt.Sprintf("STATUS_UPDATE_INTERVAL=%d", int(c.Interval/time.Second))
	if c.ProbeInterval > 0 {
		s += fmt.Sprintf(", STATUS_PROBE_INTERVAL=%d", int(c.ProbeInterval/time.Second))
	}
	return s
}

// WithContract is p rendered for c: its folder and its hint's settings.
func (p Params) WithContract(c Contract) Params {
	p.StatusDir = c.StatusDir
	p.Interval, p.ProbeInterval = int(c.Interval/time.Second), int(c.ProbeInterval/time.Second)
	return p
}

var (
	reExpires    = regexp.MustCompile(`(?m)^\s*expires modified \+(\d+)s;`)
	reCacheValid = regexp.MustCompile(`(?m)^\s*proxy_cache_valid 200 (\d+)s;`)
	reDocRoot    = regexp.MustCompile(`(?m)^\s*root (\S+)/\$status_doc;`)
	reStandalone = regexp.MustCompile(`(?m)^worker_processes `)
)

// Check reads the nginx file at path (an absolute path, or config.NginxConfNone) and refuses, in one
// line that names the command that fixes it, a file that does not carry c: nginx would
// otherwise serve documents with a max-age past their freshness, or from another folder.
func Check(path string, c Contract) error {
	if path == config.NginxConfNone {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no nginx file at %s: render it with `snapshotter -print-nginx site > %s` (or set %s=%s when no statusedge nginx serves STATUS_DIR)",
			ConfEnv, path, path, ConfEnv, config.NginxConfNone)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", ConfEnv, err)
	}
	kind := "site"
	if reStandalone.Match(b) {
		kind = "standalone"
	}
	fix := fmt.Sprintf("render it anew with `snapshotter -print-nginx %s > %s` and reload nginx", kind, path)
	hint := int(c.MaxAge() / time.Second)
	expires := reExpires.FindAllSubmatch(b, -1)
	if len(expires) == 0 {
		return fmt.Errorf("%s: %s is not a statusedge nginx file (no `expires modified`): %s", ConfEnv, path, fix)
	}
	for _, m := range expires {
		if n, _ := strconv.Atoi(string(m[1])); n != hint {
			return fmt.Errorf("%s: %s serves max-age %d s, this program needs %d s (%s): %s", ConfEnv, path, n, hint, c.why(), fix)
		}
	}
	for _, m := range reCacheValid.FindAllSubmatch(b, -1) {
		if n, _ := strconv.Atoi(string(m[1])); n != int(OriginCache/time.Second) {
			return fmt.Errorf("%s: %s keeps origin answers %d s, the origin's max-age allows %d s: %s", ConfEnv, path, n, int(OriginCache/time.Second), fix)
		}
	}
	for _, m := range reDocRoot.FindAllSubmatch(b, -1) {
		if string(m[1]) != c.StatusDir {
			return fmt.Errorf("%s: %s serves documents from %s, STATUS_DIR is %s: %s", ConfEnv, path, m[1], c.StatusDir, fix)
		}
	}
	return nil
}
