// Package redisconn turns the environment into a Redis client for any of the three
// topologies statusedge runs on: one server, Sentinel (a master that fails over to a
// replica) or Cluster (keys spread over several masters).
//
// Variables:
//
//	REDIS_URL                redis://[user:password@]host:port/db (rediss:// for TLS), default
//	                         redis://127.0.0.1:6379/0. One server. With Sentinel or Cluster only
//	                         its user, password, db and scheme are used; its host is not.
//	REDIS_PASSWORD           the data password, for those who keep secrets out of URLs; set
//	                         it or a password in REDIS_URL, not both.
//	REDIS_SENTINEL_ADDRS     comma-separated sentinel host:port list: selects Sentinel.
//	REDIS_MASTER_NAME        the master's name in the sentinels' config; needed with Sentinel.
//	REDIS_SENTINEL_PASSWORD  the sentinels' own password (requirepass in sentinel.conf), if any.
//	REDIS_CLUSTER_ADDRS      comma-separated host:port list of cluster nodes to learn the
//	                         cluster from (seeds; one is enough, more survive one being down):
//	                         selects Cluster.
//
// go-redis also parses one-URL forms for the other topologies (ParseFailoverURL,
// ParseClusterURL). They are not used, for three reasons. The programs of today validate
// REDIS_URL with redis.ParseURL, which rejects their `addr` and `master_name` parameters,
// so a fleet URL would stop every program not yet rebuilt. In the failover URL the user
// and password are the sentinels', and the data password moves to a query parameter: the
// same-looking URL would send a different secret once `master_name` appears. And a
// comma-separated list is what the spec already uses for several addresses
// (GAME_SERVER_ADDR).
package redisconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/envvar"
)

// Topology names a kind of Redis deployment, as shown in debug output.
type Topology string

// The topologies.
const (
	Single   Topology = "single"
	Sentinel Topology = "sentinel"
	Cluster  Topology = "cluster"
)

// DefaultURL is REDIS_URL when unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// Options is a validated Redis configuration. The passwords are unexported and String
// and GoString leave them out, so printing Options with any verb is safe.
type Options struct {
	Topology   Topology
	Addrs      []string // single: the server; sentinel: the sentinels; cluster: seed nodes
	MasterName string   // sentinel only
	DB         int      // always 0 with Cluster, which has no other database
	Username   string
	TLS        bool

	password         string
	sentinelPassword string
	// url holds REDIS_URL as go-redis parsed it, so that a single server keeps every
	// query parameter it honours today (pool_size, protocol, ...).
	url *redis.Options
	// noRetry: a failed command is not tried again (the origin falls over to MySQL instead).
	noRetry bool
}

// WithoutRetries returns o whose clients try each command once: for a caller whose own
// fallback is the retry, and whose deadline a second try would overrun.
func (o Options) WithoutRetries() Options {
	o.noRetry = true
	return o
}

func (o Options) maxRetries() int {
	if o.noRetry {
		return -1 // go-redis: 0 means the default of 3
	}
	return 1
}

// Load reads the Redis variables through getenv. The error names the variable at fault
// and never quotes a password.
func Load(getenv func(string) string) (Options, error) {
	rawURL := getenv("REDIS_URL")
	sentinels, cluster := getenv("REDIS_SENTINEL_ADDRS"), getenv("REDIS_CLUSTER_ADDRS")
	master, sentinelPassword := getenv("REDIS_MASTER_NAME"), getenv("REDIS_SENTINEL_PASSWORD")

	if rawURL == "" {
		rawURL = DefaultURL
	}
	u, err := redis.ParseURL(rawURL)
	if err != nil {
		return Options{}, fmt.Errorf("REDIS_URL: %w", withoutURL(err))
	}
	if u.Network != "tcp" {
		return Options{}, errors.New("REDIS_URL: want redis:// or rediss://")
	}
	o := Options{Topology: Single, Addrs: []string{u.Addr}, DB: u.DB, Username: u.Username,
		TLS: u.TLSConfig != nil, password: u.Password, url: u}
	if p := getenv("REDIS_PASSWORD"); p != "" {
		if o.password != "" {
			return Options{}, errors.New("REDIS_PASSWORD: set together with a password in REDIS_URL; use one")
		}
		o.password = p
	}

	switch {
	case sentinels != "" && cluster != "":
		return Options{}, errors.New("REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS: both set; a Redis is either Sentinel or Cluster")
	case sentinels != "":
		o.Topology = Sentinel
		if o.Addrs, err = envvar.HostPorts("REDIS_SENTINEL_ADDRS", sentinels); err != nil {
			return Options{}, err
		}
		if master == "" {
			return Options{}, errors.New("REDIS_MASTER_NAME: required with REDIS_SENTINEL_ADDRS")
		}
		o.MasterName, o.sentinelPassword = master, sentinelPassword
	case cluster != "":
		o.Topology = Cluster
		if o.Addrs, err = envvar.HostPorts("REDIS_CLUSTER_ADDRS", cluster); err != nil {
			return Options{}, err
		}
		if o.DB != 0 {
			return Options{}, fmt.Errorf("REDIS_URL: database %d with REDIS_CLUSTER_ADDRS: Redis Cluster has only database 0", o.DB)
		}
	}
	if o.Topology != Sentinel {
		// Set on their own they would be ignored, and the operator would believe the
		// fleet runs on Sentinel when it does not.
		if master != "" {
			return Options{}, errors.New("REDIS_MASTER_NAME: set without REDIS_SENTINEL_ADDRS")
		}
		if sentinelPassword != "" {
			return Options{}, errors.New("REDIS_SENTINEL_PASSWORD: set without REDIS_SENTINEL_ADDRS")
		}
	}
	return o, nil
}

