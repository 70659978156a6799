package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
)

// TestPlayersOverTime: a real stack (MariaDB, Redis, a snapshotter, nginx and the
// origin) with STATUS_PLAYERS_INTERVAL=1. Ten changes of characters.online, each a second
// or more apart, appear in order in the players document served by nginx and in the
// status, while visitors read both all along; MariaDB's Com_select grows by the samples
// alone (the refresh interval is longer than the test): no visitor's request reaches MySQL.
func TestPlayersOverTime(t *testing.T) {
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_UPDATE_INTERVAL"], env["STATUS_CACHE_TTL"] = "600", "900"
	env["STATUS_PLAYERS_QUERY"], env["STATUS_PLAYERS_INTERVAL"] = "SELECT COUNT(*) FROM characters WHERE online = 1", "1"
	f := startFleet(t, fleetBin(t), env, 1, 1)
	edge := f.Edges[0].Addr
	root, err := db.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	type doc struct {
		Series [][2]int64 `json:"series"`
	}
	c := &http.Client{Timeout: 2 * time.Second}
	read := func() (doc, snapshot.Snapshot, error) {
		var d doc
		var s snapshot.Snapshot
		for path, v := range map[string]any{"/api/server/players.json": &d, "/api/server/status.json": &s} {
			resp, err := c.Get("http://" + edge + path)
			if err != nil {
				return d, s, err
			}
			err = json.NewDecoder(resp.Body).Decode(v)
			resp.Body.Close()
			if resp.StatusCode != 200 || err != nil {
				return d, s, fmt.Errorf("%s: %d %v", path, resp.StatusCode, err)
			}
		}
		return d, s, nil
	}
	// The seed has 3 of 5 online: the first sample says so.
	harnesstest.Eventually(t, 20*time.Second, harnesstest.Every(100*time.Millisecond, "the first sample"), func(context.Context) error {
		d, s, err := read()
		if err != nil {
			return err
		}
		if len(d.Series) == 0 || d.Series[len(d.Series)-1][1] != 3 || s.Players == nil || *s.Players != 3 || s.PlayersAt == nil {
			return fmt.Errorf("series %v, status players %v", d.Series, s.Players)
		}
		return nil
	})
	before := selects(t, db)
	t0 := time.Now()
	reads := 0
	want := []int64{1, 2, 4, 5, 0, 3, 1, 5, 2, 4}
	for _, n := range want {
		if _, err := root.ExecContext(ctx, "UPDATE characters SET online = (id <= ?)", n); err != nil {
			t.Fatal(err)
		}
		harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(100*time.Millisecond, "the count in the documents"), func(context.Context) error {
			d, s, err := read()
			reads++
			if err != nil {
				return err
			}
			if len(d.Series) == 0 || d.Series[len(d.Series)-1][1] != n {
				return fmt.Errorf("series ends %v, want %d", d.Series[max(0, len(d.Series)-3):], n)
			}
			// The status carries the count the document's last sample has, with its time.
			if s.Players == nil || *s.Players != n || s.PlayersAt == nil || s.PlayersAt.Unix() < d.Series[len(d.Series)-1][0] {
				return fmt.Errorf("status players %v at %v, want %d", s.Players, s.PlayersAt, n)
			}
			return nil
		})
	}
	after := selects(t, db)
	t1 := time.Now()
	// The ten counts, in order, in the document's series.
	d, _, err := read()
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	for _, p := range d.Series {
		if p[0] >= t0.Unix() && (len(seen) == 0 || seen[len(seen)-1] != p[1]) {
			seen = append(seen, p[1])
		}
	}
	if len(seen) > 0 && seen[0] == 3 {
		seen = seen[1:] // samples of the seed's 3 in the second before the first update
	}
	if !slices.Equal(seen, want) {
		t.Errorf("series' changes since the first update: %v, want %v", seen, want)
	}
	// Com_select against the samples written meanwhile (in Redis): a sample in flight at
	// either reading of the counter may fall on either side.
	store := samples.NewStore(rdb, samples.Keys{Players: snapshot.Legacy().Players, Answer: snapshot.Legacy().Answer, Daily: snapshot.Legacy().Daily, Fence: snapshot.Legacy().Fence})
	p, _, err := store.Since(ctx, t0.Add(-time.Second), t1.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	grew := after - before
	if grew < len(p)-2 || grew > len(p)+1 {
		t.Errorf("Com_select grew by %d over %v and %d visitor reads; samples written: %d", grew, t1.Sub(t0), reads, len(p))
	}
	t.Logf("Com_select +%d, samples %d, visitor reads %d (x2 documents) over %v", grew, len(p), reads, t1.Sub(t0).Round(time.Millisecond))
}
