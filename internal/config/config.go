// Package config reads the environment both programs share (spec: Configuration) and
// refuses to start on a bad value: a status page that runs on a guessed interval or TTL
// would present stale data as current.
package config

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"statusedge/internal/envvar"
	"statusedge/internal/notify"
	"statusedge/internal/players"
	"statusedge/internal/probe"
	"statusedge/internal/redisconn"
)

// Defaults of the contract (spec: Configuration). They live here once so that Load, the
// tests, the nginx templates and the bench all mean the same numbers.
const (
	DefaultInterval = 600 * time.Second // STATUS_UPDATE_INTERVAL
	DefaultTTL      = 900 * time.Second // STATUS_CACHE_TTL
	// MaxTTL bounds STATUS_CACHE_TTL: a status a week old is no status, and the names the
	// snapshotter links per publish grow (slowly) with the TTL.
	MaxTTL       = 7 * 24 * time.Hour
	DefaultLease = 15 * time.Second // STATUS_LEASE
	// DefaultNginxConf is STATUS_NGINX_CONF's default: where deploy/host puts the site.
	DefaultNginxConf = "/etc/nginx/sites-enabled/statusedge.conf"
	// NginxConfNone, as STATUS_NGINX_CONF, says that no statusedge nginx serves
	// STATUS_DIR: nothing to check the edge contract against.
	NginxConfNone = "none"
)

// Config is the validated environment.
type Config struct {
	DBHost          string
	DBPort          int
	DBUser          string
	DBPassword      string
	DBName          string
	RedisURL        string            // REDIS_URL as set (or its default); may hold a password
	Redis           redisconn.Options // every Redis variable, validated; String() is safe to log
	Interval        time.Duration     // STATUS_UPDATE_INTERVAL
	TTL             time.Duration     // STATUS_CACHE_TTL
	StatusDir       string
	OriginAddr      string
	SnapshotterAddr string // SNAPSHOTTER_ADDR
	PublicAddr      string
	// NginxConf is STATUS_NGINX_CONF: the nginx file the programs serve through, whose
	// edge contract they check at start (nginx.Check), or NginxConfNone.
	NginxConf string
	// Lease is STATUS_LEASE: how long a snapshotter leader's lease lasts unless renewed,
	// hence the longest a fleet goes without a leader after one dies.
	Lease time.Duration

	redisSecrets []string // REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD: for Redact
}

// Names lists every environment variable the programs read: Load's, then those the
// probe, the players query and the webhook own.
func Names() []string {
	return slices.Concat(loadNames(), probe.Names(), []string{players.Env, notify.Env})
}

// loadNames lists the variables Load reads.
func loadNames() []string {
	return []string{"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_PASSWORD_FILE", "DB_NAME", "REDIS_URL",
		"REDIS_PASSWORD", "REDIS_SENTINEL_ADDRS", "REDIS_MASTER_NAME", "REDIS_SENTINEL_PASSWORD", "REDIS_CLUSTER_ADDRS",
		"STATUS_UPDATE_INTERVAL", "STATUS_CACHE_TTL", "STATUS_DIR", "ORIGIN_ADDR", "SNAPSHOTTER_ADDR", "PUBLIC_ADDR",
		"STATUS_LEASE", "STATUS_NGINX_CONF"}
}

