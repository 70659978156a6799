package envvar

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSecondsAndPort(t *testing.T) {
	if d, err := Seconds("X", " 15 "); err != nil || d != 15*time.Second {
		t.Errorf("Seconds(\" 15 \") = %v, %v", d, err)
	}
	for _, v := range []string{"", "0", "-1", "1.5", "1m"} {
		if _, err := Seconds("X", v); err == nil || !strings.Contains(err.Error(), "X=") {
			t.Errorf("Seconds(%q) = %v, want an error naming X", v, err)
		}
	}
	for v, want := range map[string]time.Duration{"0": 0, " 10 ": 10 * time.Second, "604800": 7 * 24 * time.Hour} {
		if d, err := SecondsOrZero("Z", v); err != nil || d != want {
			t.Errorf("SecondsOrZero(%q) = %v, %v; want %v", v, d, err, want)
		}
	}
	for _, v := range []string{"", "-1", "1.5", "1m", "604801"} {
		if _, err := SecondsOrZero("Z", v); err == nil || !strings.Contains(err.Error(), "Z=") {
			t.Errorf("SecondsOrZero(%q) = %v, want an error naming Z", v, err)
		}
	}
	if p, err := Port("P", "3306"); err != nil || p != 3306 {
		t.Errorf("Port(3306) = %d, %v", p, err)
	}
	for _, v := range []string{"0", "65536", "http", ""} {
		if _, err := Port("P", v); err == nil || !strings.Contains(err.Error(), "P=") {
			t.Errorf("Port(%q) = %v, want an error naming P", v, err)
		}
	}
}

func TestListenAddr(t *testing.T) {
	for _, v := range []string{"127.0.0.1:8090", "[::1]:8090", "[::]:80", "[fe80::1%eth0]:80", ":8091", "0.0.0.0:0", "localhost:65535"} {
		if got, err := ListenAddr("A", v); err != nil || got != v {
			t.Errorf("ListenAddr(%q) = %q, %v", v, got, err)
		}
	}
	for v, want := range map[string]string{
		"::1:8090":      "IPv6 host goes in brackets",
		"[::1]":         "want host:port",
		"8090":          "want host:port",
		"[localhost]:1": "brackets hold an IPv6 address",
		"[1.2.3.4]:1":   "brackets hold an IPv6 address",
		"[::1]:http":    "port number",
		"[::1]:65536":   "port number",
		"h:-1":          "port number",
	} {
		if _, err := ListenAddr("A", v); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "A=") {
			t.Errorf("ListenAddr(%q) = %v, want an error naming A: %s", v, err, want)
		}
	}
}

func TestHostPorts(t *testing.T) {
	got, err := HostPorts("L", "a:1, [::1]:2,b:65535")
	if err != nil || !slices.Equal(got, []string{"a:1", "[::1]:2", "b:65535"}) {
		t.Errorf("HostPorts = %v, %v", got, err)
	}
	for v, want := range map[string]string{
		"a:1,,b:2": "empty entry",
		"a":        "want host:port",
		":1":       "missing host",
		"a:0":      "port number",
		"a:http":   "port number",
		"a: 1":     "a space inside",
		"a :1":     "a space inside",
		"::1:2":    "too many colons",
		"a:1, a:1": "listed twice",
	} {
		if _, err := HostPorts("L", v); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "L=") {
			t.Errorf("HostPorts(%q) = %v, want an error naming L: %s", v, err, want)
		}
	}
}
