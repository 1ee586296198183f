package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// roleLetters spell a role set: Admin, Security manager, Operator, aUditor, Viewer.
var roleLetters = map[byte]posture.Role{'A': posture.RoleAdmin, 'S': posture.RoleSecurityManager,
	'O': posture.RoleOperator, 'U': posture.RoleAuditor, 'V': posture.RoleViewer}

// endpointCase is one row of the authorization table: who may call it, and what an
// allowed call answers. Written out by hand: it is the specification the policy must meet.
type endpointCase struct {
	method, route string // route as gin registers it
	allowed       string // role letters
	want          int    // status of an allowed call
	path          func(f *tenantFixture) string
	body          func(f *fixture, tf *tenantFixture) string
	writes        bool // changes state: each call gets a fresh fixture
}

func p(format string, ids ...func(*tenantFixture) any) func(*tenantFixture) string {
	return func(tf *tenantFixture) string {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id(tf)
		}
		return "/api/v1/tenants/" + tf.Tenant.Slug + fmt.Sprintf(format, args...)
	}
}

func fixed(s string) func(*tenantFixture) string { return func(*tenantFixture) string { return s } }

var (
	target  = func(tf *tenantFixture) any { return tf.Target.ID }
	run     = func(tf *tenantFixture) any { return tf.Run.ID }
	asset   = func(tf *tenantFixture) any { return tf.AssetID }
	finding = func(tf *tenantFixture) any { return tf.FindingIDs[0] }
	exc     = func(tf *tenantFixture) any { return tf.ExceptionID }
	attest  = func(tf *tenantFixture) any { return tf.AttestID }
	mapping = func(tf *tenantFixture) any { return tf.MappingID }
	token   = func(tf *tenantFixture) any { return tf.TokenID }
	channel = func(tf *tenantFixture) any { return tf.ChannelID }
	rule    = func(tf *tenantFixture) any { return tf.RuleID }
	ticket  = func(tf *tenantFixture) any { return tf.TicketID }
	image   = func(tf *tenantFixture) any { return tf.ImageDigest }
	vex     = func(tf *tenantFixture) any { return tf.VEXID }
)

func body(s string) func(*fixture, *tenantFixture) string {
	return func(*fixture, *tenantFixture) string { return s }
}

const everyone = "ASOUV"

