package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
)

// The fault tests of issue 19 (Redis faults must not bend what the public sees). They
// read only what a visitor or an operator sees: the public URL through nginx, the
// replicas' /debug and /metrics, their logs. Their views of the JSON are their own, so
// they hold whatever Go types the programs use.

// faultDoc is what the fault tests read of the public status document.
type faultDoc struct {
	UpdatedAt  time.Time `json:"updated_at"`
	CheckedAt  time.Time `json:"checked_at"`
	FreshUntil time.Time `json:"fresh_until"`
	Online     *bool     `json:"online"`
	Probe      []struct {
		OK bool `json:"ok"`
	} `json:"probe"`
	Cache *struct {
		Source string `json:"source"`
		Stale  bool   `json:"stale"`
	} `json:"_cache"`
}

// faultSeen is one answer of an edge's public URL.
type faultSeen struct {
	at     time.Time // when the request was sent
	source string    // X-Status-Source
	doc    faultDoc
}

// before orders answers as the public must see them: by updated_at (a database read),
// then checked_at (a probe round).
func (s faultSeen) before(o faultSeen) bool {
	if !s.doc.UpdatedAt.Equal(o.doc.UpdatedAt) {
		return s.doc.UpdatedAt.Before(o.doc.UpdatedAt)
	}
	return s.doc.CheckedAt.Before(o.doc.CheckedAt)
}

func (s faultSeen) online() bool { return s.doc.Online != nil && *s.doc.Online }

func (s faultSeen) String() string {
	return fmt.Sprintf("updated_at %s checked_at %s online=%v (%s)",
		s.doc.UpdatedAt.Format(time.TimeOnly), s.doc.CheckedAt.Format(time.TimeOnly), s.online(), s.source)
}

// faultGet asks an edge for the status at its public URL; anything but a 200 with a
// probed status is an error.
func faultGet(c *http.Client, addr string) (faultSeen, error) {
	s := faultSeen{at: time.Now()}
	resp, body, _, err := harnesstest.Send(c, http.MethodGet, "http://"+addr+"/api/server/status", nil)
	if err != nil {
		return s, err
	}
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("edge %s: %s %s", addr, resp.Status, body)
	}
	s.source = resp.Header.Get("X-Status-Source")
	if err := json.Unmarshal(body, &s.doc); err != nil {
		return s, fmt.Errorf("edge %s: %w: %s", addr, err, body)
	}
	if s.doc.Online == nil || len(s.doc.Probe) != 1 || s.doc.CheckedAt.IsZero() {
		return s, fmt.Errorf("edge %s: not a probed status: %s", addr, body)
	}
	return s, nil
}

// faultEnv is a fleet's environment: the demo database, Redis at redisURL, a banner probe
// of game every probeEvery seconds (deadline 1 s, 2 failures), and the pace given.
func faultEnv(db *harness.MariaDB, redisURL, game string, interval, ttl, lease, probeEvery int) map[string]string {
	return map[string]string{
		"DB_HOST": db.Host, "DB_PORT": strconv.Itoa(db.Port), "DB_USER": "root", "DB_NAME": "tzserver",
		"REDIS_URL":              redisURL,
		"STATUS_UPDATE_INTERVAL": strconv.Itoa(interval), "STATUS_CACHE_TTL": strconv.Itoa(ttl),
		"STATUS_LEASE":     strconv.Itoa(lease),
		"GAME_SERVER_ADDR": game, "GAME_SERVER_PROBE": "banner",
		"STATUS_PROBE_INTERVAL": strconv.Itoa(probeEvery), "STATUS_PROBE_TIMEOUT": "1", "STATUS_PROBE_FAILURES": "2",
	}
}

// leaderGauges reads statusedge_snapshotter_leader of every member: the members at 1,
// and the fleet's sum.
func leaderGauges(ctx context.Context, f *hstack.Fleet) (leaders []int, sum float64, err error) {
	for i, m := range f.Snapshotters {
		v, err := harness.Metric(ctx, "http://"+m.Addr+"/metrics", "statusedge_snapshotter_leader", nil)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", m.Name, err)
		}
		if v == 1 {
			leaders = append(leaders, i)
		}
		sum += v
	}
	return leaders, sum, nil
}

// faultLeader waits until exactly one member's leader gauge is 1 and the fleet's sum is
// 1, and returns that member's index (also its edge's).
func faultLeader(t *testing.T, f *hstack.Fleet, within time.Duration) int {
	t.Helper()
	var leader int
	harnesstest.Eventually(t, within, harnesstest.Every(100*time.Millisecond, "statusedge_snapshotter_leader of each member"), func(ctx context.Context) error {
		leaders, sum, err := leaderGauges(ctx, f)
		if err != nil {
			return err
		}
		if len(leaders) != 1 || sum != 1 {
			return fmt.Errorf("members at 1: %v, sum %v; want one", leaders, sum)
		}
		leader = leaders[0]
		return nil
	})
	return leader
}

