package harness

import "time"

// Redis is a throwaway redis-server that keeps nothing on disk.
type Redis struct {
	Port int
	*Process
}

// StartRedis starts redis-server on a free loopback port with its folder under dir: the
// same data node a Sentinel or Cluster deployment is made of, alone.
func StartRedis(dir string) (*Redis, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return startRedisNode("redis", dir, port, dataNodeArgs(dir, port)...)
}

// Addr is host:port.
func (r *Redis) Addr() string { return loopback(r.Port) }

// URL is a REDIS_URL for database 0.
func (r *Redis) URL() string { return "redis://" + r.Addr() + "/0" }

// Stop shuts the server down.
func (r *Redis) Stop() { r.Process.Stop(10 * time.Second) }
