package harness

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clusterMasters is the smallest cluster redis-cli will create: three masters, no
// replicas. Replicas would add start time and test nothing statusedge relies on.
const clusterMasters = 3

// Cluster is a throwaway Redis Cluster of three masters on loopback.
type Cluster struct {
	Nodes []*Redis
}

// StartCluster starts three cluster-mode servers, each in its own folder under dir (a
// node writes nodes.conf where it runs), joins them with `redis-cli --cluster create`,
// and returns when every node reports cluster_state:ok, i.e. sees all 16384 slots served:
// a client may be sent to any node first.
func StartCluster(dir string) (c *Cluster, err error) {
	if _, err := need("redis-server", "redis-server"); err != nil {
		return nil, err
	}
	cli, err := need("redis-cli", "redis-server")
	if err != nil {
		return nil, err
	}
	c = &Cluster{}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	for i := range clusterMasters {
		n, err := startClusterNode(dir, fmt.Sprintf("node%d", i+1))
		if err != nil {
			return nil, err
		}
		c.Nodes = append(c.Nodes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	for _, n := range c.Nodes {
		if err := waitFor(30*time.Second, "cluster_state:ok on "+n.Addr(), func(ctx context.Context) (bool, error) {
			return clusterOK(ctx, n.Addr())
		}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// startClusterNode picks the bus port explicitly (cluster-port, Redis 7): the default,
// port+10000, was never checked to be free.
func startClusterNode(dir, name string) (*Redis, error) {
	d, port, err := nodeDir(dir, name)
	if err != nil {
		return nil, err
	}
	bus, err := FreePort()
	if err != nil {
		return nil, fmt.Errorf("%s bus port: %w", name, err)
	}
	return startRedisNode(name, d, port, dataNodeArgs(d, port,
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-port", strconv.Itoa(bus))...)
}

func clusterOK(ctx context.Context, addr string) (bool, error) {
	c := nodeClient(addr)
	defer c.Close()
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return false, fmt.Errorf("cluster info on %s: %w", addr, err)
	}
	return strings.Contains(info, "cluster_state:ok"), nil
}

// Addrs are the nodes' host:port, for REDIS_CLUSTER_ADDRS.
func (c *Cluster) Addrs() []string { return addrsOf(c.Nodes) }

// Stop stops every node; it is safe to call more than once and on a partial start.
func (c *Cluster) Stop() { stopAll(c.Nodes) }
