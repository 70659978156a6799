package samples

import "time"

// SeriesMax is the most points a players document's series holds: one a minute over the
// Window. STATUS_PLAYERS_INTERVAL goes down to 1 s (the tests sample at 1 s), which is
// 86,400 samples a day, 1.5 MB of JSON that every status page fetches; past SeriesMax
// the series is merged into minutes instead (series).
const SeriesMax = int(Window / time.Minute)

// series is the document's series from the players samples of the Window (in time order)
// taken every interval, and how far apart its points are, in seconds. Up to SeriesMax
// samples it is every one of them, every apart. Past it, each UTC minute is one point:
// the first sample with the minute's highest count, at that sample's time, so that the
// series' peak (Document.Peak: the index's players_peak_24h) is the samples' own; the
// points are then a minute apart, which the page's rule that breaks the graph at gaps
// of more than 3 intervals needs: any stretch of more than 3 minutes without samples
// still breaks it. An interval longer than a minute (set since the Window's shorter
// one) is said instead, as before the bound, so that its own samples stay joined.
func series(in []Sample, every time.Duration) ([][2]int64, int64) {
	out := make([][2]int64, 0, min(len(in), SeriesMax))
	if len(in) <= SeriesMax {
		for _, s := range in {
			out = append(out, [2]int64{s.At.Unix(), s.V})
		}
		return out, int64(every / time.Second)
	}
	for _, s := range in {
		at := s.At.Unix()
		if n := len(out); n > 0 && at/60 == out[n-1][0]/60 {
			if s.V > out[n-1][1] {
				out[n-1] = [2]int64{at, s.V}
			}
			continue
		}
		out = append(out, [2]int64{at, s.V})
	}
	// The Window's ends fall inside minutes: it touches 1441 of them. The oldest points
	// past SeriesMax fold into the next one (its highest, the first on a tie).
	if extra := len(out) - SeriesMax; extra > 0 {
		keep := out[0]
		for _, p := range out[1 : extra+1] {
			if p[1] > keep[1] {
				keep = p
			}
		}
		out = out[extra:]
		out[0] = keep
	}
	return out, max(60, int64(every/time.Second))
}