// waitProbedFromDisk waits until an edge serves, from disk, a probed status saying online.
func waitProbedFromDisk(t *testing.T, c *http.Client, addr string, within time.Duration) {
	t.Helper()
	harnesstest.Eventually(t, within, harnesstest.Every(50*time.Millisecond, addr+"/api/server/status"), func(context.Context) error {
		s, err := faultGet(c, addr)
		if err != nil {
			return err
		}
		if s.source != "file" || !s.online() {
			return fmt.Errorf("%s; want online from disk", s)
		}
		return nil
	})
}

// TestFleetPublicRoundsNeverGoBack (issue 19, defect 2): 3 snapshotters, each with its
// own edge, probe every second. For a minute every edge's public URL is read every
// 100 ms, while a follower is SIGSTOPped for 20 s and resumed and the game server is
// closed and reopened three times (once during the pause). At every edge the answers'
// (updated_at, checked_at) never decrease, and no flip is shown undone (an older round's
// online value after a newer one's).
//
// The interval (60 s) outlasts the pause, so that the rounds the paused follower finds
// queued on waking share the updated_at of what Redis holds: the order between them is
// the probe round's alone.
func TestFleetPublicRoundsNeverGoBack(t *testing.T) {
	// A minute of scripted waiting on servers of its own, asserting order only: it runs
	// beside the package's other parallel tests.
	t.Parallel()
	const (
		interval, ttl, lease, probeEvery = 60, 180, 3, 1
		watch                            = 60 * time.Second
		pauseAt, pauseFor                = 20 * time.Second, 20 * time.Second
		poll                             = 100 * time.Millisecond
	)
	bin := fleetBin(t)
	db := demoDB(t)
	r := harnesstest.Redis(t)
	g := harnesstest.GameServer(t, true)
	f := startFleet(t, bin, faultEnv(db, r.URL(), g.Addr, interval, ttl, lease, probeEvery), 3, 3)
	c := &http.Client{Timeout: 5 * time.Second}

	li := faultLeader(t, f, 15*time.Second)
	fi := (li + 1) % len(f.Snapshotters)
	follower := f.Snapshotters[fi]
	for _, e := range f.Edges {
		waitProbedFromDisk(t, c, e.Addr, 15*time.Second)
	}
	closeGame := func() error { g.Close(); return nil }
	schedule := []struct {
		at   time.Duration
		what string
		do   func() error
	}{
		{8 * time.Second, "game server closed", closeGame},
		{14 * time.Second, "game server reopened", g.Open},
		{pauseAt, "SIGSTOP " + follower.Name, follower.Process.Pause},
		{26 * time.Second, "game server closed (follower paused)", closeGame},
		{32 * time.Second, "game server reopened (follower paused)", g.Open},
		{pauseAt + pauseFor, "SIGCONT " + follower.Name, follower.Process.Resume},
		{46 * time.Second, "game server closed", closeGame},
		{52 * time.Second, "game server reopened", g.Open},
	}
	t.Logf("leader %s (edge %d), paused follower %s (edge %d)", f.Snapshotters[li].Name, li, follower.Name, fi)

	seen := make([][]faultSeen, len(f.Edges))
	var getErrs []string
	tick := time.NewTicker(poll)
	defer tick.Stop()
	start := time.Now()
	next := 0
	for now := start; now.Sub(start) < watch; now = <-tick.C {
		for next < len(schedule) && now.Sub(start) >= schedule[next].at {
			if err := schedule[next].do(); err != nil {
				t.Fatalf("%s: %v", schedule[next].what, err)
			}
			t.Logf("+%.1fs %s", time.Since(start).Seconds(), schedule[next].what)
			next++
		}
		for i, e := range f.Edges {
			s, err := faultGet(c, e.Addr)
			if err != nil {
				getErrs = append(getErrs, fmt.Sprintf("+%.1fs edge %d: %v", s.at.Sub(start).Seconds(), i, err))
				continue
			}
			seen[i] = append(seen[i], s)
		}
	}
	if len(getErrs) > 0 {
		t.Errorf("%d public reads failed, the first: %s", len(getErrs), getErrs[0])
	}

	name := func(i int) string {
		switch i {
		case li:
			return fmt.Sprintf("edge %d (%s, leader)", i, f.Snapshotters[i].Name)
		case fi:
			return fmt.Sprintf("edge %d (%s, follower paused 20 s)", i, f.Snapshotters[i].Name)
		}
		return fmt.Sprintf("edge %d (%s, follower)", i, f.Snapshotters[i].Name)
	}
	at := func(s faultSeen) string { return fmt.Sprintf("+%.1fs", s.at.Sub(start).Seconds()) }
	// The paused follower's edge cannot move while it sleeps; every edge moves the rest
	// of the minute, at one round a second.
	wantRounds := int((watch - pauseFor) / (2 * probeEvery * time.Second))
	for i, obs := range seen {
		var back []string
		// undone: each older round shown after a newer one with the other online value,
		// how often it was seen, and when first.
		type spell struct {
			first, last, newer faultSeen
			answers            int
		}
		var undone []*spell
		byRound := map[string]*spell{}
		rounds, offline := 0, false
		newest := 0 // the newest answer so far
		for k := range obs {
			if k > 0 && obs[k].before(obs[k-1]) {
				back = append(back, fmt.Sprintf("%s: %s after %s", at(obs[k]), obs[k], obs[k-1]))
			}
			switch {
			case k == 0:
				rounds++
			case obs[newest].before(obs[k]):
				newest = k
				rounds++
			case obs[k].before(obs[newest]) && obs[k].online() != obs[newest].online():
				key := obs[k].doc.UpdatedAt.String() + obs[k].doc.CheckedAt.String()
				sp := byRound[key]
				if sp == nil {
					sp = &spell{first: obs[k], newer: obs[newest]}
					byRound[key] = sp
					undone = append(undone, sp)
				}
				sp.last = obs[k]
				sp.answers++
			}
			offline = offline || !obs[k].online()
		}
		t.Logf("%s: %d answers, %d rounds moving forward, %d steps back, %d older rounds undoing a flip", name(i), len(obs), rounds, len(back), len(undone))
		if len(back) > 0 {
			t.Errorf("checked_at went backwards %d times at %s:\n  %s", len(back), name(i), strings.Join(firstFew(back), "\n  "))
		}
		if len(undone) > 0 {
			lines := make([]string, len(undone))
			for j, sp := range undone {
				lines[j] = fmt.Sprintf("%s: %s shown for %.1fs (%d answers) after %s", at(sp.first), sp.first, sp.last.at.Sub(sp.first.at).Seconds()+poll.Seconds(), sp.answers, sp.newer)
			}
			t.Errorf("a flip was shown undone at %s by %d older rounds (an older round's online after a newer one's):\n  %s", name(i), len(undone), strings.Join(firstFew(lines), "\n  "))
		}
		// A URL that never moved would pass the order trivially.
		if rounds < wantRounds || !offline {
			t.Errorf("%s showed %d rounds (want at least %d) and offline %v (want the flips): the minute did not reach it", name(i), rounds, wantRounds, offline)
		}
	}
}

