package harnesstest

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Send sends one request on c and reads the whole answer; it also returns how long the
// answer took. It calls no method of a test, so any goroutine may use it.
func Send(c *http.Client, method, url string, header map[string]string) (*http.Response, []byte, time.Duration, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, nil, 0, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: read the body: %w", method, url, err)
	}
	return resp, body, time.Since(start), nil
}

// Concurrently runs send(0) to send(n-1) at the same moment and returns their results in
// order. send runs on goroutines of its own, where a test must not stop: it returns its
// error, and the first one fails the test once every send has ended.
func Concurrently[R any](t testing.TB, n int, send func(i int) (R, error)) []R {
	t.Helper()
	out := make([]R, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i], errs[i] = send(i)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent request %d of %d: %v", i+1, n, err)
		}
	}
	return out
}
