package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// signIn creates a user with a role in acme and a session, as /auth/callback would, and
// returns the cookie value and CSRF token.
func signIn(t *testing.T, f *fixture, role posture.Role) (cookie, csrf string) {
	t.Helper()
	ctx := context.Background()
	u := &posture.User{Issuer: "https://idp.example", Subject: "sub-" + string(role), Email: string(role) + "@acme.example"}
	must(t, f.DB.UpsertUser(ctx, u))
	must(t, f.DB.SetRole(ctx, posture.RoleBinding{TenantID: f.Acme.Tenant.ID, UserID: u.ID, Role: role}))
	cookie, csrf = "cookie-secret-"+string(role), "csrf-"+string(role)
	now := f.clock.Now()
	must(t, f.DB.CreateSession(ctx, &posture.Session{ID: hash(cookie), UserID: u.ID, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour)}))
	return cookie, csrf
}

func (f *fixture) browser(t *testing.T, cookie, csrf, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, base+path, strings.NewReader(body))
	req.AddCookie(&http.Cookie{Name: "palisade_session", Value: cookie})
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.send(t, req)
}

func TestSessionCSRFAndTimeouts(t *testing.T) {
	f := newFixture(t, store.SQLite)
	cookie, csrf := signIn(t, f, posture.RoleOperator)
	triage := fmt.Sprintf(`{"ids":[%d],"triage":"in_progress"}`, f.Acme.FindingIDs[0])

	w := f.browser(t, cookie, "", "GET", "/api/v1/session", "")
	var s struct {
		CSRFToken string `json:"csrf_token"`
		Tenants   []struct{ Slug, Role string }
	}
	must(t, json.Unmarshal(w.Body.Bytes(), &s))
	if w.Code != 200 || s.CSRFToken != csrf || len(s.Tenants) != 1 || s.Tenants[0].Role != "operator" {
		t.Fatalf("session: %d %s", w.Code, w.Body.String())
	}
	if w := f.browser(t, cookie, "", "POST", "/api/v1/tenants/acme/findings/triage", triage); w.Code != 403 {
		t.Fatalf("state change without CSRF token: %d", w.Code)
	}
	if w := f.browser(t, cookie, "wrong", "POST", "/api/v1/tenants/acme/findings/triage", triage); w.Code != 403 {
		t.Fatalf("state change with a wrong CSRF token: %d", w.Code)
	}
	if w := f.browser(t, cookie, csrf, "POST", "/api/v1/tenants/acme/findings/triage", triage); w.Code != 200 {
		t.Fatalf("state change with the CSRF token: %d %s", w.Code, w.Body.String())
	}
	// The change is attributed to the user, in the finding's history and the audit log.
	w = f.browser(t, cookie, "", "GET", fmt.Sprintf("/api/v1/tenants/acme/findings/%d/history", f.Acme.FindingIDs[0]), "")
	if !strings.Contains(w.Body.String(), "operator@acme.example") {
		t.Fatalf("history does not name the user: %s", w.Body.String())
	}
	entries, err := f.DB.ListAudit(t.Context(), posture.AuditFilter{TenantID: f.Acme.Tenant.ID, Action: "finding.triage"})
	must(t, err)
	if len(entries) != 1 || entries[0].Actor != "operator@acme.example" || !strings.Contains(entries[0].After, "in_progress") {
		t.Fatalf("audit: %+v", entries)
	}

	// Idle timeout: an hour without a request ends the session.
	f.clock.Add(59 * time.Minute)
	if w := f.browser(t, cookie, "", "GET", "/api/v1/session", ""); w.Code != 200 {
		t.Fatalf("within the idle timeout: %d", w.Code)
	}
	f.clock.Add(61 * time.Minute)
	if w := f.browser(t, cookie, "", "GET", "/api/v1/session", ""); w.Code != 401 {
		t.Fatalf("after the idle timeout: %d", w.Code)
	}

	// Absolute timeout: activity does not extend a session past 12 hours.
	cookie2, _ := signIn(t, f, posture.RoleViewer)
	for i := 0; i < 12; i++ {
		f.clock.Add(55 * time.Minute)
		if w := f.browser(t, cookie2, "", "GET", "/api/v1/session", ""); w.Code != 200 {
			t.Fatalf("active session refused after %d checks: %d", i, w.Code)
		}
	}
	f.clock.Add(time.Hour)
	if w := f.browser(t, cookie2, "", "GET", "/api/v1/session", ""); w.Code != 401 {
		t.Fatalf("past the absolute timeout: %d", w.Code)
	}
}

