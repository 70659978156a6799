package maintenance_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/maintenance"
)

// TestLoadFileExample: the documented example reads into the schedules it describes.
func TestLoadFileExample(t *testing.T) {
	path := filepath.Join("..", "..", "deploy", "maintenance.example.yml")
	got, err := maintenance.LoadFile(path, []string{"x1", "x50", "pvp-season"})
	if err != nil {
		t.Fatal(err)
	}
	moscow, berlin := zone(t, "Europe/Moscow"), zone(t, "Europe/Berlin")
	weekly := maintenance.Recurring{Weekdays: []time.Weekday{time.Wednesday}, Hour: 4, Duration: 2 * time.Hour, Location: moscow,
		Message: maintenance.Text{EN: "Weekly restart", RU: "Еженедельный перезапуск"}}
	nightly := maintenance.Recurring{Hour: 23, Minute: 30, Duration: 45 * time.Minute, Location: berlin,
		Message: maintenance.Text{EN: "Nightly backup", RU: "Ночное резервное копирование"}}
	upgrade := maintenance.Window{From: time.Date(2026, 12, 10, 7, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC),
		Message: maintenance.Text{EN: "Database upgrade", RU: "Обновление базы данных"}}
	want := map[string]maintenance.Schedule{
		"x1":         {OneOff: []maintenance.Window{upgrade}, Recurring: []maintenance.Recurring{weekly}},
		"x50":        {OneOff: []maintenance.Window{upgrade}, Recurring: []maintenance.Recurring{weekly}},
		"pvp-season": {OneOff: []maintenance.Window{upgrade}, Recurring: []maintenance.Recurring{nightly}},
	}
	if len(got) != len(want) {
		t.Fatalf("worlds %v, want %v", keys(got), keys(want))
	}
	for id, w := range want {
		if g := describe(got[id]); g != describe(w) {
			t.Errorf("world %q:\n got %s\nwant %s", id, g, describe(w))
		}
	}
}

// TestLoadFileNoPath: no file, no windows, every world present.
func TestLoadFileNoPath(t *testing.T) {
	got, err := maintenance.LoadFile("", []string{"x1", "x2"})
	if err != nil || len(got) != 2 || describe(got["x1"]) != "{}" || describe(got["x2"]) != "{}" {
		t.Fatalf("LoadFile(\"\") = %v, %v; want two empty schedules", got, err)
	}
}

// TestLoadFileWithoutWorldsFile: the one world "" gets every window.
func TestLoadFileWithoutWorldsFile(t *testing.T) {
	path := write(t, "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC, message: {en: a, ru: b}}\n")
	got, err := maintenance.LoadFile(path, []string{""})
	if err != nil {
		t.Fatal(err)
	}
	if s := got[""]; len(got) != 1 || len(s.Recurring) != 1 || s.Recurring[0].Hour != 4 || s.Recurring[0].Location != time.UTC {
		t.Fatalf("got %v", got)
	}
}

