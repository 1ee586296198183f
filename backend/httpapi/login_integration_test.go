package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/oidc"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// startIdP runs the bundled identity provider (deploy/idp, oidc-provider) on a free port and
// returns its issuer. Missing Node or its packages fail the test under CI=true.
func startIdP(t *testing.T, redirectURI, postLogout string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	root, _ := filepath.Abs("../..")
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "node_modules", "oidc-provider"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the bundled identity provider cannot run (%v); `make test` installs it with npm ci", err)
		}
		t.Skipf("identity provider not installed (%v): run npm ci", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "deploy", "idp", "server.mjs"), "--port", "0", "--quiet",
		"--redirect-uri", redirectURI, "--post-logout-redirect-uri", postLogout)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if issuer, ok := strings.CutPrefix(sc.Text(), "idp ready "); ok {
				ready <- issuer
			}
		}
	}()
	select {
	case issuer := <-ready:
		return issuer
	case <-time.After(60 * time.Second):
		t.Fatal("identity provider did not start within 60s")
	}
	return ""
}

// demoUsers: every user of deploy/idp/users.json and the role each should get per tenant.
var demoUsers = map[string]map[string]posture.Role{
	"acme-admin": {"acme": "admin"}, "acme-secmgr": {"acme": "security-manager"}, "acme-operator": {"acme": "operator"},
	"acme-auditor": {"acme": "auditor"}, "acme-viewer": {"acme": "viewer"},
	"globex-admin": {"globex": "admin"}, "globex-secmgr": {"globex": "security-manager"},
	"globex-operator": {"globex": "operator"}, "globex-auditor": {"globex": "auditor"}, "globex-viewer": {"globex": "viewer"},
	"consultant": {"acme": "auditor", "globex": "operator"},
	"nobody":     {},
}

