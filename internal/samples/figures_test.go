package samples

import (
	"testing"
	"time"
)

// TestAnswerFigures: a day's answer-time percentiles are nearest-rank over its rounds'
// figures, and each minute shows its rounds' median and worst.
func TestAnswerFigures(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var rounds []Sample
	for i := range 100 { // 1..100 ms, four rounds a minute
		rounds = append(rounds, Sample{At: day.Add(time.Duration(i*15) * time.Second), V: int64(i + 1)})
	}
	d := Figures(day, nil, rounds, day.Add(24*time.Hour), time.Minute)
	if d.P50 == nil || *d.P50 != 50 || *d.P95 != 95 || d.Rounds != 100 || d.Peak != nil || d.Mean != nil {
		t.Errorf("figures %+v; want p50 50, p95 95, 100 rounds, no players figures", d)
	}
	m := Minutes(rounds)
	if len(m) != 25 || m[0].Median != 2 || m[0].Worst != 4 || !m[1].At.Equal(day.Add(time.Minute)) || m[24].Worst != 100 {
		t.Errorf("minutes %v; want 25, the first median 2 (of 1..4, the lower middle) and worst 4", m[:2])
	}
	if v, ok := Median([]int64{9, 1, 5}); !ok || v != 5 {
		t.Errorf("median %d %v", v, ok)
	}
	if _, ok := Median(nil); ok {
		t.Error("a median of nothing")
	}
	// A day's figures survive the daily hash.
	p, at, mean, low := int64(7), day.Add(time.Hour), 3.25, int64(0)
	in := Day{Date: "2026-12-01", Peak: &p, PeakAt: &at, Mean: &mean, Min: &low, Samples: 3, P50: d.P50, P95: d.P95, Rounds: 100}
	out, ok := parseDay("2026-12-01", in.field())
	if !ok || *out.Peak != 7 || !out.PeakAt.Equal(at) || *out.Mean != 3.25 || *out.Min != 0 || *out.P95 != 95 || out.Samples != 3 || out.Rounds != 100 {
		t.Errorf("%q read back as %+v", in.field(), out)
	}
	if len(in.field()) > 64 {
		t.Errorf("a day's field is %d bytes: past 64 the hash leaves its listpack", len(in.field()))
	}
}
