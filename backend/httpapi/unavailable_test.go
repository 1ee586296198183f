package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// downStore is the fixture's database with the lookups every request makes failing as a
// stopped database makes them fail (the store's EUNAVAILABLE, see store/unavailable.go).
type downStore struct {
	*store.DB
	down atomic.Bool
}

func (s *downStore) fail() error {
	if s.down.Load() {
		return posture.Errorf(posture.EUNAVAILABLE, "the database is unavailable; try again shortly")
	}
	return nil
}

func (s *downStore) Session(ctx context.Context, id string, idle time.Duration) (*posture.Session, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.DB.Session(ctx, id, idle)
}

func (s *downStore) APITokenByHash(ctx context.Context, hash string) (*posture.APIToken, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.DB.APITokenByHash(ctx, hash)
}

func (s *downStore) TenantBySlug(ctx context.Context, slug string) (*posture.Tenant, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.DB.TenantBySlug(ctx, slug)
}

func (s *downStore) RolesOf(ctx context.Context, userID int64) ([]posture.RoleBinding, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.DB.RolesOf(ctx, userID)
}

func (s *downStore) User(ctx context.Context, id int64) (*posture.User, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.DB.User(ctx, id)
}

// TestDatabaseFailureIsNot401Or404: when the database cannot answer, a valid session and a
// valid token get 503 unavailable with Retry-After, not "sign in again", "token revoked" or
// "tenant not found"; only a real miss is 401 or 404.
func TestDatabaseFailureIsNot401Or404(t *testing.T) {
	f := newFixture(t, store.SQLite)
	st := &downStore{DB: f.DB}
	srv := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", RequestTimeout: 10 * time.Second, MaxBodyBytes: 1 << 20}, slog.New(slog.DiscardHandler), nil)
	srv.MountAPI(httpapi.APIOptions{Store: st, Catalog: checks.Builtin(), Now: f.clock.Now})
	get := func(path, token, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "palisade_session", Value: cookie})
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		return w
	}
	cookie, _ := signIn(t, f, posture.RoleOperator)
	token := f.Acme.Tokens[posture.RoleViewer]
	for _, tc := range []struct{ name, path, token, cookie string }{
		{"session", "/api/v1/session", "", cookie},
		{"token", "/api/v1/tenants/acme/findings", token, ""},
		{"session in a tenant", "/api/v1/tenants/acme/findings", "", cookie},
	} {
		if w := get(tc.path, tc.token, tc.cookie); w.Code != 200 {
			t.Fatalf("%s with the database up: %d %s", tc.name, w.Code, w.Body.String())
		}
		st.down.Store(true)
		w := get(tc.path, tc.token, tc.cookie)
		st.down.Store(false)
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"code":"unavailable"`) || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s with the database down: %d %s (Retry-After %q)", tc.name, w.Code, w.Body.String(), w.Header().Get("Retry-After"))
		}
	}
	// Real misses are still misses.
	if w := get("/api/v1/session", "", "no-such-session"); w.Code != 401 {
		t.Errorf("unknown session: %d", w.Code)
	}
	if w := get("/api/v1/session", "pal_unknown_token_0123456789", ""); w.Code != 401 {
		t.Errorf("unknown token: %d", w.Code)
	}
	if w := get("/api/v1/tenants/initech/findings", token, ""); w.Code != 404 {
		t.Errorf("unknown tenant: %d", w.Code)
	}
}

// TestReadsDoNotWaitForTheWriteLock: while a collection holds SQLite's write lock, requests
// with a token or a session still answer: recording when they were used is written later,
// off the request's path. Before, each such request waited for the lock and failed with
// "database is locked" (500).
func TestReadsDoNotWaitForTheWriteLock(t *testing.T) {
	f := newFixture(t, store.SQLite)
	ctx := context.Background()
	cookie, _ := signIn(t, f, posture.RoleOperator)
	f.clock.Add(2 * time.Minute) // the session's last use is old enough to be recorded again
	conn, err := f.DB.SQL().Conn(ctx)
	must(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE") // what a run's transaction holds
	must(t, err)
	// Before, each request below waited SQLite's busy timeout for the lock, then failed.
	if w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/acme/findings?limit=5", ""); w.Code != 200 {
		t.Errorf("token read during a write: %d %s", w.Code, w.Body.String())
	}
	if w := f.browser(t, cookie, "", "GET", "/api/v1/tenants/acme/targets", ""); w.Code != 200 {
		t.Errorf("session read during a write: %d %s", w.Code, w.Body.String())
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	must(t, err)
	// Once the lock is free, the uses are recorded.
	waitTokenUsed(t, f, f.Acme.Tenant.ID, "test-viewer")
}

// waitTokenUsed waits until the token's use is recorded (in the background, see touches).
func waitTokenUsed(t *testing.T, f *fixture, tenantID int64, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		toks, err := f.DB.ListAPITokens(context.Background(), tenantID)
		must(t, err)
		for _, tk := range toks {
			if tk.Name == name && tk.LastUsedAt != nil {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the use of token %s was never recorded", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
