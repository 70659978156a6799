// Command render writes the nginx files that deployments use, from the templates in
// nginx/: `make deploy-configs`. A test fails when the committed files differ.
package main

import (
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"statusedge/nginx"
)

func main() {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	root := fs.String("root", ".", "the module root the files are written under")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: render [-root DIR]: writes deploy/host/statusedge.conf, deploy/docker/nginx.conf and deploy/www/{index.html,widget.js,embed.html}")
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:]) // ExitOnError: -h prints the usage and exits
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	if err := write(*root); err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		os.Exit(1)
	}
}

func write(root string) error {
	files, err := Files()
	if err != nil {
		return err
	}
	for path, data := range files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", full)
	}
	return nil
}

// AssetsDir holds the rendered status page, widget and /embed page (nginx.Assets) that
// deployments mount or install.
const AssetsDir = "deploy/www"

// Files maps each deploy file (relative to the module root) to its rendered content.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	host, docker := nginx.HostParams(), nginx.DockerParams()
	for _, f := range []struct {
		path   string
		render func(nginx.Params) ([]byte, error)
		p      nginx.Params
	}{
		{"deploy/host/statusedge.conf", nginx.Site, host},
		{"deploy/docker/nginx.conf", nginx.Standalone, docker},
	} {
		b, err := f.render(f.p)
		if err != nil {
			return nil, err
		}
		out[f.path] = b
	}
	// One page, widget and /embed page for every install: they hold the contract's paths only.
	assets, err := nginx.Assets()
	if err != nil {
		return nil, err
	}
	for name, b := range assets {
		out[path.Join(AssetsDir, name)] = b
	}
	return out, nil
}
