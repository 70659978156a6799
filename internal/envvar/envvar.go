// Package envvar parses environment values the same way for every variable that holds
// one kind of value (whole seconds, a port, a host:port list). Each error names the
// variable, its value and what it wants, because the operator reads it at start.
package envvar

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Seconds parses a whole number of seconds above 0; spaces around it are ignored.
func Seconds(name, v string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a whole number of seconds above 0", name, v)
	}
	return time.Duration(n) * time.Second, nil
}

// Bytes parses a whole number of bytes in [lo, hi]; spaces around it are ignored.
func Bytes(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want a whole number of bytes, %d..%d", name, v, lo, hi)
	}
	return n, nil
}

// Port parses a TCP port number, 1..65535.
func Port(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s=%q: want a port number 1..65535", name, v)
	}
	return n, nil
}

// ListenAddr checks an address a program listens on: host:port as net.Listen takes it,
// with a numeric port (0 picks a free one) and an empty host for every interface. An IPv6
// host goes in brackets ([::1]:8090, [::]:80); without them the error says so, since
// "too many colons" alone does not tell an operator what to write instead.
func ListenAddr(name, v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		if strings.Count(v, ":") > 1 && !strings.HasPrefix(v, "[") {
			return "", fmt.Errorf("%s=%q: an IPv6 host goes in brackets, as in [::1]:8090", name, v)
		}
		return "", fmt.Errorf("%s=%q: want host:port: %w", name, v, err)
	}
	if strings.HasPrefix(v, "[") {
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", fmt.Errorf("%s=%q: brackets hold an IPv6 address, not %q", name, v, host)
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%s=%q: want a port number 0..65535", name, v)
	}
	return v, nil
}

// HostPorts splits a comma-separated host:port list. It is strict (no empty entries, no
// missing host, numeric ports, no duplicates) because a typo in such a list quietly
// points a program at the wrong server.
func HostPorts(name, v string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, a := range strings.Split(v, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			return nil, fmt.Errorf("%s=%q: empty entry in the comma-separated list", name, v)
		}
		if strings.ContainsAny(a, " \t") {
			return nil, fmt.Errorf("%s=%q: %q: a space inside an entry (the entry is used as written)", name, v, a)
		}
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %q: want host:port: %w", name, v, a, err)
		}
		if host == "" {
			return nil, fmt.Errorf("%s=%q: %q: missing host", name, v, a)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%s=%q: %q: want a port number 1..65535", name, v, a)
		}
		if seen[a] {
			return nil, fmt.Errorf("%s=%q: %q listed twice", name, v, a)
		}
		seen[a] = true
		out = append(out, a)
	}
	return out, nil
}

// SecondsOrZero parses a whole number of seconds, 0 or more (0: the feature is off);
// spaces around it are ignored.
func SecondsOrZero(name, v string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > maxSeconds {
		return 0, fmt.Errorf("%s=%q: want a whole number of seconds, 0..%d (0: off)", name, v, maxSeconds)
	}
	return time.Duration(n) * time.Second, nil
}

// maxSeconds bounds SecondsOrZero at a week: more is a typo, not a setting.
const maxSeconds = 7 * 86400