// withoutURL drops the URL that net/url quotes in its errors: it holds the password.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Client builds the client for the topology. Every dial, read and write is bounded by
// timeout, and every command by its context's deadline too, on every topology. One retry
// and one dial retry: a failover or a resharding turns a pooled connection bad, and a
// second try on a fresh one (which asks the sentinels or the cluster again) is what gets
// through; more would only stretch a real outage.
func (o Options) Client(timeout time.Duration) redis.UniversalClient {
	switch o.Topology {
	case Sentinel:
		// Wrapped: the failover client's own options name no master, which CLI needs.
		return &sentinelClient{master: o.MasterName, sentinels: o.Addrs, sentinelsAuth: o.sentinelPassword != "", Client: redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:            o.MasterName,
			SentinelAddrs:         o.Addrs,
			SentinelPassword:      o.sentinelPassword,
			Username:              o.Username,
			Password:              o.password,
			DB:                    o.DB,
			TLSConfig:             o.tlsConfig(),
			DialTimeout:           timeout,
			ReadTimeout:           timeout,
			WriteTimeout:          timeout,
			ContextTimeoutEnabled: true,
			MaxRetries:            o.maxRetries(),
			DialerRetries:         1,
		})}
	case Cluster:
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                 o.Addrs,
			Username:              o.Username,
			Password:              o.password,
			TLSConfig:             o.tlsConfig(),
			DialTimeout:           timeout,
			ReadTimeout:           timeout,
			WriteTimeout:          timeout,
			ContextTimeoutEnabled: true,
			MaxRetries:            o.maxRetries(),
			DialerRetries:         1,
		})
	default:
		opt := &redis.Options{Addr: first(o.Addrs), DB: o.DB, Username: o.Username, TLSConfig: o.tlsConfig()}
		if o.url != nil {
			c := *o.url
			c.TLSConfig = c.TLSConfig.Clone() // keeps ServerName: here the host is REDIS_URL's
			opt = &c
		}
		opt.Password = o.password
		opt.DialTimeout = timeout
		opt.ReadTimeout = timeout
		opt.WriteTimeout = timeout
		opt.ContextTimeoutEnabled = true
		opt.MaxRetries = o.maxRetries()
		opt.DialerRetries = 1
		return redis.NewClient(opt)
	}
}

// tlsConfig is a fresh TLS config per client (a client may change its own). ServerName
// is left for the TLS dialer to take from each address: with Sentinel or Cluster the
// servers are many and none is REDIS_URL's host. skip_verify in REDIS_URL carries over.
func (o Options) tlsConfig() *tls.Config {
	if !o.TLS {
		return nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.url != nil && o.url.TLSConfig != nil {
		c.InsecureSkipVerify = o.url.TLSConfig.InsecureSkipVerify
	}
	return c
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// String describes the connection for logs and debug output, without any password:
// "sentinel statusedge via 10.0.0.1:26379,10.0.0.2:26379 db 0 (password set)".
func (o Options) String() string {
	var b strings.Builder
	b.WriteString(string(o.Topology))
	switch o.Topology {
	case Sentinel:
		fmt.Fprintf(&b, " %s via %s db %d", o.MasterName, strings.Join(o.Addrs, ","), o.DB)
	case Cluster:
		fmt.Fprintf(&b, " seeds %s", strings.Join(o.Addrs, ","))
	default:
		fmt.Fprintf(&b, " %s db %d", first(o.Addrs), o.DB)
	}
	var notes []string
	if o.TLS {
		notes = append(notes, "tls")
	}
	if o.Username != "" {
		notes = append(notes, "user "+o.Username)
	}
	if o.password != "" {
		notes = append(notes, "password set")
	}
	if o.sentinelPassword != "" {
		notes = append(notes, "sentinel password set")
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(notes, ", "))
	}
	return b.String()
}

// GoString keeps %#v from printing the unexported password fields.
func (o Options) GoString() string { return "redisconn.Options{" + o.String() + "}" }
