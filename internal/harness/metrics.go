package harness

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metric sums the samples of one metric family on a Prometheus text endpoint whose
// labels include labels: a counter's or gauge's value, a histogram's count. A family the
// endpoint does not expose, or a label name none of its series has, is an error, never a
// 0, so that a renamed metric fails the test or the bench that counts it instead of
// counting nothing.
func Metric(ctx context.Context, metricsURL, family string, labels map[string]string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", metricsURL, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", metricsURL, err)
	}
	mf, ok := families[family]
	if !ok {
		return 0, fmt.Errorf("%s exposes no %s", metricsURL, family)
	}
	sum, named := 0.0, false
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match, hasNames := true, true
		for k, v := range labels {
			got, ok := have[k]
			hasNames = hasNames && ok
			match = match && ok && got == v
		}
		named = named || hasNames
		if match {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	// A value no series has yet is a 0; a label name none has is a renamed label.
	if !named && len(mf.GetMetric()) > 0 {
		return 0, fmt.Errorf("%s: no series of %s has the labels %v", metricsURL, family, slices.Sorted(maps.Keys(labels)))
	}
	return sum, nil
}
