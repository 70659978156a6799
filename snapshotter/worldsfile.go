package main

import "statusedge/internal/config"

// loadWorlds is the worlds of this deployment: legacy alone until the worlds file lands.
func loadWorlds(getenv func(string) string, cfg config.Config, legacy worldSetup) ([]worldSetup, error) {
	return []worldSetup{legacy}, nil
}
