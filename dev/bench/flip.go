package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// flipRounds is how many publishes flipLatency times; flipGiveUp is how long it waits for
// one path to serve a publish (a path still serving the old bytes then is reported at it).
const (
	flipRounds = 3
	flipGiveUp = 15 * time.Second
)

// flipLatency publishes a new snapshot flipRounds times (a second apart, so each has new
// bytes) and measures, per URL, how long after the publish returned the URL first
// served the new status.json: the worst round, in milliseconds.
func flipLatency(ctx context.Context, s *stack.Stack, urls map[string]string) (map[string]float64, error) {
	worst := map[string]float64{}
	c := &http.Client{Timeout: 2 * time.Second}
	for range flipRounds {
		// A new second, so that the read's updated_at, and so its bytes, differ; the
		// paths are read all along, so a file cache holds the old name when it changes.
		stop := make(chan struct{})
		warmed := make(chan error, 1)
		go func() { warmed <- keepReading(ctx, c, urls, stop) }()
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1500 * time.Millisecond))) // the clock is what is waited for
		err := s.Once(ctx)
		published := time.Now()
		if err != nil {
			close(stop)
			<-warmed
			return nil, err
		}
		want, err := os.ReadFile(filepath.Join(s.StatusDir, snapshot.FileName))
		if err != nil {
			close(stop)
			<-warmed
			return nil, err
		}
		// Every URL in each pass, so that none waits on another's polling.
		pending := maps.Clone(urls)
		for len(pending) > 0 {
			for name, url := range pending {
				got, err := fetchBody(ctx, c, url)
				if err != nil {
					close(stop)
					<-warmed
					return nil, err
				}
				if bytes.Equal(got, want) {
					worst[name] = max(worst[name], float64(time.Since(published).Microseconds())/1000)
					delete(pending, name)
				} else if time.Since(published) > flipGiveUp {
					// A finding, not a failure: this path hides a publish this long.
					worst[name] = max(worst[name], float64(flipGiveUp.Milliseconds()))
					delete(pending, name)
				}
			}
			time.Sleep(5 * time.Millisecond) // polling the served bytes
		}
		close(stop)
		if err := <-warmed; err != nil {
			return nil, err
		}
	}
	return worst, nil
}

// keepReading reads every URL in turn until stop closes: the load that keeps a file
// cache's entries alive and just validated, as visitors would.
func keepReading(ctx context.Context, c *http.Client, urls map[string]string, stop <-chan struct{}) error {
	for {
		for _, url := range urls {
			select {
			case <-stop:
				return nil
			default:
			}
			if _, err := fetchBody(ctx, c, url); err != nil {
				return err
			}
		}
	}
}

func fetchBody(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// withdrawalLatency publishes the status flipRounds times, waits until the public URL
// serves it from disk, withdraws it (the names go, as at a window's end) and measures how
// long the URL still answers from disk: the worst round, in milliseconds. The status is
// published again after, so the stack is left as found.
func withdrawalLatency(ctx context.Context, s *stack.Stack, url string) (float64, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	p := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep)
	worst := 0.0
	for range flipRounds {
		if err := s.Once(ctx); err != nil {
			return 0, err
		}
		for start := time.Now(); ; time.Sleep(5 * time.Millisecond) { // polling the served source
			src, err := fetchSource(ctx, c, url)
			if err != nil {
				return 0, err
			}
			if src == "file" {
				break
			}
			if time.Since(start) > flipGiveUp {
				return 0, fmt.Errorf("%s: not served from disk %v after a publish", url, flipGiveUp)
			}
		}
		if err := p.Withdraw(nginx.StatusDoc); err != nil {
			return 0, err
		}
		withdrawn := time.Now()
		for ; ; time.Sleep(5 * time.Millisecond) { // polling the served source
			src, err := fetchSource(ctx, c, url)
			if err != nil {
				return 0, err
			}
			if src != "file" {
				worst = max(worst, float64(time.Since(withdrawn).Microseconds())/1000)
				break
			}
			if time.Since(withdrawn) > flipGiveUp {
				worst = max(worst, float64(flipGiveUp.Milliseconds()))
				break
			}
		}
	}
	return worst, s.Once(ctx)
}

// fetchSource is the X-Status-Source of a GET of url.
func fetchSource(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return "", err
	}
	return resp.Header.Get("X-Status-Source"), nil
}

// waitSource polls url until it answers from want (X-Status-Source), for flipGiveUp at most.
func waitSource(ctx context.Context, url, want string) error {
	c := &http.Client{Timeout: 2 * time.Second}
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) { // polling the served source
		src, err := fetchSource(ctx, c, url)
		if err != nil {
			return err
		}
		if src == want {
			return nil
		}
		if time.Since(start) > flipGiveUp {
			return fmt.Errorf("%s: not answered from %s within %v (%s)", url, want, flipGiveUp, src)
		}
	}
}
