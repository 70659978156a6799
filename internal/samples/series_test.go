package samples_test

import (
	"encoding/json"
	"testing"
	"time"

	"statusedge/internal/samples"
)

// secondly is a players count every second of [from, to) but the seconds of gap, each
// count a spread of 100..1096 and the ones in peaks set to theirs.
func secondly(from, to time.Time, gap [2]time.Time, peaks map[time.Time]int64) []samples.Sample {
	var out []samples.Sample
	for at := from; at.Before(to); at = at.Add(time.Second) {
		if !at.Before(gap[0]) && at.Before(gap[1]) {
			continue
		}
		v := 100 + at.Unix()*7919%997
		if p, ok := peaks[at]; ok {
			v = p
		}
		out = append(out, samples.Sample{At: at, V: v})
	}
	return out
}

// firstMax is the first sample of ss with the highest count; ok is false for none.
func firstMax(ss []samples.Sample) (samples.Sample, bool) {
	if len(ss) == 0 {
		return samples.Sample{}, false
	}
	p := ss[0]
	for _, s := range ss {
		if s.V > p.V {
			p = s
		}
	}
	return p, true
}

// TestSeriesMergedIntoMinutes: a 1-s interval fills the 24 h with 86,400 samples; the
// players document's series holds at most SeriesMax points, each the first sample with
// its minute's highest count, so that its peak (the index's players_peak_24h) is the
// samples' own wherever it falls, even in the part-minutes at the Window's ends. It says
// a 60-s spacing, which joins every minute's point to the next and breaks the graph at
// an outage; the daily figures count every sample.
func TestSeriesMergedIntoMinutes(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 30, 0, time.UTC)
	from, today := now.Add(-samples.Window), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	mid := time.Date(2026, 12, 2, 3, 17, 42, 0, time.UTC)
	outage := [2]time.Time{time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 8, 10, 0, 0, time.UTC)}
	// The rest of a full document, for its size: a 15-s probe's answer times and 88
	// settled days with every figure.
	var answer []samples.Sample
	for at := samples.ReadFrom(now); at.Before(now); at = at.Add(15 * time.Second) {
		answer = append(answer, samples.Sample{At: at, V: 100 + at.Unix()%900})
	}
	daily := map[string]samples.Day{}
	for back := 2; back < samples.DaysKept; back++ {
		day := today.AddDate(0, 0, -back)
		peak, at, mean, low, p50, p95 := int64(12345), day.Add(13*time.Hour+17*time.Minute), 9876.54, int64(1234), int64(123), int64(987)
		daily[day.Format(time.DateOnly)] = samples.Day{Date: day.Format(time.DateOnly), Peak: &peak, PeakAt: &at, Mean: &mean, Min: &low,
			Samples: 86400, P50: &p50, P95: &p95, Rounds: 5760}
	}
	for _, tc := range []struct {
		name  string
		peaks map[time.Time]int64
		gap   [2]time.Time
	}{
		// Later samples with the same count, in its minute and hours later: the peak
		// is the first one.
		{"peak mid-day", map[time.Time]int64{mid: 5000, mid.Add(5 * time.Second): 5000, mid.Add(2 * time.Hour): 5000}, [2]time.Time{}},
		// The next minute, which the first part-minute folds into, has the count too.
		{"peak at the window's first second", map[time.Time]int64{from: 5000, from.Add(40 * time.Second): 5000}, [2]time.Time{}},
		{"peak in the window's first part-minute", map[time.Time]int64{from.Add(20 * time.Second): 5000}, [2]time.Time{}},
		{"peak at the last sample", map[time.Time]int64{now.Add(-time.Second): 5000}, [2]time.Time{}},
		{"ten minutes without samples", map[time.Time]int64{mid: 5000}, outage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := secondly(samples.ReadFrom(now), now, tc.gap, tc.peaks)
			var window []samples.Sample
			for _, s := range all {
				if !s.At.Before(from) {
					window = append(window, s)
				}
			}
			outageLen := int(tc.gap[1].Sub(tc.gap[0]) / time.Second)
			if len(window) != 86400-outageLen {
				t.Fatalf("fixture: %d samples in the window, want %d", len(window), 86400-outageLen)
			}
			doc := samples.Build("x1", now, time.Second, all, answer, daily)

			body, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			raw := make([][2]int64, len(window))
			for i, s := range window {
				raw[i] = [2]int64{s.At.Unix(), s.V}
			}
			rawBody, err := json.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			series, err := json.Marshal(doc.Series)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d samples: %d points, document %d bytes, its series %d (a series of every sample: %d)",
				len(window), len(doc.Series), len(body), len(series), len(rawBody))
			if len(series) > samples.SeriesMax*len(`[1796126430,12345],`) {
				t.Errorf("series %d bytes, want at most %d points' worth", len(series), samples.SeriesMax)
			}

			if len(doc.Series) > samples.SeriesMax || len(doc.Series) < samples.SeriesMax-outageLen/60 {
				t.Errorf("series of %d points, want at most %d, one per minute with samples", len(doc.Series), samples.SeriesMax)
			}
			if doc.IntervalSeconds != 60 {
				t.Errorf("interval_seconds %d, want the merged series' 60", doc.IntervalSeconds)
			}
			want, ok := firstMax(window)
			if !ok {
				t.Fatal("no samples in the window")
			}
			if p := doc.Peak(); p == nil || p.V != want.V || !p.At.Equal(want.At) {
				t.Errorf("peak %+v, want the samples' %+v", p, want)
			}

			// Each point after the first is the first sample with its minute's highest
			// count; the first one stands for every minute before the second.
			byMinute := map[int64][]samples.Sample{}
			for _, s := range window {
				byMinute[s.At.Unix()/60] = append(byMinute[s.At.Unix()/60], s)
			}
			for i, p := range doc.Series {
				group := byMinute[p[0]/60]
				if i == 0 {
					group = nil
					for _, s := range window {
						if s.At.Unix()/60 < doc.Series[1][0]/60 {
							group = append(group, s)
						}
					}
				} else if p[0]/60 == doc.Series[i-1][0]/60 {
					t.Fatalf("points %d and %d in one minute: %v %v", i-1, i, doc.Series[i-1], p)
				}
				if m, ok := firstMax(group); !ok || m.At.Unix() != p[0] || m.V != p[1] {
					t.Fatalf("point %d %v, want its minute's first highest %+v", i, p, m)
				}
			}
			if covered := len(byMinute) - int(doc.Series[1][0]/60-from.Unix()/60); covered != len(doc.Series)-1 {
				t.Errorf("%d minutes with samples after the first point's, %d points", covered, len(doc.Series)-1)
			}

			// The page breaks the line where two points are more than 3 intervals apart:
			// only across the outage.
			gap := 3 * doc.IntervalSeconds
			breaks := 0
			for i := 1; i < len(doc.Series); i++ {
				a, b := doc.Series[i-1][0], doc.Series[i][0]
				if b-a <= gap {
					continue
				}
				breaks++
				if a >= tc.gap[0].Unix() || b < tc.gap[1].Unix() {
					t.Errorf("the graph breaks between %v and %v, outside the outage %v", doc.Series[i-1], doc.Series[i], tc.gap)
				}
			}
			if wantBreaks := min(outageLen, 1); breaks != wantBreaks {
				t.Errorf("%d breaks in the graph, want %d", breaks, wantBreaks)
			}

			// The daily figures are the samples', not the series'.
			for _, c := range []struct {
				day  samples.Day
				from time.Time
			}{{doc.Days[len(doc.Days)-1], today}, {doc.Days[len(doc.Days)-2], today.AddDate(0, 0, -1)}} {
				var in []samples.Sample
				for _, s := range all {
					if !s.At.Before(c.from) && s.At.Before(c.from.Add(24*time.Hour)) {
						in = append(in, s)
					}
				}
				m, ok := firstMax(in)
				if !ok {
					t.Fatalf("%s: no samples", c.day.Date)
				}
				if c.day.Samples != len(in) || c.day.Peak == nil || *c.day.Peak != m.V || !c.day.PeakAt.Equal(m.At) {
					t.Errorf("%s: %d samples, peak %v at %v; want %d, %d at %v", c.day.Date, c.day.Samples, c.day.Peak, c.day.PeakAt, len(in), m.V, m.At)
				}
			}
		})
	}
}