// firstFew is at most the first 8 of lines, and how many more there were.
func firstFew(lines []string) []string {
	const n = 8
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n:n], fmt.Sprintf("... and %d more", len(lines)-n))
}

// memberView is what the fault tests read of a replica's GET /debug.
type memberView struct {
	Now  time.Time `json:"now"`
	Role string    `json:"role"`
}

func faultDebug(c *http.Client, m *hstack.Member) (memberView, error) {
	var v memberView
	resp, body, _, err := harnesstest.Send(c, http.MethodGet, "http://"+m.Addr+"/debug", nil)
	if err != nil {
		return v, err
	}
	if resp.StatusCode != http.StatusOK {
		return v, fmt.Errorf("%s /debug: %s", m.Name, resp.Status)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, fmt.Errorf("%s /debug: %w: %s", m.Name, err, body)
	}
	if v.Now.IsZero() {
		return v, fmt.Errorf("%s /debug has no now: %s", m.Name, body)
	}
	return v, nil
}

// restartRedis starts redis-server again on r's port (r was killed), keeping nothing on
// disk like the harness's, and stops it at cleanup.
func restartRedis(t *testing.T, r *harness.Redis) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found: install it with `apt-get install redis-server`: %v", err)
	}
	dir := t.TempDir()
	p, err := harness.StartProcess("redis (restarted)", filepath.Join(dir, "redis.log"), nil, bin,
		"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	if err := harness.WaitListening(p, r.Addr(), 10*time.Second); err != nil {
		t.Fatalf("redis-server again on %s: %v", r.Addr(), err)
	}
}

