package httpapi

import "testing"

func TestSafeReturnTo(t *testing.T) {
	cases := map[string]string{
		"/t/acme/findings?severity=high": "/t/acme/findings?severity=high",
		"/":                              "/",
		"":                               "/",
		"https://evil.example/":          "/",
		"//evil.example":                 "/",
		"/\\evil.example":                "/",
		"/\t/evil.example":               "/",
		"/\n/evil.example":               "/",
		"/%2F%2Fevil.example":            "/",
		"javascript:alert(1)":            "/",
		"/path with space":               "/path%20with%20space",
		"relative/path":                  "/",
	}
	for in, want := range cases {
		if got := safeReturnTo(in); got != want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRateLimiterSurvivesAFloodOfNewKeys(t *testing.T) {
	l := newKeyedLimiter(60, 2, 100)
	for i := 0; i < 1000; i++ {
		l.allow(string(rune('a'+i%26)) + string(rune(i)))
	}
	if !l.allow("legitimate-client") {
		t.Fatal("a new client is refused after a flood of other keys")
	}
	if len(l.buckets) > 100 {
		t.Fatalf("limiter grew to %d buckets", len(l.buckets))
	}
	if !l.allow("x") || !l.allow("x") || l.allow("x") {
		t.Fatal("burst of 2 not enforced for one key")
	}
}

func TestAddressKeyGroupsIPv6By64(t *testing.T) {
	if addressKey("2001:db8:1:2::1") != addressKey("2001:db8:1:2:ffff::9") {
		t.Fatal("two addresses of one /64 are limited separately")
	}
	if addressKey("2001:db8:1:3::1") == addressKey("2001:db8:1:2::1") {
		t.Fatal("two /64s share a bucket")
	}
	if addressKey("192.0.2.7") != "192.0.2.7" {
		t.Fatal("IPv4 addresses are keyed as they are")
	}
}
