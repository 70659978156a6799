// Package healthcheck lets a program check its own running instance, so container images
// need no curl for their HEALTHCHECK.
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Probe GETs url with a short deadline and succeeds only on 200.
func Probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s: %s", resp.Status, body)
	}
	return nil
}
