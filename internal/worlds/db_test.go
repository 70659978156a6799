package worlds

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
)

// TestMySQLConfig: what OpenDB connects with, without a server.
func TestMySQLConfig(t *testing.T) {
	base := baseConfig(t)
	ws, err := Parse("worlds.yml", []byte(goodFile), base)
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 7 * time.Second
	tests := []struct {
		world                      World
		user, passwd, addr, dbName string
	}{
		// A schema world: the shared server of DB_*, its own database.
		{ws[0], "status", "shared-" + secret, "db.internal:3307", "tz_x1"},
		// A DSN world: its own user, password, address and database.
		{ws[1], "reader", secret, "10.0.0.5:3306", "tz_x50"},
	}
	for _, tt := range tests {
		t.Run(tt.world.ID, func(t *testing.T) {
			mc, err := tt.world.mysqlConfig(base, timeout)
			if err != nil {
				t.Fatal(err)
			}
			if mc.User != tt.user || mc.Passwd != tt.passwd || mc.Net != "tcp" || mc.Addr != tt.addr || mc.DBName != tt.dbName {
				t.Errorf("connects as %s@%s(%s)/%s, want %s@tcp(%s)/%s", mc.User, mc.Net, mc.Addr, mc.DBName, tt.user, tt.addr, tt.dbName)
			}
			if mc.Timeout != timeout || mc.ReadTimeout != timeout || mc.WriteTimeout != timeout {
				t.Errorf("timeouts dial %v read %v write %v, want %v each", mc.Timeout, mc.ReadTimeout, mc.WriteTimeout, timeout)
			}
			if dsn := mc.FormatDSN(); !strings.Contains(dsn, "charset=utf8mb4") {
				t.Errorf("DSN %s: no charset=utf8mb4", strings.ReplaceAll(dsn, tt.passwd, "xxxxx"))
			}
		})
	}

	// A DSN's own timeouts and charset give way; its other parameters stay.
	w := World{ID: "own", DSN: "u:p@tcp(h:1)/db?timeout=90s&readTimeout=1h&charset=latin1&parseTime=true", Table: "constants"}
	mc, err := w.mysqlConfig(base, timeout)
	if err != nil {
		t.Fatal(err)
	}
	dsn := mc.FormatDSN()
	if mc.Timeout != timeout || mc.ReadTimeout != timeout || !mc.ParseTime || !strings.Contains(dsn, "charset=utf8mb4") || strings.Contains(dsn, "latin1") {
		t.Errorf("DSN with its own settings became %s", dsn)
	}
	if got, want := w.DBAddr(base), "h:1/db.constants"; got != want {
		t.Errorf("DBAddr = %q, want %q", got, want)
	}
	if got, want := ws[0].DBAddr(base), "db.internal:3307/tz_x1.constants"; got != want {
		t.Errorf("DBAddr = %q, want %q", got, want)
	}
}

// TestOpenDBRefusesWithoutPassword: a World built by hand with a bad DSN is refused by
// OpenDB without its password, however the DSN is broken.
func TestOpenDBRefusesWithoutPassword(t *testing.T) {
	base := baseConfig(t)
	for _, dsn := range []string{
		"u:" + secret + "@tcp(h:1",
		"u:" + secret + "@tcp(h:1)/db?parseTime=" + secret,
		"u:" + secret + "@tcp(h:1)/db?allowNativePasswords=" + secret + "x",
		"u:" + secret + "tcp(h:1)",
	} {
		db, err := World{ID: "bad", DSN: dsn}.OpenDB(base, time.Second, nil)
		if err == nil {
			db.Close()
			t.Errorf("OpenDB accepted a broken DSN")
			continue
		}
		if msg := err.Error(); strings.Contains(msg, secret) || !strings.HasPrefix(msg, `world "bad": database.dsn: `) {
			t.Errorf("OpenDB error %q: want it to name the world and field, without the password", msg)
		}
	}
}

// TestOpenDB reads `constants` through a schema world and a DSN world on a real MariaDB.
func TestOpenDB(t *testing.T) {
	m := harnesstest.MariaDB(t)
	harnesstest.DB(t, m, "tz_x1", "CREATE TABLE constants (Name VARCHAR(64) PRIMARY KEY, Value VARCHAR(255)); "+
		"INSERT INTO constants VALUES ('rate_xp', 'x1'), ('name', 'Классика');")
	harnesstest.DB(t, m, "tz_x50", "CREATE TABLE server_constants (Name VARCHAR(64) PRIMARY KEY, Value VARCHAR(255)); "+
		"INSERT INTO server_constants VALUES ('rate_xp', 'x50');")
	// The shared server points at another database: the schema world must not read it.
	base, err := config.Load(harnesstest.Env(map[string]string{
		"DB_HOST": m.Host, "DB_PORT": strconv.Itoa(m.Port), "DB_USER": "root", "DB_NAME": "tzserver", "STATUS_NGINX_CONF": "none",
	}))
	if err != nil {
		t.Fatal(err)
	}
	file := "worlds:\n" +
		"  - {id: x1, name: {en: A, ru: Б}, database: {schema: tz_x1}}\n" +
		"  - {id: x50, name: {en: C, ru: Д}, database: {dsn: \"root@tcp(" + m.Addr() + ")/tz_x50\", table: server_constants}}\n"
	ws, err := Parse("worlds.yml", []byte(file), base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		w          World
		rate, name string
	}{{ws[0], "x1", "Классика"}, {ws[1], "x50", ""}} {
		t.Run(tt.w.ID, func(t *testing.T) {
			db, err := tt.w.OpenDB(base, 5*time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var rate string
			if err := db.QueryRowContext(ctx, "SELECT Value FROM `"+tt.w.Table+"` WHERE Name = 'rate_xp'").Scan(&rate); err != nil {
				t.Fatal(err)
			}
			if rate != tt.rate {
				t.Errorf("rate_xp = %q, want %q", rate, tt.rate)
			}
			if tt.name == "" {
				return
			}
			// Russian text arrives whole: the connection is utf8mb4.
			var name string
			if err := db.QueryRowContext(ctx, "SELECT Value FROM constants WHERE Name = 'name'").Scan(&name); err != nil {
				t.Fatal(err)
			}
			if name != tt.name {
				t.Errorf("name = %q, want %q", name, tt.name)
			}
		})
	}
}
