package history

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// uptimeBadge is a shields.io endpoint badge (https://shields.io/badges/endpoint-badge):
// these four keys only, since shields rejects unknown ones.
type uptimeBadge struct {
	SchemaVersion int    `json:"schemaVersion"`
	Label         string `json:"label"`
	Message       string `json:"message"`
	Color         string `json:"color"`
}

// UptimeBadge is the shields.io endpoint JSON of an uptime figure ("uptime 24h",
// "99.93%"), coloured as Upptime's badges are, which players know; "no data" in grey
// when pct is nil.
func UptimeBadge(label string, pct *float64) []byte {
	b := uptimeBadge{SchemaVersion: 1, Label: label, Message: "no data", Color: "lightgrey"}
	if pct != nil {
		b.Message = strconv.FormatFloat(*pct, 'f', 2, 64) + "%"
		b.Color = uptimeColor(*pct)
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("encode uptime badge: %v", err)) // four plain fields never fail
	}
	return out
}

// uptimeColor is Upptime's scale.
func uptimeColor(pct float64) string {
	switch {
	case pct > 95:
		return "brightgreen"
	case pct > 90:
		return "green"
	case pct > 85:
		return "yellowgreen"
	case pct > 80:
		return "yellow"
	case pct > 75:
		return "orange"
	default:
		return "red"
	}
}
