package snapshot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/maintenance"
	"statusedge/internal/notify"
	"statusedge/internal/snapshot"
)

func TestResolveInterval(t *testing.T) {
	const configured, ttl = 60 * time.Second, 90 * time.Second
	readErr := errors.New("redis get: connection refused")
	tests := []struct {
		name         string
		value        string
		set          bool
		readErr      error
		want         time.Duration
		override     bool
		wantsWarning bool
	}{
		{"absent", "", false, nil, configured, false, false},
		{"valid", "30", true, nil, 30 * time.Second, true, false},
		{"lowest bound", "5", true, nil, 5 * time.Second, true, false},
		{"below bounds", "4", true, nil, configured, false, true},
		{"zero", "0", true, nil, configured, false, true},
		{"not a number", "soon", true, nil, configured, false, true},
		{"fraction", "1.5", true, nil, configured, false, true},
		{"equal to the TTL", "90", true, nil, configured, false, true},
		{"above the TTL", "120", true, nil, configured, false, true},
		{"above bounds", "86401", true, nil, configured, false, true},
		{"unreadable", "", false, readErr, configured, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := snapshot.ResolveInterval(configured, ttl, snapshot.KeyInterval, tt.value, tt.set, tt.readErr)
			if got.Every != tt.want || got.Override != tt.override || (got.Ignored != nil) != tt.wantsWarning {
				t.Errorf("ResolveInterval(%q) = %+v, want %v override=%v warning=%v", tt.value, got, tt.want, tt.override, tt.wantsWarning)
			}
		})
	}
	// Above MaxInterval but below a TTL that large: the bounds still hold.
	if got := snapshot.ResolveInterval(configured, 200000*time.Second, snapshot.KeyInterval, "90000", true, nil); got.Override {
		t.Errorf("override above 86400 s applied: %+v", got)
	}
}

// testRedis is a throwaway Redis for one test and a client with deadlines.
func testRedis(t *testing.T) (*harness.Redis, *redis.Client) {
	t.Helper()
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	return r, rdb
}

