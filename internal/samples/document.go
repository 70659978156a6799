package samples

import (
	"time"
)

// Document is a world's players document (the players over the last 24 h, the answer
// time per minute, 90 days of figures). It carries no current count: the status does,
// with its freshness.
type Document struct {
	World       string    `json:"world"`
	GeneratedAt time.Time `json:"generated_at"`
	// IntervalSeconds is how far apart the series' points are: STATUS_PLAYERS_INTERVAL,
	// or 60 once the series is merged into minutes (series).
	IntervalSeconds int64      `json:"interval_seconds"`
	Series          [][2]int64 `json:"series"` // [unix, count], oldest first; at most SeriesMax
	Answer          [][3]int64 `json:"answer"` // [unix minute, median ms, worst ms]
	Days            []Day      `json:"days"`   // DaysKept, oldest first, today last
}

// Window is how far back the document's series go.
const Window = 24 * time.Hour

// ReadFrom is where the samples a document needs at now start: the UTC midnight before
// the Window (its series, and yesterday's figures until the leader settles them).
func ReadFrom(now time.Time) time.Time { return dayStart(now.Add(-Window)) }

// Build is the document at now from the samples of the last Kept (players and answer
// time, in time order) and the settled daily figures by date. A day that has samples but
// no settled figures (today, or yesterday before the leader settled it) is figured from
// its samples.
func Build(world string, now time.Time, every time.Duration, players, answer []Sample, daily map[string]Day) Document {
	now = now.UTC()
	doc := Document{World: world, GeneratedAt: now.Truncate(time.Second), Answer: [][3]int64{}, Days: make([]Day, 0, DaysKept)}
	from := now.Add(-Window)
	var shown []Sample
	for _, s := range players {
		if !s.At.Before(from) {
			shown = append(shown, s)
		}
	}
	// The days below are figured from players, every sample, never from the series.
	doc.Series, doc.IntervalSeconds = series(shown, every)
	var recent []Sample
	for _, s := range answer {
		if !s.At.Before(from) {
			recent = append(recent, s)
		}
	}
	for _, m := range Minutes(recent) {
		doc.Answer = append(doc.Answer, [3]int64{m.At.Unix(), m.Median, m.Worst})
	}
	today := dayStart(now)
	for back := DaysKept - 1; back >= 0; back-- {
		day := today.AddDate(0, 0, -back)
		date := day.Format(time.DateOnly)
		if d, ok := daily[date]; ok && back > 0 {
			doc.Days = append(doc.Days, d)
			continue
		}
		if back > 3 {
			// Past Kept: no samples are left to figure it from.
			doc.Days = append(doc.Days, Figures(day, nil, nil, day, every))
			continue
		}
		end := day.Add(24 * time.Hour)
		if now.Before(end) {
			end = now
		}
		doc.Days = append(doc.Days, Figures(day, within(players, day, end), within(answer, day, end), end, every))
	}
	return doc
}

// Peak is the highest count of the series (the first sample that had it); nil for none.
func (d Document) Peak() *Sample {
	var p *Sample
	for _, s := range d.Series {
		if p == nil || s[1] > p.V {
			p = &Sample{At: time.Unix(s[0], 0).UTC(), V: s[1]}
		}
	}
	return p
}

// within is the samples of [from, to).
func within(ss []Sample, from, to time.Time) []Sample {
	var out []Sample
	for _, s := range ss {
		if !s.At.Before(from) && s.At.Before(to) {
			out = append(out, s)
		}
	}
	return out
}