// Load reads and validates the environment. The error names the variable at fault.
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DBHost:          get("DB_HOST", "127.0.0.1"),
		DBUser:          get("DB_USER", "tzuser"),
		DBName:          get("DB_NAME", "tzserver"),
		DBPassword:      getenv("DB_PASSWORD"),
		RedisURL:        get("REDIS_URL", redisconn.DefaultURL),
		StatusDir:       get("STATUS_DIR", "/var/lib/statusedge/www"),
		OriginAddr:      get("ORIGIN_ADDR", "127.0.0.1:8091"),
		SnapshotterAddr: get("SNAPSHOTTER_ADDR", "127.0.0.1:8092"),
		PublicAddr:      get("PUBLIC_ADDR", "127.0.0.1:8090"),
		NginxConf:       get("STATUS_NGINX_CONF", DefaultNginxConf),
	}
	var err error
	if c.DBPort, err = envvar.Port("DB_PORT", get("DB_PORT", "3306")); err != nil {
		return Config{}, err
	}
	if f := getenv("DB_PASSWORD_FILE"); f != "" {
		if c.DBPassword != "" {
			return Config{}, errors.New("DB_PASSWORD_FILE: set together with DB_PASSWORD; use one")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return Config{}, fmt.Errorf("DB_PASSWORD_FILE: %w", err)
		}
		// Secret files usually end in a newline that is not part of the password.
		c.DBPassword = strings.TrimRight(string(b), "\r\n")
	}
	if c.Interval, err = envvar.Seconds("STATUS_UPDATE_INTERVAL", get("STATUS_UPDATE_INTERVAL", wholeSeconds(DefaultInterval))); err != nil {
		return Config{}, err
	}
	if c.TTL, err = envvar.Seconds("STATUS_CACHE_TTL", get("STATUS_CACHE_TTL", wholeSeconds(DefaultTTL))); err != nil {
		return Config{}, err
	}
	if c.TTL > MaxTTL {
		return Config{}, fmt.Errorf("STATUS_CACHE_TTL=%d: want at most %d (a week)", int(c.TTL.Seconds()), int(MaxTTL.Seconds()))
	}
	if c.TTL <= c.Interval {
		return Config{}, fmt.Errorf("STATUS_CACHE_TTL=%d must be greater than STATUS_UPDATE_INTERVAL=%d, or the snapshot expires before the next refresh",
			int(c.TTL.Seconds()), int(c.Interval.Seconds()))
	}
	if c.Lease, err = envvar.Seconds("STATUS_LEASE", get("STATUS_LEASE", wholeSeconds(DefaultLease))); err != nil {
		return Config{}, err
	}
	c.redisSecrets = []string{getenv("REDIS_PASSWORD"), getenv("REDIS_SENTINEL_PASSWORD")}
	// redisconn parses REDIS_URL the same way; asking first keeps the one message that
	// explains percent-encoding and scrubs go-redis's own.
	if _, err := redis.ParseURL(c.RedisURL); err != nil {
		return Config{}, redisURLError(c.RedisURL, err)
	}
	if c.Redis, err = redisconn.Load(getenv); err != nil {
		return Config{}, c.Redact(err)
	}
	if _, err := mysql.ParseDSN(c.DSN(time.Second)); err != nil {
		// The DSN is built from DB_* values; its parser's message must not carry DB_PASSWORD.
		return Config{}, errors.New("DB_HOST, DB_PORT, DB_USER or DB_NAME: not a usable MySQL address: " + scrub(err.Error(), c.DBPassword))
	}
	for _, a := range []struct{ name, v string }{
		{"ORIGIN_ADDR", c.OriginAddr}, {"SNAPSHOTTER_ADDR", c.SnapshotterAddr}, {"PUBLIC_ADDR", c.PublicAddr},
	} {
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return Config{}, fmt.Errorf("%s=%q: want host:port: %w", a.name, a.v, err)
		}
	}
	return c, nil
}

// redisURLError names REDIS_URL without its value: the URL usually carries the Redis
// password, and this error is printed at start (and lands in journald, CI logs, tickets).
func redisURLError(raw string, err error) error {
	if urlErr := (*url.Error)(nil); errors.As(err, &urlErr) {
		// url.Parse quotes the whole URL, and its inner error quotes the bad part of it,
		// which may be a piece of the password: say what to fix instead.
		return errors.New("REDIS_URL: not a valid URL (value not shown: it may hold a password); want " +
			"redis://[:password@]host:port/db with reserved characters in the password percent-encoded (% as %25, @ as %40)")
	}
	// go-redis's own messages name a scheme, a path or an option; a URL that parses has a
	// password we can find, so take it out wherever it appears.
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		pw, _ := u.User.Password()
		msg = scrub(strings.ReplaceAll(msg, raw, u.Redacted()), pw)
	}
	return errors.New("REDIS_URL: " + msg)
}

// scrub replaces every non-empty secret in msg.
func scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

// Redact returns err with DB_PASSWORD and the Redis password taken out of its message, for
// errors about the DSN or the Redis URL that a program prints at start. An error that
// names neither is returned as it is, so errors.Is still sees through it.
func (c Config) Redact(err error) error {
	if err == nil {
		return nil
	}
	secrets := append([]string{c.DBPassword}, c.redisSecrets...)
	if u, perr := url.Parse(c.RedisURL); perr == nil && u.User != nil {
		pw, _ := u.User.Password()
		secrets = append(secrets, pw)
	}
	msg := err.Error()
	if clean := scrub(msg, secrets...); clean != msg {
		return errors.New(clean)
	}
	return err
}

func wholeSeconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

// OpenDB opens the MySQL pool (it connects on first use) with every dial, read and write
// bounded by timeout. Its error never carries DB_PASSWORD.
func (c Config) OpenDB(timeout time.Duration) (*sql.DB, error) {
	db, err := sql.Open("mysql", c.DSN(timeout))
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", c.Redact(err))
	}
	return db, nil
}

// DSN is the MySQL connection string. The driver-level timeouts bound dial and every
// read and write, so even a server that accepts and then never answers costs at most dbTimeout.
func (c Config) DSN(dbTimeout time.Duration) string {
	mc := mysql.NewConfig()
	mc.User = c.DBUser
	mc.Passwd = c.DBPassword
	mc.Net = "tcp"
	mc.Addr = net.JoinHostPort(c.DBHost, strconv.Itoa(c.DBPort))
	mc.DBName = c.DBName
	mc.Timeout = dbTimeout
	mc.ReadTimeout = dbTimeout
	mc.WriteTimeout = dbTimeout
	mc.Params = map[string]string{"charset": "utf8mb4"}
	return mc.FormatDSN()
}

// RedisAddr describes the Redis connection (topology and addresses) without any
// password, safe to show in logs and debug output.
func (c Config) RedisAddr() string { return c.Redis.String() }
