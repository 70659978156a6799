package history

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"statusedge/internal/snapshot"
)

// uptimeBadge is a shields.io endpoint badge (https://shields.io/badges/endpoint-badge):
// these four keys only, since shields rejects unknown ones.
type uptimeBadge struct {
	SchemaVersion int    `json:"schemaVersion"`
	Label         string `json:"label"`
	Message       string `json:"message"`
	Color         string `json:"color"`
}

// UptimeBadges are the shields.io endpoint JSONs of doc's 24-h, 7-day and 30-day
// figures, in the order of snapshot.UptimeSpans.
func UptimeBadges(doc Document) [3][]byte {
	spans := snapshot.UptimeSpans()
	figs := [3]struct {
		pct     *float64
		cover   float64
		minutes int
	}{{doc.Uptime.H24, doc.Coverage.H24, minutes24h}, {doc.Uptime.D7, doc.Coverage.D7, minutes7d}, {doc.Uptime.D30, doc.Coverage.D30, minutes30d}}
	var out [3][]byte
	for i, f := range figs {
		out[i] = UptimeBadge("uptime "+spans[i], f.pct, f.cover, f.minutes)
	}
	return out
}

// UptimeBadge is the shields.io endpoint JSON of an uptime figure ("uptime 24h",
// "99.93%"), coloured as Upptime's badges are, which players know. It says how much of
// its window of minutes the figure stands on (cover, Coverage's) when that is not all
// of it: "99.93% (3 h of data)"; "n/a" in grey when pct is nil with some data (under
// MinCoverage), "no data" with none.
func UptimeBadge(label string, pct *float64, cover float64, minutes int) []byte {
	b := uptimeBadge{SchemaVersion: 1, Label: label, Message: "no data", Color: "lightgrey"}
	switch {
	case pct != nil:
		b.Message = strconv.FormatFloat(*pct, 'f', 2, 64) + "%"
		b.Color = uptimeColor(*pct)
		if cover < 0.99 {
			b.Message += " (" + dataSpan(int(math.Round(cover*float64(minutes)))) + " of data)"
		}
	case cover > 0:
		b.Message = "n/a"
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("encode uptime badge: %v", err)) // four plain fields never fail
	}
	return out
}

// dataSpan is an amount of recorded minutes in a badge's few characters.
func dataSpan(m int) string {
	switch {
	case m < 60:
		return strconv.Itoa(m) + " min"
	case m < 48*60:
		return strconv.Itoa(m/60) + " h"
	default:
		return strconv.Itoa(m/(24*60)) + " days"
	}
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
