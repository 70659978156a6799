package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Nginx is an unprivileged nginx run from a config the caller wrote (the stack package
// renders statusedge's; the bench and the cache tests add their own servers).
type Nginx struct {
	Addr string
	Conf string
	*Process
}

// StartNginxConf writes conf to dir/nginx.conf, checks it and runs it with prefix dir
// until it listens on addr.
func StartNginxConf(dir string, conf []byte, addr string) (*Nginx, error) {
	confPath, err := WriteNginxConf(dir, conf)
	if err != nil {
		return nil, err
	}
	return StartNginxAt(dir, confPath, addr)
}

// WriteNginxConf writes conf to dir/nginx.conf and checks it with nginx -t.
func WriteNginxConf(dir string, conf []byte) (string, error) {
	if err := OpenToWorkers(dir); err != nil {
		return "", err
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		return "", err
	}
	return confPath, CheckNginx(dir, confPath)
}

// StartNginxAt runs the checked config at confPath with prefix dir until it listens on addr.
func StartNginxAt(dir, confPath, addr string) (*Nginx, error) {
	bin, err := need("nginx", "nginx")
	if err != nil {
		return nil, err
	}
	proc, err := startListening("nginx", filepath.Join(dir, "nginx.log"), bin, addr, 10*time.Second,
		"-p", dir+"/", "-c", confPath, "-e", "stderr", "-g", "daemon off;")
	if err != nil {
		return nil, err
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

// OpenToWorkers lets nginx workers reach d. Started as root, nginx runs its workers as
// nobody, as a packaged nginx runs them as www-data, and temp folders are 0700: open
// each folder from d up to the temp root, as an install opens STATUS_DIR.
func OpenToWorkers(d string) error {
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
