package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"statusedge/internal/snapshot"
)

// TestLastKnownIsTheNewest: with Redis holding nothing and MySQL refusing, the answer is
// the newest snapshot the origin can know, by the publish order: the status copy on disk
// when the snapshotter wrote it after the one the origin served last (issue 27, defect
// 2), and the one it served when the copy is older. Stale either way, never invented.
func TestLastKnownIsTheNewest(t *testing.T) {
	s := newStack(t)
	o := startOrigin(t, s.Env)
	now := time.Now()
	older, newer := s.build(t, now.Add(-60*time.Second)), s.build(t, now.Add(-10*time.Second))
	older.Seq, newer.Seq = older.UpdatedAt.UnixMilli(), newer.UpdatedAt.UnixMilli()
	older.ServerStatus, newer.ServerStatus = 0, 1 // the bodies tell them apart
	ctx := context.Background()
	store := snapshot.NewStore(s.RDB)
	if err := store.Put(ctx, older.Encode(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if r := get(t, o.url+"/server/status"); r.code != 200 || r.status(t).Cache.Source != sourceRedis {
		t.Fatalf("from Redis: %d %s", r.code, r.body)
	}
	// The key expires (deleted here) and MySQL refuses: only memory and disk are left.
	if err := s.RDB.Del(ctx, snapshot.Legacy().Status).Err(); err != nil {
		t.Fatal(err)
	}
	s.DB.Stop()

	// The snapshotter wrote a newer copy since: it is the answer.
	wantLastKnown(t, s, o, newer, newer)
	// The origin now holds newer: an older copy on disk (a restored backup) does not
	// turn the answer back.
	backup := older
	backup.ServerStatus = 1
	wantLastKnown(t, s, o, backup, newer)
}

// wantLastKnown writes file as the status copy and wants want as the answer, stale.
func wantLastKnown(t *testing.T, s *stack, o origin, file, want snapshot.Snapshot) {
	t.Helper()
	if err := snapshot.WriteFile(s.Dir, file.Encode()); err != nil {
		t.Fatal(err)
	}
	r := get(t, o.url+"/server/status")
	b := r.status(t)
	if r.code != 200 || b.Cache.Source != sourceLastKnown || !b.Cache.Stale || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("Redis empty, MySQL down: %d %+v Cache-Control %q", r.code, b.Cache, r.header.Get("Cache-Control"))
	}
	if !b.UpdatedAt.Equal(want.UpdatedAt) || b.Seq != want.Seq || b.ServerStatus != want.ServerStatus {
		t.Errorf("answered updated_at %s seq %d server_status %v, want the newest known: updated_at %s seq %d server_status %v",
			b.UpdatedAt, b.Seq, b.ServerStatus, want.UpdatedAt, want.Seq, want.ServerStatus)
	}
}

// TestDatabaseAnswerTakesTheProbesVerdict: with the snapshotter gone past fresh_until and
// the table's ServerStatus still 1 (a crash does not reset it), the origin's MySQL answer
// says what the probe's last round in Redis says: offline, at that round.
func TestDatabaseAnswerTakesTheProbesVerdict(t *testing.T) {
	s := newStack(t)
	o := startOrigin(t, s.Env)
	ctx := context.Background()
	offline := false
	round := snapshot.ProbeRound{At: time.Now().Add(-20 * time.Second).UTC().Truncate(time.Second), Online: &offline,
		Targets: []snapshot.ProbeResult{{Addr: "10.0.0.1:7777", OK: false, Error: "connection refused"}}}
	if err := snapshot.NewStore(s.RDB).PutProbeRound(ctx, round, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := get(t, o.url+"/server/status")
	b := r.status(t)
	if r.code != 200 || b.Cache.Source != sourceDatabase {
		t.Fatalf("Redis without a status: %d %+v, want the database's answer", r.code, b.Cache)
	}
	if b.ServerStatus != 1 || b.Online || !b.CheckedAt.Equal(round.At) || len(b.Probe) != 1 || b.Probe[0].OK {
		t.Errorf("answer server_status %v online %v checked_at %s probe %+v: want the table's 1, the round's offline at %s",
			b.ServerStatus, b.Online, b.CheckedAt, b.Probe, round.At)
	}
	if strings.Contains(string(r.body), "10.0.0.1") || strings.Contains(string(r.body), "refused") {
		t.Errorf("the answer names a probe target or its error: %s", r.body)
	}
}
