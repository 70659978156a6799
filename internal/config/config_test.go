package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"statusedge/internal/probe"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Interval != DefaultInterval || c.TTL != DefaultTTL || c.DBPort != 3306 || c.DBUser != "tzuser" ||
		c.DBName != "tzserver" || c.StatusDir != "/var/lib/statusedge/www" || c.OriginAddr != "127.0.0.1:8091" {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	tests := []struct {
		env      map[string]string
		mentions string
	}{
		{map[string]string{"STATUS_CACHE_TTL": "abc"}, "STATUS_CACHE_TTL"},
		{map[string]string{"STATUS_UPDATE_INTERVAL": "0"}, "STATUS_UPDATE_INTERVAL"},
		{map[string]string{"STATUS_UPDATE_INTERVAL": "-5"}, "STATUS_UPDATE_INTERVAL"},
		{map[string]string{"STATUS_UPDATE_INTERVAL": "1.5"}, "STATUS_UPDATE_INTERVAL"},
		{map[string]string{"STATUS_UPDATE_INTERVAL": "900", "STATUS_CACHE_TTL": "900"}, "STATUS_CACHE_TTL"},
		{map[string]string{"STATUS_CACHE_TTL": "300"}, "STATUS_CACHE_TTL"},
		{map[string]string{"STATUS_CACHE_TTL": "604801"}, "STATUS_CACHE_TTL"},
		{map[string]string{"DB_PORT": "99999"}, "DB_PORT"},
		{map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL"},
		{map[string]string{"ORIGIN_ADDR": "8091"}, "ORIGIN_ADDR"},
		{map[string]string{"DB_PASSWORD_FILE": "/nonexistent/secret"}, "DB_PASSWORD_FILE"},
		{map[string]string{"STATUS_LEASE": "0"}, "STATUS_LEASE"},
		{map[string]string{"STATUS_PAGE_URL": "status.example.com"}, "STATUS_PAGE_URL"},
		{map[string]string{"STATUS_PAGE_URL": "ftp://status.example.com"}, "STATUS_PAGE_URL"},
		{map[string]string{"STATUS_PAGE_NAME": strings.Repeat("x", 101)}, "STATUS_PAGE_NAME"},
		{map[string]string{"STATUS_PAGE_NAME": "line\nbreak"}, "STATUS_PAGE_NAME"},
		{map[string]string{"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379"}, "REDIS_MASTER_NAME"},
		{map[string]string{"REDIS_CLUSTER_ADDRS": "nohost"}, "REDIS_CLUSTER_ADDRS"},
		{map[string]string{"STATUS_DEPLOYMENT": "Prod"}, "STATUS_DEPLOYMENT"},
		{map[string]string{"STATUS_DEPLOYMENT": "prod:eu"}, "STATUS_DEPLOYMENT"},
		{map[string]string{"STATUS_DEPLOYMENT": "{prod}"}, "STATUS_DEPLOYMENT"},
		{map[string]string{"STATUS_DEPLOYMENT": "-prod"}, "STATUS_DEPLOYMENT"},
		{map[string]string{"STATUS_DEPLOYMENT": strings.Repeat("a", 33)}, "STATUS_DEPLOYMENT"},
	}
	for _, tt := range tests {
		t.Run(tt.mentions, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil {
				t.Fatalf("Load(%v) accepted a bad value", tt.env)
			}
			if !strings.Contains(err.Error(), tt.mentions) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q should be one line naming %s", err, tt.mentions)
			}
		})
	}
}

func TestPasswordFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"DB_PASSWORD_FILE": f}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBPassword != "s3cret" {
		t.Errorf("password = %q", c.DBPassword)
	}
	if _, err := Load(env(map[string]string{"DB_PASSWORD_FILE": f, "DB_PASSWORD": "x"})); err == nil {
		t.Error("both DB_PASSWORD and DB_PASSWORD_FILE accepted")
	}
}

