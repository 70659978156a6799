package samples

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Day is one UTC day's figures, as the players document shows them; a figure is nil on
// a day without its samples.
type Day struct {
	Date    string     `json:"date"`
	Peak    *int64     `json:"peak"`
	PeakAt  *time.Time `json:"peak_at"`
	Mean    *float64   `json:"mean"`
	Min     *int64     `json:"min"`
	Samples int        `json:"samples"`
	P50     *int64     `json:"answer_p50_ms"`
	P95     *int64     `json:"answer_p95_ms"`
	Rounds  int        `json:"rounds"`
}

// Figures are a day's figures from its players samples and answer-time rounds (each in
// time order). end is where the day's last sample stops counting (the day's end, or now
// for today); every is the players interval: a sample stands for the time to the next
// one, at most every, so that a gap (no leader, a failed read) weighs nothing.
func Figures(day time.Time, players, answer []Sample, end time.Time, every time.Duration) Day {
	d := Day{Date: day.UTC().Format(time.DateOnly), Samples: len(players), Rounds: len(answer)}
	if len(players) > 0 {
		peak, low := players[0], players[0].V
		var weighted, total float64
		for i, s := range players {
			if s.V > peak.V {
				peak = s
			}
			low = min(low, s.V)
			next := end
			if i+1 < len(players) {
				next = players[i+1].At
			}
			w := min(max(next.Sub(s.At), 0), every).Seconds()
			weighted += w * float64(s.V)
			total += w
		}
		mean := float64(players[len(players)-1].V) // one sample at the very end: itself
		if total > 0 {
			mean = weighted / total
		}
		mean = math.Round(mean*100) / 100
		at := peak.At.UTC()
		d.Peak, d.PeakAt, d.Mean, d.Min = &peak.V, &at, &mean, &low
	}
	if len(answer) > 0 {
		p50, p95 := rank(answer, 50), rank(answer, 95)
		d.P50, d.P95 = &p50, &p95
	}
	return d
}

// rank is the nearest-rank percentile p of the values.
func rank(ss []Sample, p int) int64 {
	v := make([]int64, len(ss))
	for i, s := range ss {
		v[i] = s.V
	}
	slices.Sort(v)
	i := (p*len(v)+99)/100 - 1
	return v[max(i, 0)]
}

// Minute is one minute's answer time: the median and the worst of its rounds.
type Minute struct {
	At            time.Time
	Median, Worst int64
}

// Minutes groups answer-time rounds (in time order) by minute.
func Minutes(rounds []Sample) []Minute {
	var out []Minute
	for i := 0; i < len(rounds); {
		m := rounds[i].At.Truncate(time.Minute)
		j := i
		for j < len(rounds) && rounds[j].At.Truncate(time.Minute).Equal(m) {
			j++
		}
		group := rounds[i:j]
		worst := slices.MaxFunc(group, func(a, b Sample) int { return int(a.V - b.V) }).V
		out = append(out, Minute{At: m, Median: rank(group, 50), Worst: worst})
		i = j
	}
	return out
}

// Median is the median (lower of the two middle ones) of vs; ok is false without any.
func Median(vs []int64) (int64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Sorted(slices.Values(vs))
	return s[(len(s)-1)/2], true
}

// field is a Day in the daily hash: comma-separated, an empty field for nil, so that
// 90 of them stay in one small listpack (values under 64 bytes).
func (d Day) field() string {
	num := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	var at, mean string
	if d.PeakAt != nil {
		at = strconv.FormatInt(d.PeakAt.Unix(), 10)
	}
	if d.Mean != nil {
		mean = strconv.FormatFloat(*d.Mean, 'f', -1, 64)
	}
	return strings.Join([]string{num(d.Peak), at, mean, num(d.Min), strconv.Itoa(d.Samples), num(d.P50), num(d.P95), strconv.Itoa(d.Rounds)}, ",")
}

// parseDay reads a field written by Day.field; ok is false for anything else.
func parseDay(date, v string) (Day, bool) {
	f := strings.Split(v, ",")
	if len(f) != 8 {
		return Day{}, false
	}
	d := Day{Date: date}
	ok := true
	num := func(s string) *int64 {
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		ok = ok && err == nil
		return &n
	}
	d.Peak, d.Min, d.P50, d.P95 = num(f[0]), num(f[3]), num(f[5]), num(f[6])
	if at := num(f[1]); at != nil {
		t := time.Unix(*at, 0).UTC()
		d.PeakAt = &t
	}
	if f[2] != "" {
		m, err := strconv.ParseFloat(f[2], 64)
		ok = ok && err == nil
		d.Mean = &m
	}
	var err1, err2 error
	d.Samples, err1 = strconv.Atoi(f[4])
	d.Rounds, err2 = strconv.Atoi(f[7])
	return d, ok && err1 == nil && err2 == nil
}
