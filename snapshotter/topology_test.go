package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/replica"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// originAnswer is what the test needs of GET /server/status.
type originAnswer struct {
	FreshUntil time.Time `json:"fresh_until"`
	Cache      struct {
		Source string `json:"source"`
		Stale  bool   `json:"stale"`
	} `json:"_cache"`
}

func askOrigin(addr string) (int, originAnswer, error) {
	var a originAnswer
	resp, body, _, err := harnesstest.Send(&http.Client{Timeout: 2 * time.Second}, http.MethodGet, "http://"+addr+"/server/status", nil)
	if err != nil {
		return 0, a, err
	}
	if resp.StatusCode == http.StatusOK {
		err = json.Unmarshal(body, &a)
	}
	return resp.StatusCode, a, err
}

// newerSnapshot polls rdb until server:status holds a snapshot newer than after.
func newerSnapshot(t *testing.T, rdb redis.UniversalClient, after time.Time, timeout time.Duration) ([]byte, snapshot.Snapshot) {
	t.Helper()
	var b []byte
	var s snapshot.Snapshot
	harnesstest.Eventually(t, timeout, harnesstest.Every(20*time.Millisecond, "Redis"), func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		var err error
		if b, err = rdb.Get(ctx, snapshot.KeyStatus).Bytes(); err != nil {
			return fmt.Errorf("get %s: %w", snapshot.KeyStatus, err)
		}
		if s, err = snapshot.Parse(b); err != nil {
			return fmt.Errorf("%s: %w", snapshot.KeyStatus, err)
		}
		if !s.UpdatedAt.After(after) {
			return fmt.Errorf("updated_at %v, want newer than %v", s.UpdatedAt, after)
		}
		return nil
	})
	return b, s
}

// TestFleetSentinel: the master dies mid-run; publishes resume on the promoted replica,
// the origin keeps answering, and nothing stale is presented as fresh.
func TestFleetSentinel(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	s := harnesstest.Sentinel(t)
	f := startFleet(t, bin, fleetEnv(db, map[string]string{
		"REDIS_SENTINEL_ADDRS": strings.Join(s.Addrs(), ","), "REDIS_MASTER_NAME": s.MasterName,
	}), 2, 1)
	master := redis.NewClient(&redis.Options{Addr: s.Master.Addr()})
	t.Cleanup(func() { master.Close() })
	_, before := newerSnapshot(t, master, time.Time{}, 10*time.Second)

	// The origin is asked all along, in the background of the failover.
	stop := make(chan struct{})
	failures := make(chan string, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			code, a, err := askOrigin(f.Edges[0].OriginAddr)
			switch {
			case err != nil:
				failures <- err.Error()
			case code != http.StatusOK:
				failures <- http.StatusText(code)
			case !a.Cache.Stale && !time.Now().Before(a.FreshUntil):
				failures <- "a snapshot past fresh_until presented as fresh"
			}
		}
	}()

	if err := s.Master.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	promoted, err := s.WaitNewMaster(s.Master.Addr(), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	replica := redis.NewClient(&redis.Options{Addr: promoted})
	t.Cleanup(func() { replica.Close() })
	_, after := newerSnapshot(t, replica, before.UpdatedAt, 30*time.Second)
	t.Logf("master killed; new master %s; publishes resumed %v later (updated_at %v)", promoted, time.Since(killed), after.UpdatedAt)
	// And they go on.
	newerSnapshot(t, replica, after.UpdatedAt, 3*fleetInterval*time.Second)
	close(stop)
	<-done
	close(failures)
	for msg := range failures {
		t.Errorf("origin during failover: %s", msg)
	}
}

