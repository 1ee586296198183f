// Package egress decides where Palisade may connect on behalf of its users: the URLs of
// notification channels and SMTP relays, and the API servers of uploaded kubeconfigs. Users
// choose those destinations, so without a rule they would reach Palisade's own host, the
// cloud metadata service and internal networks, and learn about them from the outcome.
//
// A destination is checked twice: when it is configured (an IP literal, or a name that is
// obviously this host) and when a connection is made, on the address actually dialled, so a
// name that resolved to a public address yesterday cannot be pointed at 127.0.0.1 today.
package egress

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// ConfigKey is the configuration key of the allowlist, named in refusals so an
// administrator knows where to look.
const ConfigKey = "server.outbound_allow"

// ErrNotAllowed is in the chain of every refusal, including those that happen while
// dialling, so that callers can classify a failed connection without parsing text.
var ErrNotAllowed = errors.New("destination not allowed")

// Policy says which destinations may be reached. The zero value refuses every address that
// is not public.
type Policy struct {
	// Allow admits private and loopback addresses inside these prefixes (server.outbound_allow).
	// Link-local, unspecified, multicast and reserved addresses and the cloud metadata
	// service stay refused whatever it says: nothing a user configures lives there.
	Allow []netip.Prefix
}

// rangeClass is a kind of address that is not public.
type rangeClass struct {
	what      string // "a private address"
	allowable bool   // whether Allow can admit it
	prefixes  []netip.Prefix
}

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}

// classes are checked in order; the first that contains an address decides, so the
// metadata addresses come before the ranges that hold them.
var classes = []rangeClass{
	{"the cloud metadata service", false, prefixes("169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32")},
	{"an unspecified address", false, prefixes("0.0.0.0/8", "::/128")},
	{"a loopback address", true, prefixes("127.0.0.0/8", "::1/128")},
	{"a multicast address", false, prefixes("224.0.0.0/4", "ff00::/8")},
	{"a reserved address", false, prefixes("240.0.0.0/4", "::/96")}, // incl. broadcast, IPv4-compatible IPv6
	{"a link-local address", false, prefixes("169.254.0.0/16", "fe80::/10")},
	{"a private address", true, prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
		"fc00::/7", "64:ff9b:1::/48")},
}

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4 address they embed.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// reached is the address a connection to ip reaches: without zone, IPv4-mapped and NAT64
// addresses as the IPv4 address they carry.
func reached(ip netip.Addr) netip.Addr {
	ip = ip.WithZone("").Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	return ip
}

// classify returns the class of a non-public address, or nil for a public one.
func classify(ip netip.Addr) *rangeClass {
	ip = reached(ip)
	for i := range classes {
		for _, p := range classes[i].prefixes {
			if p.Contains(ip) {
				return &classes[i]
			}
		}
	}
	return nil
}

// allows reports whether an allowlisted prefix contains ip.
func (p Policy) allows(ip netip.Addr) bool {
	ip = reached(ip)
	for _, pre := range p.Allow {
		if pre.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckAddr returns nil when ip may be reached, or an EINVALID error that says why not.
func (p Policy) CheckAddr(ip netip.Addr) error {
	c := classify(ip)
	switch {
	case c == nil:
		return nil
	case !c.allowable:
		return posture.WrapError(posture.EINVALID, ErrNotAllowed, "destination %s is %s, which is never allowed", ip, c.what)
	case p.allows(ip):
		return nil
	}
	return posture.WrapError(posture.EINVALID, ErrNotAllowed, "destination %s is %s; an administrator can allow it with %s",
		ip, c.what, ConfigKey)
}

// CheckHost checks a configured host (a name or an IP literal, without port or brackets).
// IP literals are checked now; "localhost" and *.localhost are this host by definition
// (RFC 6761); other names are checked when connecting, on the addresses they resolve to.
func (p Policy) CheckHost(host string) error {
	h := strings.TrimSuffix(host, ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return p.CheckAddr(ip)
	}
	h = strings.ToLower(h)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if p.allows(netip.AddrFrom4([4]byte{127, 0, 0, 1})) {
			return nil // which address it resolves to is checked when connecting
		}
		return posture.WrapError(posture.EINVALID, ErrNotAllowed, "destination %s is a loopback address; an administrator can allow it with %s",
			h, ConfigKey)
	}
	return nil
}

// Control is a net.Dialer Control function: it runs after name resolution, on the address
// about to be connected to, and refuses it unless p allows it.
func (p Policy) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return posture.WrapError(posture.EINVALID, ErrNotAllowed, "destination %q is not an IP address and port", address)
	}
	return p.CheckAddr(ap.Addr())
}

// Dialer returns a dialer that checks every address it connects to.
func (p Policy) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
}

// Transport returns an HTTP transport whose connections obey p. It uses no proxy, whatever
// HTTP(S)_PROXY says: the proxy would be dialled instead of the destination, and would
// reach for us what p refuses.
func (p Policy) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = p.Dialer().DialContext
	return t
}

// WithLoopback returns p that also admits this host's loopback addresses
// (server.allow_loopback_clusters, for local clusters such as kind).
func (p Policy) WithLoopback() Policy {
	allow := append([]netip.Prefix(nil), p.Allow...)
	return Policy{Allow: append(allow, prefixes("127.0.0.0/8", "::1/128")...)}
}
