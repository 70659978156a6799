package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// TestDebugShowsProbeTargets: the public answer says only whether each target answered;
// the debug output shows the round the snapshotter stored in Redis, with the targets'
// addresses and errors, and says so when Redis holds none.
func TestDebugShowsProbeTargets(t *testing.T) {
	s := newStack(t)
	const addr, reason = "10.1.2.3:7777", "dial tcp 10.1.2.3:7777: connect: connection refused"
	at := time.Now().UTC().Truncate(time.Second)
	round := snapshot.ProbeRound{At: at, Online: new(false), Targets: []snapshot.ProbeResult{{Addr: addr, LatencyMS: 1, Error: reason}}}
	snap := worldstate.Published(s.build(t, at.Add(-5*time.Second)).WithProbe(round), nil, nil)
	store := snapshot.NewStore(s.RDB)
	ctx := context.Background()
	if err := store.Put(ctx, snap.Encode(), time.Minute); err != nil {
		t.Fatal(err)
	}
	o := startOrigin(t, s.Env)

	st := get(t, o.url+"/server/status")
	if st.code != 200 || st.status(t).Cache.Source != "redis" {
		t.Fatalf("status: %d %s", st.code, st.body)
	}
	for _, leak := range []string{"10.1.2.3", "connection refused", `"addr"`, `"error"`} {
		if strings.Contains(string(st.body), leak) {
			t.Errorf("/server/status holds %s:\n%s", leak, st.body)
		}
	}

	debugProbe := func() probeState {
		t.Helper()
		var d debugInfo
		if err := json.Unmarshal(get(t, o.url+"/server/status/debug").body, &d); err != nil || d.Probe == nil {
			t.Fatalf("debug probe: %+v, %v", d.Probe, err)
		}
		return *d.Probe
	}
	if p := debugProbe(); p.Online || len(p.Targets) != 0 || !strings.Contains(p.RoundError, snapshot.KeyProbeRound) {
		t.Errorf("no round in Redis: probe = %+v, want no targets and a round_error naming %s", p, snapshot.KeyProbeRound)
	}
	if err := store.PutProbeRound(ctx, round, time.Minute); err != nil {
		t.Fatal(err)
	}
	p := debugProbe()
	if p.Online || !p.CheckedAt.Equal(at) || p.RoundAt == nil || !p.RoundAt.Equal(at) || p.RoundError != "" ||
		len(p.Targets) != 1 || p.Targets[0] != round.Targets[0] {
		t.Errorf("probe = %+v, want offline checked and rounded at %v with %+v", p, at, round.Targets)
	}
}
