package main

import (
	"database/sql"
	"log/slog"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/maintenance"
	"statusedge/internal/telemetry"
	"statusedge/internal/worlds"
)

// loadWorlds is the worlds of this deployment as worlds.Deployment loads them (legacy
// alone without a worlds file), in the snapshotter's terms.
func loadWorlds(getenv func(string) string, cfg config.Config, legacy worlds.World) ([]worldSetup, error) {
	srcs, err := worlds.Deployment(getenv, cfg, legacy)
	if err != nil {
		return nil, err
	}
	out := make([]worldSetup, len(srcs))
	for i, w := range srcs {
		out[i] = worldSetup{
			layout: w.Layout, nameEN: w.Name.EN, nameRU: w.Name.RU,
			openDB: func(timeout time.Duration, log *slog.Logger) (*sql.DB, error) {
				return w.OpenDB(cfg, timeout, telemetry.MySQLLogger(log))
			},
			table: w.Table, players: w.PlayersQuery, probe: w.Probe, probing: w.Probing, webhook: w.WebhookURL,
			telegramChat: w.TelegramChat,
		}
	}
	return out, nil
}

// loadPlans reads the maintenance file (STATUS_MAINTENANCE_FILE; no windows without one)
// for the worlds of setups, and returns its watch, which the running snapshotter checks
// again every maintenance.Reread. A bad file stops the snapshotter at start, like a bad
// worlds file.
func loadPlans(getenv func(string) string, setups []worldSetup) (*maintenance.FileWatch, error) {
	return maintenance.WatchFile(getenv(maintenance.Env), worldIDs(setups), time.Now)
}

// worldIDs is the ids of the worlds of setups, in their order.
func worldIDs(setups []worldSetup) []string {
	ids := make([]string, len(setups))
	for i, s := range setups {
		ids[i] = s.layout.World
	}
	return ids
}
