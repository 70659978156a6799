package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Redis is a throwaway redis-server that keeps nothing on disk.
type Redis struct {
	Port int
	*Process
}

// StartRedis starts redis-server on a free loopback port with its folder under dir.
func StartRedis(dir string) (*Redis, error) {
	bin, err := need("redis-server", "redis-server")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	p, err := StartProcess("redis-server", filepath.Join(dir, "redis.log"), nil, bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no")
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, Process: p}
	if err := WaitListening(p, r.Addr(), 10*time.Second); err != nil {
		p.Stop(5 * time.Second)
		log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
		return nil, fmt.Errorf("redis-server: %w\n%s", err, log)
	}
	return r, nil
}

// Addr is host:port.
func (r *Redis) Addr() string { return loopback(r.Port) }

// URL is a REDIS_URL for database 0.
func (r *Redis) URL() string { return "redis://" + r.Addr() + "/0" }

// Stop shuts the server down.
func (r *Redis) Stop() { r.Process.Stop(10 * time.Second) }
