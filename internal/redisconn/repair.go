package redisconn

import (
	"net"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// sentinelClient is the Sentinel topology's client: go-redis's failover client, which
// names its master "FailoverClient" in its options, with what a repair command needs to
// find the master (CLI). Every command goes to the embedded client.
type sentinelClient struct {
	*redis.Client
	master        string
	sentinels     []string
	sentinelsAuth bool // the sentinels have a password of their own
}

// CLI is the redis-cli command line that reaches rdb's own server and database, for the
// repair commands printed to an operator (a damaged key: `CLI(rdb) + " DEL 'key'"`). A bare
// `redis-cli` talks to 127.0.0.1:6379 db 0: for a deployment on db 3, or on another host,
// the repair would change another deployment's key (a fence raised or deleted there can
// depose that deployment's leader). So the host, port and `-n <db>` always come from the
// client's own options; Cluster gets `-c` (follow the key to its node; db 0 only);
// Sentinel asks a sentinel for the master first, so the command stays right after a
// failover. A password is never printed: REDISCLI_AUTH (which redis-cli reads, and which
// stays out of `ps`) is shown with a placeholder when the client has one.
func CLI(rdb redis.UniversalClient) string {
	switch c := rdb.(type) {
	case *sentinelClient:
		o := c.Options()
		ask := "redis-cli" + hostPort(first(c.sentinels)) + " SENTINEL get-master-addr-by-name " + shellQuote(c.master)
		if c.sentinelsAuth {
			ask = "REDISCLI_AUTH='<sentinel password>' " + ask
		}
		return "set -- $(" + ask + ") && " + cli(o.Password != "", o.Username, o.TLSConfig != nil) + ` -h "$1" -p "$2" -n ` + strconv.Itoa(o.DB)
	case *redis.Client:
		o := c.Options()
		return cli(o.Password != "", o.Username, o.TLSConfig != nil) + hostPort(o.Addr) + " -n " + strconv.Itoa(o.DB)
	case *redis.ClusterClient:
		o := c.Options()
		return cli(o.Password != "", o.Username, o.TLSConfig != nil) + " -c" + hostPort(first(o.Addrs))
	}
	return "redis-cli"
}

// cli is redis-cli with its authentication and TLS, before any address.
func cli(password bool, user string, tls bool) string {
	var b strings.Builder
	if password {
		b.WriteString("REDISCLI_AUTH='<password>' ")
	}
	b.WriteString("redis-cli")
	if user != "" {
		b.WriteString(" --user " + shellQuote(user))
	}
	if tls {
		b.WriteString(" --tls")
	}
	return b.String()
}

// hostPort is " -h host -p port" for addr, or nothing when addr is not host:port.
func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return " -h " + shellQuote(host) + " -p " + shellQuote(port)
}

// shellQuote is s as one shell word: as is when it holds only characters no shell
// treats specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_/") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
