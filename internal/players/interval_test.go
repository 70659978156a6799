package players

import (
	"testing"
	"time"
)

func TestLoadInterval(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
		bad  bool
	}{
		{"", DefaultInterval, false}, {"0", 0, false}, {"1", time.Second, false}, {"86400", 24 * time.Hour, false},
		{"86401", 0, true}, {"-1", 0, true}, {"1m", 0, true},
	} {
		got, err := LoadInterval(func(string) string { return tc.v })
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%q: %v, %v; want %v (error %v)", tc.v, got, err, tc.want, tc.bad)
		}
	}
}
