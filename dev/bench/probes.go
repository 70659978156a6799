package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/stack"
	"statusedge/internal/healthcheck"
)

// stampede sends n requests at once and returns how many got 200.
func stampede(url string, n int) int {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			resp, err := c.Get(url)
			if err != nil {
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return ok
}

// counts are the servers' own counters, read before and after a load to report what it
// caused: SELECTs that reached MariaDB, /server/status requests the origin answered and
// its Redis reads that failed over to MySQL.
type counts struct{ selects, originRequests, redisErrors int }

// readCounts reads counts between loads, never during one: each read is a query, a
// health check and two scrapes of the origin's metrics.
func readCounts(ctx context.Context, s *stack.Stack) (c counts, err error) {
	if c.selects, err = s.MariaDB.Selects(ctx); err != nil {
		return c, err
	}
	if c.originRequests, err = s.OriginRequests(ctx); err != nil {
		return c, err
	}
	redisErrors, err := harness.Metric(ctx, s.OriginURL()+"/metrics", "statusedge_origin_redis_reads_total", map[string]string{"result": "error"})
	c.redisErrors = int(redisErrors)
	return c, err
}

// peakRSS is a process's high-water resident memory (VmHWM) in bytes.
func peakRSS(pid int) int64 { return rss(pid, "VmHWM:") }

// waitHealthy waits for a 200 from url: the snapshotter has refreshed.
func waitHealthy(url string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if err := healthcheck.Probe(context.Background(), url); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s never healthy", url)
}

func machine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.IndexByte(line, ':')+1:])
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), Linux %s, %s", runtime.NumCPU(), model, strings.TrimSpace(string(kernel)), runtime.Version())
}