// TestBadURLNeverPrintsPassword: the error Load returns is printed whole by both programs
// at start, so a REDIS_URL that fails to parse must not put its password on the screen.
func TestBadURLNeverPrintsPassword(t *testing.T) {
	tests := []struct {
		name, url, password string
	}{
		{"unescaped percent", "redis://:pa%ss@127.0.0.1:6379/0", "pa%ss"},
		{"unescaped percent with user", "redis://statusedge:hun%zz2@127.0.0.1:6379/0", "hun%zz2"},
		{"bad port", "redis://:hunter2@127.0.0.1:port/0", "hunter2"},
		{"unclosed IPv6 bracket", "redis://:hunter2@[::1:6379/0", "hunter2"},
		{"control character", "redis://:hunter2@127.0.0.1:6379/0\x7f", "hunter2"},
		{"wrong scheme", "http://:hunter2@127.0.0.1:6379/0", "hunter2"},
		{"bad database", "redis://:hunter2@127.0.0.1:6379/zero", "hunter2"},
		{"bad option", "redis://:hunter2@127.0.0.1:6379/0?dial_timeout=soon", "hunter2"},
		{"password as an option name", "redis://:hunter2@127.0.0.1:6379/0?hunter2=1", "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{"REDIS_URL": tt.url}))
			if err == nil {
				t.Fatalf("Load accepted REDIS_URL=%q", tt.url)
			}
			if strings.Contains(err.Error(), tt.password) {
				t.Errorf("error prints the password: %v", err)
			}
			// url.Parse quotes the bad escape, a piece of the password: that must go too.
			if i := strings.Index(tt.password, "%"); i >= 0 && strings.Contains(err.Error(), tt.password[i:]) {
				t.Errorf("error prints part of the password: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "REDIS_URL: ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q should be one line naming REDIS_URL", err)
			}
		})
	}
}

