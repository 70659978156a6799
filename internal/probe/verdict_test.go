package probe

import (
	"fmt"
	"testing"
)

// round builds one round's results from pattern: '+' a target that answered, '-' one that did not.
func round(pattern string) []Result {
	out := make([]Result, len(pattern))
	for i, c := range pattern {
		out[i] = Result{Addr: fmt.Sprintf("127.0.0.1:%d", 7000+i), OK: c == '+'}
	}
	return out
}

func TestTracker(t *testing.T) {
	type step struct {
		round   string
		verdict Verdict
		flipped bool
	}
	tests := []struct {
		name     string
		failures int
		steps    []step
	}{
		{"first success is a verdict, not a flip", 2, []step{{"+", Online, false}, {"+", Online, false}}},
		{"offline only after the threshold", 2, []step{{"+", Online, false}, {"-", Online, false}, {"-", Offline, true}, {"-", Offline, false}}},
		{"online again at the first success", 3, []step{{"+", Online, false}, {"-", Online, false}, {"-", Online, false}, {"-", Offline, true}, {"+", Online, true}}},
		{"flapping: one failed round between successes never flips", 2, []step{
			{"+", Online, false}, {"-", Online, false}, {"+", Online, false}, {"-", Online, false}, {"+", Online, false}, {"-", Online, false}, {"+", Online, false}}},
		{"the failure count restarts after a success", 2, []step{{"+", Online, false}, {"-", Online, false}, {"+", Online, false}, {"-", Online, false}, {"-", Offline, true}}},
		{"unknown until the first verdict; first offline is not a flip", 2, []step{{"-", Unknown, false}, {"-", Offline, false}, {"+", Online, true}}},
		{"threshold 1 turns offline at once", 1, []step{{"+", Online, false}, {"-", Offline, true}}},
		{"one of several targets failing fails the round", 1, []step{{"++", Online, false}, {"+-", Offline, true}, {"++", Online, true}}},
		{"an empty round fails", 1, []step{{"", Offline, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(tt.failures)
			for i, s := range tt.steps {
				v, flipped := tr.Observe(round(s.round))
				if v != s.verdict || flipped != s.flipped {
					t.Fatalf("round %d (%q): verdict %v flipped %v, want %v %v", i+1, s.round, v, flipped, s.verdict, s.flipped)
				}
				if tr.Verdict() != v {
					t.Fatalf("round %d: Verdict() = %v, Observe said %v", i+1, tr.Verdict(), v)
				}
			}
		})
	}
}
