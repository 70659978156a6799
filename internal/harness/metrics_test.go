package harness

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetric(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if _, err := io.WriteString(w, `# TYPE reads_total counter
reads_total{result="hit"} 3
reads_total{result="miss"} 2
# TYPE latency_seconds histogram
latency_seconds_bucket{route="/a",code="200",le="+Inf"} 4
latency_seconds_sum{route="/a",code="200"} 1
latency_seconds_count{route="/a",code="200"} 4
latency_seconds_bucket{route="/a",code="503",le="+Inf"} 1
latency_seconds_sum{route="/a",code="503"} 1
latency_seconds_count{route="/a",code="503"} 1
`); err != nil {
			t.Error(err) // the handler's goroutine: no t.Fatal here
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, tt := range []struct {
		family string
		labels map[string]string
		want   float64
		err    string
	}{
		{"reads_total", map[string]string{"result": "hit"}, 3, ""},
		{"reads_total", nil, 5, ""},
		{"reads_total", map[string]string{"result": "error"}, 0, ""}, // a value not seen yet
		{"latency_seconds", map[string]string{"route": "/a"}, 5, ""},
		{"latency_seconds", map[string]string{"route": "/b"}, 0, ""},
		{"reads_total", map[string]string{"outcome": "hit"}, 0, "has the labels [outcome]"},
		{"writes_total", nil, 0, "exposes no writes_total"},
	} {
		got, err := Metric(ctx, srv.URL, tt.family, tt.labels)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s %v: %v, %v; want an error with %q", tt.family, tt.labels, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %v = %v, %v; want %v", tt.family, tt.labels, got, err, tt.want)
		}
	}
}