// TestRedactTakesPasswordsOut: the programs pass start-up errors about the DSN through
// Redact before printing them.
func TestRedactTakesPasswordsOut(t *testing.T) {
	c, err := Load(env(map[string]string{"DB_PASSWORD": "db-s3cret", "REDIS_URL": "redis://:redis-s3cret@127.0.0.1:6379/0"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"db-s3cret", "redis-s3cret"} {
		if got := c.Redact(errors.New("mysql: bad dsn user:" + secret + "@tcp")); strings.Contains(got.Error(), secret) {
			t.Errorf("Redact left %q in %q", secret, got)
		}
	}
	plain := fmt.Errorf("mysql: %w", os.ErrNotExist)
	if got := c.Redact(plain); !errors.Is(got, os.ErrNotExist) {
		t.Errorf("Redact(%v) = %v, want the error unchanged when it names no password", plain, got)
	}
	if c.Redact(nil) != nil {
		t.Error("Redact(nil) != nil")
	}
}

// TestNoRedisPasswordPrinted: neither the start-up errors nor RedisAddr carry a Redis
// password, whichever variable holds it.
func TestNoRedisPasswordPrinted(t *testing.T) {
	const secret = "redis-s3cret"
	for _, e := range []map[string]string{
		{"REDIS_PASSWORD": secret, "REDIS_URL": "redis://:other@127.0.0.1:6379/0"},
		{"REDIS_SENTINEL_PASSWORD": secret},
		{"REDIS_PASSWORD": secret, "REDIS_SENTINEL_ADDRS": "10.0.0.1:26379"},
		{"REDIS_URL": "redis://:" + secret + "@127.0.0.1:6379/1", "REDIS_CLUSTER_ADDRS": "10.0.0.1:7000"},
	} {
		_, err := Load(env(e))
		if err == nil {
			t.Errorf("Load(%v) accepted a bad combination", e)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows the password", err)
		}
	}
	c, err := Load(env(map[string]string{"REDIS_PASSWORD": secret, "REDIS_SENTINEL_ADDRS": "10.0.0.1:26379",
		"REDIS_MASTER_NAME": "m", "REDIS_SENTINEL_PASSWORD": secret}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.RedisAddr(), fmt.Sprintf("%v %+v %#v", c.Redis, c.Redis, c.Redis)} {
		if strings.Contains(s, secret) {
			t.Errorf("%q shows the password", s)
		}
	}
}

func TestRedisAddrHidesPassword(t *testing.T) {
	c, err := Load(env(map[string]string{"REDIS_URL": "redis://:hunter2@10.0.0.5:6380/3"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RedisAddr(); got != "single 10.0.0.5:6380 db 3 (password set)" {
		t.Errorf("RedisAddr = %q", got)
	}
}

// TestNamesAreRead: every listed variable changes what Load returns, so the list used to
// check deploy files against the programs cannot drift from what Load reads.
func TestNamesAreRead(t *testing.T) {
	base, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"DB_PORT": "3307", "STATUS_DIR": "/srv/status", "STATUS_MAX_SNAPSHOT_BYTES": "4096", "REDIS_URL": "redis://10.0.0.1:6379/1", "STATUS_UPDATE_INTERVAL": "60",
		"STATUS_CACHE_TTL": "901", "ORIGIN_ADDR": "127.0.0.1:1", "SNAPSHOTTER_ADDR": "127.0.0.1:2", "PUBLIC_ADDR": "127.0.0.1:3",
		"DB_PASSWORD_FILE": pw, "STATUS_LEASE": "7",
		"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379", "REDIS_CLUSTER_ADDRS": "10.0.0.1:7000,10.0.0.2:7000",
		"GAME_SERVER_ADDR": "h:1", "GAME_SERVER_PROBE": "banner", "STATUS_PROBE_INTERVAL": "30", "STATUS_PROBE_TIMEOUT": "2",
		"STATUS_PROBE_FAILURES": "3", "STATUS_PAGE_URL": "https://status.example.com"}
	// Variables that mean something only with a partner.
	partners := map[string]map[string]string{
		"REDIS_SENTINEL_ADDRS":    {"REDIS_MASTER_NAME": "m"},
		"REDIS_MASTER_NAME":       {"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379"},
		"REDIS_SENTINEL_PASSWORD": {"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379", "REDIS_MASTER_NAME": "m"},
	}
	sentinelOnly, err := Load(env(partners["REDIS_SENTINEL_PASSWORD"]))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range loadNames() {
		v, ok := values[name]
		if !ok {
			v = "changed"
		}
		e := map[string]string{name: v}
		for k, pv := range partners[name] {
			e[k] = pv
		}
		c, err := Load(env(e))
		if err != nil {
			t.Errorf("%s=%s: %v", name, v, err)
			continue
		}
		if reflect.DeepEqual(c, base) || (name == "REDIS_SENTINEL_PASSWORD" && reflect.DeepEqual(c, sentinelOnly)) {
			t.Errorf("%s is listed but Load ignores it", name)
		}
	}
}

// TestStatusDirIsAbsoluteAndClean: nginx and the programs must mean one folder.
func TestStatusDirIsAbsoluteAndClean(t *testing.T) {
	if _, err := Load(env(map[string]string{"STATUS_DIR": "status"})); err == nil || !strings.Contains(err.Error(), "STATUS_DIR") {
		t.Errorf("relative STATUS_DIR: %v, want a refusal naming it", err)
	}
	for _, v := range []string{"/srv/status/", "/srv/status/.", "/srv//status"} {
		if c, err := Load(env(map[string]string{"STATUS_DIR": v})); err != nil || c.StatusDir != "/srv/status" {
			t.Errorf("STATUS_DIR=%s: %q, %v; want /srv/status", v, c.StatusDir, err)
		}
	}
}

func TestLoadProbe(t *testing.T) {
	defaults := probe.Config{Kind: probe.TCP, Interval: 15 * time.Second, Timeout: 3 * time.Second, Failures: 2}
	tests := []struct {
		name    string
		env     map[string]string
		want    probe.Config
		probing bool
		wantErr string // substring; "" for no error
	}{
		{name: "nothing set: no probe", env: nil, probing: false, want: defaults},
		{name: "defaults", env: map[string]string{"GAME_SERVER_ADDR": "127.0.0.1:7777"}, probing: true,
			want: probe.Config{Targets: []string{"127.0.0.1:7777"}, Kind: probe.TCP, Interval: 15 * time.Second, Timeout: 3 * time.Second, Failures: 2}},
		{name: "everything set", probing: true, env: map[string]string{
			"GAME_SERVER_ADDR": " game.example:7777 , [::1]:7778", "GAME_SERVER_PROBE": "Banner",
			"STATUS_PROBE_INTERVAL": "30", "STATUS_PROBE_TIMEOUT": "5", "STATUS_PROBE_FAILURES": "3"},
			want: probe.Config{Targets: []string{"game.example:7777", "[::1]:7778"}, Kind: probe.Banner, Interval: 30 * time.Second, Timeout: 5 * time.Second, Failures: 3}},
		{name: "spaces around values", probing: true, env: map[string]string{
			"GAME_SERVER_ADDR": "h:1\n", "GAME_SERVER_PROBE": " banner ", "STATUS_PROBE_INTERVAL": " 30", "STATUS_PROBE_TIMEOUT": "5 ", "STATUS_PROBE_FAILURES": "\t3"},
			want: probe.Config{Targets: []string{"h:1"}, Kind: probe.Banner, Interval: 30 * time.Second, Timeout: 5 * time.Second, Failures: 3}},
		// The default deadline follows a short interval: STATUS_PROBE_INTERVAL alone starts.
		{name: "interval 1 alone: timeout 1", probing: true, env: map[string]string{"GAME_SERVER_ADDR": "h:1", "STATUS_PROBE_INTERVAL": "1"},
			want: probe.Config{Targets: []string{"h:1"}, Kind: probe.TCP, Interval: time.Second, Timeout: time.Second, Failures: 2}},
		{name: "interval 2 alone: timeout 2", env: map[string]string{"STATUS_PROBE_INTERVAL": "2"},
			want: probe.Config{Kind: probe.TCP, Interval: 2 * time.Second, Timeout: 2 * time.Second, Failures: 2}},
		{name: "interval 4 alone: timeout 3", env: map[string]string{"STATUS_PROBE_INTERVAL": "4"},
			want: probe.Config{Kind: probe.TCP, Interval: 4 * time.Second, Timeout: 3 * time.Second, Failures: 2}},
		{name: "explicit timeout above a short interval", env: map[string]string{"STATUS_PROBE_INTERVAL": "1", "STATUS_PROBE_TIMEOUT": "3"},
			wantErr: "STATUS_PROBE_TIMEOUT=3 must not exceed STATUS_PROBE_INTERVAL=1"},
		{name: "bad kind", env: map[string]string{"GAME_SERVER_ADDR": "h:1", "GAME_SERVER_PROBE": "udp"}, wantErr: `GAME_SERVER_PROBE="udp"`},
		{name: "interval not a number", env: map[string]string{"STATUS_PROBE_INTERVAL": "15s"}, wantErr: `STATUS_PROBE_INTERVAL="15s"`},
		{name: "interval zero", env: map[string]string{"STATUS_PROBE_INTERVAL": "0"}, wantErr: "STATUS_PROBE_INTERVAL"},
		{name: "timeout negative", env: map[string]string{"STATUS_PROBE_TIMEOUT": "-1"}, wantErr: "STATUS_PROBE_TIMEOUT"},
		{name: "timeout above interval", env: map[string]string{"STATUS_PROBE_INTERVAL": "5", "STATUS_PROBE_TIMEOUT": "6"},
			wantErr: "STATUS_PROBE_TIMEOUT=6 must not exceed STATUS_PROBE_INTERVAL=5"},
		{name: "timeout equal to interval (1 s each)", probing: true, env: map[string]string{"GAME_SERVER_ADDR": "h:1", "STATUS_PROBE_INTERVAL": "1", "STATUS_PROBE_TIMEOUT": "1"},
			want: probe.Config{Targets: []string{"h:1"}, Kind: probe.TCP, Interval: time.Second, Timeout: time.Second, Failures: 2}},
		{name: "failures zero", env: map[string]string{"STATUS_PROBE_FAILURES": "0"}, wantErr: `STATUS_PROBE_FAILURES="0"`},
		{name: "failures not a number", env: map[string]string{"STATUS_PROBE_FAILURES": "two"}, wantErr: "STATUS_PROBE_FAILURES"},
		{name: "bad value checked without a probe", env: map[string]string{"STATUS_PROBE_TIMEOUT": "x"}, wantErr: "STATUS_PROBE_TIMEOUT"},
		{name: "addr without port", env: map[string]string{"GAME_SERVER_ADDR": "127.0.0.1"}, wantErr: "GAME_SERVER_ADDR"},
		{name: "addr without host", env: map[string]string{"GAME_SERVER_ADDR": ":7777"}, wantErr: "missing host"},
		{name: "addr port out of range", env: map[string]string{"GAME_SERVER_ADDR": "h:70000"}, wantErr: "port number"},
		{name: "addr named port", env: map[string]string{"GAME_SERVER_ADDR": "h:http"}, wantErr: "port number"},
		{name: "empty entry", env: map[string]string{"GAME_SERVER_ADDR": "h:1,,h:2"}, wantErr: "empty entry"},
		{name: "duplicate", env: map[string]string{"GAME_SERVER_ADDR": "h:1, h:1"}, wantErr: "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans several lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Probing != tt.probing {
				t.Errorf("Probing = %v, want %v", c.Probing, tt.probing)
			}
			if !reflect.DeepEqual(c.Probe, tt.want) {
				t.Errorf("Probe = %+v, want %+v", c.Probe, tt.want)
			}
		})
	}
}

// TestSpacesAroundValues: every setting but a secret reads the same with or without
// blanks around it (an env file's stray space), and secrets are taken as set.
func TestSpacesAroundValues(t *testing.T) {
	plain := map[string]string{"DB_HOST": "db.example", "DB_PORT": "3307", "DB_USER": "u", "DB_NAME": "n",
		"REDIS_URL": "redis://10.0.0.1:6379/1", "STATUS_UPDATE_INTERVAL": "60", "STATUS_CACHE_TTL": "90",
		"STATUS_DIR": "/srv/www", "ORIGIN_ADDR": "[::1]:8091", "SNAPSHOTTER_ADDR": "127.0.0.1:8092", "PUBLIC_ADDR": "[::]:80",
		"STATUS_LEASE": "7", "DB_PASSWORD": " pw ", "REDIS_PASSWORD": " rpw"}
	padded := map[string]string{}
	for k, v := range plain {
		padded[k] = v
		if !strings.Contains(k, "PASSWORD") {
			padded[k] = " " + v + "\t"
		}
	}
	want, err := Load(env(plain))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(env(padded))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("padded values load as\n%+v\nwant\n%+v", got, want)
	}
	if got.DBPassword != " pw " || got.redisSecrets[0] != " rpw" {
		t.Errorf("passwords %q, %q: want them as set", got.DBPassword, got.redisSecrets[0])
	}
}

// TestListenAddrsIPv6: the listen addresses take an IPv6 host in brackets, as
// net.Listen does.
func TestListenAddrsIPv6(t *testing.T) {
	for _, name := range []string{"ORIGIN_ADDR", "SNAPSHOTTER_ADDR", "PUBLIC_ADDR"} {
		for _, v := range []string{"[::1]:8090", "[::]:80", "[2001:db8::1]:443"} {
			if _, err := Load(env(map[string]string{name: v})); err != nil {
				t.Errorf("%s=%s: %v", name, v, err)
			}
		}
		if _, err := Load(env(map[string]string{name: "::1:8090"})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=::1:8090 (no brackets): err = %v, want one naming %s", name, err, name)
		}
	}
}

func TestCheckInterval(t *testing.T) {
	if err := CheckInterval("STATUS_UPDATE_INTERVAL", 899*time.Second, 900*time.Second); err != nil {
		t.Errorf("899 below 900: %v", err)
	}
	for _, iv := range []time.Duration{900 * time.Second, 901 * time.Second} {
		err := CheckInterval("config:status_interval", iv, 900*time.Second)
		want := fmt.Sprintf("config:status_interval=%d must be below STATUS_CACHE_TTL=900", int(iv.Seconds()))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("interval %v: err = %v, want %q", iv, err, want)
		}
	}
}

// TestProbeCap: one cap for the whole deployment, the probe's interval with a probe or
// with a worlds file (where any world may be probed), none without either.
func TestProbeCap(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want time.Duration
	}{
		{"no probe, no worlds file", nil, 0},
		{"probe", map[string]string{"GAME_SERVER_ADDR": "127.0.0.1:7777", "STATUS_PROBE_INTERVAL": "5"}, 5 * time.Second},
		{"worlds file without the variables' probe", map[string]string{WorldsEnv: "/etc/statusedge/worlds.yml", "STATUS_PROBE_INTERVAL": "7"}, 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.ProbeCap(); got != tc.want {
				t.Errorf("ProbeCap() = %s, want %s", got, tc.want)
			}
		})
	}
}