// TestSeriesWithinMax: up to SeriesMax samples in the window, the series is every one of
// them at the interval's spacing, as before the bound.
func TestSeriesWithinMax(t *testing.T) {
	end := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		every time.Duration
		n     int
	}{
		{"60 s over 24 h", time.Minute, 1440},
		{"1 s for 20 minutes", time.Second, 1200},
		{"1 s, exactly SeriesMax", time.Second, samples.SeriesMax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in []samples.Sample
			for i := range tc.n {
				at := end.Add(-time.Duration(tc.n-1-i) * tc.every)
				in = append(in, samples.Sample{At: at, V: int64(i*7919%997 + 1)})
			}
			// 30 s after the last sample, as the documents are built between two: the
			// first sample is within the Window.
			doc := samples.Build("x1", end.Add(30*time.Second), tc.every, in, nil, nil)
			if doc.IntervalSeconds != int64(tc.every/time.Second) {
				t.Errorf("interval_seconds %d, want %v", doc.IntervalSeconds, tc.every)
			}
			if len(doc.Series) != len(in) {
				t.Fatalf("series of %d points, want all %d samples", len(doc.Series), len(in))
			}
			for i, s := range in {
				if doc.Series[i] != [2]int64{s.At.Unix(), s.V} {
					t.Fatalf("point %d %v, want %v", i, doc.Series[i], s)
				}
			}
		})
	}
}
