package nginx

import (
	"testing"
	"time"
)

func TestCoverIsExactAndSmall(t *testing.T) {
	for _, c := range []struct {
		from, ttl int64
		maxNames  int
	}{
		{1764400000, 900, 90}, {1764400001, 900, 108}, {1764409999, 900, 108}, {1764400123, 3, 3},
		{1764400000, 86400, 150}, {1764401234, 86400, 160}, {1764401234, 7 * 86400, 170}, {1764400000, 1, 1},
	} {
		fine := c.from + int64(FineSpan/time.Second)
		blocks := cover(c.from, c.from+c.ttl, fine)
		if len(blocks) > c.maxNames {
			t.Errorf("[%d, +%d): %d names, want at most %d", c.from, c.ttl, len(blocks), c.maxNames)
		}
		// Contiguous, aligned, and exactly the window: every second in it, none outside.
		next := c.from
		for _, b := range blocks {
			size := pow10(b.level)
			if b.index*size < fine && b.level > fineLevel {
				t.Fatalf("[%d, +%d): block %v within FineSpan is coarser than 10 s", c.from, c.ttl, b)
			}
			if b.index*size != next {
				t.Fatalf("[%d, +%d): block %v starts at %d, want %d", c.from, c.ttl, b, b.index*size, next)
			}
			next += size
		}
		if next != c.from+c.ttl {
			t.Errorf("[%d, +%d): blocks end at %d", c.from, c.ttl, next)
		}
	}
	if got := cover(10, 10, 10); len(got) != 0 {
		t.Errorf("empty window: %v", got)
	}
}

func TestBlockEnd(t *testing.T) {
	for name, want := range map[string]int64{"1-176440012.json": 1764400130, "0-1764400127.json": 1764400128, "5-17644.json": 1764500000, "last.json": 0, "b1-176440012.json": 0} {
		if got := BlockEnd(name); got != want {
			t.Errorf("BlockEnd(%q) = %d, want %d", name, got, want)
		}
	}
}
