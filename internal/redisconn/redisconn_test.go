package redisconn_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/redisconn"
)

const secret = "s3cret-Pw"

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    redisconn.Options // compared on exported fields
		wantStr string
		wantErr string // substring; the error names the variable
	}{
		{name: "default", env: nil,
			want:    redisconn.Options{Topology: redisconn.Single, Addrs: []string{"127.0.0.1:6379"}},
			wantStr: "single 127.0.0.1:6379 db 0"},
		{name: "url with password", env: map[string]string{"REDIS_URL": "redis://app:" + secret + "@10.0.0.5:6380/2"},
			want:    redisconn.Options{Topology: redisconn.Single, Addrs: []string{"10.0.0.5:6380"}, DB: 2, Username: "app"},
			wantStr: "single 10.0.0.5:6380 db 2 (user app, password set)"},
		{name: "tls", env: map[string]string{"REDIS_URL": "rediss://r.example:6379/0"},
			want:    redisconn.Options{Topology: redisconn.Single, Addrs: []string{"r.example:6379"}, TLS: true},
			wantStr: "single r.example:6379 db 0 (tls)"},
		{name: "REDIS_PASSWORD", env: map[string]string{"REDIS_PASSWORD": secret},
			want:    redisconn.Options{Topology: redisconn.Single, Addrs: []string{"127.0.0.1:6379"}},
			wantStr: "single 127.0.0.1:6379 db 0 (password set)"},
		{name: "sentinel", env: map[string]string{
			"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379, 10.0.0.2:26379,10.0.0.3:26379", "REDIS_MASTER_NAME": "mymaster",
			"REDIS_SENTINEL_PASSWORD": "sentinel-" + secret, "REDIS_URL": "redis://:" + secret + "@ignored:1/1"},
			want: redisconn.Options{Topology: redisconn.Sentinel, MasterName: "mymaster", DB: 1,
				Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"}},
			wantStr: "sentinel mymaster via 10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379 db 1 (password set, sentinel password set)"},
		{name: "cluster", env: map[string]string{"REDIS_CLUSTER_ADDRS": "10.0.0.1:7000,10.0.0.2:7000", "REDIS_PASSWORD": secret},
			want:    redisconn.Options{Topology: redisconn.Cluster, Addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000"}},
			wantStr: "cluster seeds 10.0.0.1:7000,10.0.0.2:7000 (password set)"},

		{name: "bad url port", env: map[string]string{"REDIS_URL": "redis://:" + secret + "@host:bad/0"}, wantErr: "REDIS_URL"},
		{name: "bad url userinfo", env: map[string]string{"REDIS_URL": "redis://:" + secret + "%zz@host:1/0"}, wantErr: "REDIS_URL"},
		{name: "bad url db", env: map[string]string{"REDIS_URL": "redis://:" + secret + "@host:1/x"}, wantErr: "REDIS_URL"},
		{name: "bad scheme", env: map[string]string{"REDIS_URL": "http://:" + secret + "@host:1/0"}, wantErr: "REDIS_URL"},
		{name: "unix socket", env: map[string]string{"REDIS_URL": "unix:///run/redis.sock"}, wantErr: "REDIS_URL"},
		{name: "two passwords", env: map[string]string{"REDIS_URL": "redis://:" + secret + "@h:1/0", "REDIS_PASSWORD": secret},
			wantErr: "REDIS_PASSWORD"},
		{name: "both topologies", env: map[string]string{"REDIS_SENTINEL_ADDRS": "h:1", "REDIS_MASTER_NAME": "m", "REDIS_CLUSTER_ADDRS": "h:2"},
			wantErr: "REDIS_CLUSTER_ADDRS"},
		{name: "sentinel without master", env: map[string]string{"REDIS_SENTINEL_ADDRS": "h:1"}, wantErr: "REDIS_MASTER_NAME"},
		{name: "master without sentinel", env: map[string]string{"REDIS_MASTER_NAME": "m"}, wantErr: "REDIS_MASTER_NAME"},
		{name: "sentinel password alone", env: map[string]string{"REDIS_SENTINEL_PASSWORD": secret}, wantErr: "REDIS_SENTINEL_PASSWORD"},
		{name: "sentinel addr without port", env: map[string]string{"REDIS_SENTINEL_ADDRS": "h", "REDIS_MASTER_NAME": "m"},
			wantErr: "REDIS_SENTINEL_ADDRS"},
		{name: "empty element", env: map[string]string{"REDIS_CLUSTER_ADDRS": "h:1,,h:2"}, wantErr: "REDIS_CLUSTER_ADDRS"},
		{name: "port out of range", env: map[string]string{"REDIS_CLUSTER_ADDRS": "h:70000"}, wantErr: "REDIS_CLUSTER_ADDRS"},
		{name: "duplicate", env: map[string]string{"REDIS_CLUSTER_ADDRS": "h:1,h:1"}, wantErr: "REDIS_CLUSTER_ADDRS"},
		{name: "cluster db", env: map[string]string{"REDIS_CLUSTER_ADDRS": "h:1", "REDIS_URL": "redis://h:1/3"}, wantErr: "database 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := redisconn.Load(harnesstest.Env(tt.env))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Load: no error, want one naming %q; got %v", tt.wantErr, o)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Load error %q does not name %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Load error quotes the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if o.Topology != tt.want.Topology || !slices.Equal(o.Addrs, tt.want.Addrs) || o.MasterName != tt.want.MasterName ||
				o.DB != tt.want.DB || o.Username != tt.want.Username || o.TLS != tt.want.TLS {
				t.Errorf("Load = %#v\nwant %#v", o, tt.want)
			}
			if got := o.String(); got != tt.wantStr {
				t.Errorf("String = %q, want %q", got, tt.wantStr)
			}
			// Whatever verb a log line uses, the password stays out.
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				if s := fmt.Sprintf(verb, o); strings.Contains(s, secret) {
					t.Errorf("%s prints the password: %s", verb, s)
				}
			}
		})
	}
}

