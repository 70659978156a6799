package main

import (
	"fmt"
	"io"

	"statusedge/internal/config"
	"statusedge/nginx"
)

// printNginx writes the nginx file for c: "site" (a Debian sites-enabled file, as in
// deploy/host) or "standalone" (a whole nginx.conf, as in deploy/docker). debugAllow,
// when set, is the debug allow-list (nginx.LoadDebugAllow); nil: loopback.
func printNginx(w io.Writer, kind string, c nginx.Contract, cfg config.Config, debugAllow []string) error {
	var b []byte
	var err error
	switch kind {
	case "site":
		p := nginx.HostParams().WithContract(c)
		p.OriginAddr = cfg.OriginAddr
		if debugAllow != nil {
			p.DebugAllow = debugAllow
		}
		b, err = nginx.Site(p)
	case "standalone":
		p := nginx.DockerParams().WithContract(c)
		if debugAllow != nil {
			p.DebugAllow = debugAllow
		}
		b, err = nginx.Standalone(p)
	default:
		return fmt.Errorf("-print-nginx %q: want site or standalone", kind)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
