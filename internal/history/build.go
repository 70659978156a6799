package history

import (
	"math"
	"time"

	"statusedge/internal/maintenance"
)

// Start is the first minute of the Days days that end with today (UTC): midnight Days-1
// days before today.
func Start(now time.Time) time.Time { return dayStart(now).AddDate(0, 0, -(Days - 1)) }

// The uptime windows, in minutes ending with now's minute.
const (
	minutes24h = 24 * 60
	minutes7d  = 7 * minutes24h
	minutes30d = 30 * minutes24h
	minutes90d = 90 * minutes24h
)

// MaxIncidents is how many incidents, the newest, the history document lists in full;
// the others are counted per day (Day.Incidents). 90 days of a server flapping every
// minute hold 64,800 incidents: listed whole they made a 10 MB document that every page
// fetches every minute (docs/spec.md gives the bounded size).
const MaxIncidents = 50

// Build makes the history document at now from cells, the minutes [Start(now), now's
// minute] (now's minute included; missing cells at the end read as NoData), the
// operator's notes by incident ID, and the maintenance active now and announced.
func Build(world string, now time.Time, cells []State, notes map[string]Note, active *maintenance.Window, upcoming []maintenance.Window) Document {
	now = now.UTC()
	start := Start(now)
	n, at := span(now, cells)
	all := Incidents(now, cells, notes)

	days := make([]Day, Days)
	for d := range days {
		var c [4]int
		for i := d * minutesPerDay; i < min((d+1)*minutesPerDay, n); i++ {
			c[at(i)]++
		}
		days[d] = Day{
			Date: start.AddDate(0, 0, d).Format(time.DateOnly),
			Up:   c[Up], Down: c[Down], Maintenance: c[Maintenance], NoData: c[NoData],
			Uptime: uptime(c[Up], c[Down]),
		}
	}
	for _, inc := range all {
		days[int(inc.StartedAt.Sub(start)/(24*time.Hour))].Incidents++
	}

	// One pass from now backwards counts the four windows.
	var up, down, seen [4]int
	bounds := [4]int{minutes24h, minutes7d, minutes30d, minutes90d}
	for back := range min(n, minutes90d) {
		st := at(n - 1 - back)
		for w, b := range bounds {
			if back < b {
				switch st {
				case Up:
					up[w]++
				case Down:
					down[w]++
				}
				if st != NoData {
					seen[w]++
				}
			}
		}
	}

	var cover [4]float64
	for w, b := range bounds {
		cover[w] = math.Round(10000*float64(seen[w])/float64(b)) / 10000
	}
	if upcoming == nil {
		upcoming = []maintenance.Window{}
	}
	return Document{
		World:       world,
		GeneratedAt: now,
		Days:        days,
		Uptime: Uptime{
			H24: covered(cover[0], uptime(up[0], down[0])), D7: covered(cover[1], uptime(up[1], down[1])),
			D30: covered(cover[2], uptime(up[2], down[2])), D90: covered(cover[3], uptime(up[3], down[3])),
		},
		Coverage:         Coverage{H24: cover[0], D7: cover[1], D30: cover[2], D90: cover[3]},
		DataSince:        dataSince(start, n, at),
		Incidents:        all[:min(len(all), MaxIncidents)],
		IncidentsTotal:   len(all),
		IncidentsOmitted: max(len(all)-MaxIncidents, 0),
		Maintenance:      Planned{Active: active, Upcoming: upcoming},
	}
}

// Incidents are all the incidents of the minutes cells (as Build's) at now, newest
// first, with the operator's notes: the ones an operator may name, beyond those the
// document lists in full.
func Incidents(now time.Time, cells []State, notes map[string]Note) []Incident {
	now = now.UTC()
	n, at := span(now, cells)
	return incidents(Start(now), now.Truncate(time.Minute), n, at, notes)
}

// span is the number of minutes from Start(now) to now's minute included, and the state
// of each of them in cells (NoData past cells' end).
func span(now time.Time, cells []State) (int, func(int) State) {
	n := int(now.Truncate(time.Minute).Sub(Start(now))/time.Minute) + 1
	if len(cells) > n {
		cells = cells[:n]
	}
	return n, func(i int) State {
		if i < len(cells) {
			return cells[i]
		}
		return NoData
	}
}

// covered is pct where the window's coverage reaches MinCoverage, nil below it.
func covered(coverage float64, pct *float64) *float64 {
	if coverage < MinCoverage {
		return nil
	}
	return pct
}

// dataSince is the first of the n minutes from start that holds data; nil for none.
func dataSince(start time.Time, n int, at func(int) State) *time.Time {
	for i := range n {
		if at(i) != NoData {
			t := start.Add(time.Duration(i) * time.Minute)
			return &t
		}
	}
	return nil
}

// uptime is 100*(1-down/(up+down)) floored to two decimals, in integers so that a float's
// rounding never shows 99.99 as 100; nil when no minute was up or down.
func uptime(up, down int) *float64 {
	if up+down == 0 {
		return nil
	}
	hundredths := float64(10000 * up / (up + down))
	v := hundredths / 100
	return &v
}

// incidents are the runs of Down minutes among the n minutes from start, newest first. A
// NoData minute between two Down ones joins them (nobody watched; the outage most likely
// went on) without counting as down; Up or Maintenance ends a run. A run followed by
// nothing but NoData up to now is ongoing: nobody saw it end (the current minute, not
// yet recorded, or no snapshotter since), and an end it did not have is never claimed.
func incidents(start, nowMin time.Time, n int, at func(int) State, notes map[string]Note) []Incident {
	out := []Incident{}
	add := func(first, last int, open bool) {
		inc := Incident{StartedAt: start.Add(time.Duration(first) * time.Minute), Updates: []Update{}}
		inc.ID = inc.StartedAt.Format(IDLayout)
		end := nowMin.Add(time.Minute)
		if open {
			inc.Ongoing = true
		} else {
			e := start.Add(time.Duration(last+1) * time.Minute)
			inc.EndedAt, end = &e, e
		}
		inc.Minutes = int(end.Sub(inc.StartedAt) / time.Minute)
		if note, ok := notes[inc.ID]; ok {
			inc.Title = note.Title
			if note.Updates != nil {
				inc.Updates = note.Updates
			}
		}
		out = append(out, inc)
	}
	first, last := -1, -1
	for i := range n {
		switch at(i) {
		case Down:
			if first < 0 {
				first = i
			}
			last = i
		case Up, Maintenance:
			if first >= 0 {
				add(first, last, false)
				first = -1
			}
		}
	}
	if first >= 0 {
		add(first, last, true)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
