package deploy_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	"statusedge/nginx"
)

type fleetCompose struct {
	Services map[string]struct {
		Build *struct {
			Context string            `yaml:"context"`
			Args    map[string]string `yaml:"args"`
		} `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Networks    any               `yaml:"networks"`
		Healthcheck *struct{ Test []string }
		Restart     string `yaml:"restart"`
		ReadOnly    bool   `yaml:"read_only"`
	} `yaml:"services"`
	Volumes map[string]any                   `yaml:"volumes"`
	Secrets map[string]struct{ File string } `yaml:"secrets"`
}

// networks lists a service's networks and, per network, its aliases.
func networks(t *testing.T, v any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	switch n := v.(type) {
	case []any:
		for _, name := range n {
			out[name.(string)] = nil
		}
	case map[string]any:
		for name, opts := range n {
			out[name] = nil
			m, ok := opts.(map[string]any) // a network listed without options has no aliases
			if !ok {
				continue
			}
			aliases, ok := m["aliases"].([]any)
			if !ok && m["aliases"] != nil {
				t.Errorf("%s: aliases is %T, want a list", name, m["aliases"])
			}
			for _, a := range aliases {
				if s, ok := a.(string); ok {
					out[name] = append(out[name], s)
				}
			}
		}
	}
	return out
}

// TestFleetComposeAgreesWithPrograms checks deploy/docker/compose.fleet.yml statically:
// two edges, each nginx + snapshotter + origin on its own STATUS_DIR volume, every
// variable one the programs read, Sentinel addresses naming its sentinels, and each
// nginx reaching its own origin under the name nginx.conf proxies to.
func TestFleetComposeAgreesWithPrograms(t *testing.T) {
	const file = "deploy/docker/compose.fleet.yml"
	var c fleetCompose
	if err := yaml.Unmarshal([]byte(read(t, file)), &c); err != nil {
		t.Fatalf("%s does not parse: %v", file, err)
	}
	base := filepath.Join(harnesstest.ModuleRoot(t), "deploy", "docker")
	docker := nginx.DockerParams()
	known := config.Names()
	originHost, _, _ := strings.Cut(docker.OriginAddr, ":")
	for name, s := range c.Services {
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Restart != "unless-stopped" {
			t.Errorf("%s: healthcheck %v restart %q", name, s.Healthcheck, s.Restart)
		}
		if len(s.Ports) > 0 && !strings.HasSuffix(name, "-nginx") {
			t.Errorf("%s publishes ports %v; only nginx may", name, s.Ports)
		}
		for _, v := range s.Volumes {
			if src, _, _ := strings.Cut(v, ":"); strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join(base, src)); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
			}
		}
	}
	checkSecret(t, filepath.Join(base, c.Secrets["db_password"].File))
	for _, edge := range []string{"edge1", "edge2"} {
		vol := "status" + strings.TrimPrefix(edge, "edge")
		if _, ok := c.Volumes[vol]; !ok {
			t.Errorf("volume %s not declared", vol)
		}
		for _, prog := range []string{"snapshotter", "origin"} {
			s, ok := c.Services[edge+"-"+prog]
			if !ok {
				t.Fatalf("no service %s-%s", edge, prog)
			}
			if s.Build == nil || s.Build.Args["PROGRAM"] != prog || !s.ReadOnly {
				t.Errorf("%s-%s: not built with PROGRAM=%s or not read-only", edge, prog, prog)
			}
			if _, err := os.Stat(filepath.Join(base, s.Build.Context, "deploy", "Dockerfile")); err != nil {
				t.Errorf("%s-%s build context: %v", edge, prog, err)
			}
			for k := range s.Environment {
				if !slices.Contains(known, k) {
					t.Errorf("%s-%s sets %s, which the programs do not read", edge, prog, k)
				}
			}
			for _, sen := range strings.Split(s.Environment["REDIS_SENTINEL_ADDRS"], ",") {
				host, _, _ := strings.Cut(sen, ":")
				if _, ok := c.Services[host]; !ok {
					t.Errorf("%s-%s: sentinel %s is no service", edge, prog, sen)
				}
			}
			mode := ":ro"
			if prog == "snapshotter" {
				mode = ""
			}
			if s.Environment["STATUS_DIR"] != docker.StatusDir || !slices.Contains(s.Volumes, vol+":"+docker.StatusDir+mode) {
				t.Errorf("%s-%s: STATUS_DIR %q volumes %v, want %s:%s%s", edge, prog, s.Environment["STATUS_DIR"], s.Volumes, vol, docker.StatusDir, mode)
			}
		}
		master := c.Services[edge+"-snapshotter"].Environment["REDIS_MASTER_NAME"]
		if master == "" || !strings.Contains(strings.Join(c.Services["sentinel1"].Command, " "), "sentinel monitor "+master+" ") {
			t.Errorf("REDIS_MASTER_NAME %q is not the name the sentinels monitor", master)
		}
		ng := c.Services[edge+"-nginx"]
		if !slices.Contains(ng.Volumes, vol+":"+docker.StatusDir+":ro") {
			t.Errorf("%s-nginx volumes %v lack its own %s", edge, ng.Volumes, vol)
		}
		nets := networks(t, ng.Networks)
		if _, ok := nets[edge]; !ok || len(nets) != 1 {
			t.Errorf("%s-nginx networks %v, want only %s", edge, nets, edge)
		}
		if !slices.Contains(networks(t, c.Services[edge+"-origin"].Networks)[edge], originHost) {
			t.Errorf("%s-origin is not %q on %s, the name nginx.conf proxies to", edge, originHost, edge)
		}
	}
}
