package probe

import "time"

// Config is the validated probe environment (spec: Configuration). internal/config reads
// and checks it with every other setting, so that its defaults live in one place.
type Config struct {
	Targets  []string      // GAME_SERVER_ADDR, host:port each
	Kind     Kind          // GAME_SERVER_PROBE
	Interval time.Duration // STATUS_PROBE_INTERVAL
	Timeout  time.Duration // STATUS_PROBE_TIMEOUT, at most Interval
	Failures int           // STATUS_PROBE_FAILURES
}