func TestClientSingle(t *testing.T) {
	r := harnesstest.Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A password set on the running server shows REDIS_PASSWORD really reaches AUTH.
	admin := redis.NewClient(&redis.Options{Addr: r.Addr()})
	defer admin.Close()
	if err := admin.ConfigSet(ctx, "requirepass", secret).Err(); err != nil {
		t.Fatalf("config set requirepass: %v", err)
	}

	o, err := redisconn.Load(harnesstest.Env(map[string]string{"REDIS_URL": r.URL(), "REDIS_PASSWORD": secret}))
	if err != nil {
		t.Fatal(err)
	}
	rdb := o.Client(2 * time.Second)
	defer rdb.Close()
	if _, ok := rdb.(*redis.Client); !ok {
		t.Errorf("single topology gave a %T, want *redis.Client", rdb)
	}
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("get k = %q, %v; want v", got, err)
	}

	wrong, err := redisconn.Load(harnesstest.Env(map[string]string{"REDIS_URL": r.URL(), "REDIS_PASSWORD": "wrong"}))
	if err != nil {
		t.Fatal(err)
	}
	bad := wrong.Client(2 * time.Second)
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil {
		t.Error("ping with a wrong password succeeded")
	}
}

// TestClientSentinelFailover kills the master and expects the same client to write to
// the promoted replica once the sentinels name it.
func TestClientSentinelFailover(t *testing.T) {
	start := time.Now()
	s := harnesstest.Sentinel(t)
	t.Logf("sentinel deployment ready in %s", time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	o, err := redisconn.Load(harnesstest.Env(map[string]string{
		"REDIS_SENTINEL_ADDRS": strings.Join(s.Addrs(), ","), "REDIS_MASTER_NAME": s.MasterName,
	}))
	if err != nil {
		t.Fatal(err)
	}
	rdb := o.Client(2 * time.Second)
	defer rdb.Close()
	if err := rdb.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatalf("set before failover: %v", err)
	}
	// WAIT returns once the replica has the write, so the promoted replica will hold it.
	if n, err := rdb.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("wait for the replica: %d replicas, %v", n, err)
	}

	old := s.Master.Addr()
	start = time.Now()
	s.Master.Stop()
	now, err := s.WaitNewMaster(old, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sentinels named %s the master %s after the old one stopped", now, time.Since(start).Round(time.Millisecond))
	if now != s.Replica.Addr() {
		t.Fatalf("new master %s, want the replica %s", now, s.Replica.Addr())
	}

	if err := rdb.Set(ctx, "after", "2", 0).Err(); err != nil {
		t.Fatalf("set after failover through the same client: %v", err)
	}
	// The repair command line asks the sentinels for the master: after the failover it
	// reaches the promoted replica, not the stopped master.
	harnesstest.RunRepair(t, "`"+redisconn.CLI(rdb)+" SET repaired 3`")
	promoted := redis.NewClient(&redis.Options{Addr: s.Replica.Addr()})
	defer promoted.Close()
	for k, want := range map[string]string{"before": "1", "after": "2", "repaired": "3"} {
		if got, err := promoted.Get(ctx, k).Result(); err != nil || got != want {
			t.Errorf("promoted replica: get %s = %q, %v; want %q", k, got, err, want)
		}
	}
}

