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
	p, err := startListening(name, filepath.Join(dir, name+".log"), bin, loopback(port), 10*time.Second, args...)
	if err != nil {
		return nil, err
	}
	return &Redis{Port: port, Process: p}, nil
}

// nodeDir makes a node's own folder under dir and picks its port: each node of a
// deployment keeps its log and files apart, so a failed start quotes the right log.
func nodeDir(dir, name string) (string, int, error) {
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", 0, fmt.Errorf("%s folder: %w", name, err)
	}
	port, err := FreePort()
	if err != nil {
		return "", 0, fmt.Errorf("%s port: %w", name, err)
	}
	return d, port, nil
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
