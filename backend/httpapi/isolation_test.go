package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestTenantIsolation: an admin of acme guesses globex's ids, through acme's path and
// through globex's, and can neither read nor change anything of globex's.
func TestTenantIsolation(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect)
			acmeAdmin := f.Acme.Tokens[posture.RoleAdmin]
			g := f.Globex
			for _, ec := range endpointTable() {
				if !strings.Contains(ec.route, ":tenant") {
					continue
				}
				// globex's ids under acme's slug: the ids exist, but not in acme.
				if strings.Contains(ec.route, ":id") {
					path := strings.Replace(ec.path(g), "/tenants/globex/", "/tenants/acme/", 1)
					w := f.call(t, acmeAdmin, ec.method, path, bodyFor(ec, f, g))
					if w.Code != http.StatusNotFound {
						t.Errorf("%s %s with globex's id: got %d, want 404: %.200s", ec.method, path, w.Code, w.Body.String())
					}
				}
				// globex's slug: not a tenant acme's admin belongs to, so not found.
				w := f.call(t, acmeAdmin, ec.method, ec.path(g), bodyFor(ec, f, g))
				if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "tenant") {
					t.Errorf("%s %s: got %d, want 404 tenant not found: %.200s", ec.method, ec.path(g), w.Code, w.Body.String())
				}
			}
			// Bulk triage naming one of acme's and one of globex's findings changes nothing.
			body := fmt.Sprintf(`{"ids":[%d,%d],"triage":"wont_fix"}`, f.Acme.FindingIDs[0], g.FindingIDs[0])
			if w := f.call(t, acmeAdmin, "POST", "/api/v1/tenants/acme/findings/triage", body); w.Code != http.StatusNotFound {
				t.Fatalf("mixed triage: %d %s", w.Code, w.Body.String())
			}
			fd, err := f.DB.Finding(t.Context(), f.Acme.Tenant.ID, f.Acme.FindingIDs[0])
			must(t, err)
			if fd.Triage == posture.TriageWontFix {
				t.Fatal("a rejected bulk change was partly applied")
			}
			// Lists under acme's slug never show globex's rows.
			w := f.call(t, acmeAdmin, "GET", fmt.Sprintf("/api/v1/tenants/acme/findings?target=%d", g.Target.ID), "")
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"items":[]`) {
				t.Fatalf("acme findings filtered by globex's target: %d %.300s", w.Code, w.Body.String())
			}
			w = f.call(t, acmeAdmin, "GET", fmt.Sprintf("/api/v1/tenants/acme/scores/history?target=%d", g.Target.ID), "")
			if w.Code != http.StatusNotFound {
				t.Fatalf("acme score history of globex's target: %d", w.Code)
			}
			w = f.call(t, acmeAdmin, "GET", "/api/v1/tenants", "")
			if strings.Contains(w.Body.String(), "globex") {
				t.Fatalf("tenant list shows another tenant: %s", w.Body.String())
			}
		})
	}
}

func bodyFor(ec endpointCase, f *fixture, tf *tenantFixture) string {
	if ec.body == nil {
		return ""
	}
	return ec.body(f, tf)
}

var _ = store.SQLite
