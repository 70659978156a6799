package probe

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"statusedge/internal/envvar"
)

// Config is the validated probe environment (spec: Configuration).
type Config struct {
	Targets  []string      // GAME_SERVER_ADDR, host:port each
	Kind     Kind          // GAME_SERVER_PROBE
	Interval time.Duration // STATUS_PROBE_INTERVAL
	Timeout  time.Duration // STATUS_PROBE_TIMEOUT, at most Interval
	Failures int           // STATUS_PROBE_FAILURES
}

// Names lists every environment variable LoadConfig reads.
func Names() []string {
	return []string{"GAME_SERVER_ADDR", "GAME_SERVER_PROBE", "STATUS_PROBE_INTERVAL", "STATUS_PROBE_TIMEOUT", "STATUS_PROBE_FAILURES"}
}

// LoadConfig reads the probe environment. The bool is false when GAME_SERVER_ADDR is
// empty: no probe is configured. The other variables are validated even then, because a
// bad value is a mistake the operator should hear about at start, not when the probe is
// switched on later. The error names the variable at fault.
func LoadConfig(getenv func(string) string) (Config, bool, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var c Config
	var err error
	if c.Kind, err = parseKind(get("GAME_SERVER_PROBE", string(TCP))); err != nil {
		return Config{}, false, err
	}
	if c.Interval, err = envvar.Seconds("STATUS_PROBE_INTERVAL", get("STATUS_PROBE_INTERVAL", "15")); err != nil {
		return Config{}, false, err
	}
	if c.Timeout, err = envvar.Seconds("STATUS_PROBE_TIMEOUT", get("STATUS_PROBE_TIMEOUT", "3")); err != nil {
		return Config{}, false, err
	}
	// A round that may outlast the interval would make the pace a lie. Equal is allowed:
	// durations are whole seconds, and a 1-s interval needs a 1-s deadline; a round that
	// runs a little long only drops a tick (Loop never queues rounds).
	if c.Timeout > c.Interval {
		return Config{}, false, fmt.Errorf("STATUS_PROBE_TIMEOUT=%d must not exceed STATUS_PROBE_INTERVAL=%d, or a round can outlast the interval",
			int(c.Timeout.Seconds()), int(c.Interval.Seconds()))
	}
	failures := get("STATUS_PROBE_FAILURES", "2")
	if c.Failures, err = strconv.Atoi(failures); err != nil || c.Failures <= 0 {
		return Config{}, false, fmt.Errorf("STATUS_PROBE_FAILURES=%q: want a whole number of rounds above 0", failures)
	}
	addrs := strings.TrimSpace(getenv("GAME_SERVER_ADDR"))
	if addrs == "" {
		return c, false, nil
	}
	if c.Targets, err = envvar.HostPorts("GAME_SERVER_ADDR", addrs); err != nil {
		return Config{}, false, err
	}
	return c, true, nil
}

func parseKind(v string) (Kind, error) {
	switch k := Kind(strings.ToLower(v)); k {
	case TCP, Banner:
		return k, nil
	}
	return "", fmt.Errorf("GAME_SERVER_PROBE=%q: want %q or %q", v, TCP, Banner)
}
