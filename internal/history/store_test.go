package history_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/history"
	"statusedge/internal/maintenance"
)

// testKeys are a world's keys, one hash tag.
var testKeys = history.Keys{Days: "{world:x1}:history:", Notes: "{world:x1}:incidents", Fence: "{world:x1}:fence"}

// testClient is a client with deadlines for addr.
func testClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testStore is a Store on a throwaway Redis, and a client to look at its keys.
// storeOnly is a store on a throwaway Redis, for tests that read it only through the store.
func storeOnly(t *testing.T) *history.Store {
	t.Helper()
	return history.NewStore(testClient(t, harnesstest.Redis(t).Addr()), testKeys)
}

func testStore(t *testing.T) (*history.Store, *redis.Client) {
	t.Helper()
	rdb := testClient(t, harnesstest.Redis(t).Addr())
	return history.NewStore(rdb, testKeys), rdb
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// today is midnight UTC of the real today: keys expire by Redis's own clock, so the
// minutes these tests write are recent ones.
func today() time.Time {
	return time.Now().UTC().Truncate(24 * time.Hour)
}

func record(t *testing.T, ctx context.Context, s *history.Store, token int64, minute time.Time, st history.State) bool {
	t.Helper()
	ok, err := s.Record(ctx, token, minute, st)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func minutes(t *testing.T, ctx context.Context, s *history.Store, from time.Time, n int) []history.State {
	t.Helper()
	got, err := s.Minutes(ctx, from, from.Add(time.Duration(n)*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d cells, want %d", len(got), n)
	}
	return got
}

// TestRecordMergeOrderIndependent: whatever the order of the writes of one minute, its
// cell holds the biggest state written.
func TestRecordMergeOrderIndependent(t *testing.T) {
	s := storeOnly(t)
	ctx := testContext(t)
	U, D, M := history.Up, history.Down, history.Maintenance
	orders := [][]history.State{{U}, {D}, {M}, {U, D}, {D, U}, {D, M}, {M, D}, {U, M, D}, {M, U, D}, {D, U, M}, {U, U}}
	base := today().Add(3 * time.Minute)
	for i, order := range orders {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			minute := base.Add(time.Duration(i)*time.Minute + 17*time.Second) // truncated to its minute
			for _, st := range order {
				if !record(t, ctx, s, 1, minute, st) {
					t.Fatal("refused")
				}
			}
			got := minutes(t, ctx, s, minute.Truncate(time.Minute), 1)[0]
			if want := slices.Max(order); got != want {
				t.Errorf("cell %d, want %d", got, want)
			}
		})
	}
	// The neighbours were left alone.
	got := minutes(t, ctx, s, base.Add(-time.Minute), len(orders)+2)
	if got[0] != history.NoData || got[len(got)-1] != history.NoData {
		t.Errorf("neighbours written: %v", got)
	}
}

func TestRecordFence(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	minute := today().Add(time.Minute)
	if err := rdb.Set(ctx, testKeys.Fence, 5, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if record(t, ctx, s, 4, minute, history.Maintenance) {
		t.Error("token 4 accepted under fence 5")
	}
	if got := minutes(t, ctx, s, minute, 1)[0]; got != history.NoData {
		t.Errorf("refused write left %d", got)
	}
	if !record(t, ctx, s, 5, minute, history.Up) || !record(t, ctx, s, 7, minute, history.Down) {
		t.Fatal("tokens 5 and 7 refused under fence 5")
	}
	if f, err := rdb.Get(ctx, testKeys.Fence).Int64(); err != nil || f != 7 {
		t.Errorf("fence %d (%v), want raised to 7", f, err)
	}
	if record(t, ctx, s, 6, minute, history.Maintenance) {
		t.Error("token 6 accepted after 7")
	}
	if got := minutes(t, ctx, s, minute, 1)[0]; got != history.Down {
		t.Errorf("cell %d, want Down", got)
	}
	if _, err := s.Record(ctx, 0, minute, history.Up); err == nil {
		t.Error("token 0 taken")
	}
}

// TestRecordExpireAt: a day key lives until the end of its day plus Keep, and a full day
// is 360 bytes (2 bits a minute).
func TestRecordExpireAt(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	day := today()
	for m := range 1440 {
		record(t, ctx, s, 1, day.Add(time.Duration(m)*time.Minute), history.State(1+m%3))
	}
	key := testKeys.Days + day.Format("20060102")
	at, err := rdb.ExpireTime(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := day.Add(24*time.Hour + history.Keep); at != time.Duration(want.Unix())*time.Second {
		t.Errorf("EXPIRETIME %s = %v, want %v", key, at, want)
	}
	if n, err := rdb.StrLen(ctx, key).Result(); err != nil || n != 360 {
		t.Errorf("STRLEN %d (%v), want 360", n, err)
	}
	got := minutes(t, ctx, s, day, 1440)
	for m, st := range got {
		if want := history.State(1 + m%3); st != want {
			t.Fatalf("minute %d: %d, want %d", m, st, want)
		}
	}
}

// TestMinutesAcrossDays: one MGET reads across midnights, a missing day is NoData.
func TestMinutesAcrossDays(t *testing.T) {
	s := storeOnly(t)
	ctx := testContext(t)
	day := today().Add(-48 * time.Hour)
	writes := map[time.Duration]history.State{
		-2 * time.Minute: history.Up, -time.Minute: history.Down, // the day before
		0: history.Maintenance, 1439 * time.Minute: history.Up, // day
		// day+1 has nothing: its key is missing
		2880 * time.Minute: history.Down, 2881 * time.Minute: history.Up, // day+2
	}
	for off, st := range writes {
		record(t, ctx, s, 1, day.Add(off), st)
	}
	from := day.Add(-3 * time.Minute)
	got := minutes(t, ctx, s, from, 3+2880+3)
	for i, st := range got {
		if want := writes[from.Add(time.Duration(i)*time.Minute).Sub(day)]; st != want {
			t.Errorf("minute %d (%v): %d, want %d", i, from.Add(time.Duration(i)*time.Minute), st, want)
		}
	}
	// A range inside one day, not starting at its midnight.
	if got := minutes(t, ctx, s, day.Add(1438*time.Minute), 4); !slices.Equal(got, []history.State{0, history.Up, 0, 0}) {
		t.Errorf("minutes 1438..1441 = %v", got)
	}
	if got, err := s.Minutes(ctx, day, day); err != nil || len(got) != 0 {
		t.Errorf("empty range: %v %v", got, err)
	}
}

func TestNotes(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	const id = "20260310T1100Z"
	title := &maintenance.Text{EN: "Login server down", RU: "Сервер входа недоступен"}
	msg1 := &maintenance.Text{EN: "Investigating", RU: "Разбираемся"}
	msg2 := &maintenance.Text{EN: "Fixed", RU: "Исправлено"}
	// An incident 91 days old, whose note goes at the next write.
	const old = "20251209T1100Z"
	steps := []struct {
		title, msg *maintenance.Text
		at         time.Time
		id         string
	}{
		{nil, msg1, at.AddDate(0, 0, -91), old},
		{title, nil, at, id},
		{nil, msg1, at.Add(time.Minute), id},
		{&maintenance.Text{EN: "Replaced", RU: "Заменён"}, msg2, at.Add(2 * time.Minute), id},
	}
	for _, st := range steps {
		if err := s.AddNote(ctx, st.id, st.title, st.msg, st.at); err != nil {
			t.Fatal(err)
		}
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := notes[old]; ok || len(notes) != 1 {
		t.Errorf("notes %v: the one of 91 days ago should be trimmed", notes)
	}
	n := notes[id]
	if n.Title == nil || n.Title.EN != "Replaced" || len(n.Updates) != 2 ||
		n.Updates[0].Message != *msg1 || n.Updates[1].Message != *msg2 || !n.Updates[1].At.Equal(at.Add(2*time.Minute)) {
		t.Errorf("note %+v", n)
	}
	// The hash holds one JSON note per incident.
	raw, err := rdb.HGet(ctx, testKeys.Notes, id).Result()
	if err != nil || raw[0] != '{' {
		t.Errorf("HGET %s %s = %q, %v", testKeys.Notes, id, raw, err)
	}
	if err := s.AddNote(ctx, "yesterday", title, nil, at); err == nil {
		t.Error("id yesterday taken")
	}
	// A title only: updates are [].
	if err := s.AddNote(ctx, "20260310T1130Z", title, nil, at); err != nil {
		t.Fatal(err)
	}
	if notes, err := s.Notes(ctx); err != nil || notes["20260310T1130Z"].Updates == nil {
		t.Errorf("title-only note %+v, %v", notes["20260310T1130Z"], err)
	}
}

// TestLeaderChangeMidMinute: the old leader (token 1) and the new (token 2) both write
// one minute, one seeing the server up and the other down, in either order. The minute is
// one cell, counted once; while the old leader writes first the merge keeps Down, and
// once the new leader has written, the old one's writes are refused.
func TestLeaderChangeMidMinute(t *testing.T) {
	U, D := history.Up, history.Down
	tests := []struct {
		name     string
		old, new history.State
		newFirst bool
		want     history.State
	}{
		{"old up, then new down", U, D, false, D},
		{"old down, then new up", D, U, false, D},
		{"new down, then old up", U, D, true, D},
		// The deposed leader's late word is refused: the minute is the new leader's.
		{"new up, then old down", D, U, true, U},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storeOnly(t)
			ctx := testContext(t)
			now := time.Now().UTC()
			rec := func(token int64) *history.Recorder {
				return history.NewRecorder(func(ctx context.Context, minute time.Time, st history.State) (bool, error) {
					return s.Record(ctx, token, minute, st)
				})
			}
			oldRec, newRec := rec(1), rec(2)
			if tt.newFirst {
				if err := newRec.Observe(ctx, now, tt.new); err != nil {
					t.Fatal(err)
				}
				if err := oldRec.Observe(ctx, now, tt.old); !errors.Is(err, history.ErrRefused) {
					t.Fatalf("old leader after the new: %v, want ErrRefused", err)
				}
			} else {
				if err := oldRec.Observe(ctx, now, tt.old); err != nil {
					t.Fatal(err)
				}
				if err := newRec.Observe(ctx, now, tt.new); err != nil {
					t.Fatal(err)
				}
				// Whatever the old leader says later is refused.
				if err := oldRec.Observe(ctx, now, history.Maintenance); !errors.Is(err, history.ErrRefused) {
					t.Fatalf("old leader after the new: %v, want ErrRefused", err)
				}
			}
			cells, err := s.Minutes(ctx, history.Start(now), now.Truncate(time.Minute).Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got := cells[len(cells)-1]; got != tt.want {
				t.Errorf("cell %d, want %d", got, tt.want)
			}
			today := history.Build("", now, cells, nil, nil, nil).Days[history.Days-1]
			if today.Up+today.Down+today.Maintenance != 1 {
				t.Errorf("today %+v: want the one minute counted once", today)
			}
		})
	}
}

// TestNotesUnreadable: a note that is not a note's JSON (written by hand) is left out of
// Notes, which still reads the others, and a note written on its incident replaces it.
// Before, one such field failed every read: the history document froze and every
// operator's note was refused.
func TestNotesUnreadable(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	const bad, good = "20260310T1000Z", "20260310T1100Z"
	title := &maintenance.Text{EN: "Login server down", RU: "Сервер входа недоступен"}
	if err := s.AddNote(ctx, good, title, nil, at); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, testKeys.Notes, bad, "not json").Err(); err != nil {
		t.Fatal(err)
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		t.Fatalf("Notes with one unreadable field: %v", err)
	}
	if _, ok := notes[bad]; ok || notes[good].Title == nil {
		t.Errorf("notes %+v: want %s alone", notes, good)
	}
	if err := s.AddNote(ctx, bad, title, nil, at); err != nil {
		t.Fatalf("AddNote over an unreadable note: %v", err)
	}
	if notes, err := s.Notes(ctx); err != nil || notes[bad].Title == nil || notes[bad].Updates == nil {
		t.Errorf("the replaced note %+v, %v", notes[bad], err)
	}
}

// TestNoteUpdatesBounded: an incident takes MaxUpdates updates; the next is refused
// with ErrTooManyUpdates and the note is unchanged, while its title can still change.
func TestNoteUpdatesBounded(t *testing.T) {
	s := storeOnly(t)
	ctx := testContext(t)
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	const id = "20260310T1100Z"
	msg := &maintenance.Text{EN: "Still down", RU: "Всё ещё недоступен"}
	for i := range history.MaxUpdates {
		if err := s.AddNote(ctx, id, nil, msg, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddNote(ctx, id, nil, msg, at.Add(time.Hour)); !errors.Is(err, history.ErrTooManyUpdates) {
		t.Errorf("update %d: %v, want ErrTooManyUpdates", history.MaxUpdates+1, err)
	}
	title := &maintenance.Text{EN: "Login server down", RU: "Сервер входа недоступен"}
	if err := s.AddNote(ctx, id, title, nil, at.Add(time.Hour)); err != nil {
		t.Errorf("a title on a full incident: %v", err)
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := notes[id]; len(n.Updates) != history.MaxUpdates || n.Title == nil {
		t.Errorf("%d updates, title %v; want %d and the title", len(n.Updates), n.Title, history.MaxUpdates)
	}
}

// TestMinutesOddKeys: a day key that is not what Record writes (grown to megabytes, or
// not a string) reads as its first 360 bytes, or as NoData, and the read costs about
// what a day costs: before, the MGET fetched the whole value on every pass of every
// replica (64 MB took a snapshotter from 24 to 155 MB), and a day that is not a string
// was read as NoData only by MGET's grace.
func TestMinutesOddKeys(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	day := today().AddDate(0, 0, -2)
	big := testKeys.Days + day.Format("20060102")
	// 0x55: every minute Up, 8 MB of it.
	if err := rdb.Set(ctx, big, strings.Repeat("U", 8<<20), 0).Err(); err != nil {
		t.Fatal(err)
	}
	odd := testKeys.Days + day.AddDate(0, 0, 1).Format("20060102")
	if err := rdb.HSet(ctx, odd, "x", "y").Err(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := minutes(t, ctx, s, day, 2*1440)
	runtime.ReadMemStats(&after)
	for i, st := range got {
		if want := map[bool]history.State{true: history.Up, false: history.NoData}[i < 1440]; st != want {
			t.Fatalf("minute %d: %v, want %v", i, st, want)
		}
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("reading two days allocated %d bytes: the oversized key was read whole", n)
	}
}
