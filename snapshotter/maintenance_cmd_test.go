package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/maintenance"
)

// maintenanceStores are stores for ids on a throwaway Redis, under the worlds' keys.
func maintenanceStores(t *testing.T, ids ...string) (map[string]*maintenance.Store, context.Context) {
	t.Helper()
	stores, _, ctx := maintenanceRedis(t, ids...)
	return stores, ctx
}

// maintenanceRedis is maintenanceStores and the client under them.
func maintenanceRedis(t *testing.T, ids ...string) (map[string]*maintenance.Store, *redis.Client, context.Context) {
	t.Helper()
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	stores := map[string]*maintenance.Store{}
	for _, id := range ids {
		stores[id] = maintenance.NewStore(rdb, maintenanceKey(id))
	}
	return stores, rdb, ctx
}

func maintenanceKey(id string) string { return "{world:" + id + "}:maintenance" }

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// runMaintenance runs the command at now and returns its output.
func runMaintenance(ctx context.Context, stores map[string]*maintenance.Store, files map[string]maintenance.Schedule, now time.Time, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := maintenanceCommand(ctx, args, stores, files, nil, func() time.Time { return now }, &out, &errOut)
	return out.String(), err
}

// storedSpans prints the windows a store holds in Redis.
func storedSpans(t *testing.T, ctx context.Context, s *maintenance.Store) string {
	t.Helper()
	ws, err := s.Windows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, w := range ws {
		out = append(out, w.From.UTC().Format(time.RFC3339)+".."+w.Until.UTC().Format(time.RFC3339)+" "+w.Message.EN+"/"+w.Message.RU)
	}
	return strings.Join(out, ", ")
}

// TestMaintenanceStartResolvesWallTimes: HH:MM is the next such time in -tz, the end
// after the start; the window lands in Redis and is printed in UTC and in the zone.
func TestMaintenanceStartResolvesWallTimes(t *testing.T) {
	stores, rdb, ctx := maintenanceRedis(t, "")
	now := mustTime(t, "2026-12-02T12:00:00Z") // 15:00 in Moscow
	msg := []string{"-message-en", "Restart", "-message-ru", "Перезапуск"}
	tests := []struct {
		name   string
		args   []string
		output string
		stored string
		at     string // now, if not the default
	}{
		{"until 14:30 tomorrow said in full", []string{"-until", "2026-12-03T14:30:00+03:00", "-tz", "Europe/Moscow"},
			"status page: maintenance from 2026-12-02 12:00 UTC until 2026-12-03 11:30 UTC (Europe/Moscow: 2026-12-02 15:00 MSK until 2026-12-03 14:30 MSK)\n",
			"2026-12-02T12:00:00Z..2026-12-03T11:30:00Z Restart/Перезапуск", ""},
		{"for 90m", []string{"-for", "90m"},
			"status page: maintenance from 2026-12-02 12:00 UTC until 2026-12-02 13:30 UTC\n",
			"2026-12-02T12:00:00Z..2026-12-02T13:30:00Z Restart/Перезапуск", ""},
		{"until 01:00 at 23:00 is tonight's", []string{"-until", "01:00", "-tz", "Europe/Moscow"},
			"status page: maintenance from 2026-12-02 20:00 UTC until 2026-12-02 22:00 UTC (Europe/Moscow: 2026-12-02 23:00 MSK until 2026-12-03 01:00 MSK)\n",
			"2026-12-02T20:00:00Z..2026-12-02T22:00:00Z Restart/Перезапуск", "2026-12-02T20:00:00Z"},
		{"from 16:00 until 18:00 is today", []string{"-from", "16:00", "-until", "18:00", "-tz", "Europe/Moscow"},
			"status page: maintenance from 2026-12-02 13:00 UTC until 2026-12-02 15:00 UTC (Europe/Moscow: 2026-12-02 16:00 MSK until 2026-12-02 18:00 MSK)\n",
			"2026-12-02T13:00:00Z..2026-12-02T15:00:00Z Restart/Перезапуск", ""},
		{"from 14:00 until 16:00 at 15:00 is tomorrow's", []string{"-from", "14:00", "-until", "16:00", "-tz", "Europe/Moscow"},
			"status page: maintenance from 2026-12-03 11:00 UTC until 2026-12-03 13:00 UTC (Europe/Moscow: 2026-12-03 14:00 MSK until 2026-12-03 16:00 MSK)\n",
			"2026-12-03T11:00:00Z..2026-12-03T13:00:00Z Restart/Перезапуск", ""},
		{"from 23:00 until 01:00 crosses midnight", []string{"-from", "23:00", "-until", "01:00", "-tz", "Europe/Moscow"},
			"status page: maintenance from 2026-12-02 20:00 UTC until 2026-12-02 22:00 UTC (Europe/Moscow: 2026-12-02 23:00 MSK until 2026-12-03 01:00 MSK)\n",
			"2026-12-02T20:00:00Z..2026-12-02T22:00:00Z Restart/Перезапуск", ""},
		{"RFC 3339 both", []string{"-from", "2026-12-10T10:00:00+03:00", "-until", "2026-12-10T12:00:00+03:00"},
			"status page: maintenance from 2026-12-10 07:00 UTC until 2026-12-10 09:00 UTC\n",
			"2026-12-10T07:00:00Z..2026-12-10T09:00:00Z Restart/Перезапуск", ""},
		{"until 02:30 in New York's spring gap is 03:30 EDT, as the file reads it",
			[]string{"-until", "02:30", "-tz", "America/New_York"},
			"status page: maintenance from 2026-03-08 05:00 UTC until 2026-03-08 07:30 UTC (America/New_York: 2026-03-08 00:00 EST until 2026-03-08 03:30 EDT)\n",
			"2026-03-08T05:00:00Z..2026-03-08T07:30:00Z Restart/Перезапуск", "2026-03-08T05:00:00Z"},
		{"no -tz: now's zone", []string{"-until", "13:00"},
			"status page: maintenance from 2026-12-02 12:00 UTC until 2026-12-02 13:00 UTC\n",
			"2026-12-02T12:00:00Z..2026-12-02T13:00:00Z Restart/Перезапуск", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case starts from no windows.
			t.Cleanup(func() {
				if err := rdb.Del(ctx, maintenanceKey("")).Err(); err != nil {
					t.Error(err)
				}
			})
			at := now
			if tt.at != "" {
				at = mustTime(t, tt.at)
			}
			out, err := runMaintenance(ctx, stores, nil, at, append(append([]string{"start"}, tt.args...), msg...)...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.output {
				t.Errorf("printed %q\nwant    %q", out, tt.output)
			}
			if got := storedSpans(t, ctx, stores[""]); got != tt.stored {
				t.Errorf("stored %s\nwant   %s", got, tt.stored)
			}
		})
	}
}