// TestRedisDownThenGameServerDownShowsOffline (issue 19, defect 3): 2 snapshotters with
// their edges, banner probe every 2 s, lease 3 s. Redis is SIGKILLed; once the leader's
// lease has surely lapsed the game server closes, and the leader's public URL says
// offline within the probe's bound, from a document still inside its fresh window. Then
// Redis comes back on the same port (empty, as after a crash) and the fleet ends with
// exactly one leader within two lease periods, and keeps one for another period. No
// webhook is configured: only the published status is in question.
//
// The bound is TestProbeFlipThroughNginx's (nginx/probe_test.go): failures × interval
// + 1 s, and one more second for a single flip, as that test allows each of its flips:
// 6 s here.
func TestRedisDownThenGameServerDownShowsOffline(t *testing.T) {
	const (
		interval, ttl, lease, probeEvery, failures = 60, 180, 3, 2, 2
		offlineBound                               = failures*probeEvery*time.Second + time.Second
		flipBound                                  = offlineBound + time.Second
		leaseFor                                   = lease * time.Second
	)
	bin := fleetBin(t)
	db := demoDB(t)
	r := harnesstest.Redis(t)
	g := harnesstest.GameServer(t, true)
	f := startFleet(t, bin, faultEnv(db, r.URL(), g.Addr, interval, ttl, lease, probeEvery), 2, 2)
	c := &http.Client{Timeout: 5 * time.Second}

	li := faultLeader(t, f, 15*time.Second)
	leader, edge := f.Snapshotters[li], f.Edges[li]
	waitProbedFromDisk(t, c, edge.Addr, 15*time.Second)

	killed := time.Now()
	if err := r.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// The lease lapses a lease period after its last renewal, which was at most a third
	// of a period before the kill: wait, on the leader's own clock, past both.
	var view memberView
	harnesstest.Eventually(t, 3*leaseFor, harnesstest.Every(100*time.Millisecond, leader.Name+" /debug"), func(context.Context) error {
		v, err := faultDebug(c, leader)
		if err != nil {
			return err
		}
		if since := v.Now.Sub(killed); since < leaseFor+leaseFor/3 {
			return fmt.Errorf("%v since Redis died (role %q), want past the lease", since.Round(time.Millisecond), v.Role)
		}
		view = v
		return nil
	})
	t.Logf("%s %v after Redis died: role %q, log says leadership lost: %v", leader.Name,
		view.Now.Sub(killed).Round(time.Millisecond), view.Role, strings.Contains(leader.Logs(), "leadership lost"))

	g.Close()
	closed := time.Now()
	var last faultSeen
	var lastErr error
	offlineAfter := time.Duration(-1)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for now := closed; now.Sub(closed) <= flipBound; now = <-tick.C {
		s, err := faultGet(c, edge.Addr)
		if err != nil {
			lastErr = err
			continue
		}
		last = s
		if !s.online() {
			offlineAfter = s.at.Sub(closed)
			break
		}
	}
	if offlineAfter < 0 {
		t.Errorf("the leader's edge (%s) did not say offline within %v of the game server closing, Redis down (probe bound %v): last answer %s, its round %v older than the close (Redis died %v before the close); last error %v",
			leader.Name, flipBound, offlineBound, last, closed.Sub(last.doc.CheckedAt).Round(100*time.Millisecond),
			closed.Sub(killed).Round(100*time.Millisecond), lastErr)
	} else {
		t.Logf("the leader's edge said offline %v after the game server closed (bound %v, %v for one flip): %s", offlineAfter.Round(time.Millisecond), offlineBound, flipBound, last)
	}
	// Whatever it said, it said it as current: from disk or the origin, inside fresh_until.
	stale := last.doc.Cache != nil && last.doc.Cache.Stale
	if last.at.IsZero() || last.source == "file-stale" || last.source == "stale" || stale || !last.doc.FreshUntil.After(last.at) {
		t.Errorf("the leader's edge's last answer is not current: X-Status-Source %q, _cache.stale %v, fresh_until %v (asked at %v); last error %v",
			last.source, stale, last.doc.FreshUntil, last.at.UTC(), lastErr)
	}

	restartRedis(t, r)
	restarted := time.Now()
	faultLeader(t, f, 2*leaseFor)
	t.Logf("one leader %v after Redis came back", time.Since(restarted).Round(time.Millisecond))
	// One for another lease period: no second writer appears once both see Redis.
	hold := time.NewTicker(100 * time.Millisecond)
	defer hold.Stop()
	deadline := time.Now().Add(leaseFor)
	for now := time.Now(); now.Before(deadline); now = <-hold.C {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		leaders, sum, err := leaderGauges(ctx, f)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if sum != 1 {
			t.Fatalf("%v after Redis came back: members at 1: %v, leader gauges sum %v; want exactly one leader",
				now.Sub(restarted).Round(time.Millisecond), leaders, sum)
		}
	}
}
