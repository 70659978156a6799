package worlds

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/probe"
)

const secret = "s3cr3t-Pw"

// baseConfig is an environment with a probe pace of its own, so that a test sees it merged.
func baseConfig(t *testing.T) config.Config {
	t.Helper()
	c, err := config.Load(harnesstest.Env(map[string]string{
		"DB_HOST": "db.internal", "DB_PORT": "3307", "DB_USER": "status", "DB_PASSWORD": "shared-" + secret,
		"DB_NAME": "tzserver", "STATUS_NGINX_CONF": "none",
		"GAME_SERVER_ADDR": "10.9.9.9:1", "GAME_SERVER_PROBE": "banner",
		"STATUS_PROBE_INTERVAL": "10", "STATUS_PROBE_TIMEOUT": "4", "STATUS_PROBE_FAILURES": "3",
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const goodFile = `
# three worlds: two on the shared server, one on its own
worlds:
  - id: x1
    name: {en: "Classic x1", ru: "Классика x1"}
    database: {schema: tz_x1}
    game_server: {addr: ["127.0.0.1:7777", "127.0.0.1:7778"], kind: tcp}
    players_query: "SELECT COUNT(*) FROM characters WHERE online = 1"
  - id: x50
    name:
      en: Fast x50
      ru: Быстрый x50
    database:
      dsn: "reader:` + secret + `@tcp(10.0.0.5:3306)/tz_x50"
      table: server_constants
    game_server:
      addr: 10.0.0.5:7777, 10.0.0.6:7777
    webhook_url: "https://discord.com/api/webhooks/1/abc"
  - id: test-server
    name: {en: Test, ru: Тест}
    database: {schema: tz_test}
`

func TestParseGood(t *testing.T) {
	base := baseConfig(t)
	got, err := Parse("worlds.yml", []byte(goodFile), base)
	if err != nil {
		t.Fatal(err)
	}
	pace := func(kind probe.Kind, targets ...string) probe.Config {
		return probe.Config{Targets: targets, Kind: kind, Interval: 10 * time.Second, Timeout: 4 * time.Second, Failures: 3}
	}
	want := []World{
		{
			ID: "x1", Name: Names{EN: "Classic x1", RU: "Классика x1"}, Schema: "tz_x1", Table: "constants",
			Probe: pace(probe.TCP, "127.0.0.1:7777", "127.0.0.1:7778"), Probing: true,
			PlayersQuery: "SELECT COUNT(*) FROM characters WHERE online = 1",
		},
		{
			ID: "x50", Name: Names{EN: "Fast x50", RU: "Быстрый x50"},
			DSN: "reader:" + secret + "@tcp(10.0.0.5:3306)/tz_x50", Table: "server_constants",
			// No kind: GAME_SERVER_PROBE's. A comma-separated string as GAME_SERVER_ADDR takes it.
			Probe: pace(probe.Banner, "10.0.0.5:7777", "10.0.0.6:7777"), Probing: true,
			WebhookURL: "https://discord.com/api/webhooks/1/abc",
		},
		{
			// No game_server: not probed, and GAME_SERVER_ADDR is not inherited.
			ID: "test-server", Name: Names{EN: "Test", RU: "Тест"}, Schema: "tz_test", Table: "constants",
			Probe: pace(probe.Banner), Probing: false,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", got, want)
	}
	// Printing a world, as a careless log line would, shows neither secret.
	for _, w := range got {
		if s := w.String(); strings.Contains(s, secret) || strings.Contains(s, "webhooks") {
			t.Errorf("String() = %q: holds a secret", s)
		}
	}
}

// TestParseRefused: every bad file is refused with one line naming the file, the world
// and the field, and no secret.
func TestParseRefused(t *testing.T) {
	base := baseConfig(t)
	// world wraps one world's lines (after "- id: ") in a valid file with a good first world.
	world := func(lines string) string {
		return "worlds:\n  - id: ok\n    name: {en: OK, ru: OK}\n    database: {schema: ok}\n  - " + lines
	}
	const good = "name: {en: A, ru: Б}\n    database: {schema: tz}\n"
	tests := []struct {
		name, file string
		want       string // the whole message after "STATUS_WORLDS_FILE /etc/statusedge/worlds.yml: "
	}{
		{"unknown key at the top", "worlds:\n  - id: a\n    " + good + "colour: red\n",
			`unknown key "colour" (line 5); want worlds`},
		{"unknown key in a world", world("id: x50\n    " + good + "    rates: 50\n"),
			`world "x50": unknown key "rates" (line 8); want id, name, database, game_server, players_query, webhook_url, telegram_chat_id`},
		{"unknown key in name", world("id: x50\n    name: {en: A, ru: Б, de: C}\n    database: {schema: tz}\n"),
			`world "x50": name: unknown key "de" (line 6); want en, ru`},
		{"unknown key in database", world("id: x50\n    name: {en: A, ru: Б}\n    database: {schema: tz, host: db2}\n"),
			`world "x50": database: unknown key "host" (line 7); want dsn, schema, table`},
		{"unknown key in game_server", world("id: x50\n    " + good + "    game_server: {addr: [\"h:1\"], port: 2}\n"),
			`world "x50": game_server: unknown key "port" (line 8); want addr, kind`},
		{"unknown key in a world with a bad id", world("id: X50\n    " + good + "    rates: 50\n"),
			`world #2: unknown key "rates" (line 8); want id, name, database, game_server, players_query, webhook_url, telegram_chat_id`},
		{"duplicate id", world("id: ok\n    " + good),
			`world "ok": id: also the id of world #1; ids must be unique`},
		{"uppercase id", world("id: X1\n    " + good), `world #2: id "X1": want [a-z0-9-], 1 to 32 characters, the first not "-"`},
		{"space in id", world("id: \"x 1\"\n    " + good), `world #2: id "x 1": want [a-z0-9-], 1 to 32 characters, the first not "-"`},
		{"dot in id", world("id: x.1\n    " + good), `world #2: id "x.1": want [a-z0-9-], 1 to 32 characters, the first not "-"`},
		{"leading dash", world("id: \"-x\"\n    " + good), `world #2: id "-x": want [a-z0-9-], 1 to 32 characters, the first not "-"`},
		{"id too long", world("id: " + strings.Repeat("a", 33) + "\n    " + good),
			`world #2: id "` + strings.Repeat("a", 33) + `": want [a-z0-9-], 1 to 32 characters, the first not "-"`},
		{"empty id", world("id: \"\"\n    " + good), `world #2: id: missing; want [a-z0-9-], 1 to 32 characters`},
		{"no id", world(good), `world #2: id: missing; want [a-z0-9-], 1 to 32 characters`},
		{"name.en missing", world("id: x1\n    name: {ru: Б}\n    database: {schema: tz}\n"),
			`world "x1": name.en: missing; want a display name`},
		{"name.ru blank", world("id: x1\n    name: {en: A, ru: \"  \"}\n    database: {schema: tz}\n"),
			`world "x1": name.ru: missing; want a display name`},
		{"name too long", world("id: x1\n    name: {en: A, ru: " + strings.Repeat("ж", 65) + "}\n    database: {schema: tz}\n"),
			`world "x1": name.ru: 65 characters, at most 64`},
		{"database missing", world("id: x1\n    name: {en: A, ru: Б}\n"),
			`world "x1": database: missing; want {schema: NAME} (on the DB_* server) or {dsn: DSN}`},
		{"database without dsn or schema", world("id: x1\n    name: {en: A, ru: Б}\n    database: {table: c}\n"),
			`world "x1": database: want one of dsn or schema, neither is set`},
		{"both dsn and schema", world("id: x1\n    name: {en: A, ru: Б}\n    database: {schema: a, dsn: \"u:" + secret + "@tcp(h:1)/db\"}\n"),
			`world "x1": database: want one of dsn or schema, not both`},
		{"unparsable dsn", world("id: x1\n    name: {en: A, ru: Б}\n    database: {dsn: \"u:" + secret + "@tcp(h:1\"}\n"),
			`world "x1": database.dsn: not a MySQL DSN (value not shown: it may hold a password): invalid DSN: missing the slash separating the database name`},
		{"dsn with a bad parameter", world("id: x1\n    name: {en: A, ru: Б}\n    database: {dsn: \"u:" + secret + "@tcp(h:1)/db?parseTime=" + secret + "\"}\n"),
			`world "x1": database.dsn: not a MySQL DSN (value not shown: it may hold a password): invalid bool value: xxxxx`},
		{"dsn without a database", world("id: x1\n    name: {en: A, ru: Б}\n    database: {dsn: \"u:" + secret + "@tcp(h:1)/\"}\n"),
			`world "x1": database.dsn: names no database; want user:password@tcp(host:port)/dbname`},
		{"dsn not a string", world("id: x1\n    name: {en: A, ru: Б}\n    database: {dsn: {user: u}}\n"),
			`world "x1": cannot unmarshal !!map into string (line 7)`},
		{"database a string", world("id: x1\n    name: {en: A, ru: Б}\n    database: \"u:" + secret + "@tcp(h:1)/db\"\n"),
			`world "x1": cannot unmarshal !!str into worlds.databaseYAML (line 7)`},
		{"bad schema", world("id: x1\n    name: {en: A, ru: Б}\n    database: {schema: \"tz/x1\"}\n"),
			`world "x1": database.schema "tz/x1": want letters, digits, _, $ or -, 1 to 64 characters`},
		{"bad table", world("id: x1\n    name: {en: A, ru: Б}\n    database: {schema: tz, table: \"constants; DROP\"}\n"),
			`world "x1": database.table "constants; DROP": want [A-Za-z0-9_], 1 to 64 characters`},
		{"table too long", world("id: x1\n    name: {en: A, ru: Б}\n    database: {schema: tz, table: " + strings.Repeat("t", 65) + "}\n"),
			`world "x1": database.table "` + strings.Repeat("t", 65) + `": want [A-Za-z0-9_], 1 to 64 characters`},
		{"addr without a port", world("id: x1\n    " + good + "    game_server: {addr: [\"h:1\", \"h2\"]}\n"),
			`world "x1": game_server.addr="h:1,h2": "h2": want host:port: address h2: missing port in address`},
		{"addr listed twice", world("id: x1\n    " + good + "    game_server: {addr: \"h:1, h:1\"}\n"),
			`world "x1": game_server.addr="h:1, h:1": "h:1" listed twice`},
		{"addr a map", world("id: x1\n    " + good + "    game_server: {addr: {h: 1}}\n"),
			`world "x1": game_server.addr: want a list of host:port (or one comma-separated string) (line 8)`},
		{"addr missing", world("id: x1\n    " + good + "    game_server: {kind: tcp}\n"),
			`world "x1": game_server.addr: missing; list host:port (leave game_server out for no probe)`},
		{"addr empty", world("id: x1\n    " + good + "    game_server: {addr: []}\n"),
			`world "x1": game_server.addr: missing; list host:port (leave game_server out for no probe)`},
		{"unknown probe kind", world("id: x1\n    " + good + "    game_server: {addr: [\"h:1\"], kind: udp}\n"),
			`world "x1": game_server.kind "udp": want "tcp" or "banner"`},
		{"players query DELETE", world("id: x1\n    " + good + "    players_query: DELETE FROM x\n"),
			`world "x1": players_query: want exactly one read-only SELECT statement: it starts with DELETE, not SELECT`},
		{"players query two statements", world("id: x1\n    " + good + "    players_query: \"SELECT 1; SELECT 2\"\n"),
			`world "x1": players_query: want exactly one read-only SELECT statement: it holds more than one statement (a ';' before the end)`},
		{"webhook not http", world("id: x1\n    " + good + "    webhook_url: \"ftp://" + secret + "@example.com/hook\"\n"),
			`world "x1": webhook_url: want an http:// or https:// URL with a host (value not shown: it is a secret)`},
		{"webhook without a host", world("id: x1\n    " + good + "    webhook_url: \"https:///" + secret + "\"\n"),
			`world "x1": webhook_url: want an http:// or https:// URL with a host (value not shown: it is a secret)`},
		{"telegram chat not a chat", world("id: x1\n    " + good + "    telegram_chat_id: \"t.me/phoenix\"\n"),
			`world "x1": telegram_chat_id: want a chat's number (-100... for a channel) or @channelname, got "t.me/phoenix"`},
		{"no worlds", "worlds: []\n", `worlds: empty or missing; list at least one world`},
		{"worlds missing", "# nothing yet\n{}\n", `worlds: empty or missing; list at least one world`},
		{"empty file", "", `empty; want a mapping holding worlds: (a list)`},
		{"too many worlds", manyWorlds(101), `worlds: 101 listed, at most 100`},
		{"not YAML", "worlds:\n  - id: x1\n   name: [\n", `not YAML: line 1: did not find expected '-' indicator`},
		{"not a mapping", "- id: x1\n", `not a worlds file; want a mapping holding worlds: (a list)`},
		{"two documents", "worlds: []\n---\nworlds: []\n", `holds more than one YAML document (---); want one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("/etc/statusedge/worlds.yml", []byte(tt.file), base)
			if err == nil {
				t.Fatalf("Parse = %v, want an error", got)
			}
			want := "STATUS_WORLDS_FILE /etc/statusedge/worlds.yml: " + tt.want
			if err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, secret) || strings.Contains(msg, "s3cr") {
				t.Errorf("error %q: want one line without the secret", msg)
			}
		})
	}
}

// manyWorlds is a file of n good worlds.
func manyWorlds(n int) string {
	var b strings.Builder
	b.WriteString("worlds:\n")
	for i := range n {
		b.WriteString("  - {id: w" + strconv.Itoa(i) + ", name: {en: A, ru: Б}, database: {schema: s}}\n")
	}
	return b.String()
}

// TestTelegramChat: a world's chat is a number (as YAML writes it, unquoted) or
// @channelname.
func TestTelegramChat(t *testing.T) {
	for v, want := range map[string]string{"-1001234567890": "-1001234567890", "\"@phoenix_status\"": "@phoenix_status", "42": "42"} {
		ws, err := Parse("w.yml", []byte("worlds:\n  - {id: x1, name: {en: A, ru: Б}, database: {schema: s}, telegram_chat_id: "+v+"}\n"), baseConfig(t))
		if err != nil || ws[0].TelegramChat != want {
			t.Errorf("telegram_chat_id: %s = %+v, %v; want %q", v, ws, err, want)
		}
	}
}

func TestParseMaxWorlds(t *testing.T) {
	ws, err := Parse("w.yml", []byte(manyWorlds(MaxWorlds)), baseConfig(t))
	if err != nil || len(ws) != MaxWorlds {
		t.Fatalf("Parse of %d worlds = %d worlds, %v", MaxWorlds, len(ws), err)
	}
}

func TestLoad(t *testing.T) {
	base := baseConfig(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "worlds.yml")
	if err := os.WriteFile(path, []byte(goodFile), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, err := Load(path, base)
	if err != nil || len(ws) != 3 {
		t.Fatalf("Load = %d worlds, %v; want 3", len(ws), err)
	}

	missing := filepath.Join(dir, "nope.yml")
	if _, err := Load(missing, base); err == nil || err.Error() != "STATUS_WORLDS_FILE "+missing+": no such file or directory" {
		t.Errorf("Load of a missing file: %v", err)
	}
	notYAML := filepath.Join(dir, "worlds.json")
	if err := os.WriteFile(notYAML, []byte("{\"worlds\": [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(notYAML, base); err == nil || !strings.HasPrefix(err.Error(), "STATUS_WORLDS_FILE "+notYAML+": not YAML: ") {
		t.Errorf("Load of a broken file: %v", err)
	}
}

// TestExample: deploy/worlds.example.yml, the file operators copy, is a good worlds file.
func TestExample(t *testing.T) {
	ws, err := Load(filepath.Join(harnesstest.ModuleRoot(t), "deploy", "worlds.example.yml"), baseConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	if got := strings.Join(ids, " "); got != "x1 x50 pvp-season" {
		t.Errorf("example worlds %s", got)
	}
}
