package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestNULInRequestStringsIs400: a NUL character (or bytes that are not UTF-8) in any string
// of a request is refused with 400 naming the field, on both databases. On PostgreSQL these
// reached the database and answered 500.
func TestNULInRequestStringsIs400(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			acme := f.Acme
			op, auditor := acme.Tokens[posture.RoleOperator], acme.Tokens[posture.RoleAuditor]
			admin := acme.Tokens[posture.RoleAdmin]
			for _, tc := range []struct {
				name, token, method, path, body, field string
			}{
				{"ticket comment", op, "POST", fmt.Sprintf("/api/v1/tenants/acme/tickets/%d/comments", acme.TicketID), `{"body":"fixed in\u0000 v2"}`, `"body"`},
				{"ticket title", op, "PATCH", fmt.Sprintf("/api/v1/tenants/acme/tickets/%d", acme.TicketID), `{"title":"\u0000"}`, `"title"`},
				{"target name", admin, "POST", "/api/v1/tenants/acme/targets", `{"name":"web\u0000","kind":"manifests","settings":{"path":"/srv/a"}}`, `"name"`},
				{"setting key", admin, "POST", "/api/v1/tenants/acme/targets", `{"name":"web","kind":"manifests","settings":{"pa\u0000th":"/srv/a"}}`, `field name`},
				{"exception reason", op, "POST", "/api/v1/tenants/acme/exceptions",
					fmt.Sprintf(`{"finding_id":%d,"reason":"vendor\u0000","expires_at":%q}`, acme.FindingIDs[0],
						time.Now().Add(30*24*time.Hour).UTC().Format(time.RFC3339)), `"reason"`},
				{"triage note in a list", op, "POST", "/api/v1/tenants/acme/findings/triage",
					fmt.Sprintf(`{"finding_ids":[%d],"triage":"acknowledged","note":"ok","assignee":"sam\u0000"}`, acme.FindingIDs[0]), `"assignee"`},
				{"text search", op, "GET", "/api/v1/tenants/acme/findings?q=ab%00c", "", `"q"`},
				{"assignee filter", op, "GET", "/api/v1/tenants/acme/findings?assignee=%00", "", `"assignee"`},
				{"invalid UTF-8 in a filter", op, "GET", "/api/v1/tenants/acme/findings?q=%FF%FE", "", `"q"`},
				{"audit actor filter", auditor, "GET", "/api/v1/tenants/acme/audit?actor=root%00", "", `"actor"`},
				{"tenant in the path", op, "GET", "/api/v1/tenants/ac%00me/findings", "", `"tenant"`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					w := f.call(t, tc.token, tc.method, tc.path, tc.body)
					if w.Code != 400 {
						t.Fatalf("%d %s", w.Code, w.Body.String())
					}
					body := w.Body.String()
					if !strings.Contains(body, `"code":"invalid"`) || !strings.Contains(body, strings.ReplaceAll(tc.field, `"`, `\"`)) {
						t.Fatalf("the error does not name %s: %s", tc.field, body)
					}
				})
			}
			// The same requests without the NUL are fine (the check is not a blanket refusal).
			if w := f.call(t, op, "GET", "/api/v1/tenants/acme/findings?q=web", ""); w.Code != 200 {
				t.Fatalf("clean search: %d %s", w.Code, w.Body.String())
			}
		})
	}
}
