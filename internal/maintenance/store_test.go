package maintenance_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/maintenance"
	"statusedge/internal/redisconn"
)

const key = "{world:x1}:maintenance"

// testStore is a store on a throwaway Redis, and a client to look at the key directly.
func testStore(t *testing.T) (*maintenance.Store, *redis.Client, context.Context) {
	t.Helper()
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return maintenance.NewStore(rdb, key), rdb, ctx
}

var msg = maintenance.Text{EN: "Restart", RU: "Перезапуск"}

// TestStoreAdd: the window lands in the key as JSON, message trimmed, with when the
// command ran (created_at: never the window's start less a day), and reads back.
func TestStoreAdd(t *testing.T) {
	s, rdb, ctx := testStore(t)
	now := utc("2026-12-02T09:40:00Z")
	if ws, err := s.Windows(ctx); err != nil || ws != nil {
		t.Fatalf("absent key: %v, %v", ws, err)
	}
	w := maintenance.Window{From: utc("2026-12-02T10:00:00Z"), Until: utc("2026-12-02T11:30:00Z"), Message: maintenance.Text{EN: " Restart ", RU: "Перезапуск"}, Recurring: true}
	if err := s.Add(ctx, w, now); err != nil {
		t.Fatal(err)
	}
	raw, err := rdb.Get(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"from":"2026-12-02T10:00:00Z","until":"2026-12-02T11:30:00Z","message":{"en":"Restart","ru":"Перезапуск"},"recurring":false,"created_at":"2026-12-02T09:40:00Z"}]`; raw != want {
		t.Errorf("key holds %s\nwant %s", raw, want)
	}
	ws, err := s.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := spans(ws); got != "2026-12-02T10:00:00Z..2026-12-02T11:30:00Z once" || ws[0].Message != msg || !ws[0].Created.Equal(now) {
		t.Errorf("Windows = %s %+v", got, ws)
	}
}

// TestStoreAddRefuses: the windows an operator cannot mean, and the key untouched.
func TestStoreAddRefuses(t *testing.T) {
	s, rdb, ctx := testStore(t)
	now := utc("2026-12-02T10:00:00Z")
	tests := []struct {
		name        string
		from, until string
		msg         maintenance.Text
		want        string
	}{
		{"until before from", "2026-12-02T12:00:00Z", "2026-12-02T11:00:00Z", msg, "add maintenance: until: not after from; want a window that ends after it starts"},
		{"until at from", "2026-12-02T12:00:00Z", "2026-12-02T12:00:00Z", msg, "add maintenance: until: not after from; want a window that ends after it starts"},
		{"ended", "2026-12-02T08:00:00Z", "2026-12-02T10:00:00Z", msg, "add maintenance: until 2026-12-02T10:00:00Z: not after now (2026-12-02T10:00:00Z)"},
		{"over 7 days", "2026-12-02T10:00:00Z", "2026-12-09T10:00:01Z", msg, "add maintenance: until: 7 days 1 s after from, at most 7 days"},
		{"no russian", "2026-12-02T10:00:00Z", "2026-12-02T11:00:00Z", maintenance.Text{EN: "Restart"}, "add maintenance: message ru: missing; want the message in English (en) and Russian (ru)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Add(ctx, maintenance.Window{From: utc(tt.from), Until: utc(tt.until), Message: tt.msg}, now)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("key written: exists=%d err=%v", n, err)
	}
}

// TestStoreAddDropsOld: a window ended more than 7 days ago goes at the next Add; one
// ended less long ago stays (the history shows last week's maintenance).
func TestStoreAddDropsOld(t *testing.T) {
	s, _, ctx := testStore(t)
	day := 24 * time.Hour
	t0 := utc("2026-11-20T10:00:00Z")
	for _, w := range []maintenance.Window{
		{From: t0, Until: t0.Add(time.Hour), Message: msg},                      // ends 8 days before the last Add
		{From: t0.Add(2 * day), Until: t0.Add(2*day + time.Hour), Message: msg}, // ends 6 days before it
	} {
		if err := s.Add(ctx, w, w.From); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(8*day + time.Hour + time.Second)
	if err := s.Add(ctx, maintenance.Window{From: now, Until: now.Add(time.Hour), Message: msg}, now); err != nil {
		t.Fatal(err)
	}
	ws, err := s.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spans(ws), "2026-11-22T10:00:00Z..2026-11-22T11:00:00Z once, 2026-11-28T11:00:01Z..2026-11-28T12:00:01Z once"; got != want {
		t.Errorf("Windows = %s\nwant %s", got, want)
	}
}

// TestStoreEnd cuts the windows holding now and keeps later ones.
func TestStoreEnd(t *testing.T) {
	s, _, ctx := testStore(t)
	now := utc("2026-12-02T10:00:00Z")
	for _, w := range []maintenance.Window{
		{From: utc("2026-12-02T09:00:00Z"), Until: utc("2026-12-02T12:00:00Z"), Message: msg}, // holds now
		{From: utc("2026-12-02T09:30:00Z"), Until: utc("2026-12-02T10:30:00Z"), Message: msg}, // holds now too
		{From: utc("2026-12-04T09:00:00Z"), Until: utc("2026-12-04T12:00:00Z"), Message: msg}, // Friday's
	} {
		if err := s.Add(ctx, w, utc("2026-12-02T08:00:00Z")); err != nil {
			t.Fatal(err)
		}
	}
	ended, err := s.End(ctx, now)
	if err != nil || !ended {
		t.Fatalf("End = %v, %v; want true", ended, err)
	}
	ws, err := s.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-12-02T09:00:00Z..2026-12-02T10:00:00Z once, 2026-12-02T09:30:00Z..2026-12-02T10:00:00Z once, 2026-12-04T09:00:00Z..2026-12-04T12:00:00Z once"
	if got := spans(ws); got != want {
		t.Errorf("after End: %s\nwant %s", got, want)
	}
	if ended, err := s.End(ctx, now); err != nil || ended {
		t.Errorf("second End = %v, %v; want false", ended, err)
	}
	// A window starting now, ended now, is empty: gone.
	at := utc("2026-12-04T09:00:00Z")
	if ended, err := s.End(ctx, at); err != nil || !ended {
		t.Fatalf("End at Friday's start = %v, %v", ended, err)
	}
	if ws, err := s.Windows(ctx); err != nil || len(ws) != 2 {
		t.Errorf("after End at a start: %s, %v; want the two cut windows", spans(ws), err)
	}
}

// TestStoreConcurrentAdds: operators adding at once all keep their windows (a plain
// read-modify-write would let the last writer drop the others').
func TestStoreConcurrentAdds(t *testing.T) {
	for _, n := range []int{2, 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, _, ctx := testStore(t)
			now := utc("2026-12-02T10:00:00Z")
			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					from := now.Add(time.Duration(i) * time.Hour)
					errs[i] = s.Add(ctx, maintenance.Window{From: from, Until: from.Add(time.Hour), Message: msg}, now)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Add #%d: %v", i, err)
				}
			}
			ws, err := s.Windows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != n {
				t.Fatalf("%d windows kept, want %d: %s", len(ws), n, spans(ws))
			}
			for i, w := range ws {
				if want := now.Add(time.Duration(i) * time.Hour); !w.From.Equal(want) {
					t.Errorf("window %d from %s, want %s", i, w.From, want)
				}
			}
		})
	}
}

// TestStoreUnreadable: a key that is not the store's JSON is an error naming the key and
// the command that repairs it.
func TestStoreUnreadable(t *testing.T) {
	s, rdb, ctx := testStore(t)
	if err := rdb.Set(ctx, key, "not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Windows(ctx); err == nil || !strings.HasPrefix(err.Error(), "read maintenance "+key+": ") ||
		!strings.Contains(err.Error(), redisconn.CLI(rdb)+" DEL '"+key+"'") {
		t.Errorf("Windows = %v", err)
	}
	now := utc("2026-12-02T10:00:00Z")
	if err := s.Add(ctx, maintenance.Window{From: now, Until: now.Add(time.Hour), Message: msg}, now); err == nil {
		t.Error("Add over an unreadable key: no error")
	}
	if raw, err := rdb.Get(ctx, key).Result(); err != nil || raw != "not json" {
		t.Errorf("key now %q, %v; want it untouched", raw, err)
	}
}

// TestStoreWrongType: a key of another type (a hash) is damage too: the error names the
// repair, as for bad JSON.
func TestStoreWrongType(t *testing.T) {
	s, rdb, ctx := testStore(t)
	if err := rdb.HSet(ctx, key, "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Windows(ctx); err == nil || !strings.Contains(err.Error(), redisconn.CLI(rdb)+" DEL '"+key+"'") {
		t.Errorf("Windows = %v; want the repair named", err)
	}
}

// TestStoreRepairOnItsOwnDB: the repair a damaged key's error prints, run as printed,
// deletes that deployment's key on its own server and database. Before, it was a bare
// `redis-cli DEL`: 127.0.0.1:6379 db 0, where it would delete another deployment's
// windows (here db 0's) and leave this one's damaged.
func TestStoreRepairOnItsOwnDB(t *testing.T) {
	_, db0, ctx := testStore(t)
	db3 := redis.NewClient(&redis.Options{Addr: db0.Options().Addr, DB: 3, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { db3.Close() })
	now := time.Now().UTC().Truncate(time.Second)
	other := maintenance.NewStore(db0, key)
	if err := other.Add(ctx, maintenance.Window{From: now, Until: now.Add(time.Hour), Message: msg}, now); err != nil {
		t.Fatal(err)
	}
	if err := db3.Set(ctx, key, "not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := maintenance.NewStore(db3, key).Windows(ctx)
	if err == nil {
		t.Fatal("Windows on db 3's damaged key: no error")
	}
	if !strings.Contains(err.Error(), " -n 3 DEL '"+key+"'") {
		t.Fatalf("error %q: want the repair on db 3", err)
	}
	harnesstest.RunRepair(t, err.Error())
	if n, err := db3.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("db 3's key after the printed repair: exists %d, %v; want deleted", n, err)
	}
	if ws, err := other.Windows(ctx); err != nil || len(ws) != 1 {
		t.Errorf("db 0's windows after db 3's repair = %v, %v; want its one window untouched", ws, err)
	}
}

// TestStoreDropsImpossible: windows Add never writes (written into Redis by hand) are
// left out of Windows: a years-long one would otherwise hold the status at maintenance,
// and every minute recorded as maintenance, for years. The next write drops them.
func TestStoreDropsImpossible(t *testing.T) {
	s, rdb, ctx := testStore(t)
	const raw = `[` +
		`{"from":"2020-01-01T00:00:00Z","until":"2040-01-01T00:00:00Z","message":{"en":"Years","ru":"Годы"}},` +
		`{"from":"2026-12-02T12:00:00Z","until":"2026-12-02T11:00:00Z","message":{"en":"Backwards","ru":"Назад"}},` +
		`{"from":"2026-12-02T09:00:00Z","until":"2026-12-02T11:00:00Z","message":{"en":"","ru":""}},` +
		`{"from":"2026-12-02T09:30:00Z","until":"2026-12-02T10:30:00Z","message":{"en":"Restart","ru":"Перезапуск"}}]`
	if err := rdb.Set(ctx, key, raw, 0).Err(); err != nil {
		t.Fatal(err)
	}
	ws, err := s.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Message != msg {
		t.Errorf("windows %+v, want the Restart one alone", ws)
	}
	now := utc("2026-12-02T10:00:00Z")
	if ended, err := s.End(ctx, now); err != nil || !ended {
		t.Fatalf("End = %v, %v", ended, err)
	}
	stored, err := rdb.Get(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "Years") || strings.Contains(stored, "Backwards") || strings.Count(stored, `"from"`) != 1 {
		t.Errorf("key after End: %s; want the Restart window alone", stored)
	}
}

// TestStoreDroppedWindowsSaidOnce: windows left out for failing their checks used to go
// without a word; the leader reads the key every second. They are said once per key,
// with each window's span and fault and the repair, again only when the set changes,
// and again after the key was sound and broke again.
func TestStoreDroppedWindowsSaidOnce(t *testing.T) {
	s, rdb, ctx := testStore(t)
	var logged bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	const good = `{"from":"2026-12-02T09:30:00Z","until":"2026-12-02T10:30:00Z","message":{"en":"Restart","ru":"Перезапуск"}}`
	years := `[{"from":"2020-01-01T00:00:00Z","until":"2040-01-01T00:00:00Z","message":{"en":"Years","ru":"Годы"}},` + good + `]`
	backwards := `[{"from":"2026-12-02T12:00:00Z","until":"2026-12-02T11:00:00Z","message":{"en":"B","ru":"Б"}},` + good + `]`
	said := func() int { return strings.Count(logged.String(), "fail their checks") }
	for _, step := range []struct {
		name, raw string
		want      int // lines said so far
	}{
		{"a years-long window", years, 1},
		{"the same again", years, 1},
		{"another bad window", backwards, 2},
		{"sound", `[` + good + `]`, 2},
		{"broken again", backwards, 3},
	} {
		if err := rdb.Set(ctx, key, step.raw, 0).Err(); err != nil {
			t.Fatal(err)
		}
		for range 3 { // three of the leader's polls
			ws, err := s.Windows(ctx)
			if err != nil || len(ws) != 1 {
				t.Fatalf("%s: Windows = %v, %v; want the good window alone", step.name, ws, err)
			}
		}
		if n := said(); n != step.want {
			t.Fatalf("%s: said %d times so far, want %d:\n%s", step.name, n, step.want, logged.String())
		}
	}
	for _, want := range []string{key, "2020-01-01T00:00:00Z..2040-01-01T00:00:00Z", "at most", redisconn.CLI(rdb) + " DEL '" + key + "'"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log does not name %q:\n%s", want, logged.String())
		}
	}
}
