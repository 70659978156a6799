package history

import (
	"log/slog"
	"strings"
	"unicode"

	"statusedge/internal/maintenance"
	"statusedge/internal/redisconn"
)

// Printable is s with each character the commands refuse as unprintable (checkText's
// rule, unicode.IsPrint) replaced by U+FFFD: control characters (C0, DEL, C1: ESC among
// them, which starts a terminal's escape sequences), line breaks and separators, and
// format characters such as a bidi override (U+202E reverses what follows, on a terminal
// and on the page). The commands refuse such text, but Redis can hold anything, and an
// operator's terminal (incident list) or a document must never receive it.
func Printable(s string) string {
	unprintable := func(r rune) bool { return !unicode.IsPrint(r) }
	if strings.IndexFunc(s, unprintable) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unprintable(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// printableNote is n with every text Printable; clean is false when one was not.
func printableNote(n Note) (Note, bool) {
	clean := true
	text := func(t maintenance.Text) maintenance.Text {
		p := maintenance.Text{EN: Printable(t.EN), RU: Printable(t.RU)}
		clean = clean && p == t
		return p
	}
	if n.Title != nil {
		t := text(*n.Title)
		n.Title = &t
	}
	ups := make([]Update, len(n.Updates))
	for i, u := range n.Updates {
		u.Message = text(u.Message)
		ups[i] = u
	}
	n.Updates = ups
	return n, clean
}

// garbage says what a Store met in Redis and could not use as it was, once per key
// (or hash field) for as long as the key holds the same garbage: a pass every 10 s
// would otherwise repeat it all day.
type garbage struct{ said redisconn.Damage }

// report logs, once, that key holds something that is not what it should; log may be nil.
func (g *garbage) report(log *slog.Logger, key, what string) {
	if g.said.News(key, what) && log != nil {
		log.Warn("garbage in Redis: "+what, "key", key)
	}
}

// sound forgets what was said of key, which holds what it should again.
func (g *garbage) sound(key string) { g.said.Sound(key) }
