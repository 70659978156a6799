package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
	"statusedge/internal/leader"
	"statusedge/internal/lease"
	"statusedge/internal/snapshot"
)

// Fleet timings: short, so that the fleet tests cost about a minute of CI.
const (
	fleetInterval = 2 // STATUS_UPDATE_INTERVAL
	fleetLease    = 2 // STATUS_LEASE
)

// fleetBin builds the programs once per test.
// programs are the snapshotter and origin, built once for this test process.
var programs harness.Programs

func TestMain(m *testing.M) {
	code := m.Run()
	programs.Cleanup()
	os.Exit(code)
}

// fleetBin is the folder of the built snapshotter and origin (built on first use).
func fleetBin(t *testing.T) string { return harnesstest.Built(t, &programs) }

// fleetEnv points the programs at db and the Redis variables in redisEnv.
func fleetEnv(db *harness.MariaDB, redisEnv map[string]string) map[string]string {
	env := map[string]string{
		"DB_HOST": db.Host, "DB_PORT": strconv.Itoa(db.Port), "DB_USER": "root", "DB_NAME": "tzserver",
		"STATUS_UPDATE_INTERVAL": strconv.Itoa(fleetInterval), "STATUS_CACHE_TTL": "60",
		"STATUS_LEASE": strconv.Itoa(fleetLease),
	}
	for k, v := range redisEnv {
		env[k] = v
	}
	return env
}

func startFleet(t *testing.T, bin string, env map[string]string, snapshotters, edges int) *hstack.Fleet {
	t.Helper()
	f, err := hstack.StartFleet(hstack.FleetConfig{Dir: t.TempDir(), Bin: bin, Snapshotters: snapshotters, Edges: edges, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Stop()
		if t.Failed() {
			for _, m := range f.Snapshotters {
				t.Logf("%s log:\n%s", m.Name, m.Logs())
			}
		}
	})
	return f
}

// memberDebug is a replica's GET /debug.
func memberDebug(m *hstack.Member) (debugInfo, error) {
	var d debugInfo
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + m.Addr + "/debug")
	if err != nil {
		return d, err
	}
	defer resp.Body.Close()
	return d, json.NewDecoder(resp.Body).Decode(&d)
}

// leaderOf waits until exactly one live member reports itself leader.
func leaderOf(t *testing.T, f *hstack.Fleet, timeout time.Duration, skip ...*hstack.Member) *hstack.Member {
	t.Helper()
	var leaders []*hstack.Member
	harnesstest.Eventually(t, timeout, harnesstest.Every(10*time.Millisecond, "the members' /debug"), func(context.Context) error {
		leaders = nil
		var names []string
		for _, m := range f.Snapshotters {
			if slices.Contains(skip, m) || m.Process.Exited() {
				continue
			}
			if d, err := memberDebug(m); err == nil && d.Role == leader.RoleLeader {
				leaders = append(leaders, m)
				names = append(names, m.Name)
			}
		}
		if len(leaders) != 1 {
			return fmt.Errorf("leaders %v, want one", names)
		}
		return nil
	})
	return leaders[0]
}

// publishes watches lease.Channel: every snapshot the fleet publishes, in order.
type publishes struct {
	ps *redis.PubSub
	ch <-chan *redis.Message
}

func watchPublishes(t *testing.T, rdb redis.UniversalClient) *publishes {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ps := rdb.Subscribe(ctx, lease.Channel)
	if _, err := ps.Receive(ctx); err != nil { // the subscription confirmation
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return &publishes{ps: ps, ch: ps.Channel()}
}

// next returns the next published snapshot and when it arrived.
func (p *publishes) next(t *testing.T, timeout time.Duration) ([]byte, snapshot.Snapshot, time.Time) {
	t.Helper()
	select {
	case m := <-p.ch:
		at := time.Now()
		s, err := snapshot.Parse([]byte(m.Payload))
		if err != nil {
			t.Fatalf("published bytes are not a snapshot: %v", err)
		}
		return []byte(m.Payload), s, at
	case <-time.After(timeout):
		t.Fatalf("no publish within %v", timeout)
	}
	return nil, snapshot.Snapshot{}, time.Time{}
}

// sameEverywhere waits until every live member's status.json holds data; it returns how
// long that took.
func sameEverywhere(t *testing.T, f *hstack.Fleet, data []byte, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	// A short pace: this measures how soon they agree.
	harnesstest.Eventually(t, timeout, harnesstest.Every(5*time.Millisecond, "the members' STATUS_DIRs"), func(context.Context) error {
		for _, m := range f.Snapshotters {
			if m.Process.Exited() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(m.StatusDir, snapshot.FileName))
			if err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if !bytes.Equal(b, data) {
				return fmt.Errorf("%s: status.json differs from the published snapshot: %s", m.Name, b)
			}
		}
		return nil
	})
	return time.Since(start)
}

