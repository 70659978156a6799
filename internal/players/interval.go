package players

import (
	"fmt"
	"strings"
	"time"

	"statusedge/internal/envvar"
)

// IntervalEnv is the variable that sets the players' own pace (issue 30).
const IntervalEnv = "STATUS_PLAYERS_INTERVAL"

// DefaultInterval counts the players once a minute: a day of samples is 1440 records.
const DefaultInterval = 60 * time.Second

// LoadInterval reads STATUS_PLAYERS_INTERVAL: whole seconds, 0..86400; 0 turns the
// sampling off (the count is read with each database read, and none is kept).
func LoadInterval(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(IntervalEnv))
	if v == "" {
		return DefaultInterval, nil
	}
	d, err := envvar.SecondsOrZero(IntervalEnv, v)
	if err == nil && d > 24*time.Hour {
		d, err = 0, fmt.Errorf("%s=%q: want at most 86400 seconds (a day)", IntervalEnv, v)
	}
	return d, err
}
