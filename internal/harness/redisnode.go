package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// startRedisNode runs redis-server with args (which must make it listen on port) and
// waits until it accepts connections. Its output goes to name.log in dir, which the error
// quotes when it does not come up: a topology of five servers is otherwise hard to debug.
func startRedisNode(name, dir string, port int, args ...string) (*Redis, error) {
	bin, err := need("redis-server", "redis-server")
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+".log")
	p, err := StartProcess(name, logPath, nil, bin, args...)
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, Process: p}
	if err := WaitListening(p, r.Addr(), 10*time.Second); err != nil {
		r.Stop()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%s: %w\n%s", name, err, log)
	}
	return r, nil
}

// dataNodeArgs are the arguments of a redis-server that keeps nothing on disk, on
// loopback, in dir (where a cluster node also writes its nodes.conf).
func dataNodeArgs(dir string, port int, extra ...string) []string {
	return append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no",
	}, extra...)
}

// nodeClient is a client for one server for the harness's own checks: no retries, so a
// look at a server that is down fails at once and the caller's poll looks again.
func nodeClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                  addr,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
		DialerRetries:         1,
	})
}

// stopAll stops servers in reverse order of start; nil entries are skipped.
func stopAll(rs []*Redis) {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] != nil {
			rs[i].Stop()
		}
	}
}

func addrsOf(rs []*Redis) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Addr()
	}
	return out
}
