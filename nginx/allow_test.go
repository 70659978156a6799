package nginx_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"statusedge/internal/harness/stack"
	"statusedge/nginx"
)

func TestLoadDebugAllow(t *testing.T) {
	loopback := []string{"127.0.0.0/8", "::1"}
	for _, tc := range []struct {
		value   string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"private", append(loopback, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"), ""},
		{" 10.8.0.0/16 , 192.0.2.7,fd00::/8, ::1 ", append(loopback, "10.8.0.0/16", "192.0.2.7", "fd00::/8"), ""},
		{"10.8.0.1/16", nil, `"10.8.0.1/16"`},
		{"10.8.0.0/33", nil, `"10.8.0.0/33"`},
		{"ops.example", nil, `"ops.example"`},
		{"10.0.0.0/8,", nil, `""`},
		{"fe80::1%eth0", nil, `"fe80::1%eth0"`},
		{"all", nil, `"all"`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			got, err := nginx.LoadDebugAllow(func(k string) string { return map[string]string{nginx.DebugAllowEnv: tc.value}[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), nginx.DebugAllowEnv+": ") || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one naming %s and %s", err, nginx.DebugAllowEnv, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// realIP makes nginx take a request's client address from X-Real-IP when it comes from
// 127.0.0.1: the one way a test on loopback reaches the allow-list as a private address
// (10.x) would, through the rendered file's own allow and deny lines.
const realIP = "set_real_ip_from 127.0.0.1;\n    real_ip_header X-Real-IP;\n"

// TestDebugAllowListIsLoopbackByDefault: the default nginx file lets loopback read the
// debug endpoint and refuses every private address (issue 27, defect 7: behind a load
// balancer on a private network every visitor is private); STATUS_DEBUG_ALLOW=private
// lets the private ranges in, and nothing else.
func TestDebugAllowListIsLoopbackByDefault(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     string
		allowed []string // client addresses answered 200
		denied  []string // and 403
	}{
		{"default", "", []string{""}, []string{"10.1.2.3", "172.16.0.9", "192.168.1.5", "fd00::5", "203.0.113.9"}},
		{"STATUS_DEBUG_ALLOW=private", "private", []string{"", "10.1.2.3", "192.168.1.5", "fd00::5"}, []string{"203.0.113.9", "100.64.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allow, err := nginx.LoadDebugAllow(func(k string) string { return map[string]string{nginx.DebugAllowEnv: tc.env}[k] })
			if err != nil {
				t.Fatal(err)
			}
			s := startStack(t, stack.Config{NginxParams: nginx.Params{DebugAllow: allow}, NginxExtra: realIP})
			conf, err := os.ReadFile(s.Nginx.Conf)
			if err != nil {
				t.Fatal(err)
			}
			if private := bytes.Contains(conf, []byte("allow 10.0.0.0/8;")); private != (tc.env == "private") {
				t.Errorf("rendered file allows 10.0.0.0/8: %v, want %v", private, tc.env == "private")
			}
			url := s.PublicURL() + "/api/server/status/debug"
			for _, from := range tc.allowed {
				r := fetch(t, "GET", url, realIPHeader(from), "127.0.0.1")
				if r.code != 200 || !bytes.Contains(r.body, []byte(`"is_fresh"`)) {
					t.Errorf("debug for client %q: %s", from, describe(r))
				}
			}
			for _, from := range tc.denied {
				r := fetch(t, "GET", url, realIPHeader(from), "127.0.0.1")
				if r.code != 403 || r.header.Get("Cache-Control") != "no-store" || !bytes.Contains(r.body, []byte(`"status":403`)) {
					t.Errorf("debug for client %s: %s, want 403", from, describe(r))
				}
			}
		})
	}
}

// realIPHeader is the header that makes nginx see the client as from (realIP); none for "".
func realIPHeader(from string) map[string]string {
	if from == "" {
		return nil
	}
	return map[string]string{"X-Real-IP": from}
}
