package nginx_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// bin holds the programs built once for the package's tests.
func buildPrograms(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := harness.BuildPrograms(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startStack(t *testing.T, cfg harness.StackConfig) *harness.Stack {
	t.Helper()
	cfg.Dir = t.TempDir()
	if cfg.Bin == "" {
		cfg.Bin = buildPrograms(t)
	}
	s, err := harness.StartStack(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nginx log:\n%s\norigin log:\n%s", s.Logs("nginx/nginx"), s.Logs("origin"))
		}
		s.Stop()
	})
	return s
}

type reply struct {
	code   int
	header http.Header
	body   []byte
}

// fetch sends one request with a fresh connection, optionally from a given local address.
func fetch(t *testing.T, method, url string, header map[string]string, from string) reply {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableCompression: true}}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, body}
}

func get(t *testing.T, url string) reply { t.Helper(); return fetch(t, "GET", url, nil, "") }

// originRequests counts /server/status requests the origin has answered, from its metrics.
func originRequests(t *testing.T, s *harness.Stack) int {
	t.Helper()
	r := get(t, s.OriginURL()+"/metrics")
	re := regexp.MustCompile(`statusedge_origin_request_duration_seconds_count\{code="\d+",route="/server/status"\} (\d+)`)
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(r.body), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

func statusFile(s *harness.Stack) string { return filepath.Join(s.StatusDir, snapshot.FileName) }

func TestRenderedConfigsPassNginxT(t *testing.T) {
	dir := t.TempDir()
	p := nginx.Params{
		Listen: "127.0.0.1:1", OriginAddr: "127.0.0.1:2", StatusDir: dir, PageDir: dir, JSDir: dir,
		CacheDir: filepath.Join(dir, "cache"), ShieldSocket: filepath.Join(dir, "s.sock"),
		Interval: 600, TTL: 900, Prefix: dir, Workers: "1",
	}
	if err := nginx.InstallAssets(p); err != nil {
		t.Fatal(err)
	}
	conf, err := nginx.Standalone(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := harness.CheckNginx(dir, path); err != nil {
		t.Fatal(err)
	}
}

func TestEdge(t *testing.T) {
	s := startStack(t, harness.StackConfig{Interval: 600, TTL: 900,
		NginxParams: nginx.Params{DebugAllow: []string{"127.0.0.1"}}})
	api := s.PublicURL() + "/api/server/status"
	ctx := context.Background()

	// First, on an empty cache: no file, no Redis value.
	t.Run("stampede through nginx", func(t *testing.T) {
		selects0, _ := s.MariaDB.Selects(ctx)
		origin0 := originRequests(t, s)
		var wg sync.WaitGroup
		codes := make([]int, 500)
		sources := make([]string, 500)
		start := make(chan struct{})
		c := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 500}}
		for i := range 500 {
			wg.Go(func() {
				<-start
				resp, err := c.Get(api)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i], sources[i] = resp.StatusCode, resp.Header.Get("X-Status-Source")
			})
		}
		close(start)
		wg.Wait()
		selects1, _ := s.MariaDB.Selects(ctx)
		origin1 := originRequests(t, s)
		for i := range codes {
			if codes[i] != 200 || sources[i] != "origin" {
				t.Fatalf("request %d: %d from %q", i, codes[i], sources[i])
			}
		}
		t.Logf("500 concurrent requests, no file, empty Redis: %d MySQL SELECTs, %d origin requests", selects1-selects0, origin1-origin0)
		if selects1-selects0 > 1 || origin1-origin0 > 3 || origin1-origin0 < 1 {
			t.Errorf("%d SELECTs and %d origin requests, want at most 1 and a few", selects1-selects0, origin1-origin0)
		}
	})

	if err := s.Once(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("fresh file from disk", func(t *testing.T) {
		file, err := os.ReadFile(statusFile(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/server/status", "/status.json"} {
			r := get(t, s.PublicURL()+path)
			if r.code != 200 || r.header.Get("X-Status-Source") != "file" || !bytes.Equal(r.body, file) {
				t.Fatalf("%s: %d %q body equal to file: %v", path, r.code, r.header.Get("X-Status-Source"), bytes.Equal(r.body, file))
			}
			cc := r.header.Values("Cache-Control")
			if len(cc) != 1 {
				t.Fatalf("Cache-Control lines = %q, want one", cc)
			}
			m := regexp.MustCompile(`^public, max-age=(\d+), stale-while-revalidate=300, stale-if-error=\d+$`).FindStringSubmatch(cc[0])
			if m == nil {
				t.Fatalf("Cache-Control = %q", cc[0])
			}
			if age, _ := strconv.Atoi(m[1]); age < 590 || age > 600 {
				t.Errorf("max-age = %d, want the time to the next refresh (~600)", age)
			}
			for k, want := range map[string]string{
				"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*",
				"X-Content-Type-Options": "nosniff",
			} {
				if got := r.header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if r.header.Get("ETag") == "" || r.header.Get("Last-Modified") == "" {
				t.Errorf("no validators: %v", r.header)
			}
			nm := fetch(t, "GET", s.PublicURL()+path, map[string]string{"If-None-Match": r.header.Get("ETag")}, "")
			if nm.code != 304 || len(nm.body) != 0 || len(nm.header.Values("Cache-Control")) != 1 {
				t.Errorf("If-None-Match: %d, %d bytes, Cache-Control %q", nm.code, len(nm.body), nm.header.Values("Cache-Control"))
			}
			ims := fetch(t, "GET", s.PublicURL()+path, map[string]string{"If-Modified-Since": r.header.Get("Last-Modified")}, "")
			if ims.code != 304 {
				t.Errorf("If-Modified-Since: %d", ims.code)
			}
			gz := fetch(t, "GET", s.PublicURL()+path, map[string]string{"Accept-Encoding": "gzip"}, "")
			if gz.header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.header.Get("Vary"), "Accept-Encoding") {
				t.Fatalf("gzip: %v", gz.header)
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz.body))
			if err != nil {
				t.Fatal(err)
			}
			if unz, _ := io.ReadAll(zr); !bytes.Equal(unz, file) {
				t.Error("gzip body differs from the file")
			}
		}
	})

	t.Run("missing, stale, then a fresh rename", func(t *testing.T) {
		if err := os.Remove(statusFile(s)); err != nil {
			t.Fatal(err)
		}
		if r := get(t, api); r.code != 200 || r.header.Get("X-Status-Source") != "origin" {
			t.Errorf("file deleted: %d from %q", r.code, r.header.Get("X-Status-Source"))
		}
		if err := s.Once(ctx); err != nil {
			t.Fatal(err)
		}
		if r := get(t, api); r.header.Get("X-Status-Source") != "file" {
			t.Errorf("fresh file: from %q", r.header.Get("X-Status-Source"))
		}
		old := time.Now().Add(-901 * time.Second)
		if err := os.Chtimes(statusFile(s), old, old); err != nil {
			t.Fatal(err)
		}
		if r := get(t, api); r.code != 200 || r.header.Get("X-Status-Source") != "origin" {
			t.Errorf("file older than TTL: %d from %q", r.code, r.header.Get("X-Status-Source"))
		}
		if err := s.Once(ctx); err != nil {
			t.Fatal(err)
		}
		if r := get(t, api); r.header.Get("X-Status-Source") != "file" {
			t.Errorf("right after a fresh rename: from %q, want file", r.header.Get("X-Status-Source"))
		}
	})

	t.Run("debug only for allowed addresses", func(t *testing.T) {
		url := s.PublicURL() + "/api/server/status/debug"
		ok := fetch(t, "GET", url, nil, "127.0.0.1")
		if ok.code != 200 || ok.header.Get("Cache-Control") != "no-store" || !bytes.Contains(ok.body, []byte(`"is_fresh"`)) {
			t.Errorf("from 127.0.0.1: %d %q %s", ok.code, ok.header.Values("Cache-Control"), ok.body)
		}
		denied := fetch(t, "GET", url, nil, "127.0.0.2")
		if denied.code != 403 || denied.header.Get("Cache-Control") != "no-store" {
			t.Errorf("from 127.0.0.2: %d %q", denied.code, denied.header.Values("Cache-Control"))
		}
	})

	t.Run("global cap in front of the origin", func(t *testing.T) {
		// What gets past the cache meets a 20 r/s cap with a burst of 40: of 100 requests
		// at once, about 41 reach the origin and the rest are refused without touching it.
		shield := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", s.Nginx.Params.ShieldSocket)
			},
			MaxIdleConnsPerHost: 100,
		}}
		origin0 := originRequests(t, s)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range 100 {
			wg.Go(func() {
				resp, err := shield.Get("http://shield/server/status")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		passed := originRequests(t, s) - origin0
		t.Logf("100 requests at once through the shield: %v; %d reached the origin", codes, passed)
		if codes[503] < 40 || passed > 60 || passed != codes[200] {
			t.Errorf("cap not applied: %v, %d reached the origin", codes, passed)
		}
	})

	t.Run("page", func(t *testing.T) {
		r := get(t, s.PublicURL()+"/")
		if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("GET /: %d %q", r.code, r.header.Get("Content-Type"))
		}
		if r := get(t, s.PublicURL()+"/nope"); r.code != 404 {
			t.Errorf("GET /nope: %d", r.code)
		}
	})
}