// TestClientCluster writes keys of several slots through a client that knows one seed,
// and expects them spread over more than one master.
func TestClientCluster(t *testing.T) {
	start := time.Now()
	c := harnesstest.Cluster(t)
	t.Logf("cluster ready in %s", time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	o, err := redisconn.Load(harnesstest.Env(map[string]string{"REDIS_CLUSTER_ADDRS": c.Addrs()[0]}))
	if err != nil {
		t.Fatal(err)
	}
	rdb := o.Client(2 * time.Second)
	defer rdb.Close()
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("cluster topology gave a %T, want *redis.ClusterClient", rdb)
	}
	keys := []string{"server:status", "config:status_interval", "bar", "foo", "a", "b", "c"}
	for _, k := range keys {
		if err := rdb.Set(ctx, k, "v-"+k, 0).Err(); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	for _, k := range keys {
		if got, err := rdb.Get(ctx, k).Result(); err != nil || got != "v-"+k {
			t.Errorf("get %s = %q, %v", k, got, err)
		}
	}
	// Counted on each master itself: the keys really live on different servers.
	var (
		mu     sync.Mutex // ForEachMaster calls in parallel
		counts []int64
	)
	err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		n, err := node.DBSize(ctx).Result()
		if err != nil {
			return fmt.Errorf("dbsize on %s: %w", node.Options().Addr, err)
		}
		mu.Lock()
		counts = append(counts, n)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	holders := 0
	for _, n := range counts {
		total += n
		if n > 0 {
			holders++
		}
	}
	if total != int64(len(keys)) || holders < 2 {
		t.Errorf("keys per master %v: want %d keys over at least 2 masters", counts, len(keys))
	}
}

// TestWithoutRetries: the origin's client tries each command once on every topology,
// and the others keep their one retry.
func TestWithoutRetries(t *testing.T) {
	for _, e := range []map[string]string{
		{},
		{"REDIS_SENTINEL_ADDRS": "127.0.0.1:1", "REDIS_MASTER_NAME": "m"},
		{"REDIS_CLUSTER_ADDRS": "127.0.0.1:1"},
	} {
		o, err := redisconn.Load(harnesstest.Env(e))
		if err != nil {
			t.Fatal(err)
		}
		for want, opts := range map[int]redisconn.Options{1: o, -1: o.WithoutRetries()} {
			rdb := opts.Client(time.Second)
			var got int
			switch c := rdb.(type) {
			case interface{ Options() *redis.Options }: // single, and Sentinel's wrapped failover client
				got = c.Options().MaxRetries
			case *redis.ClusterClient:
				got = c.Options().MaxRetries
			default:
				t.Fatalf("%s: client %T", o.Topology, rdb)
			}
			rdb.Close()
			// A client's init turns -1 (none) into 0; before init 0 means the default 3.
			if got != want && !(want == -1 && got == 0) {
				t.Errorf("%s: MaxRetries = %d, want %d", o.Topology, got, want)
			}
		}
	}
}
