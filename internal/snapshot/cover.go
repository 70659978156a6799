package snapshot

import (
	"path"
	"strconv"
)

// nginx cannot read a file's age, but it can name the current second: `map $msec` cuts the
// epoch seconds to a prefix, and try_files looks for a file of that name. So the publisher
// names the snapshot by the seconds in which it is fresh, and nginx serves it exactly then.
// One name per second would grow with the TTL; instead a name covers a decimal-aligned
// block: at level L the name is the epoch second without its last L digits, covering 10^L
// seconds. The window [updated_at, fresh_until) is cut into the fewest such blocks, at most
// 9 per level on each side, so a TTL of 900 s takes about 40 names and a day about 80.

// MaxLevel is the coarsest block: 10^5 s, a little over a day.
const MaxLevel = 5

// LookupOrder is the order nginx tries the levels: a miss costs one failed open, so the
// level that covers most of a default window (100-s blocks for a 900-s TTL) comes first.
// The nginx template and Lookup both take it from here.
func LookupOrder() []int { return []int{2, 1, 0, 3, 4, 5} }

// block is the run of seconds [index*10^level, (index+1)*10^level).
type block struct {
	level int
	index int64
}

// name is the block's path inside the served tree: "<level>/<index>.json".
func (b block) name() string {
	return path.Join(strconv.Itoa(b.level), strconv.FormatInt(b.index, 10)+".json")
}

func pow10(level int) int64 {
	n := int64(1)
	for range level {
		n *= 10
	}
	return n
}

// blockAt is the block of the given level that holds second sec.
func blockAt(level int, sec int64) block { return block{level, sec / pow10(level)} }

// cover cuts the seconds [from, to) into the fewest aligned blocks: from each second it
// takes the largest block that starts there and ends within the window.
func cover(from, to int64) []block {
	var out []block
	for t := from; t < to; {
		level := 0
		for level < MaxLevel {
			size := pow10(level + 1)
			if t%size != 0 || t+size > to {
				break
			}
			level++
		}
		out = append(out, blockAt(level, t))
		t += pow10(level)
	}
	return out
}