// TestFleetCluster: on a three-master Cluster the snapshotters and the origin work
// unchanged: one leader publishes, the follower copies, the origin answers from Redis.
func TestFleetCluster(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	c := harnesstest.Cluster(t)
	f := startFleet(t, bin, fleetEnv(db, map[string]string{"REDIS_CLUSTER_ADDRS": strings.Join(c.Addrs(), ",")}), 2, 1)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { rdb.Close() })

	_, first := newerSnapshot(t, rdb, time.Time{}, 10*time.Second)
	data, _ := newerSnapshot(t, rdb, first.UpdatedAt, 3*fleetInterval*time.Second)
	sameEverywhere(t, f, data, time.Second)
	leaderOf(t, f, 5*time.Second)
	code, a, err := askOrigin(f.Edges[0].OriginAddr)
	if err != nil || code != http.StatusOK || a.Cache.Source != "redis" {
		t.Errorf("origin on Cluster: %d %+v %v; want an answer from Redis", code, a, err)
	}
	// config:status_interval lives on another node than server:status; the leader reads it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, snapshot.KeyInterval, "30", 0).Err(); err != nil {
		t.Fatal(err)
	}
	m := leaderOf(t, f, 5*time.Second)
	harnesstest.Eventually(t, 3*replica.IntervalPoll, harnesstest.Every(50*time.Millisecond, "the leader's /debug"), func(context.Context) error {
		d, err := memberDebug(m)
		if err != nil {
			return err
		}
		if d.NextRefreshDue == nil || d.LocalUpdatedAt == nil || d.NextRefreshDue.Sub(*d.LocalUpdatedAt) <= 10*time.Second {
			return fmt.Errorf("leader's next refresh after config:status_interval=30: %+v", d)
		}
		return nil
	})
}

// TestLiveInterval: with interval 600, config:status_interval set to the lowest value the
// contract accepts takes effect at once: the next publish within 3 s (the refresh being
// past due), then one per new interval.
func TestLiveInterval(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	pubs := watchPublishes(t, rdb)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_UPDATE_INTERVAL"], env["STATUS_CACHE_TTL"] = "600", "900"
	startFleet(t, bin, env, 2, 0)
	_, _, firstAt := pubs.next(t, 10*time.Second)

	every := snapshot.MinInterval
	// Set it once the new interval has passed since the first publish: due at once.
	time.Sleep(time.Until(firstAt.Add(every))) // the behaviour under test is timed: the refresh must be past due
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, snapshot.KeyInterval, int(every.Seconds()), 0).Err(); err != nil {
		t.Fatal(err)
	}
	set := time.Now()
	_, _, at := pubs.next(t, 3*time.Second)
	t.Logf("first publish %v after config:status_interval=%d", at.Sub(set), int(every.Seconds()))
	for range 2 {
		_, _, next := pubs.next(t, every+time.Second)
		if gap := next.Sub(at); gap < every-500*time.Millisecond || gap > every+500*time.Millisecond {
			t.Errorf("publishes %v apart, want %v", gap, every)
		}
		at = next
	}
}

// TestFollowerCatchesUpWithoutMessage: a snapshot that reaches Redis without its pub/sub
// message (the follower's subscription dropped, a Redis restart) reaches every
// follower's STATUS_DIR within the periodic check. The leader is paused meanwhile: a
// leader puts its own snapshot back over any it did not write.
func TestFollowerCatchesUpWithoutMessage(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_UPDATE_INTERVAL"], env["STATUS_CACHE_TTL"] = "600", "900"
	f := startFleet(t, bin, env, 2, 0)
	_, first := newerSnapshot(t, rdb, time.Time{}, 10*time.Second)
	leader := leaderOf(t, f, 5*time.Second)
	if err := leader.Process.Pause(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := leader.Process.Resume(); err != nil {
			t.Error(err)
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Drop every subscription, then write a newer snapshot with no message at all.
	if err := rdb.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	snap := first
	snap.UpdatedAt = first.UpdatedAt.Add(time.Second)
	snap.FreshUntil = first.FreshUntil.Add(time.Second)
	snap.Seq = first.Seq + 1
	data := snap.Encode()
	if err := rdb.Set(ctx, snapshot.KeyStatus, data, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	harnesstest.Eventually(t, followCheck(fleetLease*time.Second)+time.Second, harnesstest.Every(5*time.Millisecond, "the followers' STATUS_DIRs"), func(context.Context) error {
		for _, m := range f.Snapshotters {
			if m == leader {
				continue
			}
			b, _, err := snapshot.ReadFile(m.StatusDir)
			if err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if !bytes.Equal(b, data) {
				return fmt.Errorf("%s: status.json %s, want the unannounced snapshot", m.Name, b)
			}
		}
		return nil
	})
	t.Logf("unannounced snapshot in every follower's STATUS_DIR after %v (check every %v)", time.Since(start), followCheck(fleetLease*time.Second))
	for _, m := range f.Snapshotters {
		if m == leader {
			continue
		}
		if _, err := os.Stat(filepath.Join(nginx.DocDir(m.StatusDir, nginx.StatusDoc), nginx.LastName)); err != nil {
			t.Errorf("%s: served tree not written: %v", m.Name, err)
		}
	}
}
