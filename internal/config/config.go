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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"statusedge/internal/envvar"
	"statusedge/internal/maintenance"
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
	// DefaultMaxSnapshot is STATUS_MAX_SNAPSHOT_BYTES: the rows of `constants` a read may
	// bring, names, values and descriptions together. A status is a few KB; far more is
	// a mistake (a widened column), not news for every visitor and every Redis client.
	DefaultMaxSnapshot = 64 << 10
	// MaxSnapshotLimit bounds the setting itself, below the 1 MiB STATUS_DIR's readers take.
	MaxSnapshotLimit = 512 << 10
	// DefaultNginxConf is STATUS_NGINX_CONF's default: where deploy/host puts the site.
	DefaultNginxConf = "/etc/nginx/sites-enabled/statusedge.conf"
	// NginxConfNone, as STATUS_NGINX_CONF, says that no statusedge nginx serves
	// STATUS_DIR: nothing to check the edge contract against.
	NginxConfNone = "none"

	DefaultProbeKind     = probe.TCP        // GAME_SERVER_PROBE
	DefaultProbeInterval = 15 * time.Second // STATUS_PROBE_INTERVAL
	// DefaultProbeTimeout is STATUS_PROBE_TIMEOUT when unset, or STATUS_PROBE_INTERVAL
	// when that is shorter: a short interval alone is a complete setting.
	DefaultProbeTimeout  = 3 * time.Second
	DefaultProbeFailures = 2 // STATUS_PROBE_FAILURES
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
	// MaxSnapshot is STATUS_MAX_SNAPSHOT_BYTES: a read of `constants` past it is refused.
	MaxSnapshot int
	// Lease is STATUS_LEASE: how long a snapshotter leader's lease lasts unless renewed,
	// hence the longest a fleet goes without a leader after one dies.
	Lease time.Duration
	// Probe is GAME_SERVER_ADDR and the STATUS_PROBE_* variables; Probing is false when
	// GAME_SERVER_ADDR is empty (no probe), and the rest is validated even then.
	Probe   probe.Config
	Probing bool
	// WorldsFile is STATUS_WORLDS_FILE (internal/worlds reads it); empty: one world.
	WorldsFile string
	// PageName and PageURL are STATUS_PAGE_NAME and STATUS_PAGE_URL: the `page` of the
	// Statuspage documents (its name, and the public status page's address or "").
	PageName, PageURL string
	// Deployment is STATUS_DEPLOYMENT: the name every Redis key and channel carries
	// (snapshot.Deployment); "" for today's names.
	Deployment string

	redisSecrets []string // REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD: for Redact
}

// Names lists every environment variable the programs read: Load's, then those the
// players query and the webhook own.
func Names() []string {
	return slices.Concat(loadNames(), []string{players.Env, players.IntervalEnv, notify.Env, notify.GapEnv, WorldsEnv, maintenance.Env, DebugAllowEnv},
		notify.TelegramNames())
}

// DebugAllowEnv names the debug allow-list's additions (package nginx reads it; named
// here, which that package imports, so that Names lists it).
const DebugAllowEnv = "STATUS_DEBUG_ALLOW"

// WorldsEnv names the worlds file (internal/worlds reads it; named here, which that
// package imports, so that Names lists it).
const WorldsEnv = "STATUS_WORLDS_FILE"

// loadNames lists the variables Load reads.
func loadNames() []string {
	return slices.Concat([]string{"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_PASSWORD_FILE", "DB_NAME", "REDIS_URL",
		"REDIS_PASSWORD", "REDIS_SENTINEL_ADDRS", "REDIS_MASTER_NAME", "REDIS_SENTINEL_PASSWORD", "REDIS_CLUSTER_ADDRS",
		"STATUS_UPDATE_INTERVAL", "STATUS_CACHE_TTL", "STATUS_DIR", "ORIGIN_ADDR", "SNAPSHOTTER_ADDR", "PUBLIC_ADDR",
		"STATUS_LEASE", "STATUS_NGINX_CONF", "STATUS_MAX_SNAPSHOT_BYTES",
		"STATUS_PAGE_NAME", "STATUS_PAGE_URL", DeploymentEnv}, ProbeNames())
}

// ProbeNames lists the probe's variables, which Load reads into Config.Probe.
func ProbeNames() []string {
	return []string{"GAME_SERVER_ADDR", "GAME_SERVER_PROBE", "STATUS_PROBE_INTERVAL", "STATUS_PROBE_TIMEOUT", "STATUS_PROBE_FAILURES"}
}

// getter wraps getenv: Load reads every setting through its value or get, so that all
// are trimmed (or not) the same way.
type getter func(string) string

// value is name as set, with spaces around it dropped: a stray blank in an env file is
// never meant, and would turn a number into an error or a host into another host. Secrets
// are taken exactly as set, since a space may be part of a password.
func (e getter) value(name string) string {
	switch name {
	case "DB_PASSWORD", "REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD":
		return e(name)
	}
	return strings.TrimSpace(e(name))
}

