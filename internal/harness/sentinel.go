package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name under which the harness's sentinels monitor the master.
const SentinelMaster = "statusedge"

// Sentinel timings, kept low so that a failover test costs seconds, not the 30 s + 3 min
// of Redis's defaults. One second of silence before a sentinel thinks the master down is
// still far above what a loopback server under a loaded test run takes to answer a PING,
// so the master is not failed over by accident.
const (
	sentinelDownAfter       = 1000 * time.Millisecond
	sentinelFailoverTimeout = 5000 * time.Millisecond
)

// Sentinel is a throwaway Redis Sentinel deployment: a master, one replica and three
// sentinels with a quorum of two, all on loopback.
type Sentinel struct {
	MasterName string
	Master     *Redis
	Replica    *Redis
	Sentinels  []*Redis
}

// StartSentinel starts the deployment with each server in its own folder under dir and
// returns when every sentinel names the same master and knows the replica and the other
// two sentinels: before that a failover could not happen, so a test that kills the master
// would wait in vain.
func StartSentinel(dir string) (s *Sentinel, err error) {
	if _, err := need("redis-server", "redis-server"); err != nil {
		return nil, err
	}
	s = &Sentinel{MasterName: SentinelMaster}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	// Redis 7 waits 5 s before a diskless full sync in case more replicas turn up; the
	// one replica here is all there will be.
	if s.Master, err = startDataNode(dir, "master", "--repl-diskless-sync-delay", "0"); err != nil {
		return nil, err
	}
	if s.Replica, err = startDataNode(dir, "replica", "--replicaof", "127.0.0.1", strconv.Itoa(s.Master.Port)); err != nil {
		return nil, err
	}
	// A sentinel learns of replicas from the master's INFO, which it asks for every 10 s
	// once running; a replica that is linked before the sentinels start is in the first
	// INFO, which saves those 10 s.
	if err := waitFor(10*time.Second, "replica linked to master", func(ctx context.Context) (bool, error) {
		return replicaLinked(ctx, s.Replica.Addr())
	}); err != nil {
		return nil, err
	}
	for i := range 3 {
		sen, err := startSentinelNode(dir, fmt.Sprintf("sentinel%d", i+1), s.Master.Port)
		if err != nil {
			return nil, err
		}
		s.Sentinels = append(s.Sentinels, sen)
	}
	if err := waitFor(30*time.Second, "sentinels agree on the master", func(ctx context.Context) (bool, error) {
		return s.ready(ctx)
	}); err != nil {
		return nil, err
	}
	return s, nil
}

func startDataNode(dir, name string, extra ...string) (*Redis, error) {
	d, port, err := nodeDir(dir, name)
	if err != nil {
		return nil, err
	}
	return startRedisNode(name, d, port, dataNodeArgs(d, port, extra...)...)
}

// startSentinelNode runs `redis-server sentinel.conf --sentinel`: Debian's redis-server
// package is enough (the redis-sentinel binary is only a name for the same program). A
// sentinel rewrites its config file, so each has its own, in its own folder.
func startSentinelNode(dir, name string, masterPort int) (*Redis, error) {
	d, port, err := nodeDir(dir, name)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(d, "sentinel.conf")
	text := fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %s %d
sentinel failover-timeout %s %d
`, port, d, SentinelMaster, masterPort, SentinelMaster, sentinelDownAfter.Milliseconds(),
		SentinelMaster, sentinelFailoverTimeout.Milliseconds())
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, fmt.Errorf("%s config: %w", name, err)
	}
	return startRedisNode(name, d, port, conf, "--sentinel")
}

func replicaLinked(ctx context.Context, addr string) (bool, error) {
	c := nodeClient(addr)
	defer c.Close()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return false, fmt.Errorf("info replication on %s: %w", addr, err)
	}
	return strings.Contains(info, "master_link_status:up"), nil
}

// ready reports whether every sentinel names the current master, sees it up, and knows
// the replica and both other sentinels (quorum and failover authorisation need them).
func (s *Sentinel) ready(ctx context.Context) (bool, error) {
	for _, sen := range s.Sentinels {
		c := sentinelClient(sen.Addr())
		m, err := c.Master(ctx, s.MasterName).Result()
		c.Close()
		if err != nil {
			return false, fmt.Errorf("sentinel master on %s: %w", sen.Addr(), err)
		}
		if got := hostPort(m["ip"], m["port"]); got != s.Master.Addr() || m["flags"] != "master" ||
			m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
			return false, fmt.Errorf("sentinel %s: master %s flags %q, %s replicas, %s other sentinels",
				sen.Addr(), got, m["flags"], m["num-slaves"], m["num-other-sentinels"])
		}
	}
	return true, nil
}

func hostPort(host, port string) string { return net.JoinHostPort(host, port) }

// sentinelClient talks to one sentinel, without retries, for the same reason as nodeClient.
func sentinelClient(addr string) *redis.SentinelClient {
	return redis.NewSentinelClient(&redis.Options{
		Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		ContextTimeoutEnabled: true, MaxRetries: -1,
	})
}

// Addrs are the sentinels' host:port, for REDIS_SENTINEL_ADDRS.
func (s *Sentinel) Addrs() []string { return addrsOf(s.Sentinels) }

// MasterAddr is the master's host:port as every sentinel reports it; it is an error
// while they disagree or any does not answer.
func (s *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	var agreed string
	for _, sen := range s.Sentinels {
		c := sentinelClient(sen.Addr())
		hp, err := c.GetMasterAddrByName(ctx, s.MasterName).Result()
		c.Close()
		if err != nil {
			return "", fmt.Errorf("get-master-addr-by-name on %s: %w", sen.Addr(), err)
		}
		if len(hp) != 2 {
			return "", fmt.Errorf("get-master-addr-by-name on %s: got %q", sen.Addr(), hp)
		}
		addr := hostPort(hp[0], hp[1])
		if agreed != "" && addr != agreed {
			return "", fmt.Errorf("sentinels disagree: %s and %s", agreed, addr)
		}
		agreed = addr
	}
	return agreed, nil
}

// WaitNewMaster waits until every sentinel names a master other than old, the way an
// operator watches a failover, and returns it.
func (s *Sentinel) WaitNewMaster(old string, timeout time.Duration) (string, error) {
	var now string
	err := waitFor(timeout, "sentinels name a new master", func(ctx context.Context) (bool, error) {
		addr, err := s.MasterAddr(ctx)
		if err != nil {
			return false, err
		}
		if addr == old {
			return false, errors.New("still " + old)
		}
		now = addr
		return true, nil
	})
	return now, err
}

// Stop stops every server; it is safe to call more than once and on a partial start.
func (s *Sentinel) Stop() {
	stopAll(s.Sentinels)
	stopAll([]*Redis{s.Master, s.Replica})
}
