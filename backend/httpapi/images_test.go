package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

type imageListOut struct {
	Items []struct {
		Digest       string   `json:"digest"`
		Signed       *bool    `json:"signed"`
		TrustReasons []string `json:"trust_reasons"`
		RunningIn    int      `json:"running_in"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type imageDetailOut struct {
	Variants []struct {
		EnvNames  []string `json:"env_names"`
		SecretEnv []string `json:"secret_env"`
	} `json:"variants"`
	Usages []struct {
		TargetName string `json:"target_name"`
		Workload   string `json:"workload"`
	} `json:"usages"`
}

func TestImagesAndTrustPolicyAPI(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			a := f.Acme
			viewer, manager := a.Tokens[posture.RoleViewer], a.Tokens[posture.RoleSecurityManager]
			base := "/api/v1/tenants/" + a.Tenant.Slug

			rec := f.call(t, viewer, "GET", base+"/images", "")
			list := decode[imageListOut](t, rec)
			if rec.Code != http.StatusOK || len(list.Items) != 1 || list.Items[0].Digest != a.ImageDigest || list.Items[0].Signed == nil ||
				*list.Items[0].Signed || list.Items[0].RunningIn != 1 || list.NextCursor != "" {
				t.Fatalf("images = %d %+v", rec.Code, list)
			}
			// The images a workload runs: what a workload's finding page shows.
			for q, want := range map[string]int{"apps/Deployment/shop/web": 1, "apps/Deployment/shop/other": 0} {
				rec := f.call(t, viewer, "GET", base+"/images?workload="+q+"&target="+strconv.FormatInt(a.Target.ID, 10), "")
				if got := decode[imageListOut](t, rec); rec.Code != http.StatusOK || len(got.Items) != want {
					t.Errorf("images of %s = %d %+v, want %d", q, rec.Code, got, want)
				}
			}
			rec = f.call(t, viewer, "GET", base+"/images/"+a.ImageDigest, "")
			detail := decode[imageDetailOut](t, rec)
			if rec.Code != http.StatusOK || len(detail.Usages) != 1 || detail.Usages[0].TargetName != a.Target.Name ||
				detail.Usages[0].Workload != "apps/Deployment/shop/web" || len(detail.Variants) != 1 || detail.Variants[0].SecretEnv[0] != "DB_PASSWORD" {
				t.Fatalf("image detail = %d %+v", rec.Code, detail)
			}
			// Another tenant's image is not found, not forbidden: its existence is not told.
			if rec := f.call(t, viewer, "GET", base+"/images/"+f.Globex.ImageDigest, ""); rec.Code != http.StatusNotFound {
				t.Fatalf("another tenant's image: %d %s", rec.Code, rec.Body)
			}
			// Browsers encode the colon; the validator must see the digest decoded.
			if rec := f.call(t, viewer, "GET", base+"/images/"+strings.Replace(a.ImageDigest, ":", "%3A", 1), ""); rec.Code != http.StatusOK {
				t.Fatalf("an encoded digest: %d %s", rec.Code, rec.Body)
			}
			if rec := f.call(t, viewer, "GET", base+"/images/latest", ""); rec.Code != http.StatusBadRequest {
				t.Fatalf("a tag instead of a digest: %d", rec.Code)
			}

			// An invalid policy says why; a valid one gets a new version and an audit entry.
			for body, want := range map[string]string{
				`{"policy":{"rules":[{"name":"x","images":["r.example/*"],"keys":[{"name":"k","pem":"garbage"}]}]}}`:                      `key \"k\"`,
				`{"policy":{"rules":[{"name":"x","images":["r.example/*"]}]}}`:                                                            `rule \"x\"`,
				`{"policy":{"rules":[{"name":"x","images":["r.example/*"],"identities":[{"issuer":"https://i","subjectPattern":"("}]}]}}`: `rule \"x\"`,
			} {
				rec := f.call(t, manager, "PUT", base+"/trust-policy", body)
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), want) {
					t.Errorf("PUT %s -> %d %s", body, rec.Code, rec.Body)
				}
			}
			rec = f.call(t, manager, "PUT", base+"/trust-policy", `{"policy":{"rules":[]}}`)
			if doc := decode[struct {
				Version int64 `json:"version"`
			}](t, rec); rec.Code != http.StatusOK || doc.Version != 1 {
				t.Fatalf("save: %d %s", rec.Code, rec.Body)
			}
			auditOf(t, f, a, "trust_policy.update", "trust-policy")
			if raw, _, _ := f.DB.TrustPolicy(t.Context(), f.Globex.Tenant.ID); raw != "" {
				t.Fatalf("another tenant's policy changed: %s", raw)
			}
		})
	}
}
