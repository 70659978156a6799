package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"statusedge/nginx"
)

// Nginx is an unprivileged nginx serving statusedge's rendered config.
type Nginx struct {
	Addr   string
	Conf   string
	Params nginx.Params
	*Process
}

// StartNginx renders the standalone config with p under dir, checks it with nginx -t
// and starts nginx in the foreground of its own process group. Listen, OriginAddr,
// StatusDir and Interval must be set; the rest defaults to folders under dir.
//
// extra, when set, is added to the http block (a server block of the caller's).
func StartNginx(dir string, p nginx.Params, extra string) (*Nginx, error) {
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
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		p.ShieldAddr = loopback(port)
	}
	if p.Workers == "" {
		p.Workers = "1"
	}
	for _, d := range []string{dir, p.StatusDir} {
		if err := openToWorkers(d); err != nil {
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
	n, err := StartNginxConf(dir, conf, p.Listen)
	if err != nil {
		return nil, err
	}
	n.Params = p.WithDefaults()
	return n, nil
}

// StartNginxConf writes conf to dir/nginx.conf, checks it and runs it with prefix dir
// until it listens on addr.
func StartNginxConf(dir string, conf []byte, addr string) (*Nginx, error) {
	bin, err := need("nginx", "nginx")
	if err != nil {
		return nil, err
	}
	if err := openToWorkers(dir); err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		return nil, err
	}
	if err := CheckNginx(dir, confPath); err != nil {
		return nil, err
	}
	proc, err := startProcess("nginx", filepath.Join(dir, "nginx.log"), nil, bin,
		"-p", dir+"/", "-c", confPath, "-e", "stderr", "-g", "daemon off;")
	if err != nil {
		return nil, err
	}
	if err := WaitListening(proc, addr, 10*time.Second); err != nil {
		proc.Stop(5 * time.Second)
		log, _ := os.ReadFile(filepath.Join(dir, "nginx.log"))
		return nil, fmt.Errorf("nginx: %w\n%s", err, log)
	}
	return &Nginx{Addr: addr, Conf: confPath, Process: proc}, nil
}

// CheckNginx runs nginx -t on a config.
func CheckNginx(prefix, confPath string) error {
	bin, err := need("nginx", "nginx")
	if err != nil {
		return err
	}
	out, err := exec.Command(bin, "-t", "-q", "-p", prefix+"/", "-c", confPath, "-e", "stderr").CombinedOutput()
	if err != nil {
		return fmt.Errorf("nginx -t %s: %w\n%s", confPath, err, out)
	}
	return nil
}

// Stop ends nginx gracefully (SIGQUIT lets workers finish), then its whole group.
func (n *Nginx) Stop() { n.Process.Stop(10 * time.Second) }

// openToWorkers lets nginx workers reach d. Started as root, nginx runs its workers as
// nobody, as a packaged nginx runs them as www-data, and temp folders are 0700: open
// each folder from d up to the temp root, as an install opens STATUS_DIR.
func openToWorkers(d string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	root := filepath.Clean(os.TempDir())
	for d = filepath.Clean(d); d != root && d != "/" && d != "."; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o755); err != nil {
				return err
			}
		}
	}
	return nil
}
