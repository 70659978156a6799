package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/history"
	"statusedge/internal/snapshot"
)

// incidentWorld is a world's history store on a throwaway Redis, holding two outages
// before now: one of 10 minutes that ended (its ID past) and one of the last 3 minutes,
// ongoing.
type incidentWorld struct {
	store         *history.Store
	past, ongoing string
}

// incidentStores are stores by world id on one throwaway Redis; worlds named in outages
// get incidentWorld's two outages, the others none. now is real (Redis expires the day
// keys by its own clock).
func incidentStores(t *testing.T, now time.Time, ids []string, outages ...string) (map[string]*history.Store, map[string]incidentWorld) {
	t.Helper()
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stores := map[string]*history.Store{}
	worlds := map[string]incidentWorld{}
	nowMin := now.UTC().Truncate(time.Minute)
	for _, id := range ids {
		tag := "{world:" + id + "}"
		if id == "" {
			tag = "{server:status}"
		}
		s := history.NewStore(rdb, history.Keys{Days: tag + ":history:", Notes: tag + ":incidents", Fence: tag + ":fence"})
		stores[id] = s
		for _, o := range outages {
			if o != id {
				continue
			}
			for back := 50; back >= 0; back-- {
				st := history.Up
				if (back >= 31 && back <= 40) || back <= 2 {
					st = history.Down
				}
				if _, err := s.Record(ctx, 1, nowMin.Add(-time.Duration(back)*time.Minute), st); err != nil {
					t.Fatal(err)
				}
			}
			worlds[id] = incidentWorld{s,
				nowMin.Add(-40 * time.Minute).Format(history.IDLayout),
				nowMin.Add(-2 * time.Minute).Format(history.IDLayout)}
		}
	}
	return stores, worlds
}

