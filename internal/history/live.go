package history

import "time"

// Live is a read of the record (cells from Start(now), flips newest first) with the
// world as it is at now added the way the leader records it within its tick: now's
// minute raised to st (the bigger state wins, as Record merges it in Redis), and flip as
// the newest flip unless the newest one already says flip.Online (RecordFlip adds none
// that repeats it). flip is the current status's online at its checked_at, nil when no
// status is current (the leader records none then either).
//
// Why: the documents built from the record then change in the same pass as the status,
// not a tick later when the leader's write lands; and since the write is the same, what
// the documents said does not move when it does (an incident keeps its start and ID).
// cells is the caller's own read: now's minute is raised in place.
func Live(now time.Time, cells []State, flips []Flip, st State, flip *Flip) ([]State, []Flip) {
	i := int(now.UTC().Truncate(time.Minute).Sub(Start(now)) / time.Minute)
	if st != NoData && i >= 0 {
		for len(cells) <= i {
			cells = append(cells, NoData)
		}
		cells[i] = max(cells[i], st)
	}
	if flip != nil && (len(flips) == 0 || flips[0].Online != flip.Online) {
		flips = append([]Flip{{Online: flip.Online, At: flip.At.UTC()}}, flips...)
	}
	return cells, flips
}
