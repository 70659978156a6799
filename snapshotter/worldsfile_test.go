package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
	"statusedge/internal/worlds"
	"statusedge/nginx"
)

// writeWorldsFile writes a worlds file listing ids (each on the schema tz_<id>).
func writeWorldsFile(t *testing.T, ids ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("worlds:\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "  - id: %s\n    name: {en: \"World %s\", ru: \"Мир %s\"}\n    database: {schema: tz_%s}\n", id, id, id, id)
	}
	file := filepath.Join(t.TempDir(), "worlds.yml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// indexIDs are the worlds of a replica's index (worlds.json in its STATUS_DIR).
func indexIDs(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, snapshot.WorldsFile))
	if err != nil {
		return nil, err
	}
	var idx struct {
		Worlds []struct{ ID string } `json:"worlds"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, err
	}
	var ids []string
	for _, w := range idx.Worlds {
		ids = append(ids, w.ID)
	}
	return ids, nil
}

// TestWorldsFileMismatch (issue 27): a follower whose worlds file differs from the
// leader's says so (its /debug, statusedge_worlds_file_mismatch, one log line), and no
// replica publishes a world its own file lacks: the leader lists a and b, the follower a
// and c; b never reaches the follower's STATUS_DIR, c never the leader's, and each index
// lists its own file's worlds. Restarted with the leader's file (a rolling change), the
// follower agrees again.
func TestWorldsFileMismatch(t *testing.T) {
	bin := fleetBin(t)
	db := demoDB(t)
	r, _ := watchedRedis(t)
	seed := harnesstest.DemoSeed(t)
	for _, id := range []string{"a", "b", "c"} {
		harnesstest.DB(t, db, "tz_"+id, seed)
	}
	leaderFile, followerFile := writeWorldsFile(t, "a", "b"), writeWorldsFile(t, "a", "c")
	leaderFP, err := worlds.Fingerprint(leaderFile)
	if err != nil {
		t.Fatal(err)
	}
	followerFP, err := worlds.Fingerprint(followerFile)
	if err != nil || followerFP == leaderFP || leaderFP == "" {
		t.Fatalf("fingerprints %q, %q (%v): want two, different", leaderFP, followerFP, err)
	}
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL(), "STATUS_WORLDS_FILE": leaderFile})
	lf := startFleet(t, bin, env, 1, 0)
	leader := leaderOf(t, lf, 10*time.Second)
	env["STATUS_WORLDS_FILE"] = followerFile
	ff := startFleet(t, bin, env, 1, 0)
	follower := ff.Snapshotters[0]

	seen := func(m *hstack.Member, mismatch bool, mine, leaders string) error {
		d, err := memberDebug(m)
		if err != nil {
			return err
		}
		if d.WorldsMismatch != mismatch || d.WorldsFingerprint != mine || d.LeaderWorldsFingerprint != leaders {
			return fmt.Errorf("%s /debug: worlds_file_mismatch %v, worlds_fingerprint %q, lease_worlds_fingerprint %q; want %v, %q, %q",
				m.Name, d.WorldsMismatch, d.WorldsFingerprint, d.LeaderWorldsFingerprint, mismatch, mine, leaders)
		}
		want := 0.0
		if mismatch {
			want = 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if v, err := harness.Metric(ctx, "http://"+m.Addr+"/metrics", "statusedge_worlds_file_mismatch", nil); err != nil || v != want {
			return fmt.Errorf("%s statusedge_worlds_file_mismatch = %v (%v), want %v", m.Name, v, err, want)
		}
		return nil
	}
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(50*time.Millisecond, "the replicas' /debug and /metrics"), func(context.Context) error {
		return errors.Join(seen(follower, true, followerFP, leaderFP), seen(leader, false, leaderFP, leaderFP))
	})

	// World a reaches both; each index lists its own file's worlds, once a's copy is in.
	for _, tt := range []struct {
		m    *hstack.Member
		want []string
	}{{leader, []string{"a", "b"}}, {follower, []string{"a", "c"}}} {
		harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(50*time.Millisecond, tt.m.Name+"'s index"), func(context.Context) error {
			if _, ok, err := worldSnap(tt.m.StatusDir, "a"); err != nil || !ok {
				return fmt.Errorf("world a: no copy yet (%v)", err)
			}
			ids, err := indexIDs(tt.m.StatusDir)
			if err != nil || !slices.Equal(ids, tt.want) {
				return fmt.Errorf("index lists %v (%v), want %v", ids, err, tt.want)
			}
			return nil
		})
	}
	// By now the follower copied a's snapshot (the leader published b too): no b on it,
	// and no c on the leader, in any file or document folder.
	for _, tt := range []struct {
		m      *hstack.Member
		lacked string
	}{{follower, "b"}, {leader, "c"}} {
		l := snapshot.WorldLayout(tt.lacked)
		for _, p := range []string{filepath.Join(tt.m.StatusDir, l.StatusFile), filepath.Join(tt.m.StatusDir, l.BadgeFile),
			nginx.DocDir(tt.m.StatusDir, l.StatusDoc), nginx.DocDir(tt.m.StatusDir, l.HistoryDoc)} {
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s has %s (%v), a world its file lacks", tt.m.Name, p, err)
			}
		}
	}
	if n := strings.Count(follower.Logs(), "worlds file differs from the leader's"); n != 1 {
		t.Errorf("the follower logged the mismatch %d times, want once (per change)", n)
	}

	// The rolling change: the follower restarted with the leader's file agrees.
	follower.Process.Stop(15 * time.Second)
	same, err := os.ReadFile(leaderFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(followerFile, same, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := follower.Start(); err != nil {
		t.Fatal(err)
	}
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(50*time.Millisecond, "the restarted follower's /debug"), func(context.Context) error {
		return seen(follower, false, leaderFP, leaderFP)
	})
}