func selects(t *testing.T, db *harness.MariaDB) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := db.Selects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFleet runs 3 snapshotters and 2 edges on one Redis: one read per interval for the
// fleet, the same bytes in every STATUS_DIR within a second of each publish, both edges
// serving it from disk; then SIGKILL of the leader (a follower leads within one lease
// period, three times) and SIGSTOP past the lease (the woken one publishes nothing and
// follows).
func TestFleet(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	pubs := watchPublishes(t, rdb)
	f := startFleet(t, bin, fleetEnv(db, map[string]string{"REDIS_URL": r.URL()}), 3, 2)

	// The first publish, then count SELECTs over the next five intervals.
	pubs.next(t, 10*time.Second)
	base := selects(t, db)
	var worstSync time.Duration
	var last snapshot.Snapshot
	const rounds = 5
	for range rounds {
		data, snap, _ := pubs.next(t, 2*fleetInterval*time.Second)
		if !snap.UpdatedAt.After(last.UpdatedAt) {
			t.Errorf("published updated_at %v not after %v", snap.UpdatedAt, last.UpdatedAt)
		}
		last = snap
		worstSync = max(worstSync, sameEverywhere(t, f, data, time.Second))
		for i, e := range f.Edges {
			// status.json is written first, the served names a moment later.
			harnesstest.Eventually(t, time.Second, harnesstest.Every(10*time.Millisecond, fmt.Sprintf("edge %d", i)), func(context.Context) error {
				body, src, err := edgeGet(e.Addr)
				if err != nil {
					t.Fatal(err)
				}
				if src != "file" || !bytes.Equal(body, data) {
					return fmt.Errorf("X-Status-Source %q, body %s; want the published bytes from disk:\n%s", src, body, data)
				}
				return nil
			})
		}
	}
	reads := selects(t, db) - base
	t.Logf("fleet: %d SELECTs over %d intervals; all STATUS_DIRs identical at most %v after a publish", reads, rounds, worstSync)
	if reads < rounds-1 || reads > rounds+1 {
		t.Errorf("MariaDB Com_select grew by %d over %d intervals, want one read per interval (±1)", reads, rounds)
	}

	// SIGKILL the leader three times; restart the killed one each time so three compete.
	var takeovers []time.Duration
	base = selects(t, db)
	start := time.Now()
	for range 3 {
		old := leaderOf(t, f, 5*time.Second)
		killed := time.Now()
		if err := old.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		leaderOf(t, f, 2*fleetLease*time.Second, old)
		took := time.Since(killed)
		takeovers = append(takeovers, took)
		if took > fleetLease*time.Second+500*time.Millisecond {
			t.Errorf("takeover took %v, want within one lease (%ds)", took, fleetLease)
		}
		if err := old.Start(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(takeovers)
	intervals := time.Since(start).Seconds() / fleetInterval
	reads = selects(t, db) - base
	t.Logf("takeover after SIGKILL: %v (median %v); %d SELECTs over %.1f intervals", takeovers, takeovers[1], reads, intervals)
	if float64(reads) > intervals+1 {
		t.Errorf("%d SELECTs over %.1f intervals across takeovers, want at most one per interval", reads, intervals)
	}

	// SIGSTOP the leader past its lease, let a new leader publish, then SIGCONT.
	paused := leaderOf(t, f, 5*time.Second)
	pausedAt := time.Now()
	if err := paused.Process.Pause(); err != nil {
		t.Fatal(err)
	}
	newLeader := leaderOf(t, f, 3*fleetLease*time.Second, paused)
	_, newest, _ := pubs.next(t, 3*fleetInterval*time.Second)
	for {
		_, s, _ := pubs.next(t, 3*fleetInterval*time.Second)
		if s.UpdatedAt.After(newest.UpdatedAt) {
			newest = s
			break // one publish made entirely by the new leader
		}
	}
	logBefore := len(paused.Logs())
	if err := paused.Process.Resume(); err != nil {
		t.Fatal(err)
	}
	// Two intervals after waking: every publish still moves forward, and the woken one
	// follows and wrote nothing to Redis.
	deadline := time.Now().Add(2 * fleetInterval * time.Second)
	for time.Now().Before(deadline) {
		_, s, _ := pubs.next(t, 3*fleetInterval*time.Second)
		if s.UpdatedAt.Before(newest.UpdatedAt) {
			t.Errorf("after SIGCONT an older snapshot (%v) was published over %v", s.UpdatedAt, newest.UpdatedAt)
		}
		newest = s
	}
	d, err := memberDebug(paused)
	if err != nil {
		t.Fatal(err)
	}
	if d.Role != leader.RoleFollower || d.Holder == "" {
		t.Errorf("woken replica: role %q, holder %q; want a follower of the new leader", d.Role, d.Holder)
	}
	if leaderOf(t, f, time.Second) != newLeader {
		t.Error("the lease moved back to the woken replica")
	}
	// A refresh stopped mid-write by SIGSTOP logs its write on waking: one read before the
	// pause is that (its bytes reached Redis before the pause, or were refused, or the
	// publishes above would have gone back); one read after it is a deposed leader writing.
	if after := paused.Logs(); len(after) > logBefore {
		for _, line := range strings.Split(after[logBefore:], "\n") {
			var l struct {
				Msg       string    `json:"msg"`
				UpdatedAt time.Time `json:"updated_at"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "snapshot written" && l.UpdatedAt.After(pausedAt) {
				t.Errorf("the woken replica wrote a snapshot it read after its pause:\n%s", after[logBefore:])
			}
		}
	}
}

// edgeGet fetches the status from an edge: body and X-Status-Source.
func edgeGet(addr string) ([]byte, string, error) {
	resp, b, _, err := harnesstest.Send(&http.Client{Timeout: 5 * time.Second}, http.MethodGet, "http://"+addr+"/api/server/status", nil)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("edge %s: %s", addr, resp.Status)
	}
	return b, resp.Header.Get("X-Status-Source"), nil
}

// demoDB starts a MariaDB holding the demo constants for one fleet test.
func demoDB(t *testing.T) *harness.MariaDB {
	t.Helper()
	db := harnesstest.MariaDB(t)
	harnesstest.DB(t, db, "tzserver", harnesstest.DemoSeed(t))
	return db
}

// watchedRedis starts a single Redis for one fleet test, with a client for the test to
// watch it through.
func watchedRedis(t *testing.T) (*harness.Redis, *redis.Client) {
	t.Helper()
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return r, rdb
}
