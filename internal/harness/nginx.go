package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	logPath := filepath.Join(dir, "nginx.log")
	proc, err := startListening("nginx", logPath, bin, addr, 10*time.Second,
		"-p", dir+"/", "-c", confPath, "-e", "stderr", "-g", "daemon off;")
	if err != nil {
		return nil, err
	}
	// A port picked free a moment ago can be taken by another machine user's server
	// before nginx binds it: nginx then retries its bind for 2.5 s and exits, while the
	// dial above reached the other server (a test's first GET then read an EOF). nginx
	// writes its pid file only once every listen is bound, so wait for ours.
	if err := waitPidFile(proc, filepath.Join(dir, "nginx.pid"), 10*time.Second); err != nil {
		proc.Stop(5 * time.Second)
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("nginx: %w\n%s", err, log)
	}
	return &Nginx{Addr: addr, Conf: confPath, Process: proc}, nil
}

// waitPidFile waits until path holds p's pid, or p exits, or timeout passes.
func waitPidFile(p *Process, path string, timeout time.Duration) error {
	want := strconv.Itoa(p.Pid())
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) { // polls the file nginx writes
		if p.Exited() {
			return fmt.Errorf("exited before writing %s: %v", path, p.err)
		}
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == want {
			return nil
		}
	}
	return fmt.Errorf("no pid %s in %s after %v: not every listen bound", want, path, timeout)
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
