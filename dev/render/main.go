// Command render writes the nginx files that deployments use, from the templates in
// nginx/: `make deploy-configs`. A test fails when the committed files differ.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"statusedge/nginx"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	files, err := Files()
	if err != nil {
		fmt.Fprintf(os.Stderr, "render: %v\n", err)
		os.Exit(1)
	}
	for path, data := range files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "render: %v\n", err)
			os.Exit(1)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "render: %v\n", err)
			os.Exit(1)
		}
		fmt.Println("wrote", full)
	}
}

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
	return out, nil
}
