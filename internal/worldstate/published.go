package worldstate

import (
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
)

// word is the status word of a world whose probe (or, before its first verdict, the
// database) says online, under the window active at the moment (nil outside one):
// maintenance in a window whatever the probe sees, else online or offline. The one rule
// of the word: the status document (Published, Read), its badge and At all take it here.
func word(online bool, active *maintenance.Window) string {
	switch {
	case active != nil:
		return snapshot.StatusMaintenance
	case online:
		return snapshot.StatusOnline
	default:
		return snapshot.StatusOffline
	}
}

// Published is s as it is published: under the window active at the publish and the next
// one announced (both nil without a plan, or from Plan.At and Next), its status their word.
// Every snapshot written to Redis or STATUS_DIR goes through here (snapshot.Build and
// WithProbe leave the word alone).
func Published(s snapshot.Snapshot, active, next *maintenance.Window) snapshot.Snapshot {
	s.Maintenance, s.NextMaintenance = active, next
	s.Status = word(s.Online, active)
	return s
}

// Read is a stored status (Redis, STATUS_DIR) as a reader presents it: parsed, its word
// derived from its own online and maintenance, never the stored one (spec: a stored status
// that contradicts them is not believed; one written before the word existed reads as its
// fields say).
func Read(data []byte) (snapshot.Snapshot, error) {
	s, err := snapshot.Parse(data)
	if err != nil {
		return s, err
	}
	return Published(s, s.Maintenance, s.NextMaintenance), nil
}
