// Package worlds reads the worlds file (STATUS_WORLDS_FILE): the game worlds one
// deployment publishes, each with its own `constants`, game server, player count and
// webhook. The file is validated whole at start, and a bad one is refused with one line
// naming the file, the world and the field, so that a typo never publishes a world from
// the wrong database or probes the wrong server. The rules of each field are those of the
// environment variable it stands for (internal/config, envvar, players, notify, probe).
package worlds

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"go.yaml.in/yaml/v3"

	"statusedge/internal/yamlfile"

	"statusedge/internal/config"
	"statusedge/internal/envvar"
	"statusedge/internal/notify"
	"statusedge/internal/players"
	"statusedge/internal/probe"
)

// Env names the worlds file.
const Env = config.WorldsEnv

// MaxWorlds bounds the file. Every world adds a value to each world-labelled metric
// (Prometheus series stay bounded only if the label values are) and its own documents
// and their per-second names to STATUS_DIR; a hundred worlds is far past any game
// project's, so more is a generated file gone wrong.
const MaxWorlds = 100

// DefaultTable is the constants table's name when a world names none.
const DefaultTable = "constants"

// Names is a world's display name.
type Names struct {
	EN string `json:"en" yaml:"en"`
	RU string `json:"ru" yaml:"ru"`
}

// maxNameChars bounds a display name: it is a card title on the status page.
const maxNameChars = 64

// World is one game world of the file, validated.
type World struct {
	ID   string // [a-z0-9-], 1..32 characters, unique in the file
	Name Names  // both required, non-empty, at most 64 characters each
	// Where its `constants` live: exactly one of DSN (its own MySQL server, a go-sql-driver DSN;
	// a secret: never in an error or a log) or Schema (a database on the shared server of the
	// DB_* variables). Table is the constants table's name, "constants" by default
	// ([A-Za-z0-9_]{1,64}).
	DSN, Schema, Table string
	// Probe: the game server's addresses (host:port each, same rules as GAME_SERVER_ADDR via
	// internal/envvar) and probe kind (tcp|banner, default the GAME_SERVER_PROBE value);
	// interval, timeout and failures come from the environment's probe config. Probing is
	// false when the world lists no address.
	Probe   probe.Config
	Probing bool
	// PlayersQuery: optional; must pass players.Validate (one read-only SELECT).
	PlayersQuery string
	// WebhookURL: optional; must pass notify.CheckURL; never in an error or log.
	WebhookURL string
	// TelegramChat: optional; the Telegram chat this world posts to instead of
	// STATUS_TELEGRAM_CHAT_ID (notify.CheckChat).
	TelegramChat string
}

var (
	// A first character that is not "-": the id is a segment of its documents' paths,
	// and the edge contract's segments start with [a-z0-9] (nginx.DocPattern).
	idRule     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	tableRule  = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	schemaRule = regexp.MustCompile(`^[A-Za-z0-9_$-]{1,64}$`)
)

// The file's shape. Each struct is decoded with KnownFields, so a key it does not list
// (a typo, or a setting this version does not have) is refused, not ignored.
type (
	fileYAML struct {
		Worlds []worldYAML `yaml:"worlds"`
	}
	worldYAML struct {
		ID           string          `yaml:"id"`
		Name         Names           `yaml:"name"`
		Database     *databaseYAML   `yaml:"database"`
		GameServer   *gameServerYAML `yaml:"game_server"`
		PlayersQuery string          `yaml:"players_query"`
		WebhookURL   string          `yaml:"webhook_url"`
		TelegramChat string          `yaml:"telegram_chat_id"`
	}
	databaseYAML struct {
		DSN    string `yaml:"dsn"`
		Schema string `yaml:"schema"`
		Table  string `yaml:"table"`
	}
	gameServerYAML struct {
		Addr addrList `yaml:"addr"`
		Kind string   `yaml:"kind"`
	}
)

// addrList is game_server.addr: a YAML list of host:port, or one comma-separated string
// as GAME_SERVER_ADDR takes it.
type addrList struct {
	set     bool
	entries []string
}

// UnmarshalYAML takes a scalar or a list of scalars.
func (a *addrList) UnmarshalYAML(n *yaml.Node) error {
	a.set = true
	switch n.Kind {
	case yaml.ScalarNode:
		a.entries = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				break
			}
			a.entries = append(a.entries, c.Value)
		}
		if len(a.entries) == len(n.Content) {
			return nil
		}
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: game_server.addr: want a list of host:port (or one comma-separated string)", n.Line)}}
}