func TestLogoutRevokesTheSession(t *testing.T) {
	f := newFixture(t, store.SQLite)
	cookie, csrf := signIn(t, f, posture.RoleAuditor)
	if w := f.browser(t, cookie, "", "DELETE", "/api/v1/session", ""); w.Code != 403 {
		t.Fatalf("logout without CSRF: %d", w.Code)
	}
	w := f.browser(t, cookie, csrf, "DELETE", "/api/v1/session", "")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", w.Code, w.Header())
	}
	if w := f.browser(t, cookie, "", "GET", "/api/v1/session", ""); w.Code != 401 {
		t.Fatalf("session after logout: %d", w.Code)
	}
	entries, err := f.DB.ListAudit(t.Context(), posture.AuditFilter{TenantID: f.Acme.Tenant.ID, Action: "auth.logout"})
	must(t, err)
	if len(entries) != 1 {
		t.Fatalf("logout audit: %+v", entries)
	}
}

func TestAPITokenLifecycle(t *testing.T) {
	f := newFixture(t, store.SQLite)
	admin := f.Acme.Tokens[posture.RoleAdmin]
	w := f.call(t, admin, "POST", "/api/v1/tenants/acme/api-tokens", `{"name":"ci-scan","role":"operator","expires_in_days":1}`)
	var created struct {
		ID     int64
		Token  string
		Prefix string
	}
	must(t, json.Unmarshal(w.Body.Bytes(), &created))
	if w.Code != 201 || !strings.HasPrefix(created.Token, "pal_") || !strings.HasPrefix(created.Token, created.Prefix) {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	// The secret is shown once: never in a listing, never in the audit log, never stored.
	list := f.call(t, admin, "GET", "/api/v1/tenants/acme/api-tokens", "").Body.String()
	export := f.call(t, admin, "GET", "/api/v1/tenants/acme/audit/export", "").Body.String()
	for what, s := range map[string]string{"listing": list, "audit": export} {
		if strings.Contains(s, created.Token) {
			t.Fatalf("the token secret appears in the %s", what)
		}
	}
	if !strings.Contains(export, `"action":"api_token.create"`) {
		t.Fatal("token creation not audited")
	}
	if w := f.call(t, created.Token, "GET", "/api/v1/tenants/acme/findings", ""); w.Code != 200 {
		t.Fatalf("new token: %d", w.Code)
	}
	// Scoped to its role: an operator token cannot create tokens.
	if w := f.call(t, created.Token, "POST", "/api/v1/tenants/acme/api-tokens", `{"name":"x","role":"admin"}`); w.Code != 403 {
		t.Fatalf("operator token creating a token: %d", w.Code)
	}
	// Expiry.
	f.clock.Add(25 * time.Hour)
	if w := f.call(t, created.Token, "GET", "/api/v1/tenants/acme/findings", ""); w.Code != 401 {
		t.Fatalf("expired token: %d", w.Code)
	}
	// Revocation takes effect at once.
	viewer := f.Acme.Tokens[posture.RoleViewer]
	if w := f.call(t, admin, "DELETE", fmt.Sprintf("/api/v1/tenants/acme/api-tokens/%d", f.Acme.TokenID), ""); w.Code != 200 {
		t.Fatalf("revoke: %d", w.Code)
	}
	if w := f.call(t, viewer, "GET", "/api/v1/tenants/acme/findings", ""); w.Code != 401 {
		t.Fatalf("revoked token: %d", w.Code)
	}
	// A malformed header is a clear 401, not a 500.
	req := httptest.NewRequest("GET", base+"/api/v1/session", nil)
	req.Header.Set("Authorization", "Basic YWxhZGRpbjpvcGVu")
	if w := f.send(t, req); w.Code != 401 || !strings.Contains(w.Body.String(), "Bearer") {
		t.Fatalf("basic auth: %d %s", w.Code, w.Body.String())
	}
}

// TestTokenGuessingIsRateLimited: after the burst, wrong tokens from one address get 429.
func TestTokenGuessingIsRateLimited(t *testing.T) {
	f := newFixture(t, store.SQLite)
	codes := map[int]int{}
	for i := 0; i < 15; i++ {
		codes[f.call(t, fmt.Sprintf("pal_guess_%d", i), "GET", "/api/v1/session", "").Code]++
	}
	if codes[401] != 10 || codes[429] != 5 {
		t.Fatalf("status counts: %v", codes)
	}
	// Rejections are system-wide entries (no tenant), as `palisade audit export` shows them.
	rejected := 0
	must(t, f.DB.ExportAudit(t.Context(), func(e posture.AuditEntry) error {
		if e.Action == "auth.token_rejected" && e.TenantID == nil {
			rejected++
		}
		return nil
	}))
	if rejected != 10 {
		t.Fatalf("audited rejections: %d, want 10", rejected)
	}
}

// TestLoginIsRateLimited: one address gets its burst of login attempts, then 429 with
// Retry-After.
func TestLoginIsRateLimited(t *testing.T) {
	f := newFixture(t, store.SQLite)
	codes := map[int]int{}
	for i := 0; i < 35; i++ {
		w := f.call(t, "", "GET", "/auth/login", "")
		codes[w.Code]++
		if w.Code == 429 && w.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	// No identity provider is configured here: the allowed attempts answer 503.
	if codes[503] != 30 || codes[429] != 5 {
		t.Fatalf("status counts: %v", codes)
	}
}
