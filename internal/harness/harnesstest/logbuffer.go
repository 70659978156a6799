package harnesstest

import (
	"bytes"
	"encoding/json"
	"sync"
)

// LogBuffer holds a program's log output while it runs: an io.Writer that any number of
// goroutines may write (slog handlers, a child process's stdout and stderr) while the
// test reads it.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Records decodes the complete lines written so far that hold a JSON object, one slog
// record each (slog's JSON handler writes one a line); other lines, and a last line not
// yet ended, are left out.
func (l *LogBuffer) Records() []map[string]any {
	var out []map[string]any
	lines := bytes.Split([]byte(l.String()), []byte("\n"))
	for _, line := range lines[:len(lines)-1] {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && rec != nil {
			out = append(out, rec)
		}
	}
	return out
}
