package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

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
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
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

var (
	reOriginCount = regexp.MustCompile(`statusedge_origin_request_duration_seconds_count\{code="\d+",route="/server/status"\} (\d+)`)
	reRedisErrors = regexp.MustCompile(`statusedge_origin_redis_reads_total\{result="error"\} (\d+)`)
)

// counts are the servers' own counters, read before and after a load to report what it
// caused: SELECTs that reached MariaDB, /server/status requests the origin answered and
// its Redis reads that failed over to MySQL.
type counts struct{ selects, originRequests, redisErrors int }

// readCounts reads counts between loads, never during one: each read is a query and two
// scrapes of the origin's metrics.
func readCounts(ctx context.Context, s *stack.Stack) (c counts, err error) {
	if c.selects, err = s.MariaDB.Selects(ctx); err != nil {
		return c, err
	}
	if c.originRequests, err = originCounter(s.OriginURL(), reOriginCount); err != nil {
		return c, err
	}
	c.redisErrors, err = originCounter(s.OriginURL(), reRedisErrors)
	return c, err
}

// originCounter sums the origin's counters that re matches, capturing the value.
func originCounter(originURL string, re *regexp.Regexp) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(originURL + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n, nil
}

// peakRSS is a process's high-water resident memory (VmHWM) in bytes.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

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
