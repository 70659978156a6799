package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/config"
	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/worlds"
)

// command runs an operator's subcommand (`snapshotter maintenance ...`,
// `snapshotter incident ...`) against the deployment the environment describes: its
// Redis and its worlds (STATUS_WORLDS_FILE), with no lease and no database.
func command(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	setups, err := loadWorlds(getenv, cfg, worlds.Legacy(cfg, "", ""))
	if err != nil {
		return err
	}
	const timeout = 5 * time.Second
	rdb := cfg.Redis.Client(timeout)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	switch name {
	case "maintenance":
		// The file's windows are only shown (list) and named (end): a missing or bad file
		// is said, and the command line's windows are still started, ended and listed.
		plans, fileErr := loadPlans(getenv, setups)
		stores := map[string]*maintenance.Store{}
		files := map[string]maintenance.Schedule{}
		for _, s := range setups {
			stores[s.layout.World] = maintenance.NewStore(rdb, s.layout.Maintenance)
			files[s.layout.World] = plans.Schedule(s.layout.World)
		}
		return maintenanceCommand(ctx, args, stores, files, fileErr, time.Now, stdout, stderr)
	case "incident": // no maintenance file needed, nor read
		return incidentCommand(ctx, args, historyStores(rdb, setups), time.Now, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q", name)
}

// historyStores are the worlds' records by world id ("" without a worlds file).
func historyStores(rdb redis.UniversalClient, setups []worldSetup) map[string]*history.Store {
	out := make(map[string]*history.Store, len(setups))
	for _, s := range setups {
		out[s.layout.World] = history.NewStore(rdb, historyKeys(s.layout))
	}
	return out
}

// historyKeys are a world's history keys, for the leader's record and the command line's
// alike: the command line's incidents are split by the same flips as the documents'.
func historyKeys(l snapshot.Layout) history.Keys {
	return history.Keys{Days: l.History, Notes: l.IncidentNotes, Fence: l.Fence, Flips: l.Flips}
}
