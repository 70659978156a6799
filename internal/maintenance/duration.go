package maintenance

import (
	"fmt"
	"strings"
	"time"
)

// Human prints d for an operator: its two largest whole units of days, hours, minutes and
// seconds ("3311 days 9 h", "7 days 1 s", "22 h 58 min"), rounded down to the second. Go's
// own form (79473h39m54.125933402s) is exact and unreadable at a glance.
func Human(d time.Duration) string {
	if d < 0 {
		return "-" + Human(-d)
	}
	if d < time.Second {
		return "0 s"
	}
	s := int64(d / time.Second)
	units := []struct {
		n    int64
		name string
	}{{s / 86400, " days"}, {s % 86400 / 3600, " h"}, {s % 3600 / 60, " min"}, {s % 60, " s"}}
	var parts []string
	for _, u := range units {
		if u.n == 0 {
			continue
		}
		name := u.name
		if u.n == 1 && name == " days" {
			name = " day"
		}
		if parts = append(parts, fmt.Sprintf("%d%s", u.n, name)); len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, " ")
}