// TestStoreAgainstRedis: the typed expiry and the interval read from a real Redis.
func TestStoreAgainstRedis(t *testing.T) {
	r, rdb := testRedis(t)
	s := snapshot.NewStore(rdb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	e, err := s.TTL(ctx)
	if err != nil || e.Exists || e.Seconds() != -2 {
		t.Errorf("absent key: %+v seconds=%d err=%v", e, e.Seconds(), err)
	}
	if err := rdb.Set(ctx, snapshot.KeyStatus, "{}", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if e, err := s.TTL(ctx); err != nil || !e.Exists || e.Expires || e.Seconds() != -1 {
		t.Errorf("key without expiry: %+v seconds=%d err=%v", e, e.Seconds(), err)
	}
	if err := s.Put(ctx, []byte("{}"), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if e, err := s.TTL(ctx); err != nil || !e.Exists || !e.Expires || e.Left < 89*time.Second || e.Left > 90*time.Second || e.Seconds() < 89 {
		t.Errorf("key with 90 s TTL: %+v seconds=%d err=%v", e, e.Seconds(), err)
	}

	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != time.Minute || in.Override || in.Ignored != nil {
		t.Errorf("no override: %+v", in)
	}
	if err := rdb.Set(ctx, snapshot.KeyInterval, "30", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != 30*time.Second || !in.Override {
		t.Errorf("override 30: %+v", in)
	}
	r.Stop()
	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != time.Minute || in.Ignored == nil {
		t.Errorf("Redis down: %+v, want the configured interval and the reason", in)
	}
}

// TestWebhookStateAgainstRedis: the webhook's state round-trips through
// server:status:webhook as the JSON docs/spec.md gives, without expiry; absent, it says so.
func TestWebhookStateAgainstRedis(t *testing.T) {
	r, rdb := testRedis(t)
	s := snapshot.NewStore(rdb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, ok, err := s.WebhookState(ctx); ok || err != nil {
		t.Fatalf("absent key: ok %v, err %v", ok, err)
	}
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	st := notify.State{Online: true, At: at, DeliveredAt: at.Add(time.Second), ID: "A",
		Pending: &notify.Pending{Online: false, At: at.Add(time.Minute), ID: "B"}}
	if err := s.PutWebhookState(ctx, st); err != nil {
		t.Fatal(err)
	}
	raw, err := rdb.Get(ctx, snapshot.KeyWebhook).Result()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"online":true,"at":"2026-11-26T12:00:00Z","delivered_at":"2026-11-26T12:00:01Z","id":"A","pending":{"online":false,"at":"2026-11-26T12:01:00Z","id":"B"}}`
	if raw != want {
		t.Errorf("%s = %s\nwant %s", snapshot.KeyWebhook, raw, want)
	}
	if ttl, err := rdb.TTL(ctx, snapshot.KeyWebhook).Result(); err != nil || ttl != -1 {
		t.Errorf("%s TTL = %v (%v), want none", snapshot.KeyWebhook, ttl, err)
	}
	got, ok, err := s.WebhookState(ctx)
	if err != nil || !ok || !got.At.Equal(st.At) || got.ID != "A" || got.Pending == nil || got.Pending.ID != "B" {
		t.Errorf("read back %+v (%v, %v), want %+v", got, ok, err, st)
	}
	r.Stop()
	if _, _, err := s.WebhookState(ctx); err == nil {
		t.Error("Redis down: no error")
	}
}

// TestTelegramStateAgainstRedis: the Telegram chat's state is the webhook's JSON under
// its own key (a world's in its hash tag), apart from the webhook's, without expiry.
func TestTelegramStateAgainstRedis(t *testing.T) {
	_, rdb := testRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	note := notify.Note{Incident: "20261126T1200Z", At: at.Add(time.Minute), Message: maintenance.Text{EN: "Fixing", RU: "Чиним"}}
	st := notify.State{Online: false, At: at, DeliveredAt: at.Add(time.Second), ID: "A", NoteAt: at, NotesKnown: true,
		Pending: &notify.Pending{Kind: notify.IncidentNote, At: note.At, ID: "B", Note: &note}}
	for _, l := range []snapshot.Layout{snapshot.Legacy(), snapshot.WorldLayout("x1")} {
		s := snapshot.NewWorldStore(rdb, l)
		if _, ok, err := s.TelegramState().WebhookState(ctx); ok || err != nil {
			t.Fatalf("absent key: ok %v, err %v", ok, err)
		}
		if err := s.TelegramState().PutWebhookState(ctx, st); err != nil {
			t.Fatal(err)
		}
		raw, err := rdb.Get(ctx, l.Telegram).Result()
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"online":false,"at":"2026-11-26T12:00:00Z","delivered_at":"2026-11-26T12:00:01Z","id":"A","pending":{"kind":"incident_note","online":false,"at":"2026-11-26T12:01:00Z","id":"B","note":{"incident":"20261126T1200Z","at":"2026-11-26T12:01:00Z","title":null,"message":{"en":"Fixing","ru":"Чиним"}}},"note_at":"2026-11-26T12:00:00Z","notes_known":true}`
		if raw != want {
			t.Errorf("%s = %s\nwant %s", l.Telegram, raw, want)
		}
		if ttl, err := rdb.TTL(ctx, l.Telegram).Result(); err != nil || ttl != -1 {
			t.Errorf("%s TTL = %v (%v), want none", l.Telegram, ttl, err)
		}
		if n, err := rdb.Exists(ctx, l.Webhook).Result(); err != nil || n != 0 {
			t.Errorf("%s exists (%v): the webhook's state was written", l.Webhook, err)
		}
		got, ok, err := s.TelegramState().WebhookState(ctx)
		if err != nil || !ok || got.Pending == nil || got.Pending.Note == nil || got.Pending.Note.Message.RU != "Чиним" || !got.NotesKnown {
			t.Errorf("read back %+v (%v, %v), want %+v", got, ok, err, st)
		}
	}
}

// TestWorldStoreKeys: a world's store writes only its own keys, in one hash slot; its live
// interval is its own key, else the global one.
func TestWorldStoreKeys(t *testing.T) {
	_, rdb := testRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := snapshot.WorldLayout("x50")
	s := snapshot.NewWorldStore(rdb, l)
	if ok, err := s.PutFenced(ctx, 3, []byte("{}"), time.Minute); err != nil || !ok {
		t.Fatalf("PutFenced = %v, %v", ok, err)
	}
	if err := s.PutRecord(ctx, snapshot.RefreshRecord{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if want := []string{"{world:x50}:fence", "{world:x50}:last_refresh", "{world:x50}:status"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	// Redis Cluster hashes a key's {tag} alone: the fenced write's two keys share a slot.
	for _, k := range []string{l.Status, l.Fence, l.LastRefresh, l.ProbeRound, l.Webhook} {
		if tag := hashTag(k); tag != "world:x50" {
			t.Errorf("%s: hash tag %q, want world:x50", k, tag)
		}
	}

	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != time.Minute || in.Override {
		t.Errorf("no override: %+v", in)
	}
	if err := rdb.Set(ctx, snapshot.KeyInterval, "30", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != 30*time.Second || in.Key != snapshot.KeyInterval {
		t.Errorf("global override 30: %+v", in)
	}
	if err := rdb.Set(ctx, l.Interval, "20", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != 20*time.Second || in.Key != "config:status_interval:x50" {
		t.Errorf("world override 20 over the global 30: %+v", in)
	}
	if in := snapshot.NewWorldStore(rdb, snapshot.WorldLayout("x1")).Interval(ctx, time.Minute, 90*time.Second); in.Every != 30*time.Second {
		t.Errorf("another world took x50's override: %+v", in)
	}
}

// hashTag is what Redis Cluster hashes of key: the text between its first { and the next }.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// A world's own live-interval key that is invalid must not hide a valid
// global config:status_interval (spec: "config:status_interval:<id>, else config:status_interval").
func TestBadWorldIntervalFallsBackToGlobal(t *testing.T) {
	_, rdb := testRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := snapshot.WorldLayout("x50")
	s := snapshot.NewWorldStore(rdb, l)
	if err := rdb.Set(ctx, snapshot.KeyInterval, "30", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"bogus", "3", "120"} { // not a number, below 5, not below the TTL
		if err := rdb.Set(ctx, l.Interval, bad, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != 30*time.Second {
			t.Errorf("world key %q (ignored) with global 30: interval %v (from %s), want the global 30s", bad, in.Every, in.Key)
		}
	}
}

// TestChannelStateDamaged: a notify channel's state key (the webhook's, the Telegram
// chat's; a world's too) holding what no leader wrote, not JSON of a state or another
// type, is notify.ErrDamagedState naming the key, which the notifier rebuilds; Redis
// down is not.
func TestChannelStateDamaged(t *testing.T) {
	r, rdb := testRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, l := range []snapshot.Layout{snapshot.Legacy(), snapshot.Deployment("b").World("x1")} {
		s := snapshot.NewWorldStore(rdb, l)
		for _, c := range []struct {
			key  string
			read func(context.Context) (notify.State, bool, error)
		}{{l.Webhook, s.WebhookState}, {l.Telegram, s.TelegramState().WebhookState}} {
			for _, damage := range []func() error{
				func() error { return rdb.Set(ctx, c.key, `{"online":"garbage"`, 0).Err() },
				func() error { return rdb.Del(ctx, c.key).Err() },
				func() error { return rdb.HSet(ctx, c.key, "online", "true").Err() },
			} {
				if err := damage(); err != nil {
					t.Fatal(err)
				}
				_, ok, err := c.read(ctx)
				n, xerr := rdb.Exists(ctx, c.key).Result()
				if xerr != nil {
					t.Fatal(xerr)
				}
				if n == 0 {
					if ok || err != nil {
						t.Errorf("%s absent: ok %v, err %v", c.key, ok, err)
					}
					continue
				}
				if ok || !errors.Is(err, notify.ErrDamagedState) || !strings.Contains(err.Error(), c.key) {
					t.Errorf("%s damaged: ok %v, err %v; want notify.ErrDamagedState naming the key", c.key, ok, err)
				}
			}
		}
	}
	r.Stop()
	if _, _, err := snapshot.NewStore(rdb).WebhookState(ctx); err == nil || errors.Is(err, notify.ErrDamagedState) {
		t.Errorf("Redis down: %v, want an error that is no damage", err)
	}
}
