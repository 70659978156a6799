package redisconn_test

import (
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/redisconn"
)

// TestCLI: the repair command line names the client's own server and database on every
// topology, and never its password. Before, every repair was a bare `redis-cli`:
// 127.0.0.1:6379 db 0 whatever the deployment's.
func TestCLI(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "redis-cli -h 127.0.0.1 -p 6379 -n 0"},
		{"db 3", map[string]string{"REDIS_URL": "redis://10.0.0.5:6380/3"}, "redis-cli -h 10.0.0.5 -p 6380 -n 3"},
		{"ipv6", map[string]string{"REDIS_URL": "redis://[::1]:6380/2"}, "redis-cli -h ::1 -p 6380 -n 2"},
		{"password in the url", map[string]string{"REDIS_URL": "rediss://app:" + secret + "@r.example:6379/4"},
			"REDISCLI_AUTH='<password>' redis-cli --user app --tls -h r.example -p 6379 -n 4"},
		{"REDIS_PASSWORD", map[string]string{"REDIS_URL": "redis://10.0.0.5:6379/1", "REDIS_PASSWORD": secret},
			"REDISCLI_AUTH='<password>' redis-cli -h 10.0.0.5 -p 6379 -n 1"},
		{"sentinel", map[string]string{"REDIS_URL": "redis://:" + secret + "@x:1/2", "REDIS_SENTINEL_ADDRS": "10.0.0.1:26379,10.0.0.2:26379",
			"REDIS_MASTER_NAME": "statusedge", "REDIS_SENTINEL_PASSWORD": secret + "2"},
			`set -- $(REDISCLI_AUTH='<sentinel password>' redis-cli -h 10.0.0.1 -p 26379 SENTINEL get-master-addr-by-name statusedge) && ` +
				`REDISCLI_AUTH='<password>' redis-cli -h "$1" -p "$2" -n 2`},
		{"cluster", map[string]string{"REDIS_CLUSTER_ADDRS": "10.0.0.7:7000,10.0.0.8:7000"}, "redis-cli -c -h 10.0.0.7 -p 7000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := redisconn.Load(harnesstest.Env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			rdb := o.Client(time.Second)
			defer rdb.Close()
			got := redisconn.CLI(rdb)
			if got != tt.want {
				t.Errorf("CLI = %q\nwant   %q", got, tt.want)
			}
			if strings.Contains(got, secret) {
				t.Errorf("CLI %q prints the password", got)
			}
		})
	}
}
