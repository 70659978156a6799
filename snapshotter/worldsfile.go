package main

import (
	"database/sql"
	"log/slog"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
	"statusedge/internal/worlds"
)

// loadWorlds is the worlds of this deployment: those of STATUS_WORLDS_FILE, else legacy
// alone, built from today's variables (and today's keys, files and URLs).
func loadWorlds(getenv func(string) string, cfg config.Config, legacy worldSetup) ([]worldSetup, error) {
	path := getenv(worlds.Env)
	if path == "" {
		return []worldSetup{legacy}, nil
	}
	ws, err := worlds.Load(path, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]worldSetup, len(ws))
	for i, w := range ws {
		out[i] = worldSetup{
			layout: snapshot.Deployment(cfg.Deployment).World(w.ID), nameEN: w.Name.EN, nameRU: w.Name.RU,
			openDB: func(timeout time.Duration, log *slog.Logger) (*sql.DB, error) {
				return w.OpenDB(cfg, timeout, telemetry.MySQLLogger(log))
			},
			table: w.Table, players: w.PlayersQuery, probe: w.Probe, probing: w.Probing, webhook: w.WebhookURL,
		}
	}
	return out, nil
}

// loadPlans reads the maintenance file (STATUS_MAINTENANCE_FILE; no windows without one)
// for the worlds of setups, and returns its watch, which the running snapshotter checks
// again every maintenance.Reread. A bad file stops the snapshotter at start, like a bad
// worlds file.
func loadPlans(getenv func(string) string, setups []worldSetup) (*maintenance.FileWatch, error) {
	ids := make([]string, len(setups))
	for i, s := range setups {
		ids[i] = s.layout.World
	}
	return maintenance.WatchFile(getenv(maintenance.Env), ids, time.Now)
}