// Load reads and validates the file at path. base is the environment's config: its probe
// config gives each world's probe interval, timeout, failures and default kind.
func Load(path string, base config.Config) ([]World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err // the path is in the prefix already
		}
		return nil, fmt.Errorf("%s %s: %w", Env, path, err)
	}
	return Parse(path, data, base)
}

// Parse is Load's validation of the file's bytes (name is used in errors).
func Parse(name string, data []byte, base config.Config) ([]World, error) {
	ws, err := parse(data, base)
	if err != nil {
		// One line: the program prints it at start, and a log line per error is the rule.
		msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
		return nil, fmt.Errorf("%s %s: %s", Env, name, msg)
	}
	return ws, nil
}

func parse(data []byte, base config.Config) ([]World, error) {
	var f fileYAML
	top, err := yamlfile.Decode(data, "worlds file", "a mapping holding worlds: (a list)", &f)
	if te := (*yaml.TypeError)(nil); errors.As(err, &te) {
		return nil, typeError(te.Errors[0], top)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Worlds) == 0 {
		return nil, errors.New("worlds: empty or missing; list at least one world")
	}
	if len(f.Worlds) > MaxWorlds {
		return nil, fmt.Errorf("worlds: %d listed, at most %d", len(f.Worlds), MaxWorlds)
	}
	out := make([]World, 0, len(f.Worlds))
	seen := map[string]int{}
	for i, y := range f.Worlds {
		w, err := y.world(base)
		who := worldLabel(i, y.ID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", who, err)
		}
		if first, dup := seen[w.ID]; dup {
			return nil, fmt.Errorf("%s: id: also the id of world #%d; ids must be unique", who, first+1)
		}
		seen[w.ID] = i
		out = append(out, w)
	}
	return out, nil
}

// ValidID reports whether id is a world id by the file's rule: what else may be named
// like a world's folder or copy in STATUS_DIR is never taken for one.
func ValidID(id string) bool { return idRule.MatchString(id) }

// worldLabel names world i (0-based) in errors: by its id when the id is good, else by
// its place in the list, counted from 1.
func worldLabel(i int, id string) string {
	if idRule.MatchString(id) {
		return fmt.Sprintf("world %q", id)
	}
	return fmt.Sprintf("world #%d", i+1)
}

// world validates one entry of the file.
func (y worldYAML) world(base config.Config) (World, error) {
	w := World{ID: y.ID, Name: Names{EN: strings.TrimSpace(y.Name.EN), RU: strings.TrimSpace(y.Name.RU)}}
	switch {
	case y.ID == "":
		return World{}, errors.New("id: missing; want [a-z0-9-], 1 to 32 characters")
	case !idRule.MatchString(y.ID):
		return World{}, fmt.Errorf(`id %q: want [a-z0-9-], 1 to 32 characters, the first not "-"`, y.ID)
	}
	for _, n := range []struct{ field, v string }{{"name.en", w.Name.EN}, {"name.ru", w.Name.RU}} {
		if err := checkName(n.v); err != nil {
			return World{}, fmt.Errorf("%s: %w", n.field, err)
		}
	}
	if err := y.Database.apply(&w); err != nil {
		return World{}, err
	}
	if err := y.GameServer.apply(&w, base.Probe); err != nil {
		return World{}, err
	}
	if q := strings.TrimSpace(y.PlayersQuery); q != "" {
		if err := players.Validate(q); err != nil {
			return World{}, fmt.Errorf("players_query: %w", err)
		}
		w.PlayersQuery = q
	}
	if u := strings.TrimSpace(y.WebhookURL); u != "" {
		if _, err := notify.CheckURL(u); err != nil {
			// CheckURL names its variable; here the field is the name. Its message
			// never holds the URL.
			return World{}, fmt.Errorf("webhook_url: %s", strings.TrimPrefix(err.Error(), notify.Env+": "))
		}
		w.WebhookURL = u
	}
	if c := strings.TrimSpace(y.TelegramChat); c != "" {
		if err := notify.CheckChat(c); err != nil {
			return World{}, fmt.Errorf("telegram_chat_id: %w", err)
		}
		w.TelegramChat = c
	}
	return w, nil
}

func checkName(v string) error {
	if v == "" {
		return errors.New("missing; want a display name")
	}
	if n := utf8.RuneCountInString(v); n > maxNameChars {
		return fmt.Errorf("%d characters, at most %d", n, maxNameChars)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("holds the unprintable character %U", r)
		}
	}
	return nil
}

