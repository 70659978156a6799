package snapshot

import (
	"encoding/json"
	"fmt"
)

// Badge names in STATUS_DIR.
const (
	// BadgeFileName is the badge of the current snapshot beside status.json.
	BadgeFileName = "badge.json"
	// BadgePrefix starts a badge's block names in STATUS_DIR: b<level>-<index>.json,
	// the same blocks as the snapshot's.
	BadgePrefix = "b"
)

// badge is a shields.io endpoint badge (https://shields.io/badges/endpoint-badge).
type badge struct {
	SchemaVersion int    `json:"schemaVersion"`
	Label         string `json:"label"`
	Message       string `json:"message"`
	Color         string `json:"color"`
}

const badgeLabel = "game server"

func encodeBadge(b badge) []byte {
	out, err := json.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("encode badge: %v", err)) // four plain fields never fail
	}
	return out
}

// Badge is the shields.io endpoint JSON for s while it is fresh: its status word, so the
// badge says what the status says (maintenance during a window, as the Statuspage
// documents do).
func (s Snapshot) Badge() []byte {
	switch s.Status {
	case StatusMaintenance:
		return encodeBadge(badge{1, badgeLabel, StatusMaintenance, "blue"})
	case StatusOnline:
		return encodeBadge(badge{1, badgeLabel, StatusOnline, "brightgreen"})
	}
	return encodeBadge(badge{1, badgeLabel, StatusOffline, "red"})
}

// StaleBadge is the badge served once the snapshot is past its freshness: neither
// online nor offline is known.
func StaleBadge() []byte {
	return encodeBadge(badge{1, badgeLabel, "stale", "lightgrey"})
}
