package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

const cdxUpload = `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
"metadata":{"tools":{"components":[{"type":"application","name":"syft","version":"1.4.1"}]}},
"components":[{"type":"library","name":"libssl3","version":"3.0.13-1~deb12u1","purl":"pkg:deb/debian/libssl3@3.0.13-1~deb12u1?distro=debian-12&upstream=openssl"}]}`

// TestVulnerabilityAPI: the list names the advisory data and hides what VEX declares not
// affecting; "where does it run" resolves a CVE alias to the workloads; the SBOM downloads as
// CycloneDX; an upload from CI replaces the extracted SBOM and the image is matched again.
func TestVulnerabilityAPI(t *testing.T) {
	f := newFixture(t, store.SQLite)
	tok := f.Acme.Tokens[posture.RoleOperator]
	digest := f.Acme.ImageDigest

	var list struct {
		Items []struct {
			Advisory, Package, Installed, Fixed, Severity string
			NotAffected                                   bool `json:"not_affected"`
			RunningIn                                     int  `json:"running_in"`
		}
		AdvisoryData []json.RawMessage `json:"advisory_data"`
	}
	get := func(path string, out any) {
		t.Helper()
		w := f.call(t, tok, "GET", "/api/v1/tenants/acme"+path, "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body.String())
		}
		must(t, json.Unmarshal(w.Body.Bytes(), out))
	}
	get("/vulnerabilities", &list)
	if len(list.Items) != 0 {
		t.Fatalf("the VEX statement should hide the fixture's vulnerability: %+v", list.Items)
	}
	get("/vulnerabilities?not_affected=true", &list)
	if len(list.Items) != 1 || !list.Items[0].NotAffected || list.Items[0].Advisory != "DEBIAN-CVE-2024-0727" ||
		list.Items[0].Fixed != "3.0.13-1~deb12u1" || list.Items[0].RunningIn != 1 || list.Items[0].Severity != "high" {
		t.Fatalf("list with not-affected = %+v", list.Items)
	}

	var detail struct {
		Advisories []struct{ ID string }
		Images     []struct {
			Digest string
			Usages []struct{ Workload string }
		}
	}
	get("/vulnerabilities/CVE-2024-0727", &detail)
	if len(detail.Advisories) != 1 || detail.Advisories[0].ID != "DEBIAN-CVE-2024-0727" || len(detail.Images) != 1 ||
		detail.Images[0].Digest != digest || len(detail.Images[0].Usages) != 1 || detail.Images[0].Usages[0].Workload != "apps/Deployment/shop/web" {
		t.Fatalf("where CVE-2024-0727 runs = %+v", detail)
	}
	if w := f.call(t, tok, "GET", "/api/v1/tenants/acme/vulnerabilities/CVE-1999-0001", ""); w.Code != http.StatusNotFound {
		t.Fatalf("unknown advisory: %d", w.Code)
	}

	w := f.call(t, tok, "GET", "/api/v1/tenants/acme/images/"+digest+"/sbom", "")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/vnd.cyclonedx+json" ||
		!strings.Contains(w.Body.String(), `"bomFormat": "CycloneDX"`) && !strings.Contains(w.Body.String(), `"bomFormat":"CycloneDX"`) ||
		!strings.Contains(w.Body.String(), "libssl3") {
		t.Fatalf("SBOM download: %d %s %.300s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}

	// CI uploads a report of the rebuilt image: openssl fixed, nothing left to match.
	w = f.call(t, tok, "PUT", "/api/v1/tenants/acme/images/"+digest+"/sbom", cdxUpload)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"stored":true`) || !strings.Contains(w.Body.String(), `"source":"upload"`) {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	get("/vulnerabilities?not_affected=true", &list)
	if len(list.Items) != 0 {
		t.Fatalf("after the upload: %+v", list.Items)
	}
	entries, err := f.DB.ListAudit(t.Context(), posture.AuditFilter{TenantID: f.Acme.Tenant.ID, Action: "sbom.upload"})
	must(t, err)
	if len(entries) != 1 || entries[0].Actor != "token:test-operator" || !strings.Contains(entries[0].Object, digest) {
		t.Fatalf("upload audit = %+v", entries)
	}
	// Globex never sees acme's SBOM, even by digest.
	if w := f.call(t, f.Globex.Tokens[posture.RoleAdmin], "GET", "/api/v1/tenants/globex/images/"+digest+"/sbom", ""); w.Code != http.StatusNotFound {
		t.Fatalf("globex reading acme's SBOM: %d", w.Code)
	}
}

// TestSBOMUploadRefusesBadDocuments: too large (a 413 before the body is read), not an SBOM,
// a malformed package URL: each refused with a message that says what, and nothing stored.
func TestSBOMUploadRefusesBadDocuments(t *testing.T) {
	f := newFixture(t, store.SQLite)
	tok := f.Acme.Tokens[posture.RoleOperator]
	path := "/api/v1/tenants/acme/images/" + f.Acme.ImageDigest + "/sbom"

	big := httptest.NewRequest("PUT", base+path, strings.NewReader(`{"bomFormat":"CycloneDX","components":[`+strings.Repeat(" ", 9<<20)+`]}`))
	big.Header.Set("Authorization", "Bearer "+tok)
	big.Header.Set("Content-Type", "application/json")
	if w := f.send(t, big); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("9 MiB upload with an 8 MiB limit: %d %.200s", w.Code, w.Body.String())
	}
	for name, c := range map[string]struct{ body, want string }{
		"not an SBOM":    {`{"hello":"world"}`, "format"},
		"malformed purl": {`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"evil","version":"1","purl":"pkg:::"}]}`, "evil"},
		"truncated":      {`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[`, "ends"},
	} {
		w := f.call(t, tok, "PUT", path, c.body)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s: %d %s (want 400 naming %q)", name, w.Code, w.Body.String(), c.want)
		}
	}
	w := f.call(t, tok, "GET", path, "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "fixture") {
		t.Fatalf("the extracted SBOM must still be there: %d %.200s", w.Code, w.Body.String())
	}
	if w := f.call(t, tok, "PUT", path+"?format=spdx-json", cdxUpload); w.Code != http.StatusBadRequest {
		t.Fatalf("a CycloneDX document declared SPDX: %d %s", w.Code, w.Body.String())
	}
	_ = fmt.Sprint
}

// TestVEXStatementsAreAuditedAndBounded: a statement needs a justification and an expiry
// within a year; creating and revoking it are audited.
func TestVEXStatementsAreAuditedAndBounded(t *testing.T) {
	f := newFixture(t, store.SQLite)
	tok := f.Acme.Tokens[posture.RoleSecurityManager]
	far := f.clock.Now().AddDate(2, 0, 0).UTC().Format("2006-01-02T15:04:05Z")
	w := f.call(t, tok, "POST", "/api/v1/tenants/acme/vex", `{"vulnerability":"CVE-2024-0727","justification":"component_not_present","reason":"openssl is not used","expires_at":"`+far+`"}`)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "within a year") {
		t.Fatalf("two-year statement: %d %s", w.Code, w.Body.String())
	}
	w = f.call(t, tok, "POST", "/api/v1/tenants/acme/vex", `{"vulnerability":"CVE-2024-0727","justification":"because","reason":"openssl is not used","expires_at":"2030-01-01T00:00:00Z"}`)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("unknown justification: %d %s", w.Code, w.Body.String())
	}
	if w := f.call(t, tok, "DELETE", fmt.Sprintf("/api/v1/tenants/acme/vex/%d", f.Acme.VEXID), ""); w.Code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", w.Code, w.Body.String())
	}
	entries, err := f.DB.ListAudit(t.Context(), posture.AuditFilter{TenantID: f.Acme.Tenant.ID, Action: "vex.revoke"})
	must(t, err)
	if len(entries) != 1 || entries[0].Actor != "token:test-security-manager" {
		t.Fatalf("revoke audit = %+v", entries)
	}
	// Revoked: the vulnerability counts again.
	w = f.call(t, tok, "GET", "/api/v1/tenants/acme/vulnerabilities", "")
	if !strings.Contains(w.Body.String(), "DEBIAN-CVE-2024-0727") {
		t.Fatalf("after revoking: %s", w.Body.String())
	}
}
