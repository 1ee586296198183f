package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// TestOversizedBodyIs413: a body over server.max_body_bytes answers 413 too_large, whether
// its length was announced or it was streamed (chunked) past the limit.
func TestOversizedBodyIs413(t *testing.T) {
	f := newFixture(t, store.SQLite)
	admin := f.Acme.Tokens[posture.RoleAdmin]
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `","kind":"manifests","settings":{"path":"/srv/a"}}`
	for _, announced := range []bool{true, false} {
		req := httptest.NewRequest("POST", base+"/api/v1/tenants/acme/targets", strings.NewReader(big))
		if !announced {
			req.Body = io.NopCloser(io.MultiReader(strings.NewReader(big))) // no length: read until the limit
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		w := httptest.NewRecorder()
		f.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), `"code":"too_large"`) {
			t.Fatalf("announced=%v: %d %s", announced, w.Code, w.Body.String())
		}
	}
}

// TestWrongMethodIs405WithAllow: HEAD, OPTIONS and other methods a route does not serve
// answer 405 with the methods it does, not 400.
func TestWrongMethodIs405WithAllow(t *testing.T) {
	f := newFixture(t, store.SQLite)
	for _, tc := range []struct{ method, path, allow string }{
		{"HEAD", "/api/v1/tenants/acme/findings", "GET"},
		{"OPTIONS", "/api/v1/tenants/acme/findings", "GET"},
		{"PUT", "/api/v1/tenants/acme/targets", "GET, POST"},
		{"OPTIONS", "/api/v1/tenants/acme/targets/1", "GET, PATCH, DELETE"},
	} {
		req := httptest.NewRequest(tc.method, base+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+f.Acme.Tokens[posture.RoleViewer])
		w := httptest.NewRecorder()
		f.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, w.Code, w.Body.String())
			continue
		}
		for _, m := range strings.Split(tc.allow, ", ") {
			if !strings.Contains(w.Header().Get("Allow"), m) {
				t.Errorf("%s %s: Allow %q lacks %s", tc.method, tc.path, w.Header().Get("Allow"), m)
			}
		}
	}
}

// TestLoginReturnToIsBounded: return_to is the spec's 2,048 bytes at most; longer is 400
// before anything is sealed into a cookie.
func TestLoginReturnToIsBounded(t *testing.T) {
	f := newFixture(t, store.SQLite)
	req := httptest.NewRequest("GET", base+"/auth/login?return_to=/"+strings.Repeat("a", 2048), nil)
	w := httptest.NewRecorder()
	f.Handler.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "return_to") {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	if strings.Contains(w.Header().Get("Set-Cookie"), "login") {
		t.Fatal("a cookie was set for a refused login")
	}
}
