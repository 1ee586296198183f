package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
)

// loopbackOnly is what tests with receivers on 127.0.0.1 configure.
var loopbackOnly = Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func TestCheckAddr(t *testing.T) {
	private := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("0.0.0.0/0")}}
	cases := []struct {
		addr       string
		want       string // in the refusal by the zero policy; "" means allowed
		allowWithP bool   // allowed by the policy `private`
	}{
		{"8.8.8.8", "", true},
		{"2606:4700::1111", "", true},
		{"127.0.0.1", "loopback", true},
		{"127.8.9.10", "loopback", true}, // 0.0.0.0/0 allows it; only metadata and the like stay refused
		{"::1", "loopback", false},
		{"::ffff:127.0.0.1", "loopback", true},
		{"169.254.169.254", "metadata", false},
		{"fd00:ec2::254", "metadata", false},
		{"100.100.100.200", "metadata", false},
		{"169.254.10.1", "link-local", false},
		{"fe80::1%eth0", "link-local", false},
		{"10.0.0.1", "private", true},
		{"172.16.5.4", "private", true},
		{"192.168.1.1", "private", true},
		{"100.64.0.1", "private", true},
		{"fd00::1", "private", true},
		{"fc00::1", "private", false},
		{"64:ff9b::a00:1", "private", true},   // NAT64 of 10.0.0.1
		{"64:ff9b::7f00:1", "loopback", true}, // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", "", true},        // NAT64 of 8.8.8.8
		{"0.0.0.0", "unspecified", false},
		{"0.1.2.3", "unspecified", false},
		{"::", "unspecified", false},
		{"224.0.0.1", "multicast", false},
		{"ff02::1", "multicast", false},
		{"255.255.255.255", "reserved", false},
		{"::127.0.0.1", "reserved", false},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(c.addr)
			err := Policy{}.CheckAddr(ip)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("public address refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("CheckAddr = %v, want a refusal naming %q", err, c.want)
			case err != nil && (posture.ErrorCode(err) != posture.EINVALID || !errors.Is(err, ErrNotAllowed)):
				t.Fatalf("CheckAddr = %v, want EINVALID wrapping ErrNotAllowed", err)
			}
			if err := private.CheckAddr(ip); (err == nil) != c.allowWithP {
				t.Errorf("with an allowlist: %v, want allowed=%v", err, c.allowWithP)
			}
		})
	}
	err := Policy{}.CheckAddr(netip.MustParseAddr("10.1.2.3"))
	if msg := posture.ErrorMessage(err); msg != "destination 10.1.2.3 is a private address; an administrator can allow it with server.outbound_allow" {
		t.Errorf("message %q", msg)
	}
}

func TestCheckHost(t *testing.T) {
	for _, c := range []struct {
		host         string
		strict, loop bool // allowed by the zero policy, by loopbackOnly
	}{
		{"hooks.example.com", true, true},
		{"localtest", true, true}, // names are checked when connecting
		{"localhost", false, true},
		{"LOCALHOST.", false, true},
		{"api.localhost", false, true},
		{"127.0.0.1", false, true},
		{"::1", false, false},
		{"169.254.169.254", false, false},
		{"10.0.0.1", false, false},
		{"93.184.216.34", true, true},
	} {
		t.Run(c.host, func(t *testing.T) {
			if err := (Policy{}).CheckHost(c.host); (err == nil) != c.strict {
				t.Errorf("zero policy: %v, want allowed=%v", err, c.strict)
			}
			if err := loopbackOnly.CheckHost(c.host); (err == nil) != c.loop {
				t.Errorf("loopback allowed: %v, want allowed=%v", err, c.loop)
			}
		})
	}
}

func TestControl(t *testing.T) {
	for _, c := range []struct {
		address string
		allowed bool
	}{
		{"127.0.0.1:443", false},
		{"[::1]:443", false},
		{"169.254.169.254:80", false},
		{"0.0.0.0:443", false},
		{"10.1.2.3:6443", false},
		{"[fe80::1%eth0]:80", false},
		{"93.184.216.34:443", true},
		{"not-an-address", false},
	} {
		t.Run(c.address, func(t *testing.T) {
			if err := (Policy{}).Control("tcp", c.address, nil); (err == nil) != c.allowed {
				t.Errorf("Control = %v, want allowed=%v", err, c.allowed)
			}
		})
	}
}

// TestDialerChecksTheAddressDialled: a listener on 127.0.0.1 is reached only when the
// policy allows it; the refusal happens before connecting.
func TestDialerChecksTheAddressDialled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	_, err = Policy{}.Dialer().DialContext(context.Background(), "tcp", ln.Addr().String())
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("dial 127.0.0.1 without an allowlist: %v, want ErrNotAllowed", err)
	}
	select {
	case <-accepted:
		t.Fatal("the refused dial connected")
	default:
	}
	c, err := loopbackOnly.Dialer().DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial 127.0.0.1 allowlisted: %v", err)
	}
	c.Close()
}

// TestTransport: the transport uses no proxy (the proxy's address would be checked instead
// of the destination's), reaches what the policy allows and refuses the rest.
func TestTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	if tr := loopbackOnly.Transport(); tr.Proxy != nil {
		t.Fatal("the transport uses a proxy")
	}
	resp, err := (&http.Client{Transport: loopbackOnly.Transport()}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
	_, err = (&http.Client{Transport: Policy{}.Transport()}).Get(srv.URL)
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("GET 127.0.0.1 without an allowlist: %v", err)
	}
}

func TestWithLoopback(t *testing.T) {
	p := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}.WithLoopback()
	for _, a := range []string{"127.0.0.1", "::1", "10.2.3.4"} {
		if err := p.CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	if err := p.CheckAddr(netip.MustParseAddr("169.254.169.254")); err == nil {
		t.Error("WithLoopback admits the metadata service")
	}
}
