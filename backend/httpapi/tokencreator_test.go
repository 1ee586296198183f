package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// A token acts with at most the role its creator holds in the tenant now: demoting the
// creator lowers it, removing the creator's role stops it, and a token that creates another
// passes its creator on (both dialects).
func TestIntegrationATokenActsWithAtMostItsCreatorsRole(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect)
			ctx := context.Background()
			acme := f.Acme.Tenant.ID
			ann := &posture.User{Issuer: "https://idp.example", Subject: "ann", Email: "ann@acme.example"}
			must(t, f.DB.UpsertUser(ctx, ann))
			grant := func(role posture.Role) {
				t.Helper()
				var bs []posture.RoleBinding
				if role != "" {
					bs = []posture.RoleBinding{{TenantID: acme, UserID: ann.ID, Role: role, GrantedBy: "acme:" + string(role)}}
				}
				must(t, f.DB.SyncClaimRoles(ctx, ann.ID, bs))
			}
			grant(posture.RoleAdmin)
			secret := "pal_ann_admin_token_0123456789abcdef"
			must(t, f.DB.CreateAPIToken(ctx, &posture.APIToken{TenantID: acme, Name: "ann-ci", Prefix: secret[:10], Hash: hash(secret),
				Role: posture.RoleAdmin, CreatedBy: ann.Email, CreatorUserID: &ann.ID}))
			status := func(method, path, body string) int {
				t.Helper()
				return f.call(t, secret, method, "/api/v1/tenants/acme"+path, body).Code
			}
			run := fmt.Sprintf("/targets/%d/runs", f.Acme.Target.ID)

			if got := status("GET", "/role-mappings", ""); got != 200 {
				t.Fatalf("admin creator: role mappings %d, want 200", got)
			}
			// A token this token creates is bounded by ann too.
			w := f.call(t, secret, "POST", "/api/v1/tenants/acme/api-tokens", `{"name":"child","role":"operator"}`)
			if w.Code != 201 {
				t.Fatalf("create child token: %d %s", w.Code, w.Body)
			}
			var child struct{ Token string }
			must(t, json.Unmarshal(w.Body.Bytes(), &child))
			made, err := f.DB.APITokenByHash(ctx, hash(child.Token))
			must(t, err)
			if made.CreatorUserID == nil || *made.CreatorUserID != ann.ID {
				t.Fatalf("child token's creator = %v, want ann (%d)", made.CreatorUserID, ann.ID)
			}

			grant(posture.RoleOperator) // demoted: the admin token is now an operator's
			if got := status("GET", "/role-mappings", ""); got != 403 {
				t.Fatalf("operator creator: role mappings %d, want 403", got)
			}
			if got := status("POST", run, ""); got != 202 {
				t.Fatalf("operator creator: run now %d, want 202", got)
			}
			grant(posture.RoleViewer)
			if got := status("POST", run, ""); got != 403 {
				t.Fatalf("viewer creator: run now %d, want 403", got)
			}
			grant("") // gone from the tenant: the token stops working
			if got := status("GET", "", ""); got != 401 {
				t.Fatalf("creator without a role: %d, want 401", got)
			}
			if got := f.call(t, child.Token, "GET", "/api/v1/tenants/acme", "").Code; got != 401 {
				t.Fatalf("child token of a creator without a role: %d, want 401", got)
			}
			// Tokens nobody bounds (the fixture's) are as before.
			if got := f.call(t, f.Acme.Tokens[posture.RoleAdmin], "GET", "/api/v1/tenants/acme/role-mappings", "").Code; got != 200 {
				t.Fatalf("unbounded admin token: %d", got)
			}
		})
	}
}
