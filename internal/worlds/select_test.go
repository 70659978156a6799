package worlds

import (
	"slices"
	"strings"
	"testing"
)

// TestSelect: -world without a worlds file is refused, with one it is required; "all"
// is every world.
func TestSelect(t *testing.T) {
	file := []string{"x1", "x50"}
	for _, tc := range []struct {
		name, world string
		named       bool
		ids, want   []string
		err         string
	}{
		{"no file, no -world", "", false, []string{""}, []string{""}, ""},
		{"no file, -world", "x1", true, []string{""}, nil, "there is no worlds file"},
		{"file, no -world", "", false, file, nil, "required with a worlds file; want one of x1, x50, or all"},
		{"file, all", "all", true, file, file, ""},
		{"file, one", "x50", true, file, []string{"x50"}, ""},
		{"file, unknown", "x2", true, file, nil, `-world "x2": not a world of the worlds file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(tc.world, tc.named, tc.ids)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Select = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
