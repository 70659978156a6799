package snapshot

import (
	"strings"
	"testing"
	"time"
)

// TestWithCount: the count is presented only while the game server is online; offline
// (characters.online survives a crash) or after a failed read it is null with the
// reason, and without a query there is neither. The wire form says exactly that.
func TestWithCount(t *testing.T) {
	at := now.Add(-5 * time.Second)
	three := &Count{N: 3, At: at}
	for _, tc := range []struct {
		name    string
		online  bool
		c       *Count
		players string // the encoded fields, from "players" to before "checked_at"
	}{
		{"online", true, three, `"players":3,"players_at":"2026-11-26T11:59:55Z",`},
		{"offline: no count, the reason", false, three, `"players":null,"players_reason":"offline",`},
		{"failed read", true, &Count{Err: "players query: timeout"}, `"players":null,"players_reason":"count failed",`},
		{"no query", true, nil, `"players":null,`},
		{"no query, offline", false, nil, `"players":null,`},
		{"a copy that said offline, now online", true, &Count{Unread: true}, `"players":null,"players_reason":"not counted yet",`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := Build(nil, now, time.Minute)
			s.Online = tc.online
			s = s.WithCount(tc.c)
			b := string(s.Encode())
			i, j := strings.Index(b, `"players"`), strings.Index(b, `"checked_at"`)
			if i < 0 || j < i || b[i:j] != tc.players {
				t.Fatalf("encoded %s, want %s", b[i:j], tc.players)
			}
			back, err := Parse(s.Encode())
			if err != nil {
				t.Fatal(err)
			}
			// Read back, it carries the same count to the next publish (a new leader's
			// first, from the last leader's copy).
			if got, want := back.WithCount(back.CountOf()).Encode(), s.Encode(); string(got) != string(want) {
				t.Errorf("again from its copy:\n%s\nwant\n%s", got, want)
			}
		})
	}
}
