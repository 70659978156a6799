package nginx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
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
	return Contract{StatusDir: cfg.StatusDir, Interval: cfg.Interval, ProbeInterval: cfg.ProbeCap()}
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

// The directives that carry the contract, however spaced or quoted; comments aside.
var (
	reExpires    = regexp.MustCompile(`(?m)^[ \t]*expires[ \t]+([^;#]*);`)
	reCacheValid = regexp.MustCompile(`(?m)^[ \t]*proxy_cache_valid[ \t]+([^;#]*);`)
	reFileValid  = regexp.MustCompile(`(?m)^[ \t]*open_file_cache_valid[ \t]+([^;#]*);`)
	reRoot       = regexp.MustCompile(`(?m)^[ \t]*root[ \t]+([^;#]*);`)
	reStandalone = regexp.MustCompile(`(?m)^[ \t]*worker_processes[ \t]`)
)

// words is a directive's arguments as nginx reads them: quotes dropped, spaces collapsed,
// ${var} as $var.
func words(args string) string {
	args = strings.NewReplacer(`"`, "", `'`, "", "${status_folder}", "$status_folder").Replace(args)
	return strings.Join(strings.Fields(args), " ")
}

// Check reads the nginx file at path (an absolute path, or config.NginxConfNone) and refuses, in one
// line that names the command that fixes it, a file that does not carry c: nginx would
// otherwise serve documents with a max-age past their freshness, or from another folder.
func Check(path string, c Contract) error {
	if path == config.NginxConfNone {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no nginx file at %s: render it with this environment (`snapshotter -print-nginx site > %s`), or set %s=%s when no statusedge nginx serves STATUS_DIR",
			ConfEnv, path, path, ConfEnv, config.NginxConfNone)
	}
	if err != nil {
		return fmt.Errorf("%s: %w (set it to the nginx file statusedge serves through, or %s)", ConfEnv, err, config.NginxConfNone)
	}
	kind := "site"
	if reStandalone.Match(b) {
		kind = "standalone"
	}
	// One line, and safe as written: rendered from the same environment outside nginx's
	// include folders, then moved over this one, so a failed render never empties the
	// live file and nginx never reads two sites at once.
	fix := fmt.Sprintf("render it anew with this environment (`snapshotter -print-nginx %s > /tmp/statusedge-nginx.conf && mv /tmp/statusedge-nginx.conf %s`), check it with `nginx -t` and reload nginx", kind, path)
	hint := int(c.MaxAge() / time.Second)
	want := fmt.Sprintf("modified +%ds", hint)
	expires := reExpires.FindAllSubmatch(b, -1)
	if len(expires) == 0 {
		return fmt.Errorf("%s: %s is not a statusedge nginx file (no `expires modified`): %s", ConfEnv, path, fix)
	}
	for _, m := range expires {
		if got := words(string(m[1])); got != want {
			return fmt.Errorf("%s: %s serves max-age `expires %s`, this program needs %d s (%s): %s", ConfEnv, path, got, hint, c.why(), fix)
		}
	}
	cache := reCacheValid.FindAllSubmatch(b, -1)
	// The answers (200) and the failed refreshes (5xx) alike, for the one span.
	wantCache := fmt.Sprintf("200 500 502 503 504 %ds", int(OriginCache/time.Second))
	if len(cache) == 0 {
		return fmt.Errorf("%s: %s keeps origin answers without `proxy_cache_valid %s`: %s", ConfEnv, path, wantCache, fix)
	}
	for _, m := range cache {
		if got := words(string(m[1])); got != wantCache {
			return fmt.Errorf("%s: %s keeps origin answers `proxy_cache_valid %s`, the origin's max-age allows %s: %s", ConfEnv, path, got, wantCache, fix)
		}
	}
	// A file cache kept longer than the edge's ±1 s would serve a withdrawn name late.
	wantValid := fmt.Sprintf("%ds", int(FileCacheValid/time.Second))
	for _, m := range reFileValid.FindAllSubmatch(b, -1) {
		if got := words(string(m[1])); got != wantValid {
			return fmt.Errorf("%s: %s keeps open files `open_file_cache_valid %s`, the edge's freshness allows %s: %s", ConfEnv, path, got, wantValid, fix)
		}
	}
	roots := 0
	for _, m := range reRoot.FindAllSubmatch(b, -1) {
		got := words(string(m[1]))
		dir, ok := strings.CutSuffix(got, "/$status_folder")
		if !ok {
			continue // not a document's root (the page's, or a server of the operator's)
		}
		roots++
		if dir != c.StatusDir {
			return fmt.Errorf("%s: %s serves documents from %s, STATUS_DIR is %s: %s", ConfEnv, path, dir, c.StatusDir, fix)
		}
	}
	if roots == 0 {
		return fmt.Errorf("%s: %s serves no document from STATUS_DIR (no `root %s/$status_folder`): %s", ConfEnv, path, c.StatusDir, fix)
	}
	// The types are the contract's too: a file rendered before a type was added would
	// answer its documents with a 404 while the publisher writes them.
	for _, t := range Types() {
		if t.Ext == JSON {
			continue
		}
		re := regexp.MustCompile(`(?m)^[ \t]*types[ \t]*\{[ \t]*` + regexp.QuoteMeta(t.ContentType) + `[ \t]+json;[ \t]*\}`)
		if !re.Match(b) {
			return fmt.Errorf("%s: %s serves no %s documents (no location with `types { %s json; }`): %s", ConfEnv, path, t.Ext, t.ContentType, fix)
		}
	}
	return nil
}
