package history_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/redisconn"
)

// TestNotesAndFlipsKeysOfWrongType: the notes key and the flips key forged as plain
// strings (WRONGTYPE for HGETALL and LRANGE). Before, every historian pass failed on them,
// so the world's history document froze and a warning came every 10 s; now each reads
// as none, is logged once with the command that repairs it, and a note's write names
// the key and that command. Repaired, the key works again.
func TestNotesAndFlipsKeysOfWrongType(t *testing.T) {
	keys := testKeys
	keys.Flips = "{world:x1}:flips"
	_, rdb := testStore(t)
	s := history.NewStore(rdb, keys)
	ctx := testContext(t)
	var logged bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	for _, k := range []string{keys.Notes, keys.Flips} {
		if err := rdb.Set(ctx, k, "\x1b[31mgarbage", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 { // three historian passes
		notes, err := s.Notes(ctx)
		if err != nil || len(notes) != 0 {
			t.Fatalf("Notes = %v, %v; want none and no error", notes, err)
		}
		flips, err := s.Flips(ctx)
		if err != nil || len(flips) != 0 {
			t.Fatalf("Flips = %v, %v; want none and no error", flips, err)
		}
	}
	for _, k := range []string{keys.Notes, keys.Flips} {
		repair := redisconn.CLI(rdb) + " DEL '" + k + "'"
		if n := strings.Count(logged.String(), repair); n != 1 {
			t.Errorf("%q logged %d times in three passes, want once:\n%s", repair, n, logged.String())
		}
	}
	id := time.Now().UTC().Truncate(time.Minute).Format(history.IDLayout)
	msg := &maintenance.Text{EN: "x", RU: "х"}
	err := s.AddNote(ctx, id, nil, msg, time.Now())
	if err == nil || !strings.Contains(err.Error(), redisconn.CLI(rdb)+" DEL '"+keys.Notes+"'") {
		t.Fatalf("AddNote on a damaged key: %v; want the key and its repair named", err)
	}
	harnesstest.RunRepair(t, err.Error()) // as printed: it reaches this server and db
	if err := s.AddNote(ctx, id, nil, msg, time.Now()); err != nil {
		t.Fatalf("AddNote after the repair: %v", err)
	}
	if notes, err := s.Notes(ctx); err != nil || len(notes) != 1 {
		t.Fatalf("Notes after the repair = %v, %v; want the one note", notes, err)
	}
}
