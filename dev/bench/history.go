package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/history"
	"statusedge/internal/snapshot"
)

// fillHistory writes 90 days of record for each world, as the leader's minutes would
// leave them (mostly up, an outage a day, an hour of maintenance on Wednesdays), so that
// the historian builds full documents. It returns the Redis bytes one world's 90 days take
// (MEMORY USAGE of its day keys).
func fillHistory(ctx context.Context, rdb *redis.Client, ids []string, now time.Time) (perWorld int64, err error) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := history.Start(now)
	for _, id := range ids {
		l := snapshot.WorldLayout(id)
		for d := range history.Days {
			day := start.AddDate(0, 0, d)
			cells := make([]byte, 360)
			for m := range 1440 {
				st := history.Up
				switch {
				case day.Weekday() == time.Wednesday && m >= 240 && m < 300:
					st = history.Maintenance
				case m >= 600+rng.IntN(600) && m < 610:
					st = history.Down
				}
				cells[m/4] |= byte(st) << (6 - 2*(m%4)) // BITFIELD u2 #m: big-endian bits
			}
			key := l.History + day.Format("20060102")
			if err := rdb.Set(ctx, key, cells, time.Until(day.Add(history.Keep+24*time.Hour))).Err(); err != nil {
				return 0, err
			}
			if id == ids[0] {
				n, err := rdb.MemoryUsage(ctx, key).Result()
				if err != nil {
					return 0, err
				}
				perWorld += n
			}
		}
	}
	return perWorld, nil
}

// historyBuild reads the historian's last pass time from the snapshotter's /debug, n times
// a pass apart, and returns them sorted.
func historyBuild(ctx context.Context, addr string, n int, every time.Duration) ([]float64, error) {
	var out []float64
	c := &http.Client{Timeout: 5 * time.Second}
	for i := range n {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(every): // the historian's pace: one pass between reads
			}
		}
		resp, err := c.Get("http://" + addr + "/debug")
		if err != nil {
			return nil, err
		}
		var d struct {
			MS *float64 `json:"history_build_ms"`
		}
		err = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if err != nil || d.MS == nil {
			return nil, fmt.Errorf("snapshotter /debug: no history_build_ms (%v)", err)
		}
		out = append(out, *d.MS)
	}
	slices.Sort(out)
	return out, nil
}