func runIncident(ctx context.Context, stores map[string]*history.Store, now time.Time, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := incidentCommand(ctx, args, stores, func() time.Time { return now }, &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestIncidentCommandWithoutWorlds(t *testing.T) {
	now := time.Now()
	stores, worlds := incidentStores(t, now, []string{""}, "")
	w := worlds[""]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	long := strings.Repeat("я", 201)
	tests := []struct {
		name string
		args []string
		// out is in the output; err in the error ("" for none)
		out, err string
	}{
		{"note on the ongoing one by default", []string{"note", "-title-en", "Login down", "-title-ru", "Вход недоступен", "-message-en", "Looking", "-message-ru", "Смотрим"},
			"noted incident " + w.ongoing + " (1 update)", ""},
		{"latest is the ongoing one", []string{"note", "-id", "latest", "-message-en", "Still", "-message-ru", "Всё ещё"},
			"noted incident " + w.ongoing + " (2 updates)", ""},
		{"a past one by id, title only", []string{"note", "-id", w.past, "-title-en", "Restart", "-title-ru", "Перезапуск"},
			"noted incident " + w.past + " (no updates)", ""},
		{"list", []string{"list"}, "Login down / Вход недоступен", ""},
		{"title without Russian", []string{"note", "-title-en", "Down"}, "", "title: en and ru go together"},
		{"message without English", []string{"note", "-message-ru", "Упал"}, "", "message: en and ru go together"},
		{"nothing to note", []string{"note"}, "", "nothing to note"},
		{"title too long", []string{"note", "-title-en", "x", "-title-ru", long}, "", "title.ru: 201 characters, at most 200"},
		{"no world to name", []string{"note", "-world", "eu1", "-message-en", "a", "-message-ru", "б"}, "", `world "eu1": there is no worlds file`},
		{"unknown id", []string{"note", "-id", "20200101T0000Z", "-message-en", "a", "-message-ru", "б"}, "", "no incident 20200101T0000Z in the last 90 days"},
		{"malformed id", []string{"note", "-id", "yesterday", "-message-en", "a", "-message-ru", "б"}, "", `incident id "yesterday": want ongoing, latest or an id`},
		{"stray word", []string{"note", "-title-en", "a", "b"}, "", `unexpected "b"`},
		{"unknown flag", []string{"list", "-id", "x"}, "flag provided but not defined: -id", "flag provided but not defined"},
		{"unknown verb", []string{"delete"}, "", `incident "delete": usage`},
		{"no verb", nil, "", "usage: snapshotter incident note|list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runIncident(ctx, stores, now, tt.args...)
			if tt.err == "" && err != nil {
				t.Fatalf("error %v\n%s", err, out)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want one saying %q", err, tt.err)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("output lacks %q:\n%s", tt.out, out)
			}
		})
	}

	// What the operator noted is in Redis, and the list shows both incidents.
	notes, err := w.store.Notes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := notes[w.ongoing]
	if n.Title == nil || n.Title.RU != "Вход недоступен" || len(n.Updates) != 2 || n.Updates[1].Message.RU != "Всё ещё" || !n.Updates[1].At.Equal(now.UTC()) {
		t.Errorf("note of the ongoing incident: %+v", n)
	}
	if p := notes[w.past]; p.Title == nil || p.Title.EN != "Restart" || len(p.Updates) != 0 {
		t.Errorf("note of the past incident: %+v", p)
	}
	out, err := runIncident(ctx, stores, now, "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.HasPrefix(lines[1], w.ongoing) || !strings.Contains(lines[1], "ongoing") || !strings.Contains(lines[1], " 3 ") ||
		!strings.HasPrefix(lines[2], w.past) || !strings.Contains(lines[2], " 10 ") || !strings.Contains(lines[2], "Restart / Перезапуск") {
		t.Errorf("list:\n%s", out)
	}
}

func TestIncidentCommandWithWorlds(t *testing.T) {
	now := time.Now()
	stores, worlds := incidentStores(t, now, []string{"eu1", "us1"}, "eu1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msg := []string{"-message-en", "Back soon", "-message-ru", "Скоро вернёмся"}
	tests := []struct {
		name     string
		args     []string
		out, err string
	}{
		{"a world is required", append([]string{"note"}, msg...), "", "which world? name one of: eu1, us1"},
		{"an unknown world", append([]string{"note", "-world", "ru1"}, msg...), "", `no world "ru1" (worlds: eu1, us1)`},
		{"the world's ongoing incident", append([]string{"note", "-world", "eu1"}, msg...), "noted incident " + worlds["eu1"].ongoing, ""},
		{"a world without one", append([]string{"note", "-world", "us1"}, msg...), "", "no incident is ongoing"},
		{"a world without any", []string{"list", "-world", "us1"}, "no incidents in the last 90 days", ""},
		{"list needs the world too", []string{"list"}, "", "which world?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runIncident(ctx, stores, now, tt.args...)
			if tt.err == "" && err != nil {
				t.Fatalf("error %v\n%s", err, out)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want one saying %q", err, tt.err)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("output lacks %q:\n%s", tt.out, out)
			}
		})
	}
	notes, err := stores["us1"].Notes(ctx)
	if err != nil || len(notes) != 0 {
		t.Errorf("us1's notes %v (%v): the refused notes wrote nothing", notes, err)
	}
}

// TestIncidentCommandReadsTheFlips: the command line's records hold the flips the leader
// writes, so that its incidents (and "ongoing") are the ones the history document and the
// Statuspage documents show. Without them, on make run-worlds, a note on "ongoing" went
// to the run's first incident, resolved minutes before.
func TestIncidentCommandReadsTheFlips(t *testing.T) {
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	layout := snapshot.WorldLayout("x1")
	at := time.Now().UTC().Truncate(time.Second)
	leader := history.NewStore(rdb, historyKeys(layout))
	if ok, err := leader.RecordFlip(ctx, 1, history.Flip{Online: false, At: at}); err != nil || !ok {
		t.Fatalf("record a flip: %v, %v", ok, err)
	}
	got, err := historyStores(rdb, []worldSetup{{layout: layout}})["x1"].Flips(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Online || !got[0].At.Equal(at) {
		t.Fatalf("the command line's record reads flips %+v, want the leader's offline flip at %s", got, at)
	}
}
