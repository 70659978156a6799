package snapshot

import "time"

// ProbeResult is one target's answer in a game-server probe round, as ops see it: its
// address and why it failed. Game servers often sit on internal addresses, so a
// ProbeResult never reaches the public snapshot (see ProbeTarget); it is kept for ops in
// Redis (KeyProbeRound) and shown by the origin's debug output and the snapshotter's
// /healthz.
type ProbeResult struct {
	Addr string `json:"addr"`
	OK   bool   `json:"ok"`
	// LatencyMS is the time to the answer, or to the failure, in whole milliseconds.
	LatencyMS int64 `json:"latency_ms"`
	// Error says why the target failed; empty when OK.
	Error string `json:"error"`
}

// ProbeRound is one round of the game-server probe: when it started, every target's
// answer, and the probe's verdict after it.
type ProbeRound struct {
	At time.Time `json:"at"`
	// Online is the verdict after this round; nil (null) until the probe's first verdict,
	// while the snapshot keeps the database's word.
	Online  *bool         `json:"online"`
	Targets []ProbeResult `json:"targets"`
}

// ProbeTarget is what the public snapshot tells of one target in the last round:
// whether it answered, and how fast. No address, no error text.
type ProbeTarget struct {
	OK        bool  `json:"ok"`
	LatencyMS int64 `json:"latency_ms"`
}

// WithProbe returns s as the probe's round last saw the game server. A round without a
// verdict keeps the database's word (ServerStatus) but still shows the round. Freshness
// (UpdatedAt, FreshUntil) never changes here: a probe round is not a database read. The
// status word is left as it was: the publish gives it (worldstate.Published).
func (s Snapshot) WithProbe(r ProbeRound) Snapshot {
	if r.Online != nil {
		s.Online = *r.Online
	} else {
		s.Online = s.ServerStatus != 0
	}
	s.CheckedAt = r.At.UTC().Truncate(time.Second)
	s.Probe = make([]ProbeTarget, len(r.Targets))
	for i, t := range r.Targets {
		s.Probe[i] = ProbeTarget{OK: t.OK, LatencyMS: t.LatencyMS}
	}
	return s
}