func endpointTable() []endpointCase {
	const t = "/api/v1/tenants/:tenant"
	in := func(days int) string {
		return time.Now().Add(time.Duration(days) * 24 * time.Hour).UTC().Format(time.RFC3339)
	}
	return []endpointCase{
		{method: "GET", route: "/api/v1/session", allowed: everyone, want: 200, path: fixed("/api/v1/session")},
		{method: "GET", route: "/api/v1/overview", allowed: everyone, want: 200, path: fixed("/api/v1/overview")},
		// Tokens have no session to end: allowed, but a 400 that says so.
		{method: "DELETE", route: "/api/v1/session", allowed: everyone, want: 400, path: fixed("/api/v1/session")},
		{method: "GET", route: "/api/v1/checks", allowed: everyone, want: 200, path: fixed("/api/v1/checks")},
		{method: "GET", route: "/api/v1/tenants", allowed: everyone, want: 200, path: fixed("/api/v1/tenants")},
		{method: "GET", route: "/api/v1/advisories", allowed: everyone, want: 200, path: fixed("/api/v1/advisories")},
		{method: "GET", route: t, allowed: everyone, want: 200, path: p("")},
		{method: "GET", route: t + "/targets", allowed: everyone, want: 200, path: p("/targets")},
		{method: "POST", route: t + "/targets", allowed: "AO", want: 201, path: p("/targets"), writes: true,
			body: body(`{"name":"staging","kind":"manifests","settings":{"path":"/srv/manifests"},"schedule":"30m"}`)},
		{method: "GET", route: t + "/targets/:id", allowed: everyone, want: 200, path: p("/targets/%d", target)},
		{method: "PATCH", route: t + "/targets/:id", allowed: "AO", want: 200, path: p("/targets/%d", target), writes: true,
			body: body(`{"schedule":"20m"}`)},
		{method: "DELETE", route: t + "/targets/:id", allowed: "AO", want: 204, path: p("/targets/%d", target), writes: true},
		{method: "GET", route: t + "/targets/:id/runs", allowed: everyone, want: 200, path: p("/targets/%d/runs", target)},
		{method: "POST", route: t + "/targets/:id/runs", allowed: "ASO", want: 202, path: p("/targets/%d/runs", target), writes: true},
		{method: "GET", route: t + "/runs/:id", allowed: everyone, want: 200, path: p("/runs/%d", run)},
		{method: "GET", route: t + "/assets", allowed: everyone, want: 200, path: p("/assets?parent=")},
		{method: "GET", route: t + "/assets/:id", allowed: everyone, want: 200, path: p("/assets/%d", asset)},
		{method: "GET", route: t + "/findings", allowed: everyone, want: 200, path: p("/findings?severity=medium&sort=-first_seen")},
		{method: "POST", route: t + "/findings/triage", allowed: "ASO", want: 200, path: p("/findings/triage"), writes: true,
			body: func(_ *fixture, tf *tenantFixture) string {
				return fmt.Sprintf(`{"ids":[%d],"triage":"acknowledged","assignee":"sam"}`, tf.FindingIDs[0])
			}},
		{method: "GET", route: t + "/findings/:id", allowed: everyone, want: 200, path: p("/findings/%d", finding)},
		{method: "GET", route: t + "/findings/:id/history", allowed: everyone, want: 200, path: p("/findings/%d/history", finding)},
		{method: "GET", route: t + "/scores", allowed: everyone, want: 200, path: p("/scores")},
		{method: "GET", route: t + "/scores/history", allowed: everyone, want: 200, path: p("/scores/history?target=%d", target)},
		{method: "GET", route: t + "/scores/explain", allowed: everyone, want: 200, path: p("/scores/explain?target=%d&scope=area&key=3.1.2", target)},
		{method: "GET", route: t + "/scores/scopes", allowed: everyone, want: 200, path: p("/scores/scopes?kind=owner&target=%d", target)},
		{method: "GET", route: t + "/metrics/remediation", allowed: everyone, want: 200, path: p("/metrics/remediation?days=30")},
		{method: "GET", route: t + "/csa", allowed: everyone, want: 200, path: p("/csa")},
		{method: "GET", route: t + "/exceptions", allowed: everyone, want: 200, path: p("/exceptions")},
		{method: "POST", route: t + "/exceptions", allowed: "ASO", want: 201, path: p("/exceptions"), writes: true,
			body: body(`{"check_id":"k8s.privileged-container","namespace":"shop","reason":"legacy agent","expires_at":"` + in(10) + `"}`)},
		{method: "GET", route: t + "/exceptions/report", allowed: everyone, want: 200, path: p("/exceptions/report?within_days=30")},
		{method: "GET", route: t + "/exceptions/:id", allowed: everyone, want: 200, path: p("/exceptions/%d", exc)},
		{method: "POST", route: t + "/exceptions/:id/decision", allowed: "AS", want: 200, path: p("/exceptions/%d/decision", exc),
			writes: true, body: body(`{"decision":"approved"}`)},
		{method: "GET", route: t + "/attestations", allowed: everyone, want: 200, path: p("/attestations")},
		{method: "POST", route: t + "/attestations", allowed: "AS", want: 201, path: p("/attestations"), writes: true,
			body: body(`{"csa_id":"` + attestID() + `","statement":"Reviewed quarterly.","owner":"secops","expires_at":"` + in(60) + `"}`)},
		{method: "DELETE", route: t + "/attestations/:id", allowed: "AS", want: 200, path: p("/attestations/%d", attest), writes: true},
		{method: "GET", route: t + "/tickets", allowed: everyone, want: 200, path: p("/tickets?status=open")},
		{method: "POST", route: t + "/tickets", allowed: "ASO", want: 201, path: p("/tickets"), writes: true,
			body: func(_ *fixture, tf *tenantFixture) string {
				return fmt.Sprintf(`{"finding_ids":[%d,%d],"assignee":"sam"}`, tf.FindingIDs[0], tf.FindingIDs[1])
			}},
		{method: "GET", route: t + "/tickets/:id", allowed: everyone, want: 200, path: p("/tickets/%d", ticket)},
		{method: "PATCH", route: t + "/tickets/:id", allowed: "ASO", want: 200, path: p("/tickets/%d", ticket), writes: true,
			body: body(`{"status":"in_progress"}`)},
		{method: "POST", route: t + "/tickets/:id/comments", allowed: "ASO", want: 201, path: p("/tickets/%d/comments", ticket),
			writes: true, body: body(`{"body":"patched in the chart"}`)},
		{method: "GET", route: t + "/drift", allowed: everyone, want: 200, path: p("/drift")},
		{method: "GET", route: t + "/images", allowed: everyone, want: 200, path: p("/images")},
		{method: "GET", route: t + "/images/:digest", allowed: everyone, want: 200, path: p("/images/%s", image)},
		{method: "GET", route: t + "/images/:digest/sbom", allowed: everyone, want: 200, path: p("/images/%s/sbom", image)},
		{method: "PUT", route: t + "/images/:digest/sbom", allowed: "ASO", want: 200, path: p("/images/%s/sbom", image), writes: true,
			body: body(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"libssl3","version":"3.0.11-1~deb12u1","purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12&upstream=openssl"}]}`)},
		{method: "GET", route: t + "/vulnerabilities", allowed: everyone, want: 200, path: p("/vulnerabilities?severity=high&fixable=true")},
		{method: "GET", route: t + "/vulnerabilities/:vulnerability", allowed: everyone, want: 200, path: p("/vulnerabilities/CVE-2024-0727")},
		{method: "GET", route: t + "/vex", allowed: everyone, want: 200, path: p("/vex")},
		{method: "POST", route: t + "/vex", allowed: "AS", want: 201, path: p("/vex"), writes: true,
			body: body(`{"vulnerability":"CVE-2024-0727","justification":"component_not_present","reason":"openssl is not used by the app","expires_at":"` + in(30) + `"}`)},
		{method: "DELETE", route: t + "/vex/:id", allowed: "AS", want: 204, path: p("/vex/%d", vex), writes: true},
		{method: "GET", route: t + "/trust-policy", allowed: everyone, want: 200, path: p("/trust-policy")},
		{method: "PUT", route: t + "/trust-policy", allowed: "AS", want: 200, path: p("/trust-policy"), writes: true,
			body: body(`{"policy":{"rules":[{"name":"shop","images":["registry.example.com/shop/*"],"keys":[{"name":"release","pem":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0AZPiJ09ZmR19i/tsan0Ik0XU93+\nql8+41+bxnNfKAKDEhMQO/uLRDZZpR6srR0gYoO6MZEDdxedbwTaJbJqvQ==\n-----END PUBLIC KEY-----\n"}]}]}}`)},
		{method: "GET", route: t + "/channels", allowed: everyone, want: 200, path: p("/channels")},
		{method: "POST", route: t + "/channels", allowed: "AS", want: 201, path: p("/channels"), writes: true,
			body: body(`{"name":"slack-sec","kind":"webhook","settings":{"url":"http://127.0.0.1:9/x"},"secret":"0123456789abcdef0123456789abcdef"}`)},
		{method: "PATCH", route: t + "/channels/:id", allowed: "AS", want: 200, path: p("/channels/%d", channel), writes: true,
			body: body(`{"name":"soc-hook","enabled":false}`)},
		// The fixture's rule routes to the channel: without force the answer is 409.
		{method: "DELETE", route: t + "/channels/:id", allowed: "AS", want: 200, path: p("/channels/%d?force=true", channel), writes: true},
		// A receiver that is down: the test is allowed and answers that delivery failed.
		{method: "POST", route: t + "/channels/:id/test", allowed: "AS", want: 200, path: p("/channels/%d/test", channel), writes: true},
		{method: "GET", route: t + "/alert-rules", allowed: everyone, want: 200, path: p("/alert-rules")},
		{method: "POST", route: t + "/alert-rules", allowed: "AS", want: 201, path: p("/alert-rules"), writes: true,
			body: func(_ *fixture, tf *tenantFixture) string {
				return fmt.Sprintf(`{"name":"critical","min_severity":"high","kinds":["new_finding"],"channel_id":%d}`, tf.ChannelID)
			}},
		{method: "PATCH", route: t + "/alert-rules/:id", allowed: "AS", want: 200, path: p("/alert-rules/%d", rule), writes: true,
			body: body(`{"enabled":true,"min_severity":"critical"}`)},
		{method: "DELETE", route: t + "/alert-rules/:id", allowed: "AS", want: 204, path: p("/alert-rules/%d", rule), writes: true},
		{method: "GET", route: t + "/deliveries", allowed: everyone, want: 200, path: p("/deliveries")},
		{method: "GET", route: t + "/role-mappings", allowed: "AU", want: 200, path: p("/role-mappings")},
		{method: "POST", route: t + "/role-mappings", allowed: "A", want: 201, path: p("/role-mappings"), writes: true,
			body: body(`{"claim_value":"platform-team","role":"operator"}`)},
		{method: "DELETE", route: t + "/role-mappings/:id", allowed: "A", want: 204, path: p("/role-mappings/%d", mapping), writes: true},
		{method: "GET", route: t + "/api-tokens", allowed: "AU", want: 200, path: p("/api-tokens")},
		{method: "POST", route: t + "/api-tokens", allowed: "A", want: 201, path: p("/api-tokens"), writes: true,
			body: body(`{"name":"ci","role":"viewer","expires_in_days":30}`)},
		{method: "DELETE", route: t + "/api-tokens/:id", allowed: "A", want: 200, path: p("/api-tokens/%d", token), writes: true},
		{method: "GET", route: t + "/audit", allowed: "ASU", want: 200, path: p("/audit")},
		{method: "GET", route: t + "/audit/export", allowed: "ASU", want: 200, path: p("/audit/export")},
	}
}

// TestEveryEndpointForEveryRole calls each endpoint as each role (with an API token of that
// role), and anonymously, and checks the answer against the table; every response is also
// validated against api/openapi.yaml.
func TestEveryEndpointForEveryRole(t *testing.T) {
	shared := newFixture(t, store.SQLite)
	table := endpointTable()
	checkTableCoversRoutes(t, shared, table)
	for _, ec := range table {
		t.Run(ec.method+" "+ec.route, func(t *testing.T) {
			for _, letter := range []byte("ASOUV") {
				role := roleLetters[letter]
				f := shared
				if ec.writes {
					f = newFixture(t, store.SQLite)
				}
				want := http.StatusForbidden
				if strings.IndexByte(ec.allowed, letter) >= 0 {
					want = ec.want
				}
				w := f.call(t, f.Acme.Tokens[role], ec.method, ec.path(f.Acme), bodyOf(ec, f))
				if w.Code != want {
					t.Errorf("%s: got %d, want %d: %.300s", role, w.Code, want, w.Body.String())
				}
				if want == http.StatusForbidden && !strings.Contains(w.Body.String(), `"code":"forbidden"`) {
					t.Errorf("%s: a refusal must carry code forbidden: %s", role, w.Body.String())
				}
			}
			w := shared.call(t, "", ec.method, ec.path(shared.Acme), bodyOf(ec, shared))
			if w.Code != http.StatusUnauthorized {
				t.Errorf("anonymous: got %d, want 401", w.Code)
			}
		})
	}
}

func bodyOf(ec endpointCase, f *fixture) string {
	if ec.body == nil {
		return ""
	}
	return ec.body(f, f.Acme)
}

// checkTableCoversRoutes fails when an API route has no row (a new endpoint must be
// classified) or a row names no route.
func checkTableCoversRoutes(t *testing.T, f *fixture, table []endpointCase) {
	t.Helper()
	rows := map[string]bool{}
	for _, ec := range table {
		rows[ec.method+" "+ec.route] = true
	}
	var missing []string
	for _, r := range f.Handler.(*gin.Engine).Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		key := r.Method + " " + r.Path
		if !rows[key] {
			missing = append(missing, key)
		}
		delete(rows, key)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("API routes with no row in the authorization table: %v", missing)
	}
	if len(rows) > 0 {
		t.Errorf("table rows with no route: %v", rows)
	}
}

// TestRefusalsAreAudited: a forbidden call leaves an authz.denied entry naming the caller.
func TestRefusalsAreAudited(t *testing.T) {
	f := newFixture(t, store.SQLite)
	w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "POST", fmt.Sprintf("/api/v1/tenants/acme/targets/%d/runs", f.Acme.Target.ID), "")
	if w.Code != http.StatusForbidden {
		t.Fatalf("viewer run-now: %d", w.Code)
	}
	entries, err := f.DB.ListAudit(context.Background(), posture.AuditFilter{TenantID: f.Acme.Tenant.ID, Action: "authz.denied"})
	must(t, err)
	if len(entries) != 1 || entries[0].Actor != "token:test-viewer" || !strings.Contains(entries[0].Object, "/runs") {
		t.Fatalf("audit entries: %+v", entries)
	}
}