// TestLoginThroughTheBundledIdentityProvider logs every demo user in for real: Palisade
// redirects to oidc-provider, the test submits its login form, the callback verifies the ID
// token and opens a session, and the API answers with the roles the groups map to.
func TestLoginThroughTheBundledIdentityProvider(t *testing.T) {
	f := newFixture(t, store.SQLite)
	for _, ten := range []*tenantFixture{f.Acme, f.Globex} {
		for _, role := range posture.Roles {
			must(t, f.DB.CreateRoleMapping(t.Context(), &posture.RoleMapping{TenantID: ten.Tenant.ID,
				ClaimValue: ten.Tenant.Slug + ":" + string(role), Role: role}))
		}
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	issuer := startIdP(t, srv.URL+"/auth/callback", srv.URL+"/")
	prov, err := oidc.New(t.Context(), oidc.Config{IssuerURL: issuer, ClientID: "palisade", ClientSecret: "palisade-demo-secret",
		RedirectURL: srv.URL + "/auth/callback"})
	must(t, err)
	s := httpapi.New(httpapi.Config{Listen: "127.0.0.1:0", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: 5 * time.Second, RequestTimeout: 10 * time.Second, ShutdownTimeout: 5 * time.Second,
		MaxBodyBytes: 1 << 20}, nopLog(), nil)
	sealer := testSealer(t)
	s.MountAPI(httpapi.APIOptions{Store: f.DB, Login: prov, LoginSealer: sealer, Sealer: sealer, PublicURL: srv.URL, LoginBurst: 1000})
	h = s.Handler()

	for user, want := range demoUsers {
		t.Run(user, func(t *testing.T) {
			client := newBrowser(t)
			body := login(t, client, srv.URL, user, "palisade-demo")
			var sess struct {
				User      struct{ Email string }
				Tenants   []struct{ Slug, Role string }
				CSRFToken string `json:"csrf_token"`
			}
			must(t, json.Unmarshal([]byte(body), &sess))
			got := map[string]posture.Role{}
			for _, m := range sess.Tenants {
				got[m.Slug] = posture.Role(m.Role)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || sess.User.Email == "" || sess.CSRFToken == "" {
				t.Fatalf("session of %s: %s (want roles %v)", user, body, want)
			}
			// The role answers: a viewer cannot start a run, an operator can.
			for slug, role := range want {
				ten := f.Acme
				if slug == "globex" {
					ten = f.Globex
				}
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tenants/%s/targets/%d/runs", srv.URL, slug, ten.Target.ID), nil)
				req.Header.Set("X-CSRF-Token", sess.CSRFToken)
				resp, err := client.Do(req)
				must(t, err)
				resp.Body.Close()
				allowed := httpapi.Allowed(role, httpapi.PermRunNow)
				if (resp.StatusCode == 403) == allowed {
					t.Errorf("%s as %s in %s: run now answered %d", user, role, slug, resp.StatusCode)
				}
			}
		})
	}

	t.Run("wrong password gets no session", func(t *testing.T) {
		client := newBrowser(t)
		page := get(t, client, srv.URL+"/auth/login")
		resp := submitLogin(t, client, page, "acme-admin", "not-the-password")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), "Invalid username or password") {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
		if r := getResp(t, client, srv.URL+"/api/v1/session"); r.StatusCode != 401 {
			t.Fatalf("session after a failed login: %d", r.StatusCode)
		}
	})

	t.Run("a forged callback is refused and audited", func(t *testing.T) {
		client := newBrowser(t)
		_ = get(t, client, srv.URL+"/auth/login") // sets the login cookie
		r := getResp(t, client, srv.URL+"/auth/callback?code=forged&state=forged")
		if r.StatusCode != 401 {
			t.Fatalf("forged callback: %d", r.StatusCode)
		}
		found := false
		must(t, f.DB.ExportAudit(t.Context(), func(e posture.AuditEntry) error {
			found = found || (e.Action == "auth.login_failed" && strings.Contains(e.After, "state"))
			return nil
		}))
		if !found {
			t.Fatal("failed login not audited")
		}
	})

	t.Run("logout ends the session here and at the provider", func(t *testing.T) {
		client := newBrowser(t)
		body := login(t, client, srv.URL, "acme-operator", "palisade-demo")
		var sess struct {
			CSRFToken string `json:"csrf_token"`
		}
		must(t, json.Unmarshal([]byte(body), &sess))
		req, _ := http.NewRequest("DELETE", srv.URL+"/api/v1/session", nil)
		req.Header.Set("X-CSRF-Token", sess.CSRFToken)
		resp, err := client.Do(req)
		must(t, err)
		var out struct {
			LogoutURL string `json:"logout_url"`
		}
		must(t, json.NewDecoder(resp.Body).Decode(&out))
		resp.Body.Close()
		if !strings.HasPrefix(out.LogoutURL, issuer) || !strings.Contains(out.LogoutURL, "id_token_hint=") {
			t.Fatalf("logout url: %q", out.LogoutURL)
		}
		if r := getResp(t, client, srv.URL+"/api/v1/session"); r.StatusCode != 401 {
			t.Fatalf("session after logout: %d", r.StatusCode)
		}
	})

	// Runs last: it removes a mapping the other subtests use.
	t.Run("deleting a role mapping takes its role from a signed-in member at once", func(t *testing.T) {
		client := newBrowser(t)
		_ = login(t, client, srv.URL, "acme-operator", "palisade-demo")
		roles := func() string {
			var sess struct{ Tenants []struct{ Slug, Role string } }
			must(t, json.Unmarshal([]byte(get(t, client, srv.URL+"/api/v1/session").body), &sess))
			return fmt.Sprint(sess.Tenants)
		}
		if got := roles(); got != "[{acme operator}]" {
			t.Fatalf("before: %s", got)
		}
		mappings, err := f.DB.ListRoleMappings(t.Context(), f.Acme.Tenant.ID)
		must(t, err)
		for _, m := range mappings {
			if m.ClaimValue == "acme:operator" {
				_, err := f.DB.DeleteRoleMapping(t.Context(), f.Acme.Tenant.ID, m.ID)
				must(t, err)
			}
		}
		if got := roles(); got != "[]" {
			t.Fatalf("the same session after the mapping went: %s, want no tenant", got)
		}
	})
}

func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	must(t, err)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// login follows the whole flow and returns the body of GET /api/v1/session it lands on.
func login(t *testing.T, client *http.Client, base, user, password string) string {
	t.Helper()
	page := get(t, client, base+"/auth/login?return_to=/api/v1/session")
	resp := submitLogin(t, client, page, user, password)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/api/v1/session" {
		t.Fatalf("login of %s landed on %s with %d: %.300s", user, resp.Request.URL, resp.StatusCode, b)
	}
	return string(b)
}

type loginPage struct {
	url  *url.URL
	body string
}

var formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)

func submitLogin(t *testing.T, client *http.Client, page loginPage, user, password string) *http.Response {
	t.Helper()
	m := formAction.FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, `name="username"`) {
		t.Fatalf("no login form at %s: %.300s", page.url, page.body)
	}
	action, err := page.url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	must(t, err)
	resp, err := client.PostForm(action.String(), url.Values{"username": {user}, "password": {password}})
	must(t, err)
	return resp
}

func get(t *testing.T, client *http.Client, u string) loginPage {
	t.Helper()
	resp := getResp(t, client, u)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return loginPage{url: resp.Request.URL, body: string(b)}
}

func getResp(t *testing.T, client *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := client.Get(u)
	must(t, err)
	return resp
}
