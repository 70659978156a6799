package nginx

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"statusedge/internal/config"
)

// DebugAllowEnv names the addresses, besides loopback, that may read the debug endpoint
// through nginx: what `snapshotter -print-nginx` renders into the allow-list.
const DebugAllowEnv = config.DebugAllowEnv

// Loopback is the debug allow-list by default: the host itself. Behind a load balancer
// or a proxy on a private network every visitor has a private address, so no private
// range is allowed unless an operator says so (DebugAllowEnv).
func Loopback() []string { return []string{"127.0.0.0/8", "::1"} }

// PrivateRanges are what the word "private" stands for in DebugAllowEnv: RFC 1918 and
// IPv6 unique local addresses.
func PrivateRanges() []string {
	return []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}
}

// LoadDebugAllow reads DebugAllowEnv: a comma-separated list of addresses, CIDRs and the
// word "private". The result is Loopback and those; nil when the variable is unset (the
// default, Loopback alone). A bad entry is an error naming the variable and the entry.
func LoadDebugAllow(getenv func(string) string) ([]string, error) {
	raw := strings.TrimSpace(getenv(DebugAllowEnv))
	if raw == "" {
		return nil, nil
	}
	allow := Loopback()
	for entry := range strings.SplitSeq(raw, ",") {
		entry = strings.TrimSpace(entry)
		var add []string
		switch {
		case entry == "private":
			add = PrivateRanges()
		case strings.Contains(entry, "/"):
			p, err := netip.ParsePrefix(entry)
			if err != nil || p != p.Masked() {
				return nil, fmt.Errorf("%s: %q is not an address, a CIDR with its host bits zero, or \"private\"", DebugAllowEnv, entry)
			}
			add = []string{p.String()}
		default:
			a, err := netip.ParseAddr(entry)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%s: %q is not an address, a CIDR with its host bits zero, or \"private\"", DebugAllowEnv, entry)
			}
			add = []string{a.String()}
		}
		for _, a := range add {
			if !slices.Contains(allow, a) {
				allow = append(allow, a)
			}
		}
	}
	return allow, nil
}