// TestMaintenanceRefuses: each mistake is an error naming the flag, and nothing is stored.
func TestMaintenanceRefuses(t *testing.T) {
	single, ctx := maintenanceStores(t, "")
	worlds, _ := maintenanceStores(t, "x1", "x50")
	now := mustTime(t, "2026-12-02T12:00:00Z")
	msg := []string{"-message-en", "Restart", "-message-ru", "Перезапуск"}
	tests := []struct {
		name   string
		stores map[string]*maintenance.Store
		args   []string
		want   string
	}{
		{"no subcommand", single, nil, "maintenance: want start, end or list"},
		{"unknown subcommand", single, []string{"stop"}, `maintenance "stop": want start, end or list`},
		{"-world without a worlds file", single, append([]string{"start", "-world", "x1", "-until", "14:30"}, msg...),
			"maintenance start: -world: there is no worlds file (STATUS_WORLDS_FILE); leave -world out"},
		{"no -world with worlds", worlds, append([]string{"start", "-until", "14:30"}, msg...),
			"maintenance start: -world: required with a worlds file; want one of x1, x50, or all"},
		{"unknown world", worlds, []string{"end", "-world", "x2"},
			`maintenance end: -world "x2": not a world of the worlds file; want one of x1, x50, or all`},
		{"no -until", single, append([]string{"start"}, msg...), "maintenance start: -until: missing; want HH:MM or an RFC 3339 time (or -for 90m)"},
		// Issue 27: "-until 13:00" typed at 14:02 made a window of 23 hours without a word.
		{"until 11:02 at 12:00: a time just past", single, append([]string{"start", "-until", "11:02"}, msg...),
			"maintenance start: -until 11:02: the next 11:02 is 2026-12-03 11:02 UTC, 23 h 2 min after the start (more than 12 h: a time already past today?); " +
				"if that end is meant, give -until 2026-12-03T11:02:00Z or -for 23h02m"},
		{"-until and -for", single, append([]string{"start", "-until", "14:30", "-for", "1h"}, msg...), "maintenance start: -until and -for: give one of them"},
		{"negative -for", single, append([]string{"start", "-for", "-1h"}, msg...), "maintenance start: -for -1h0m0s: want a positive duration such as 90m"},
		{"bad -until", single, append([]string{"start", "-until", "25:00"}, msg...),
			`maintenance start: -until "25:00": want HH:MM (00:00 to 23:59) or an RFC 3339 time such as 2026-12-10T14:30:00+03:00`},
		{"bad -from", single, append([]string{"start", "-from", "soon", "-until", "14:30"}, msg...),
			`maintenance start: -from "soon": want HH:MM (00:00 to 23:59) or an RFC 3339 time such as 2026-12-10T14:30:00+03:00`},
		{"bad -tz", single, append([]string{"start", "-until", "14:30", "-tz", "Moscow"}, msg...),
			`maintenance start: -tz "Moscow": not an IANA zone; want one such as Europe/Moscow`},
		{"until passed", single, append([]string{"start", "-from", "2026-12-02T10:00:00Z", "-until", "2026-12-02T11:00:00Z"}, msg...),
			"maintenance start: status page: add maintenance: until 2026-12-02T11:00:00Z: not after now (2026-12-02T12:00:00Z)"},
		{"over 7 days", single, append([]string{"start", "-until", "2026-12-09T12:00:01Z"}, msg...),
			"maintenance start: status page: add maintenance: until: 7 days 1 s after from, at most 7 days"},
		{"no russian message", single, []string{"start", "-until", "14:30", "-message-en", "Restart"},
			"maintenance start: status page: add maintenance: message ru: missing; want the message in English (en) and Russian (ru)"},
		{"stray argument", single, []string{"list", "now"}, `maintenance list: unexpected argument "now"`},
		{"unknown flag", single, []string{"end", "-until", "14:30"}, "maintenance end: flag provided but not defined: -until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runMaintenance(ctx, tt.stores, nil, now, tt.args...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
	for _, stores := range []map[string]*maintenance.Store{single, worlds} {
		for id, s := range stores {
			if got := storedSpans(t, ctx, s); got != "" {
				t.Errorf("world %q holds %s", id, got)
			}
		}
	}
}

// TestMaintenanceAllWorldsStartEndList: start for all worlds, list with the file's
// windows, end one world, list again.
func TestMaintenanceAllWorldsStartEndList(t *testing.T) {
	stores, ctx := maintenanceStores(t, "x1", "x50")
	moscow := mustZone(t, "Europe/Moscow")
	files := map[string]maintenance.Schedule{
		"x1": {Recurring: []maintenance.Recurring{{Weekdays: []time.Weekday{time.Wednesday}, Hour: 4, Duration: 2 * time.Hour, Location: moscow,
			Message: maintenance.Text{EN: "Weekly restart", RU: "Еженедельный перезапуск"}}}},
		"x50": {},
	}
	now := mustTime(t, "2026-12-02T12:00:00Z")
	out, err := runMaintenance(ctx, stores, files, now, "start", "-world", "all", "-until", "16:00", "-tz", "Europe/Moscow", "-message-en", "Restart", "-message-ru", "Перезапуск")
	if err != nil {
		t.Fatal(err)
	}
	want := "world x1: maintenance from 2026-12-02 12:00 UTC until 2026-12-02 13:00 UTC (Europe/Moscow: 2026-12-02 15:00 MSK until 2026-12-02 16:00 MSK)\n" +
		"world x50: maintenance from 2026-12-02 12:00 UTC until 2026-12-02 13:00 UTC (Europe/Moscow: 2026-12-02 15:00 MSK until 2026-12-02 16:00 MSK)\n"
	if out != want {
		t.Errorf("start printed\n%s\nwant\n%s", out, want)
	}
	for id, s := range stores {
		if got := storedSpans(t, ctx, s); got != "2026-12-02T12:00:00Z..2026-12-02T13:00:00Z Restart/Перезапуск" {
			t.Errorf("world %s stored %s", id, got)
		}
	}

	out, err = runMaintenance(ctx, stores, files, now.Add(30*time.Minute), "list", "-world", "all", "-tz", "Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	want = `world x1:
  active: from 2026-12-02 12:00 UTC until 2026-12-02 13:00 UTC (Europe/Moscow: 2026-12-02 15:00 MSK until 2026-12-02 16:00 MSK) [command line] "Restart" / "Перезапуск"
  next 7 days:
    from 2026-12-09 01:00 UTC until 2026-12-09 03:00 UTC (Europe/Moscow: 2026-12-09 04:00 MSK until 2026-12-09 06:00 MSK) [file, recurring] "Weekly restart" / "Еженедельный перезапуск"
world x50:
  active: from 2026-12-02 12:00 UTC until 2026-12-02 13:00 UTC (Europe/Moscow: 2026-12-02 15:00 MSK until 2026-12-02 16:00 MSK) [command line] "Restart" / "Перезапуск"
  next 7 days: none
`
	if out != want {
		t.Errorf("list printed\n%s\nwant\n%s", out, want)
	}

	out, err = runMaintenance(ctx, stores, files, now.Add(45*time.Minute), "end", "-world", "x1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "world x1: maintenance ended at 2026-12-02 12:45 UTC\n"; out != want {
		t.Errorf("end printed %q, want %q", out, want)
	}
	if got := storedSpans(t, ctx, stores["x1"]); got != "2026-12-02T12:00:00Z..2026-12-02T12:45:00Z Restart/Перезапуск" {
		t.Errorf("x1 after end: %s", got)
	}
	if got := storedSpans(t, ctx, stores["x50"]); got != "2026-12-02T12:00:00Z..2026-12-02T13:00:00Z Restart/Перезапуск" {
		t.Errorf("x50 after x1's end: %s", got)
	}

	out, err = runMaintenance(ctx, stores, files, now.Add(46*time.Minute), "list", "-world", "x1")
	if err != nil {
		t.Fatal(err)
	}
	want = `world x1:
  active: none
  next 7 days:
    from 2026-12-09 01:00 UTC until 2026-12-09 03:00 UTC [file, recurring] "Weekly restart" / "Еженедельный перезапуск"
`
	if out != want {
		t.Errorf("list after end printed\n%s\nwant\n%s", out, want)
	}
}

// TestMaintenanceEndLeavesTheFile: end cuts the command line's window, and says that the
// file's window still holds and where to end it.
func TestMaintenanceEndLeavesTheFile(t *testing.T) {
	stores, ctx := maintenanceStores(t, "")
	files := map[string]maintenance.Schedule{"": {Recurring: []maintenance.Recurring{{Hour: 4, Duration: 2 * time.Hour, Location: time.UTC,
		Message: maintenance.Text{EN: "Daily", RU: "Ежедневно"}}}}}
	now := mustTime(t, "2026-12-02T05:00:00Z")
	out, err := runMaintenance(ctx, stores, files, now, "end")
	if err != nil {
		t.Fatal(err)
	}
	want := "status page: no command-line window holds now\n" +
		"status page: a window of the maintenance file holds now, from 2026-12-02 04:00 UTC until 2026-12-02 06:00 UTC; to end it, edit STATUS_MAINTENANCE_FILE: the running programs read it again and the status follows within 5 s, no restart\n"
	if out != want {
		t.Errorf("end printed\n%s\nwant\n%s", out, want)
	}
}

// TestMaintenanceUntilPastIsRefused: issue 27's case, "-until 13:00" typed at 14:02 in
// Moscow, is refused with the end it would have meant, in full and as -for.
func TestMaintenanceUntilPastIsRefused(t *testing.T) {
	stores, ctx := maintenanceStores(t, "")
	now := mustTime(t, "2026-12-02T11:02:00Z") // 14:02 in Moscow
	_, err := runMaintenance(ctx, stores, nil, now, "start", "-until", "13:00", "-tz", "Europe/Moscow", "-message-en", "Restart", "-message-ru", "Перезапуск")
	want := "maintenance start: -until 13:00: the next 13:00 is 2026-12-03 13:00 MSK, 22 h 58 min after the start (more than 12 h: a time already past today?); " +
		"if that end is meant, give -until 2026-12-03T13:00:00+03:00 or -for 22h58m"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if got := storedSpans(t, ctx, stores[""]); got != "" {
		t.Errorf("stored %s, want nothing", got)
	}
}

// TestMaintenanceCommandsWithoutTheFile: a missing maintenance file (STATUS_MAINTENANCE_FILE
// set) stops none of the commands: list says so and lists the command line's windows, end
// ends them, and incident list needs no file at all.
func TestMaintenanceCommandsWithoutTheFile(t *testing.T) {
	r := harnesstest.Redis(t)
	missing := filepath.Join(t.TempDir(), "maintenance.yml")
	env := harnesstest.Env(map[string]string{"REDIS_URL": r.URL(), "STATUS_DIR": t.TempDir(), "STATUS_NGINX_CONF": "none", maintenance.Env: missing})
	cmd := func(args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"snapshotter"}, args...), env, &out, &errOut, nil); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		return out.String(), errOut.String()
	}
	cmd("maintenance", "start", "-for", "1h", "-message-en", "Restart", "-message-ru", "Перезапуск")
	out, errOut := cmd("maintenance", "list")
	if !strings.Contains(out, "active: from") || !strings.Contains(out, "[command line]") ||
		!strings.Contains(errOut, "the maintenance file's windows are left out: STATUS_MAINTENANCE_FILE "+missing+": no such file or directory") {
		t.Errorf("list without the file printed\n%s\nand on stderr\n%s", out, errOut)
	}
	if out, _ := cmd("maintenance", "end"); !strings.Contains(out, "status page: maintenance ended at") {
		t.Errorf("end without the file printed %q", out)
	}
	if out, errOut := cmd("incident", "list"); out != "no incidents in the last 90 days\n" || errOut != "" {
		t.Errorf("incident list without the file printed %q, stderr %q", out, errOut)
	}
}
