package stack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"statusedge/internal/harness"
	"statusedge/nginx"
)

// Nginx is the stack's nginx: a harness nginx and the parameters its config was
// rendered with, defaults filled in (tests dial its ShieldAddr).
type Nginx struct {
	*harness.Nginx
	Params nginx.Params
}

// StartNginx renders the standalone config with p under dir, checks it with nginx -t
// and starts nginx in the foreground of its own process group. Listen, OriginAddr,
// StatusDir and Interval must be set; the rest defaults to folders under dir.
//
// extra, when set, is added to the http block (a server block of the caller's).
func StartNginx(dir string, p nginx.Params, extra string) (*Nginx, error) {
	conf, err := RenderNginx(dir, p, extra)
	if err != nil {
		return nil, err
	}
	return conf.Start()
}

// NginxConf is a rendered nginx.conf, written and checked, not yet started.
type NginxConf struct {
	Dir, Path string
	Params    nginx.Params
}

// RenderNginx writes the standalone config for p to dir/nginx.conf and checks it with
// nginx -t; Start runs it.
func RenderNginx(dir string, p nginx.Params, extra string) (*NginxConf, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p.Prefix = dir
	for _, d := range []struct {
		dst  *string
		name string
	}{{&p.PageDir, "www"}, {&p.CacheDir, "cache"}} {
		if *d.dst == "" {
			*d.dst = filepath.Join(dir, d.name)
		}
	}
	if p.ShieldAddr == "" {
		addr, err := harness.FreeAddr()
		if err != nil {
			return nil, err
		}
		p.ShieldAddr = addr
	}
	if p.Workers == "" {
		p.Workers = "1"
	}
	for _, d := range []string{dir, p.StatusDir} {
		if err := harness.OpenToWorkers(d); err != nil {
			return nil, err
		}
	}
	if err := nginx.InstallAssets(p); err != nil {
		return nil, err
	}
	conf, err := nginx.Standalone(p)
	if err != nil {
		return nil, err
	}
	if extra != "" {
		end := bytes.LastIndexByte(conf, '}') // the http block's end
		if end < 0 {
			return nil, fmt.Errorf("rendered nginx.conf has no http block")
		}
		conf = append(conf[:end:end], append([]byte(extra+"\n"), conf[end:]...)...)
	}
	path, err := harness.WriteNginxConf(dir, conf)
	if err != nil {
		return nil, err
	}
	return &NginxConf{Dir: dir, Path: path, Params: p.WithDefaults()}, nil
}

// Start runs the rendered config until it listens on Params.Listen.
func (c *NginxConf) Start() (*Nginx, error) {
	n, err := harness.StartNginxAt(c.Dir, c.Path, c.Params.Listen)
	if err != nil {
		return nil, err
	}
	return &Nginx{Nginx: n, Params: c.Params}, nil
}
