// Package nginx holds statusedge's nginx configuration, its njs script and the status
// page, and renders them for the local stack, the tests and deployment from one source.
package nginx

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

//go:embed site.conf.tmpl nginx.conf.tmpl status.js www/index.html
var files embed.FS

// Params are what differs between installs. Paths are absolute.
type Params struct {
	Listen       string   // PUBLIC_ADDR
	ServerName   string   // server_name; "_" matches any Host
	OriginAddr   string   // ORIGIN_ADDR
	StatusDir    string   // STATUS_DIR, holding status.json
	PageDir      string   // folder holding the status page's index.html
	JSDir        string   // folder holding status.js
	CacheDir     string   // proxy_cache_path for the origin's answers
	ShieldSocket string   // unix socket of the rate-capped hop to the origin
	Interval     int      // STATUS_UPDATE_INTERVAL, seconds
	TTL          int      // STATUS_CACHE_TTL, seconds
	DebugAllow   []string // addresses or CIDRs allowed to read the debug endpoint
	// Origin shielding: how long nginx keeps an origin answer, and the global rate
	// (requests/s, with burst) that reaches the origin.
	OriginCacheSeconds int
	OriginRate         int
	OriginBurst        int
	StaleIfError       int // seconds a CDN may serve a stale copy when we fail

	// Standalone nginx.conf only.
	Prefix   string // nginx -p folder: pid and temp paths
	ErrorLog string
	JSModule string // path of ngx_http_js_module.so
	Workers  string
}

// WithDefaults fills the shielding knobs and the debug list where they are unset.
func (p Params) WithDefaults() Params {
	if p.OriginCacheSeconds == 0 {
		p.OriginCacheSeconds = 5
	}
	if p.OriginRate == 0 {
		p.OriginRate = 20
	}
	if p.OriginBurst == 0 {
		p.OriginBurst = 40
	}
	if p.StaleIfError == 0 {
		p.StaleIfError = 86400
	}
	if p.DebugAllow == nil {
		// Loopback and the private ranges: ops networks, not the public.
		p.DebugAllow = []string{"127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}
	}
	if p.Workers == "" {
		p.Workers = "auto"
	}
	if p.ServerName == "" {
		p.ServerName = "_"
	}
	if p.ErrorLog == "" {
		p.ErrorLog = "stderr"
	}
	if p.JSModule == "" {
		p.JSModule = "/usr/lib/nginx/modules/ngx_http_js_module.so"
	}
	return p
}

func parse() (*template.Template, error) {
	return template.ParseFS(files, "site.conf.tmpl", "nginx.conf.tmpl", "status.js")
}

// Site renders the http-level site: a Debian sites-enabled file, or the body of a standalone config.
func Site(p Params) ([]byte, error) { return render("site", p) }

// Standalone renders a complete nginx.conf that runs unprivileged under nginx -p Prefix.
func Standalone(p Params) ([]byte, error) { return render("nginx.conf.tmpl", p) }

func render(name string, p Params) ([]byte, error) {
	t, err := parse()
	if err != nil {
		return nil, fmt.Errorf("nginx templates: %w", err)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, p.WithDefaults()); err != nil {
		return nil, fmt.Errorf("render nginx %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// Script renders status.js, the njs routing script, for p.
func Script(p Params) ([]byte, error) { return render("status.js", p) }

// InstallAssets writes the rendered status.js into p.JSDir and the status page into p.PageDir.
func InstallAssets(p Params) error {
	script, err := Script(p)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		data      []byte
		dir, name string
	}{
		{script, p.JSDir, "status.js"},
		{Page(), p.PageDir, "index.html"},
	} {
		if err := os.MkdirAll(f.dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(f.dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Page returns the status page, for serving it from elsewhere.
func Page() []byte {
	b, _ := files.ReadFile("www/index.html")
	return b
}

// HostParams is the site for a Debian host: /etc/nginx/sites-enabled/statusedge.conf,
// with Debian's nginx.conf and libnginx-mod-http-js loading the njs module.
func HostParams() Params {
	return Params{
		Listen: "80", ServerName: "status.example.com", OriginAddr: "127.0.0.1:8091",
		StatusDir: "/var/lib/statusedge/www", PageDir: "/usr/share/statusedge/www", JSDir: "/usr/share/statusedge/njs",
		CacheDir: "/var/cache/nginx/statusedge", ShieldSocket: "/run/nginx-statusedge-shield.sock",
		Interval: 600, TTL: 900,
	}.WithDefaults()
}

// DockerParams is the standalone nginx.conf for the official nginx image in docker-compose.
// The debug endpoint answers only inside the container: with Docker's port publishing,
// outside clients can appear with a private address.
func DockerParams() Params {
	return Params{
		Listen: "8090", OriginAddr: "origin:8091",
		StatusDir: "/var/lib/statusedge/www", PageDir: "/usr/share/statusedge/www", JSDir: "/etc/nginx/njs",
		CacheDir: "/var/cache/nginx/statusedge", ShieldSocket: "/var/cache/nginx/statusedge-shield.sock",
		Interval: 600, TTL: 900, DebugAllow: []string{"127.0.0.1", "::1"},
		Prefix: "/var/cache/nginx", JSModule: "/etc/nginx/modules/ngx_http_js_module.so", ErrorLog: "stderr",
	}.WithDefaults()
}