// get is value, or def when name is unset or blank.
func (e getter) get(name, def string) string {
	if v := e.value(name); v != "" {
		return v
	}
	return def
}

// Load reads and validates the environment. The error names the variable at fault.
func Load(getenv func(string) string) (Config, error) {
	e := getter(getenv)
	c := Config{
		DBHost:          e.get("DB_HOST", "127.0.0.1"),
		DBUser:          e.get("DB_USER", "tzuser"),
		DBName:          e.get("DB_NAME", "tzserver"),
		DBPassword:      e.value("DB_PASSWORD"),
		RedisURL:        e.get("REDIS_URL", redisconn.DefaultURL),
		StatusDir:       e.get("STATUS_DIR", "/var/lib/statusedge/www"),
		OriginAddr:      e.get("ORIGIN_ADDR", "127.0.0.1:8091"),
		SnapshotterAddr: e.get("SNAPSHOTTER_ADDR", "127.0.0.1:8092"),
		PublicAddr:      e.get("PUBLIC_ADDR", "127.0.0.1:8090"),
		NginxConf:       e.get("STATUS_NGINX_CONF", DefaultNginxConf),
	}
	var err error
	if c.DBPort, err = envvar.Port("DB_PORT", e.get("DB_PORT", "3306")); err != nil {
		return Config{}, err
	}
	if f := e.value("DB_PASSWORD_FILE"); f != "" {
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
	if c.Interval, err = envvar.Seconds("STATUS_UPDATE_INTERVAL", e.get("STATUS_UPDATE_INTERVAL", wholeSeconds(DefaultInterval))); err != nil {
		return Config{}, err
	}
	if c.TTL, err = envvar.Seconds("STATUS_CACHE_TTL", e.get("STATUS_CACHE_TTL", wholeSeconds(DefaultTTL))); err != nil {
		return Config{}, err
	}
	if c.TTL > MaxTTL {
		return Config{}, fmt.Errorf("STATUS_CACHE_TTL=%d: want at most %d (a week)", int(c.TTL.Seconds()), int(MaxTTL.Seconds()))
	}
	if err := CheckInterval("STATUS_UPDATE_INTERVAL", c.Interval, c.TTL); err != nil {
		return Config{}, err
	}
	if c.Lease, err = envvar.Seconds("STATUS_LEASE", e.get("STATUS_LEASE", wholeSeconds(DefaultLease))); err != nil {
		return Config{}, err
	}
	if c.MaxSnapshot, err = envvar.Bytes("STATUS_MAX_SNAPSHOT_BYTES", e.get("STATUS_MAX_SNAPSHOT_BYTES", strconv.Itoa(DefaultMaxSnapshot)), 1024, MaxSnapshotLimit); err != nil {
		return Config{}, err
	}
	c.redisSecrets = []string{e.value("REDIS_PASSWORD"), e.value("REDIS_SENTINEL_PASSWORD")}
	// redisconn parses REDIS_URL the same way; asking first keeps the one message that
	// explains percent-encoding and scrubs go-redis's own.
	if _, err := redis.ParseURL(c.RedisURL); err != nil {
		return Config{}, redisURLError(c.RedisURL, err)
	}
	if c.Redis, err = redisconn.Load(e.value); err != nil {
		return Config{}, c.Redact(err)
	}
	if _, err := mysql.ParseDSN(c.DSN(time.Second)); err != nil {
		// The DSN is built from DB_* values; its parser's message must not carry DB_PASSWORD.
		return Config{}, errors.New("DB_HOST, DB_PORT, DB_USER or DB_NAME: not a usable MySQL address: " + scrub(err.Error(), c.DBPassword))
	}
	for _, a := range []struct{ name, v string }{
		{"ORIGIN_ADDR", c.OriginAddr}, {"SNAPSHOTTER_ADDR", c.SnapshotterAddr}, {"PUBLIC_ADDR", c.PublicAddr},
	} {
		if _, err := envvar.ListenAddr(a.name, a.v); err != nil {
			return Config{}, err
		}
	}
	if c.Probe, c.Probing, err = loadProbe(e); err != nil {
		return Config{}, err
	}
	c.WorldsFile = e.value(WorldsEnv)
	c.Deployment = e.value(DeploymentEnv)
	if err := checkDeployment(c.Deployment); err != nil {
		return Config{}, err
	}
	if c.PageName, c.PageURL, err = loadPage(e, c.PublicAddr); err != nil {
		return Config{}, err
	}
	// nginx resolves a relative root under its own prefix, the programs under their
	// working folder: only an absolute STATUS_DIR means one folder to both.
	if !filepath.IsAbs(c.StatusDir) {
		return Config{}, fmt.Errorf("STATUS_DIR=%q: want an absolute path", c.StatusDir)
	}
	c.StatusDir = filepath.Clean(c.StatusDir)
	return c, nil
}

// CheckInterval is the one rule between a refresh interval and STATUS_CACHE_TTL, for
// STATUS_UPDATE_INTERVAL at start and config:status_interval live (name says which): the
// interval must be below the TTL, or the snapshot expires before the next refresh.
func CheckInterval(name string, interval, ttl time.Duration) error {
	if interval < ttl {
		return nil
	}
	return fmt.Errorf("%s=%d must be below STATUS_CACHE_TTL=%d, or the snapshot expires before the next refresh",
		name, int(interval.Seconds()), int(ttl.Seconds()))
}

// loadProbe reads the probe's variables. They are validated even without
// GAME_SERVER_ADDR, because a bad value is a mistake the operator should hear about at
// start, not when the probe is switched on later.
func loadProbe(e getter) (probe.Config, bool, error) {
	var c probe.Config
	var err error
	if c.Kind, err = parseKind(e.get("GAME_SERVER_PROBE", string(DefaultProbeKind))); err != nil {
		return probe.Config{}, false, err
	}
	if c.Interval, err = envvar.Seconds("STATUS_PROBE_INTERVAL", e.get("STATUS_PROBE_INTERVAL", wholeSeconds(DefaultProbeInterval))); err != nil {
		return probe.Config{}, false, err
	}
	if c.Timeout, err = envvar.Seconds("STATUS_PROBE_TIMEOUT", e.get("STATUS_PROBE_TIMEOUT", wholeSeconds(min(DefaultProbeTimeout, c.Interval)))); err != nil {
		return probe.Config{}, false, err
	}
	// A round that may outlast the interval would make the pace a lie. Equal is allowed:
	// durations are whole seconds, and a 1-s interval needs a 1-s deadline; a round that
	// runs a little long only drops a tick (probe.Loop never queues rounds).
	if c.Timeout > c.Interval {
		return probe.Config{}, false, fmt.Errorf("STATUS_PROBE_TIMEOUT=%d must not exceed STATUS_PROBE_INTERVAL=%d, or a round can outlast the interval",
			int(c.Timeout.Seconds()), int(c.Interval.Seconds()))
	}
	failures := e.get("STATUS_PROBE_FAILURES", strconv.Itoa(DefaultProbeFailures))
	if c.Failures, err = strconv.Atoi(failures); err != nil || c.Failures <= 0 {
		return probe.Config{}, false, fmt.Errorf("STATUS_PROBE_FAILURES=%q: want a whole number of rounds above 0", failures)
	}
	addrs := e.value("GAME_SERVER_ADDR")
	if addrs == "" {
		return c, false, nil
	}
	if c.Targets, err = envvar.HostPorts("GAME_SERVER_ADDR", addrs); err != nil {
		return probe.Config{}, false, err
	}
	return c, true, nil
}

func parseKind(v string) (probe.Kind, error) {
	k, err := probe.ParseKind(v)
	if err != nil {
		return "", fmt.Errorf("GAME_SERVER_PROBE=%q: %w", v, err)
	}
	return k, nil
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
func (c Config) OpenDB(timeout time.Duration, logger mysql.Logger) (*sql.DB, error) {
	mc, err := mysql.ParseDSN(c.DSN(timeout))
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", c.Redact(err))
	}
	if logger != nil {
		mc.Logger = logger // this pool's own: the driver's default is one per process
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", c.Redact(err))
	}
	return sql.OpenDB(conn), nil
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

// ProbeCap is the cap the probe's interval puts on every max-age of the deployment
// (nginx's hint and the origin's answers, of every world alike), 0 for none: with a
// probe, and with a worlds file, where any world may have one (its pace is the
// environment's), so that no cache hides a flip past one round. One cap for all worlds,
// not one per world: nginx serves every world's documents with one hint, and the origin
// answering a world's URL when its file is missing must promise no longer than nginx.
func (c Config) ProbeCap() time.Duration {
	if c.Probing || c.WorldsFile != "" {
		return c.Probe.Interval
	}
	return 0
}

// RedisAddr describes the Redis connection (topology and addresses) without any
// password, safe to show in logs and debug output.
func (c Config) RedisAddr() string { return c.Redis.String() }

// loadPage reads STATUS_PAGE_NAME (1 to 100 printable characters) and STATUS_PAGE_URL
// (an absolute http or https URL; by default nginx's own address, PUBLIC_ADDR: every
// Statuspage document names its page by a URL, and links to incidents from it).
func loadPage(e getter, publicAddr string) (name, pageURL string, err error) {
	name = e.get("STATUS_PAGE_NAME", DefaultPageName)
	if n := utf8.RuneCountInString(name); n > 100 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return "", "", fmt.Errorf("STATUS_PAGE_NAME=%q: want 1 to 100 printable characters", name)
	}
	pageURL = strings.TrimRight(e.get("STATUS_PAGE_URL", "http://"+publicAddr), "/")
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("STATUS_PAGE_URL=%q: want an absolute http or https URL", pageURL)
	}
	return name, pageURL, nil
}

// DefaultPageName is STATUS_PAGE_NAME's default.
const DefaultPageName = "Game server status"
