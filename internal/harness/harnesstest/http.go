package harnesstest

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// Do sends one request on c and reads the whole answer, which the caller keeps; any
// error fails the test. It also returns how long the answer took.
func Do(t testing.TB, c *http.Client, method, url string, header map[string]string) (*http.Response, []byte, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, url, err)
	}
	return resp, body, time.Since(start)
}
