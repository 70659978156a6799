package probe

// Verdict is the game server's state as the probe judges it.
type Verdict int8

const (
	// Unknown: no verdict yet, until the first successful round or the first run of
	// Failures failed rounds. Saying "online" or "offline" before that would be a guess.
	Unknown Verdict = iota
	Online
	Offline
)

func (v Verdict) String() string {
	switch v {
	case Online:
		return "online"
	case Offline:
		return "offline"
	}
	return "unknown"
}

// Succeeded reports whether a round succeeded: every target answered. A game server
// with several entry points (login, world) is only usable when all of them are, and an
// empty round proves nothing.
func Succeeded(results []Result) bool {
	for _, r := range results {
		if !r.OK {
			return false
		}
	}
	return len(results) > 0
}

// Tracker turns rounds into a Verdict. A round succeeds when every target answered (see
// Succeeded). The verdict turns Offline only after Failures consecutive failed rounds, so
// one lost packet or a slow accept does not tell every visitor the server is down; it
// turns Online again at the first successful round, because a server that answered is up.
// A Tracker is not safe for concurrent use: one Loop owns it.
type Tracker struct {
	failures int // threshold
	failed   int // consecutive failed rounds so far
	verdict  Verdict
}

// NewTracker returns a Tracker with an Unknown verdict that goes Offline after failures
// consecutive failed rounds (at least 1).
func NewTracker(failures int) *Tracker {
	return &Tracker{failures: max(failures, 1)}
}

// Verdict is the current verdict.
func (t *Tracker) Verdict() Verdict { return t.verdict }

// Observe records one round and returns the verdict after it, and whether it flipped:
// changed from Online to Offline or back. The first verdict, out of Unknown, is not a
// flip: a restart of the snapshotter is not news for the webhook.
func (t *Tracker) Observe(results []Result) (Verdict, bool) {
	next := t.verdict
	if Succeeded(results) {
		t.failed = 0
		next = Online
	} else {
		t.failed++
		if t.failed >= t.failures {
			next = Offline
		}
	}
	flipped := t.verdict != Unknown && next != t.verdict
	t.verdict = next
	return next, flipped
}