// TestLoadFileErrors: every refusal is one line naming the file, the window and the field.
func TestLoadFileErrors(t *testing.T) {
	const msg = `message: {en: "Restart", ru: "Перезапуск"}`
	weekly := func(field string) string {
		return "windows:\n  - {weekdays: [wednesday], at: \"04:00\", duration: 2h, time_zone: Europe/Moscow, " + msg + "}\n" +
			"  - {at: \"04:00\", duration: 2h, time_zone: Europe/Moscow, " + msg + ", " + field + "}\n"
	}
	oneOff := func(from, until string) string {
		return "windows:\n  - {from: " + from + ", until: " + until + ", " + msg + "}\n"
	}
	recurring := func(at, duration, zone string) string {
		return "windows:\n  - {at: " + at + ", duration: " + duration + ", time_zone: " + zone + ", " + msg + "}\n"
	}
	many := "windows:\n" + strings.Repeat("  - {at: \"04:00\", duration: 2h, time_zone: UTC, "+msg+"}\n", 101)
	worlds := []string{"x1", "x50"}
	tests := []struct {
		name, file string
		worlds     []string
		want       string
	}{
		{"empty", "", worlds, "empty; want a mapping holding windows: (a list, [] for none)"},
		{"not yaml", "windows: [", worlds, "not YAML: line 1: did not find expected node content"},
		{"not a mapping", "- a\n", worlds, "not a maintenance file; want a mapping holding windows: (a list, [] for none)"},
		{"two documents", "windows: []\n---\nwindows: []\n", worlds, "holds more than one YAML document (---); want one"},
		{"unknown top key", "window: []\n", worlds, `unknown key "window" (line 1); want windows`},
		{"unknown window key", "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC, " + msg + "}\n  - {weekday: [monday]}\n", worlds,
			`window #2: unknown key "weekday" (line 3); want weekdays, at, duration, time_zone, from, until, message, worlds`},
		{"unknown message key", "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC, message: {en: a, de: b}}\n", worlds,
			`window #1: message: unknown key "de" (line 2); want en, ru`},
		{"weekdays not a list", "windows:\n  - {weekdays: monday, at: \"04:00\", duration: 2h, time_zone: UTC, " + msg + "}\n", worlds,
			"window #1: cannot unmarshal !!str `monday` into []string (line 2)"},
		{"too many windows", many, worlds, "windows: 101 listed, at most 100"},
		{"daily window of a day", recurring(`"04:00"`, "24h", "UTC"), worlds,
			`window #1: duration "24h": the next start is 1 day later, so the window would never end; want at most 23 h`},
		{"weekdays closer than the window", "windows:\n  - {weekdays: [mon, tue, fri], at: \"04:00\", duration: 36h, time_zone: UTC, " + msg + "}\n", worlds,
			`window #1: duration "36h": the next start is 1 day later, so the window would never end; want at most 23 h`},
		{"weekly window of a week", "windows:\n  - {weekdays: [wed], at: \"04:00\", duration: 168h, time_zone: UTC, " + msg + "}\n", worlds,
			`window #1: duration "168h": the next start is 7 days later, so the window would never end; want at most 6 days 23 h`},
		{"no time", "windows:\n  - {" + msg + "}\n", worlds,
			"window #1: no time; want from and until (one-off) or at, duration and time_zone (recurring)"},
		{"both kinds", "windows:\n  - {from: 2026-12-10T10:00:00+03:00, until: 2026-12-10T12:00:00+03:00, time_zone: UTC, " + msg + "}\n", worlds,
			"window #1: mixes from/until (one-off) with at/duration/time_zone/weekdays (recurring); want one kind"},
		{"unknown world", weekly("worlds: [x1, x2]"), worlds, `window #2: worlds: "x2" is not a world of the worlds file; want one of x1, x50`},
		{"world twice", weekly("worlds: [x1, x1]"), worlds, `window #2: worlds: "x1" listed twice`},
		{"worlds empty", weekly("worlds: []"), worlds, "window #2: worlds: empty; list world ids, or leave worlds out for every world"},
		{"worlds without a worlds file", weekly("worlds: [x1]"), []string{""},
			"window #2: worlds: there is no worlds file (STATUS_WORLDS_FILE); leave worlds out"},
		{"bad zone", recurring(`"04:00"`, "2h", "Moscow"), worlds,
			`window #1: time_zone "Moscow": not an IANA zone; want one such as Europe/Moscow (or UTC)`},
		{"local zone", recurring(`"04:00"`, "2h", "Local"), worlds,
			`window #1: time_zone "Local": not an IANA zone; want one such as Europe/Moscow (or UTC)`},
		{"no zone", "windows:\n  - {at: \"04:00\", duration: 2h, " + msg + "}\n", worlds,
			"window #1: time_zone: missing; want an IANA zone such as Europe/Moscow (or UTC)"},
		{"bad weekday", "windows:\n  - {weekdays: [wednesday, caturday], at: \"04:00\", duration: 2h, time_zone: UTC, " + msg + "}\n", worlds,
			`window #1: weekdays: "caturday" is not a weekday; want monday to sunday (or mon to sun)`},
		{"weekday twice", "windows:\n  - {weekdays: [Wed, wednesday], at: \"04:00\", duration: 2h, time_zone: UTC, " + msg + "}\n", worlds,
			`window #1: weekdays: "wednesday" listed twice`},
		{"weekdays empty", "windows:\n  - {weekdays: [], at: \"04:00\", duration: 2h, time_zone: UTC, " + msg + "}\n", worlds,
			"window #1: weekdays: empty; list days such as [wednesday], or leave weekdays out for every day"},
		{"hour out of range", recurring(`"24:00"`, "2h", "UTC"), worlds, `window #1: at "24:00": want "HH:MM", 00:00 to 23:59`},
		{"minute out of range", recurring(`"04:60"`, "2h", "UTC"), worlds, `window #1: at "04:60": want "HH:MM", 00:00 to 23:59`},
		{"one-digit hour", recurring(`"4:00"`, "2h", "UTC"), worlds, `window #1: at "4:00": want "HH:MM", 00:00 to 23:59`},
		{"no at", "windows:\n  - {duration: 2h, time_zone: UTC, " + msg + "}\n", worlds, `window #1: at: missing; want the local start time as "HH:MM"`},
		{"no duration", "windows:\n  - {at: \"04:00\", time_zone: UTC, " + msg + "}\n", worlds,
			"window #1: duration: missing; want a Go duration such as 2h or 90m"},
		{"bad duration", recurring(`"04:00"`, "2d", "UTC"), worlds, `window #1: duration "2d": want a Go duration such as 2h or 90m`},
		{"duration too short", recurring(`"04:00"`, "30s", "UTC"), worlds, `window #1: duration "30s": want 1 min to 7 days`},
		{"duration too long", recurring(`"04:00"`, "169h", "UTC"), worlds, `window #1: duration "169h": want 1 min to 7 days`},
		{"no from", "windows:\n  - {until: 2026-12-10T12:00:00+03:00, " + msg + "}\n", worlds,
			"window #1: from: missing; want an RFC 3339 time such as 2026-12-10T10:00:00+03:00"},
		{"from without offset", oneOff("2026-12-10T10:00:00", "2026-12-10T12:00:00+03:00"), worlds,
			`window #1: from "2026-12-10T10:00:00": want an RFC 3339 time with its offset, such as 2026-12-10T10:00:00+03:00`},
		{"until not after from", oneOff("2026-12-10T10:00:00+03:00", "2026-12-10T07:00:00Z"), worlds,
			"window #1: until: not after from; want a window that ends after it starts"},
		{"over 7 days", oneOff("2026-12-10T10:00:00+03:00", "2026-12-17T10:01:00+03:00"), worlds,
			"window #1: until: 7 days 1 min after from, at most 7 days"},
		{"no message", "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC}\n", worlds,
			"window #1: message.en: missing; want the message in English (en) and Russian (ru)"},
		{"no ru", "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC, message: {en: Restart, ru: \" \"}}\n", worlds,
			"window #1: message.ru: missing; want the message in English (en) and Russian (ru)"},
		{"message too long", "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC, message: {en: Restart, ru: " + strings.Repeat("я", 501) + "}}\n", worlds,
			"window #1: message.ru: 501 characters, at most 500"},
		{"message on two lines", "windows:\n  - {at: \"04:00\", duration: 2h, time_zone: UTC, message: {en: \"Re\\nstart\", ru: b}}\n", worlds,
			"window #1: message.en: holds the unprintable character U+000A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.file)
			_, err := maintenance.LoadFile(path, tt.worlds)
			want := maintenance.Env + " " + path + ": " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}

// TestLoadFileMissing names the file and the reason once.
func TestLoadFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yml")
	_, err := maintenance.LoadFile(path, []string{""})
	if want := maintenance.Env + " " + path + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "maintenance.yml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// describe prints a schedule with its zones by name and its times as instants.
func describe(s maintenance.Schedule) string {
	var b strings.Builder
	b.WriteString("{")
	for _, w := range s.OneOff {
		fmt.Fprintf(&b, "once %s..%s %q %q; ", w.From.UTC().Format(time.RFC3339), w.Until.UTC().Format(time.RFC3339), w.Message.EN, w.Message.RU)
	}
	for _, r := range s.Recurring {
		fmt.Fprintf(&b, "every %v %02d:%02d %s %s %q %q; ", r.Weekdays, r.Hour, r.Minute, r.Duration, r.Location, r.Message.EN, r.Message.RU)
	}
	b.WriteString("}")
	return b.String()
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
