package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// TestChannelDestinationsNeedTheAllowlist: with no allowlist, a channel of any kind to this
// host, the metadata service, a private or an unspecified address is refused when created or
// re-pointed, with the reason; a public one is accepted.
func TestChannelDestinationsNeedTheAllowlist(t *testing.T) {
	f := newFixture(t, store.SQLite)
	f.Outbound = egress.Policy{}
	sm := f.Acme.Tokens[posture.RoleSecurityManager]
	const secret = "0123456789abcdef0123456789abcdef"
	bodies := map[string]func(name, host string) string{
		"webhook": func(name, host string) string {
			return `{"name":"` + name + `","kind":"webhook","settings":{"url":"https://` + host + `/hook"},"secret":"` + secret + `"}`
		},
		"ticket-sync": func(name, host string) string {
			return `{"name":"` + name + `","kind":"ticket-sync","settings":{"url":"https://` + host + `/sync"},"secret":"` + secret + `"}`
		},
		"slack": func(name, host string) string {
			return `{"name":"` + name + `","kind":"slack","secret":"https://` + host + `/services/T0/B0/XYZ"}`
		},
		"email": func(name, host string) string {
			return `{"name":"` + name + `","kind":"email","settings":{"host":"` + strings.Trim(host, "[]") +
				`","from":"p@acme.example","to":"a@acme.example"}}`
		},
	}
	for kind, body := range bodies {
		for i, d := range []struct{ host, class string }{
			{"127.0.0.1", "loopback address; an administrator can allow it with server.outbound_allow"},
			{"[::1]", "loopback"},
			{"169.254.169.254", "cloud metadata service, which is never allowed"},
			{"10.0.0.1", "private address; an administrator can allow it with server.outbound_allow"},
			{"192.168.1.1", "private"},
			{"100.64.0.1", "private"},
			{"[fd00::1]", "private"},
			{"0.0.0.0", "unspecified"},
			{"localhost", "loopback"},
		} {
			t.Run(kind+"/"+d.host, func(t *testing.T) {
				w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels", body(fmt.Sprintf("%s-%d", kind, i), d.host))
				if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), d.class) {
					t.Errorf("%d %s, want 400 naming %q", w.Code, w.Body.String(), d.class)
				}
			})
		}
		t.Run(kind+"/public", func(t *testing.T) {
			if w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels", body(kind+"-public", "93.184.216.34")); w.Code != http.StatusCreated {
				t.Errorf("a public address: %d %s", w.Code, w.Body.String())
			}
		})
	}
	path := fmt.Sprintf("/api/v1/tenants/acme/channels/%d", f.Acme.ChannelID)
	if w := f.call(t, sm, "PATCH", path, `{"settings":{"url":"https://10.0.0.1/hook"}}`); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "private") {
		t.Errorf("re-point to a private address: %d %s", w.Code, w.Body.String())
	}
}

// TestChannelTestShowsOnlyTheFailureClass: "send test" to a receiver that fails with a
// page of its own says which status it answered and nothing of the page; to a channel whose
// address the policy no longer allows, it sends nothing and says why.
func TestChannelTestShowsOnlyTheFailureClass(t *testing.T) {
	f := newFixture(t, store.SQLite)
	sm := f.Acme.Tokens[posture.RoleSecurityManager]
	const page = "SECRET-INTERNAL-PAGE"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels",
		`{"name":"internal","kind":"webhook","settings":{"url":"`+srv.URL+`/admin"},"secret":"0123456789abcdef0123456789abcdef"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	test := fmt.Sprintf("/api/v1/tenants/acme/channels/%d/test", decode[channelOut](t, w).ID)
	w = f.call(t, sm, "POST", test, "")
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), page) ||
		w.Body.String() != `{"delivered":false,"error":"HTTP status 500"}` {
		t.Fatalf("test: %d %s, want only the status class", w.Code, w.Body.String())
	}

	f.Outbound = egress.Policy{} // the allowlist no longer holds 127.0.0.1
	w = f.call(t, sm, "POST", test, "")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "loopback") || hits.Load() != 1 {
		t.Fatalf("test of a refused destination: %d %s (receiver hit %d times)", w.Code, w.Body.String(), hits.Load())
	}
}

// TestAlertRuleSelectorsMustExist: a rule cannot select a check the catalog does not have, a
// CSA id that is none, or a target that is not the tenant's (another tenant's id included),
// on create or on edit; the bad value is named. A stale selector does not block editing
// other fields.
func TestAlertRuleSelectorsMustExist(t *testing.T) {
	f := newFixture(t, store.SQLite)
	sm := f.Acme.Tokens[posture.RoleSecurityManager]
	ch := f.Acme.ChannelID
	rulePath := fmt.Sprintf("/api/v1/tenants/acme/alert-rules/%d", f.Acme.RuleID)
	for _, c := range []struct {
		name, selector, want string
	}{
		{"unknown check", `"checks":["k8s.privileged-container","k8s.no-such-check"]`, `k8s.no-such-check`},
		{"unknown area", `"areas":["3.1.2","9.9"]`, `9.9`},
		{"another tenant's target", fmt.Sprintf(`"targets":[%d]`, f.Globex.Target.ID), fmt.Sprint(f.Globex.Target.ID)},
		{"no such target", `"targets":[987654]`, `987654`},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := f.call(t, sm, "POST", "/api/v1/tenants/acme/alert-rules", fmt.Sprintf(`{"name":%q,"channel_id":%d,%s}`, c.name, ch, c.selector))
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.want) {
				t.Errorf("create: %d %s, want 400 naming %s", w.Code, w.Body.String(), c.want)
			}
			w = f.call(t, sm, "PATCH", rulePath, "{"+c.selector+"}")
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.want) {
				t.Errorf("edit: %d %s, want 400 naming %s", w.Code, w.Body.String(), c.want)
			}
		})
	}
	if rules, _ := f.DB.ListRules(t.Context(), f.Acme.Tenant.ID); len(rules) != 1 || len(rules[0].Checks)+len(rules[0].Areas)+len(rules[0].Targets) != 0 {
		t.Fatalf("a refused rule was stored: %+v", rules)
	}

	good := fmt.Sprintf(`{"name":"good","channel_id":%d,"checks":["k8s.privileged-container"],"areas":["3.1.2","3.1.2.4","3.1"],"targets":[%d]}`,
		ch, f.Acme.Target.ID)
	if w := f.call(t, sm, "POST", "/api/v1/tenants/acme/alert-rules", good); w.Code != http.StatusCreated {
		t.Fatalf("valid selectors: %d %s", w.Code, w.Body.String())
	}

	// A rule whose check has since left the catalog can still be disabled or renamed.
	stale := &alerting.Rule{TenantID: f.Acme.Tenant.ID, Name: "stale", MinSeverity: posture.SeverityHigh, ChannelID: ch,
		Checks: []string{"custom.removed-check"}}
	must(t, f.DB.CreateRule(t.Context(), stale))
	w := f.call(t, sm, "PATCH", fmt.Sprintf("/api/v1/tenants/acme/alert-rules/%d", stale.ID), `{"enabled":false,"name":"stale, off"}`)
	if w.Code != http.StatusOK {
		t.Fatalf("disable a rule with a stale selector: %d %s", w.Code, w.Body.String())
	}
}
