package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/edgetest"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/leader"
	"statusedge/internal/snapshot"
)

// TestEmptyDirStartPublishesAtOnce: a snapshotter started on an empty STATUS_DIR with a
// 600-s interval (issue 27, defect 5). With a fresh snapshot in Redis (written by -once
// from another host) it publishes that one at once, status, badge and index, without
// reading MySQL; with the key gone (its refresh record still there) it reads MySQL at
// once, one read. The same with a worlds file, where each world decides alone.
func TestEmptyDirStartPublishesAtOnce(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	for _, id := range []string{"wa", "wb"} {
		harnesstest.DB(t, db, "tz_"+id, harnesstest.DemoSeed(t))
	}
	worldsFile := filepath.Join(t.TempDir(), "worlds.yml")
	if err := os.WriteFile(worldsFile, []byte("worlds:\n"+
		"  - {id: wa, name: {en: A, ru: A}, database: {schema: tz_wa}}\n"+
		"  - {id: wb, name: {en: B, ru: B}, database: {schema: tz_wb}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		worlds bool
		// deleted are the layouts whose snapshot key is deleted after -once.
		layouts, deleted []snapshot.Layout
		reads            int
	}{
		{"a fresh snapshot in Redis", false, []snapshot.Layout{snapshot.Legacy()}, nil, 0},
		{"nothing in Redis", false, []snapshot.Layout{snapshot.Legacy()}, []snapshot.Layout{snapshot.Legacy()}, 1},
		{"worlds, one in Redis", true, []snapshot.Layout{snapshot.WorldLayout("wa"), snapshot.WorldLayout("wb")}, []snapshot.Layout{snapshot.WorldLayout("wb")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rdb := watchedRedis(t)
			env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
			env["STATUS_UPDATE_INTERVAL"], env["STATUS_CACHE_TTL"] = "600", "900"
			if tc.worlds {
				env["STATUS_WORLDS_FILE"] = worldsFile
			}
			onceElsewhere(t, env)
			ctx := context.Background()
			for _, l := range tc.deleted {
				if err := rdb.Del(ctx, l.Status).Err(); err != nil {
					t.Fatal(err)
				}
			}
			inRedis := map[string][]byte{}
			for _, l := range tc.layouts {
				if b, err := rdb.Get(ctx, l.Status).Bytes(); err == nil {
					inRedis[l.World] = b
				}
			}
			before := selects(t, db)
			start := time.Now()
			m := startFleet(t, bin, env, 1, 0).Snapshotters[0]
			for _, l := range tc.layouts {
				waitPublished(t, m.StatusDir, l, inRedis[l.World], tc.worlds)
			}
			t.Logf("every document on disk %v after the start", time.Since(start).Round(time.Millisecond))
			// The loop has decided on its next read (600 s on), and MySQL saw what it read.
			harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "/debug"), func(context.Context) error {
				d, err := memberDebug(m)
				if err != nil {
					return err
				}
				views := append([]worldDebug{d.worldDebug}, d.Worlds...)
				if tc.worlds {
					views = d.Worlds
				}
				for _, w := range views {
					if d.Role != leader.RoleLeader || w.NextRefreshDue == nil || time.Until(*w.NextRefreshDue) < 500*time.Second {
						return fmt.Errorf("role %s, world %q next read due %v, want in about 600 s", d.Role, w.World, w.NextRefreshDue)
					}
				}
				return nil
			})
			if got := selects(t, db) - before; got != tc.reads {
				t.Errorf("%d reads of MySQL at the start, want %d\n%s", got, tc.reads, m.Logs())
			}
			if strings.Contains(m.Logs(), "its own put back") {
				t.Errorf("the leader took the snapshot it published for a stranger's:\n%s", m.Logs())
			}
		})
	}
}

// onceElsewhere runs `snapshotter -once` with env on another host's STATUS_DIR: Redis
// (and the refresh record) get the snapshot, the folder under test nothing.
func onceElsewhere(t *testing.T, env map[string]string) {
	t.Helper()
	e := maps.Clone(env)
	e["STATUS_DIR"], e["STATUS_NGINX_CONF"] = t.TempDir(), "none"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"snapshotter", "-once"}, harnesstest.Env(e), &out, &out, nil); err != nil {
		t.Fatalf("-once: %v\n%s", err, out.String())
	}
}

// waitPublished waits a few seconds for the world of l to be served from dir: its status
// and badge documents, its status copy (want's bytes when want is set: the snapshot
// found in Redis) and, with worlds, its entry in the index.
func waitPublished(t *testing.T, dir string, l snapshot.Layout, want []byte, worlds bool) {
	t.Helper()
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "STATUS_DIR"), func(context.Context) error {
		for _, doc := range []string{l.StatusDoc, l.BadgeDoc} {
			if _, ok, err := edgetest.Served(dir, doc, time.Now()); !ok {
				return fmt.Errorf("%s not served from disk (%v)", doc, err)
			}
		}
		data, _, err := l.ReadFile(dir)
		if err != nil {
			return err
		}
		if want != nil && !bytes.Equal(data, want) {
			return fmt.Errorf("%s holds %s, want the snapshot in Redis %s", l.StatusFile, data, want)
		}
		if !worlds {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(dir, snapshot.WorldsFile))
		if err != nil {
			return err
		}
		var index struct {
			Worlds []struct {
				ID     string `json:"id"`
				Online *bool  `json:"online"`
			} `json:"worlds"`
		}
		if err := json.Unmarshal(b, &index); err != nil {
			return err
		}
		for _, w := range index.Worlds {
			if w.ID == l.World && w.Online != nil {
				return nil
			}
		}
		return fmt.Errorf("index %s lacks world %s's snapshot", b, l.World)
	})
}