// apply validates database into w.
func (d *databaseYAML) apply(w *World) error {
	if d == nil {
		return errors.New("database: missing; want {schema: NAME} (on the DB_* server) or {dsn: DSN}")
	}
	dsn, schema := strings.TrimSpace(d.DSN), strings.TrimSpace(d.Schema)
	switch {
	case dsn == "" && schema == "":
		return errors.New("database: want one of dsn or schema, neither is set")
	case dsn != "" && schema != "":
		return errors.New("database: want one of dsn or schema, not both")
	case schema != "":
		if !schemaRule.MatchString(schema) {
			return fmt.Errorf("database.schema %q: want letters, digits, _, $ or -, 1 to 64 characters", schema)
		}
		w.Schema = schema
	default:
		mc, err := mysql.ParseDSN(dsn)
		if err != nil {
			return fmt.Errorf("database.dsn: not a MySQL DSN (value not shown: it may hold a password): %s", scrubDSN(err.Error(), dsn))
		}
		if mc.DBName == "" {
			return errors.New("database.dsn: names no database; want user:password@tcp(host:port)/dbname")
		}
		w.DSN = dsn
	}
	w.Table = DefaultTable
	if t := strings.TrimSpace(d.Table); t != "" {
		if !tableRule.MatchString(t) {
			return fmt.Errorf("database.table %q: want [A-Za-z0-9_], 1 to 64 characters", t)
		}
		w.Table = t
	}
	return nil
}

// apply validates game_server into w, with the environment's probe pace.
func (g *gameServerYAML) apply(w *World, env probe.Config) error {
	w.Probe = probe.Config{Kind: env.Kind, Interval: env.Interval, Timeout: env.Timeout, Failures: env.Failures}
	if g == nil {
		return nil
	}
	if g.Kind != "" {
		k, err := probe.ParseKind(strings.TrimSpace(g.Kind))
		if err != nil {
			return fmt.Errorf("game_server.kind %q: %w", g.Kind, err)
		}
		w.Probe.Kind = k
	}
	// game_server written without an address is a probe half set up: say so rather
	// than publish the world as never probed.
	if !g.Addr.set || len(g.Addr.entries) == 0 {
		return errors.New("game_server.addr: missing; list host:port (leave game_server out for no probe)")
	}
	targets, err := envvar.HostPorts("game_server.addr", strings.Join(g.Addr.entries, ","))
	if err != nil {
		return err
	}
	w.Probe.Targets = targets
	w.Probing = true
	return nil
}

// typeError turns the first of yaml's decoding errors ("line N: field x not found in
// type worlds.databaseYAML") into one that names the world and the field. doc is the
// file's top mapping.
func typeError(msg string, doc *yaml.Node) error {
	// A DSN or a webhook URL may be what yaml could not decode: no value is quoted.
	line, what, top := yamlfile.Explain(msg, []yamlfile.Section{{V: fileYAML{}}, {V: worldYAML{}}, {Name: "name", V: Names{}},
		{Name: "database", V: databaseYAML{}}, {Name: "game_server", V: gameServerYAML{}}}, "deploy/worlds.example.yml", true)
	i, w := worldAt(doc, line)
	if w == nil || top {
		return errors.New(what)
	}
	id := ""
	for k := 0; k+1 < len(w.Content); k += 2 {
		if w.Content[k].Value == "id" && w.Content[k+1].Kind == yaml.ScalarNode {
			id = w.Content[k+1].Value
		}
	}
	return fmt.Errorf("%s: %s", worldLabel(i, id), what)
}

// worldAt finds the entry of worlds: that holds line, and its index; nil when the line
// is outside every world.
func worldAt(doc *yaml.Node, line int) (int, *yaml.Node) {
	for k := 0; k+1 < len(doc.Content); k += 2 {
		if doc.Content[k].Value != "worlds" || doc.Content[k+1].Kind != yaml.SequenceNode {
			continue
		}
		found, at := -1, (*yaml.Node)(nil)
		for i, w := range doc.Content[k+1].Content {
			if w.Line <= line {
				found, at = i, w
			}
		}
		if at != nil && at.Kind == yaml.MappingNode && line <= lastLine(at) {
			return found, at
		}
	}
	return -1, nil
}

// lastLine is the last line n or anything inside it starts on.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	return last
}
