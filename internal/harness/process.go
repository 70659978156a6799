// Package harness starts throwaway servers on free loopback ports in temp folders:
// MariaDB, Redis (alone, under Sentinel, as a Cluster), nginx from a config it is given,
// Varnish and a fake game server, for the tests, `make run` and `make bench`; and it
// reads a program's Prometheus counters for them. Every server runs in its own
// process group so that stopping it leaves nothing behind (nginx workers included).
//
// It imports no statusedge package, so any package's tests may use it: composing
// statusedge itself (rendering its nginx config, running its programs) is harness/stack's
// job, and the testing.TB helpers live in harness/harnesstest.
package harness

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Process is a server the harness started.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartProcess runs bin with args, output appended to logPath, in a new process group.
func StartProcess(name, logPath string, env []string, bin string, args ...string) (*Process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill ends the server's whole process group with SIGKILL, as a crash or the OOM killer
// would, and waits for it to be gone.
func (p *Process) Kill() error {
	if err := syscall.Kill(-p.Pid(), syscall.SIGKILL); err != nil {
		return err
	}
	<-p.done
	return nil
}

// Pause stops the server with SIGSTOP: it keeps its sockets open but never answers,
// the way a hung server looks to its clients.
func (p *Process) Pause() error { return syscall.Kill(-p.Pid(), syscall.SIGSTOP) }

// Resume undoes Pause.
func (p *Process) Resume() error { return syscall.Kill(-p.Pid(), syscall.SIGCONT) }

// Stop ends the process group: SIGTERM (after SIGCONT, in case it was paused), then
// SIGKILL after grace. It is safe to call more than once.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGCONT)
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-p.done
	}
	// Children that outlived the leader (nginx workers) go with the group.
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	return nil
}

// startListening runs bin like StartProcess and waits until addr accepts connections.
// A server that does not come up is stopped, and the error quotes its log: a server's
// own words are what explains a failed start.
func startListening(name, logPath, bin, addr string, timeout time.Duration, args ...string) (*Process, error) {
	p, err := StartProcess(name, logPath, nil, bin, args...)
	if err != nil {
		return nil, err
	}
	if err := WaitListening(p, addr, timeout); err != nil {
		p.Stop(5 * time.Second)
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%s: %w\n%s", name, err, log)
	}
	return p, nil
}

// need finds a server binary or says which Debian package provides it.
func need(bin, pkg string) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%s not found: install it with `apt-get install %s` (or run `make deps` as root)", bin, pkg)
	}
	return path, nil
}

// Ports for the servers tests start are drawn below Linux's ephemeral range (32768 and
// up by default): a port the kernel handed out by port 0 lies in that range, where every
// outgoing connection of the machine takes its source port too, and one did take a port
// between its pick and a server's bind (nginx: "Address already in use", CI). Below it
// only another pick can collide, one in the range's size.
const (
	pickFrom  = 20000
	pickCount = 32768 - pickFrom
)

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	var err error
	for range 100 {
		port := pickFrom + rand.IntN(pickCount)
		var l net.Listener
		if l, err = net.Listen("tcp", loopback(port)); err == nil {
			return port, l.Close()
		}
	}
	return 0, fmt.Errorf("no free loopback port in %d..%d after 100 tries: %w", pickFrom, pickFrom+pickCount-1, err)
}

// FreeAddr returns a loopback host:port that was free a moment ago.
func FreeAddr() (string, error) {
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	return loopback(port), nil
}

// WaitListening waits until addr accepts TCP connections, or p exits, or timeout passes.
func WaitListening(p *Process, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p != nil && p.Exited() {
			return fmt.Errorf("%s exited before listening on %s: %v", p.Name, addr, p.err)
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("nothing listening on " + addr + " after " + timeout.String())
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
