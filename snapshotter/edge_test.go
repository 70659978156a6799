package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"statusedge/internal/harness/harnesstest"
	"statusedge/nginx"
)

// TestPrintNginxDebugAllow: -print-nginx renders the debug allow-list of
// STATUS_DEBUG_ALLOW (loopback alone without it), and a bad value stops the program with
// one line naming the variable.
func TestPrintNginxDebugAllow(t *testing.T) {
	for _, tc := range []struct {
		value, kind string
		want, never []string
		wantErr     string
	}{
		{"", "site", []string{"allow 127.0.0.0/8;", "allow ::1;", "deny all;"}, []string{"allow 10.0.0.0/8;", "allow 192.168.0.0/16;"}, ""},
		{"private", "site", []string{"allow 127.0.0.0/8;", "allow 10.0.0.0/8;", "allow 172.16.0.0/12;", "allow 192.168.0.0/16;", "allow fc00::/7;"}, nil, ""},
		{"10.20.0.0/16", "standalone", []string{"allow 127.0.0.0/8;", "allow 10.20.0.0/16;"}, []string{"allow 10.0.0.0/8;"}, ""},
		{"10.20.0.1/16", "site", nil, nil, nginx.DebugAllowEnv + `: "10.20.0.1/16"`},
	} {
		t.Run(tc.value+" "+tc.kind, func(t *testing.T) {
			var out, errOut bytes.Buffer
			env := map[string]string{nginx.DebugAllowEnv: tc.value}
			err := run(context.Background(), []string{"snapshotter", "-print-nginx", tc.kind}, harnesstest.Env(env), &out, &errOut, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %v, want one line starting %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("rendered file lacks %q", w)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out.String(), n) {
					t.Errorf("rendered file has %q", n)
				}
			}
		})
	}
}
