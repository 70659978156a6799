package maintenance

import (
	"strings"
	"testing"
	"time"
)

// TestResolve: wall times are the next such time in the zone, an HH:MM end more than
// Slip after the start is refused with the flags that would say it, and one end only.
func TestResolve(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 11, 2, 0, 0, time.UTC) // 14:02 MSK
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, from, until string
		length            time.Duration
		wantFrom, wantEnd string
		err               string
	}{
		{"now until HH:MM", "now", "16:00", 0, "2026-12-02T11:02:00Z", "2026-12-02T13:00:00Z", ""},
		{"now for 90m", "now", "", 90 * time.Minute, "2026-12-02T11:02:00Z", "2026-12-02T12:32:00Z", ""},
		{"a start already past is tomorrow's", "14:00", "16:00", 0, "2026-12-03T11:00:00Z", "2026-12-03T13:00:00Z", ""},
		{"RFC 3339", "2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z", 0, "2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z", ""},
		{"an end just past", "now", "13:00", 0, "", "", "-until 13:00: the next 13:00 is 2026-12-03 13:00 MSK, 22 h 58 min after the start"},
		{"both ends", "now", "16:00", time.Hour, "", "", "-until and -for: give one of them"},
		{"no end", "now", "", 0, "", "", "-until: missing"},
		{"negative", "now", "", -time.Hour, "", "", "want a positive duration"},
		{"not a time", "now", "25:00", 0, "", "", `-until "25:00": want HH:MM`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Resolve(tc.from, tc.until, tc.length, now, msk)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !w.From.Equal(at(tc.wantFrom)) || !w.Until.Equal(at(tc.wantEnd)) {
				t.Errorf("window %s..%s, want %s..%s", w.From.UTC(), w.Until.UTC(), tc.wantFrom, tc.wantEnd)
			}
		})
	}
}
