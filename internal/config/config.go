// Package config reads the environment both programs share (spec: Configuration) and
// refuses to start on a bad value: a status page that runs on a guessed interval or TTL
// would present stale data as current.
package config

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// The defaults of the contract, the one source for every program, config and test.
const (
	DefaultInterval = 600 * time.Second // STATUS_UPDATE_INTERVAL
	DefaultTTL      = 900 * time.Second // STATUS_CACHE_TTL
)

// Config is the validated environment.
type Config struct {
	DBHost     string
	DBPort     int
	DBUser     string
	DBPassword string
	DBName     string
	RedisURL   string
	Interval   time.Duration // STATUS_UPDATE_INTERVAL
	TTL        time.Duration // STATUS_CACHE_TTL
	StatusDir  string
	OriginAddr string
	SnapAddr   string // SNAPSHOTTER_ADDR
	PublicAddr string
}

// Names lists every environment variable the programs read.
func Names() []string {
	return []string{"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_PASSWORD_FILE", "DB_NAME", "REDIS_URL",
		"STATUS_UPDATE_INTERVAL", "STATUS_CACHE_TTL", "STATUS_DIR", "ORIGIN_ADDR", "SNAPSHOTTER_ADDR", "PUBLIC_ADDR"}
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
		DBHost:     get("DB_HOST", "127.0.0.1"),
		DBUser:     get("DB_USER", "tzuser"),
		DBName:     get("DB_NAME", "tzserver"),
		DBPassword: getenv("DB_PASSWORD"),
		RedisURL:   get("REDIS_URL", "redis://127.0.0.1:6379/0"),
		StatusDir:  get("STATUS_DIR", "/var/lib/statusedge/www"),
		OriginAddr: get("ORIGIN_ADDR", "127.0.0.1:8091"),
		SnapAddr:   get("SNAPSHOTTER_ADDR", "127.0.0.1:8092"),
		PublicAddr: get("PUBLIC_ADDR", "127.0.0.1:8090"),
	}
	var err error
	if c.DBPort, err = port("DB_PORT", get("DB_PORT", "3306")); err != nil {
		return Config{}, err
	}
	if f := getenv("DB_PASSWORD_FILE"); f != "" {
		if c.DBPassword != "" {
			return Config{}, fmt.Errorf("DB_PASSWORD_FILE: set together with DB_PASSWORD; use one")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return Config{}, fmt.Errorf("DB_PASSWORD_FILE: %w", err)
		}
		// Secret files usually end in a newline that is not part of the password.
		c.DBPassword = strings.TrimRight(string(b), "\r\n")
	}
	if c.Interval, err = seconds("STATUS_UPDATE_INTERVAL", get("STATUS_UPDATE_INTERVAL", strconv.Itoa(int(DefaultInterval/time.Second)))); err != nil {
		return Config{}, err
	}
	if c.TTL, err = seconds("STATUS_CACHE_TTL", get("STATUS_CACHE_TTL", strconv.Itoa(int(DefaultTTL/time.Second)))); err != nil {
		return Config{}, err
	}
	if c.TTL <= c.Interval {
		return Config{}, fmt.Errorf("STATUS_CACHE_TTL=%d must be greater than STATUS_UPDATE_INTERVAL=%d, or the snapshot expires before the next refresh",
			int(c.TTL.Seconds()), int(c.Interval.Seconds()))
	}
	if _, err := redis.ParseURL(c.RedisURL); err != nil {
		return Config{}, fmt.Errorf("REDIS_URL: %w", err)
	}
	for _, a := range []struct{ name, v string }{
		{"ORIGIN_ADDR", c.OriginAddr}, {"SNAPSHOTTER_ADDR", c.SnapAddr}, {"PUBLIC_ADDR", c.PublicAddr},
	} {
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return Config{}, fmt.Errorf("%s=%q: want host:port: %w", a.name, a.v, err)
		}
	}
	return c, nil
}

func seconds(name, v string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a whole number of seconds above 0", name, v)
	}
	return time.Duration(n) * time.Second, nil
}

func port(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s=%q: want a port number 1..65535", name, v)
	}
	return n, nil
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

// RedisOptions builds client options whose every dial, read and write is bounded by timeout.
func (c Config) RedisOptions(timeout time.Duration) *redis.Options {
	opt, _ := redis.ParseURL(c.RedisURL) // validated in Load
	opt.DialTimeout = timeout
	opt.ReadTimeout = timeout
	opt.WriteTimeout = timeout
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = 1
	opt.DialerRetries = 1
	return opt
}

// RedisAddr is the Redis address without credentials, safe to show in debug output.
func (c Config) RedisAddr() string {
	opt, _ := redis.ParseURL(c.RedisURL)
	return fmt.Sprintf("%s/%d", opt.Addr, opt.DB)
}
