// Package samples keeps two figures of a world over time: the players count (sampled at
// STATUS_PLAYERS_INTERVAL) and the game server's answer time (one figure per probe round,
// the median of the answering targets). Every sample of the last 48 h is kept, and per
// UTC day the figures the players document shows for 90 days. Figures are computed here,
// once (Figures, Minutes), from the records in Redis (Store).
package samples

import (
	"fmt"
	"time"
)

// Sample is one figure at one second.
type Sample struct {
	At time.Time
	V  int64
}

// recordLen is one sample in a day key: the second of the day and the value, 3 bytes
// each, big-endian. 3 bytes hold 86,399 seconds and a count or milliseconds up to
// 16,777,215 (MaxValue): no game world nor a probe deadline comes near.
const recordLen = 6

// MaxValue is the largest value a record holds; a bigger one is stored as MaxValue.
const MaxValue = 1<<24 - 1

// dayStart is midnight (UTC) of t's day.
func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// encode is s's record in the key of its day.
func encode(s Sample) string {
	sod := int64(s.At.UTC().Sub(dayStart(s.At)) / time.Second)
	v := min(max(s.V, 0), MaxValue)
	return string([]byte{byte(sod >> 16), byte(sod >> 8), byte(sod), byte(v >> 16), byte(v >> 8), byte(v)})
}

// decode reads a day key's records (the day starting at day); a trailing partial record
// (a key written by hand) is an error, so that garbage is never shown as figures.
func decode(day time.Time, b string) ([]Sample, error) {
	if len(b)%recordLen != 0 {
		return nil, fmt.Errorf("%d bytes: not whole records of %d", len(b), recordLen)
	}
	out := make([]Sample, 0, len(b)/recordLen)
	for i := 0; i < len(b); i += recordLen {
		sod := int64(b[i])<<16 | int64(b[i+1])<<8 | int64(b[i+2])
		v := int64(b[i+3])<<16 | int64(b[i+4])<<8 | int64(b[i+5])
		out = append(out, Sample{At: day.Add(time.Duration(sod) * time.Second), V: v})
	}
	return out, nil
}
