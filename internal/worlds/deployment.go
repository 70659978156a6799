package worlds

import (
	"database/sql"
	"net"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"

	"statusedge/internal/config"
	"statusedge/internal/snapshot"
)

// Source is one world of a deployment as both programs load it: the world (its database,
// probe, player count and webhook) and its layout (its keys, files and URLs).
type Source struct {
	World
	Layout snapshot.Layout
}

// Legacy is the one world of a deployment without a worlds file, from today's variables:
// the shared server's DB_NAME, the table "constants", the environment's probe.
// playersQuery and webhookURL are STATUS_PLAYERS_QUERY and STATUS_WEBHOOK_URL as the
// caller read and checked them ("" for none: the origin reads neither).
func Legacy(cfg config.Config, playersQuery, webhookURL string) World {
	return World{Schema: cfg.DBName, Table: DefaultTable, Probe: cfg.Probe, Probing: cfg.Probing,
		PlayersQuery: playersQuery, WebhookURL: webhookURL}
}

// Deployment is the worlds of this deployment, each with its layout: those of the worlds
// file (STATUS_WORLDS_FILE, validated whole: a bad file is Load's one line), else legacy
// alone under today's keys, files and URLs. The snapshotter, its operator commands and
// the origin all load their worlds here, so that they never disagree on one.
func Deployment(getenv func(string) string, cfg config.Config, legacy World) ([]Source, error) {
	dep := snapshot.Deployment(cfg.Deployment)
	path := getenv(Env)
	if path == "" {
		return []Source{{World: legacy, Layout: dep.Legacy()}}, nil
	}
	ws, err := Load(path, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]Source, len(ws))
	for i, w := range ws {
		out[i] = Source{World: w, Layout: dep.World(w.ID)}
	}
	return out, nil
}

// OpenDB opens the pool of the source's `constants`: the legacy world's by config's own
// OpenDB (its errors as they always read), a file's world by World.OpenDB.
func (s Source) OpenDB(base config.Config, timeout time.Duration, logger mysql.Logger) (*sql.DB, error) {
	if s.Layout.World == "" {
		return base.OpenDB(timeout, logger)
	}
	return s.World.OpenDB(base, timeout, logger)
}

// DBAddr is where the source's `constants` live, without a password: host:port/db for
// the legacy world (today's debug page), host:port/db.table for a file's world.
func (s Source) DBAddr(base config.Config) string {
	if s.Layout.World == "" {
		return net.JoinHostPort(base.DBHost, strconv.Itoa(base.DBPort)) + "/" + base.DBName
	}
	return s.World.DBAddr(base)
}
