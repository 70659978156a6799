package nginx

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// nginx cannot read a file's age, but it can name the current second: `map $msec` cuts the
// epoch seconds to a prefix, and nginx looks for a file of that name. So the publisher
// names a document by the seconds in which it is fresh, and nginx serves it exactly then.
// One name per second would grow with the window; instead a name covers a decimal-aligned
// block: at level L the name is the epoch second without its last L digits, covering 10^L
// seconds. The window [from, until) is cut into aligned blocks, 10-s ones for its first
// FineSpan (where nearly every request of a normal interval falls, so nginx's first try
// hits) and the fewest possible after that, so a window of 900 s takes about 100 names
// and a day about 150.

// MaxLevel is the coarsest block: 10^5 s, a little over a day.
const MaxLevel = 5

// FineSpan is how much of a window is cut into blocks no coarser than 10 s.
const FineSpan = 1000 * time.Second

// fineLevel is the level used within FineSpan.
const fineLevel = 1

// lookupOrder is the order nginx tries the levels. A miss costs nginx a failed open, so
// the level that holds the current second most of the time comes first: 10-s blocks,
// then the 1-s blocks at the window's edges, then the coarse ones past FineSpan.
var lookupOrder = [...]int{1, 0, 2, 3, 4, 5}

// blockName matches the names Cover returns; nothing else in a document's folder is pruned.
var blockName = regexp.MustCompile(`^[0-9]-[0-9]+\.json$`)

// IsBlockName says whether name (a base name) is one of the names Cover returns.
func IsBlockName(name string) bool { return blockName.MatchString(name) }

// block is the run of seconds [index*10^level, (index+1)*10^level).
type block struct {
	level int
	index int64
}

// name is the block's file name in a document's folder: "<level>-<index>.json". One flat
// folder per document: with disable_symlinks nginx opens every path component after its
// root (the document's folder), so there is just the file.
func (b block) name() string {
	return strconv.Itoa(b.level) + "-" + strconv.FormatInt(b.index, 10) + ".json"
}

func pow10(level int) int64 {
	n := int64(1)
	for range level {
		n *= 10
	}
	return n
}

// BlockEnd is the first second after the block a name of Cover's covers; 0 for any other
// name.
func BlockEnd(name string) int64 {
	var level int
	var index int64
	if !IsBlockName(name) {
		return 0
	}
	if _, err := fmt.Sscanf(name, "%d-%d.json", &level, &index); err != nil {
		return 0
	}
	return (index + 1) * pow10(level)
}

// blockAt is the block of the given level that holds second sec.
func blockAt(level int, sec int64) block { return block{level, sec / pow10(level)} }

// Cover returns the names that make nginx serve a document for exactly the seconds
// [from, until) (epoch seconds): from each second the largest aligned block that starts
// there and ends within the window, no coarser than 10 s before start+FineSpan (start
// is when the window opened; the seconds before from are past and need no name).
func Cover(start, from, until int64) []string {
	blocks := cover(from, until, start+int64(FineSpan/time.Second))
	names := make([]string, len(blocks))
	for i, b := range blocks {
		names[i] = b.name()
	}
	return names
}

// NamesAt lists the names nginx tries, in order, for second sec: the first that exists
// in the document's folder is served.
func NamesAt(sec int64) []string {
	out := make([]string, len(lookupOrder))
	for i, l := range lookupOrder {
		out[i] = blockAt(l, sec).name()
	}
	return out
}

// cover cuts the seconds [from, to) into aligned blocks: from each second it takes the
// largest block that starts there and ends within the window, no coarser than fineLevel
// before fineUntil.
func cover(from, to, fineUntil int64) []block {
	var out []block
	for t := from; t < to; {
		limit := MaxLevel
		if t < fineUntil {
			limit = fineLevel
		}
		level := 0
		for level < limit {
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
