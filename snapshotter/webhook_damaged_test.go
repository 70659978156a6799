package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/notify"
	"statusedge/internal/snapshot"
)

// TestWebhookDamagedStateRebuilt: the webhook's state key holds what no snapshotter
// wrote (a truncated value, a hand edit) when the leader starts. The key is rebuilt as a
// new deployment's would be (the first verdict recorded, not sent), so the next flip is
// delivered; before, the notifier waited forever for "Redis to answer" (it did: with
// garbage) and no flip was ever posted. The log names the key.
func TestWebhookDamagedStateRebuilt(t *testing.T) {
	t.Parallel() // servers of its own; it counts messages, it times nothing
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rdb.Set(ctx, snapshot.KeyWebhook, `{"online":"garbage"`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	g := harnesstest.GameServer(t, true)
	rc, url := newReceiver(t, http.StatusNoContent)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["GAME_SERVER_ADDR"], env["GAME_SERVER_PROBE"] = g.Addr, "tcp"
	env["STATUS_PROBE_INTERVAL"], env["STATUS_PROBE_TIMEOUT"], env["STATUS_PROBE_FAILURES"] = "1", "1", "2"
	env["STATUS_WEBHOOK_URL"], env["STATUS_WEBHOOK_MIN_GAP"] = url, "0"
	f := startFleet(t, bin, env, 1, 0)
	store := snapshot.NewStore(rdb)
	leader := leaderOf(t, f, 10*time.Second)
	// The first verdict (online) is recorded over the garbage: a state that decodes.
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(50*time.Millisecond, snapshot.KeyWebhook), func(ctx context.Context) error {
		raw, err := rdb.Get(ctx, snapshot.KeyWebhook).Bytes()
		if err != nil {
			return err
		}
		var st notify.State
		if err := json.Unmarshal(raw, &st); err != nil || !st.Online {
			return fmt.Errorf("%s holds %s (%v): want an online state recorded", snapshot.KeyWebhook, raw, err)
		}
		return nil
	})
	g.Close()
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "the receiver's deliveries"), func(context.Context) error {
		if _, d := rc.counts(); len(d) == 0 {
			return fmt.Errorf("no message delivered yet")
		}
		return nil
	})
	waitRounds(t, store, 2*time.Second, new(false), 15*time.Second)
	if _, d := rc.counts(); len(d) != 1 || d[0].online {
		t.Errorf("delivered %+v, want exactly one offline message", d)
	}
	if logs := leader.Logs(); !strings.Contains(logs, snapshot.KeyWebhook) || !strings.Contains(logs, "rebuilt") {
		t.Errorf("the log does not say that %s was rebuilt:\n%s", snapshot.KeyWebhook, logs)
	}
}
