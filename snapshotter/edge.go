package main

import (
	"fmt"
	"io"

	"statusedge/internal/config"
	"statusedge/nginx"
)

// printNginx writes the nginx file for c: "site" (a Debian sites-enabled file, as in
// deploy/host) or "standalone" (a whole nginx.conf, as in deploy/docker).
func printNginx(w io.Writer, kind string, c nginx.Contract, cfg config.Config) error {
	var b []byte
	var err error
	switch kind {
	case "site":
		p := nginx.HostParams().WithContract(c)
		p.OriginAddr = cfg.OriginAddr
		b, err = nginx.Site(p)
	case "standalone":
		b, err = nginx.Standalone(nginx.DockerParams().WithContract(c))
	default:
		return fmt.Errorf("-print-nginx %q: want site or standalone", kind)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
