package oidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/palisade-dev/palisade/backend/posture"
)

func TestFinishVerifiesIDToken(t *testing.T) {
	f := newFakeIdP(t)
	p := f.provider(nil)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rs := func(c map[string]any) string { return sign(t, jose.RS256, f.rsaKey, "rsa1", c) }
	long := strings.Repeat("g", maxGroupLen+1)

	tests := []struct {
		name   string
		mutate func(c map[string]any)
		sign   func(c map[string]any) string
		check  func(t *testing.T, id *Identity) // for successes
		frag   string                           // for failures
	}{
		{name: "valid RS256 with groups", check: func(t *testing.T, id *Identity) {
			if id.Issuer != f.srv.URL || id.Subject != "user-123" || id.Email != "ada@example.com" ||
				!id.EmailVerified || id.Name != "Ada Lovelace" || id.Username != "ada" {
				t.Fatalf("identity = %+v", id)
			}
			if !slices.Equal(id.Groups, []string{"platform-admins", "developers"}) {
				t.Fatalf("groups = %q", id.Groups)
			}
			if !id.Expiry.Equal(testNow.Add(time.Hour)) || id.RawIDToken == "" {
				t.Fatalf("expiry = %v, raw set = %v", id.Expiry, id.RawIDToken != "")
			}
		}},
		{name: "valid ES256", sign: func(c map[string]any) string { return sign(t, jose.ES256, f.ecKey, "ec1", c) },
			check: func(t *testing.T, id *Identity) {
				if id.Subject != "user-123" {
					t.Fatalf("subject = %q", id.Subject)
				}
			}},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = testNow.Add(-time.Second).Unix() },
			frag: "the ID token has expired"},
		{name: "not yet valid", mutate: func(c map[string]any) { c["nbf"] = testNow.Add(time.Hour).Unix() },
			frag: "not valid yet"},
		{name: "wrong audience", mutate: func(c map[string]any) { c["aud"] = "someone-else" },
			frag: "issued for a different client"},
		{name: "extra audience without azp", mutate: func(c map[string]any) { c["aud"] = []string{testClientID, "other"} },
			frag: "issued for a different client"},
		{name: "azp names another client", mutate: func(c map[string]any) { c["azp"] = "other" },
			frag: "issued for a different client"},
		{name: "wrong issuer", mutate: func(c map[string]any) { c["iss"] = "https://evil.example.com" },
			frag: "issued by a different provider"},
		{name: "bad signature, same kid", sign: func(c map[string]any) string { return sign(t, jose.RS256, otherKey, "rsa1", c) },
			frag: "signature is invalid"},
		{name: "alg none", sign: func(c map[string]any) string { return unsigned(t, c) },
			frag: "algorithm that is not allowed"},
		{name: "HS256 with the client secret", sign: func(c map[string]any) string { return sign(t, jose.HS256, []byte(testSecret), "rsa1", c) },
			frag: "algorithm that is not allowed"},
		{name: "missing nonce", mutate: func(c map[string]any) { delete(c, "nonce") }, frag: "has no nonce"},
		{name: "wrong nonce", mutate: func(c map[string]any) { c["nonce"] = "another-login" }, frag: "nonce does not match"},
		{name: "missing subject", mutate: func(c map[string]any) { delete(c, "sub") }, frag: "has no subject"},
		{name: "at_hash mismatch", mutate: func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" },
			frag: "does not match the access token"},
		{name: "groups as a single string", mutate: func(c map[string]any) { c["groups"] = "platform-admins" },
			check: func(t *testing.T, id *Identity) {
				if !slices.Equal(id.Groups, []string{"platform-admins"}) {
					t.Fatalf("groups = %q", id.Groups)
				}
			}},
		{name: "groups absent", mutate: func(c map[string]any) { delete(c, "groups") },
			check: func(t *testing.T, id *Identity) {
				if id.Groups != nil {
					t.Fatalf("groups = %q, want nil", id.Groups)
				}
			}},
		{name: "groups filtered and capped", mutate: func(c map[string]any) {
			g := []any{1, "ok", map[string]any{"x": 1}, long, "", nil, true}
			for i := range 300 {
				g = append(g, fmt.Sprintf("g%d", i))
			}
			c["groups"] = g
		}, check: func(t *testing.T, id *Identity) {
			if len(id.Groups) != maxGroups || id.Groups[0] != "ok" || id.Groups[1] != "g0" || slices.Contains(id.Groups, long) {
				t.Fatalf("len(groups) = %d, first = %q", len(id.Groups), id.Groups[:2])
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			login, err := p.Start()
			if err != nil {
				t.Fatal(err)
			}
			c := f.claims(login.Nonce)
			if tc.mutate != nil {
				tc.mutate(c)
			}
			signFn := rs
			if tc.sign != nil {
				signFn = tc.sign
			}
			raw := signFn(c)
			f.respond(http.StatusOK, tokenBody(raw))
			id, err := p.Finish(t.Context(), testCode, login.Verifier, login.Nonce)
			if tc.check != nil {
				if err != nil {
					t.Fatalf("Finish: %v", err)
				}
				tc.check(t, id)
				return
			}
			if id != nil {
				t.Fatalf("got identity %+v, want error", id)
			}
			wantErr(t, err, posture.EUNAUTHORIZED, tc.frag, raw, login.Verifier)
		})
	}
}

// go-oidc's own verifier must reject unsigned and HMAC tokens even without checkAlg.
func TestLibraryVerifierRejectsNoneAndHS256(t *testing.T) {
	f := newFakeIdP(t)
	p := f.provider(nil)
	if slices.Contains(p.algs, "none") || slices.Contains(p.algs, "HS256") {
		t.Fatalf("algs = %q, must not include none or HS256 although discovery advertises them", p.algs)
	}
	c := f.claims("n")
	for name, raw := range map[string]string{
		"none":  unsigned(t, c),
		"HS256": sign(t, jose.HS256, []byte(testSecret), "rsa1", c),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.verifier.Verify(t.Context(), raw)
			if err == nil || !strings.Contains(err.Error(), "malformed jwt") {
				t.Fatalf("go-oidc Verify = %v, want a malformed jwt error", err)
			}
		})
	}
}

func TestVerifyBounds(t *testing.T) {
	f := newFakeIdP(t)
	p := f.provider(nil)
	t.Run("oversized ID token", func(t *testing.T) {
		c := f.claims("n")
		c["pad"] = strings.Repeat("x", MaxTokenResponse)
		_, err := p.Verify(t.Context(), sign(t, jose.RS256, f.rsaKey, "rsa1", c), "n")
		wantErr(t, err, posture.EUNAUTHORIZED, "the ID token is too large")
	})
	t.Run("empty wanted nonce", func(t *testing.T) {
		c := f.claims("")
		_, err := p.Verify(t.Context(), sign(t, jose.RS256, f.rsaKey, "rsa1", c), "")
		wantErr(t, err, posture.EUNAUTHORIZED, "no nonce")
	})
	t.Run("garbage", func(t *testing.T) {
		_, err := p.Verify(t.Context(), "not-a-jwt", "n")
		wantErr(t, err, posture.EUNAUTHORIZED, "the ID token is malformed")
	})
	t.Run("custom groups claim", func(t *testing.T) {
		p := f.provider(func(c *Config) { c.GroupsClaim = "roles" })
		c := f.claims("n")
		c["roles"] = []string{"auditor"}
		id, err := p.Verify(t.Context(), sign(t, jose.RS256, f.rsaKey, "rsa1", c), "n")
		if err != nil || !slices.Equal(id.Groups, []string{"auditor"}) {
			t.Fatalf("Verify = %+v, %v", id, err)
		}
	})
}

func TestTokenEndpointFailures(t *testing.T) {
	f := newFakeIdP(t)
	p := f.provider(nil)
	finish := func(t *testing.T) error {
		login, err := p.Start()
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Finish(t.Context(), testCode, login.Verifier, login.Nonce)
		return err
	}
	t.Run("invalid_grant", func(t *testing.T) {
		f.respond(http.StatusBadRequest, map[string]string{
			"error": "invalid_grant", "error_description": "code " + testCode + " was already used",
		})
		err := finish(t)
		wantErr(t, err, posture.EUNAUTHORIZED, "the identity provider rejected the login: invalid_grant")
		if posture.ErrorMessage(err) != "the identity provider rejected the login: invalid_grant" {
			t.Fatalf("message = %q", posture.ErrorMessage(err))
		}
	})
	t.Run("error code with injected text", func(t *testing.T) {
		f.respond(http.StatusBadRequest, map[string]string{"error": "bad <script> " + testCode})
		wantErr(t, finish(t), posture.EUNAUTHORIZED, "rejected the login: unknown_error")
	})
	t.Run("error without code", func(t *testing.T) {
		f.respondRaw(func(w http.ResponseWriter) { http.Error(w, "echo "+testCode, http.StatusBadGateway) })
		wantErr(t, finish(t), posture.EUNAUTHORIZED, "rejected the login (HTTP 502)")
	})
	t.Run("huge body", func(t *testing.T) {
		f.respondRaw(func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"`))
			chunk := []byte(strings.Repeat("a", 32<<10))
			for range 64 { // 2 MiB, streamed without Content-Length
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			_, _ = w.Write([]byte(`"}`))
		})
		wantErr(t, finish(t), posture.EUNAUTHORIZED, "token response is too large")
	})
	t.Run("no id_token", func(t *testing.T) {
		f.respond(http.StatusOK, map[string]any{"access_token": "at", "token_type": "Bearer"})
		wantErr(t, finish(t), posture.EUNAUTHORIZED, "returned no ID token")
	})
	t.Run("empty code", func(t *testing.T) {
		_, err := p.Finish(t.Context(), "", "v", "n")
		wantErr(t, err, posture.EUNAUTHORIZED, "no authorization code")
	})
}

func TestStartAndExchangeUsePKCE(t *testing.T) {
	f := newFakeIdP(t)
	p := f.provider(nil)
	login, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"state": login.State, "nonce": login.Nonce, "verifier": login.Verifier} {
		if b, err := base64.RawURLEncoding.DecodeString(v); err != nil || len(b) < 32 {
			t.Fatalf("%s %q is not base64url of >= 32 bytes", name, v)
		}
	}
	again, _ := p.Start()
	if again.State == login.State || again.Nonce == login.Nonce || again.Verifier == login.Verifier {
		t.Fatal("Start repeated a random value")
	}

	u, err := url.Parse(login.URL)
	if err != nil || u.Scheme+"://"+u.Host+u.Path != f.srv.URL+"/authorize" {
		t.Fatalf("URL = %q", login.URL)
	}
	q := u.Query()
	sum := sha256.Sum256([]byte(login.Verifier))
	want := map[string]string{
		"response_type":         "code",
		"client_id":             testClientID,
		"redirect_uri":          testRedirect,
		"scope":                 "openid profile email groups",
		"state":                 login.State,
		"nonce":                 login.Nonce,
		"code_challenge_method": "S256",
		"code_challenge":        base64.RawURLEncoding.EncodeToString(sum[:]),
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("code_verifier") {
		t.Error("the authorize URL must not carry the verifier")
	}

	f.respond(http.StatusOK, tokenBody(sign(t, jose.RS256, f.rsaKey, "rsa1", f.claims(login.Nonce))))
	if _, err := p.Finish(t.Context(), testCode, login.Verifier, login.Nonce); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	form, user, pass := f.lastRequest()
	wantForm := map[string]string{
		"grant_type":    "authorization_code",
		"code":          testCode,
		"code_verifier": login.Verifier,
		"redirect_uri":  testRedirect,
	}
	for k, v := range wantForm {
		if form.Get(k) != v {
			t.Errorf("token request %s = %q, want %q", k, form.Get(k), v)
		}
	}
	if user != testClientID || pass != testSecret || form.Has("client_secret") {
		t.Errorf("client auth: basic user %q, secret in form %v", user, form.Has("client_secret"))
	}

	// A public client (no secret) sends client_id in the form and no basic auth.
	pub := f.provider(func(c *Config) { c.ClientSecret = "" })
	login, _ = pub.Start()
	f.respond(http.StatusOK, tokenBody(sign(t, jose.RS256, f.rsaKey, "rsa1", f.claims(login.Nonce))))
	if _, err := pub.Finish(t.Context(), testCode, login.Verifier, login.Nonce); err != nil {
		t.Fatalf("public Finish: %v", err)
	}
	if form, user, _ := f.lastRequest(); user != "" || form.Get("client_id") != testClientID {
		t.Errorf("public client: basic user %q, form client_id %q", user, form.Get("client_id"))
	}
}

func TestNewFailures(t *testing.T) {
	t.Run("unreachable issuer", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		issuer := srv.URL
		srv.Close()
		_, err := New(t.Context(), Config{IssuerURL: issuer, ClientID: testClientID, RedirectURL: testRedirect})
		wantErr(t, err, posture.EINVALID, "cannot discover the identity provider at \""+issuer+"\"")
	})
	t.Run("issuer mismatch", func(t *testing.T) {
		f := newFakeIdP(t)
		f.disco["issuer"] = f.srv.URL + "/"
		_, err := New(t.Context(), Config{IssuerURL: f.srv.URL, ClientID: testClientID, RedirectURL: testRedirect, HTTPClient: f.srv.Client()})
		wantErr(t, err, posture.EINVALID, "names issuer")
	})
	t.Run("discovery without token endpoint", func(t *testing.T) {
		f := newFakeIdP(t)
		delete(f.disco, "token_endpoint")
		_, err := New(t.Context(), Config{IssuerURL: f.srv.URL, ClientID: testClientID, RedirectURL: testRedirect})
		wantErr(t, err, posture.EINVALID, "no valid token_endpoint")
	})
	t.Run("no S256 support", func(t *testing.T) {
		f := newFakeIdP(t)
		f.disco["code_challenge_methods_supported"] = []string{"plain"}
		_, err := New(t.Context(), Config{IssuerURL: f.srv.URL, ClientID: testClientID, RedirectURL: testRedirect})
		wantErr(t, err, posture.EINVALID, "PKCE with S256")
	})
	t.Run("missing client id", func(t *testing.T) {
		_, err := New(t.Context(), Config{IssuerURL: "https://idp.example.com", RedirectURL: testRedirect})
		wantErr(t, err, posture.EINVALID, "client ID")
	})
}

func TestEndSessionURL(t *testing.T) {
	t.Run("advertised", func(t *testing.T) {
		f := newFakeIdP(t)
		f.disco["end_session_endpoint"] = f.srv.URL + "/logout?tenant=x"
		p := f.provider(nil)
		got, err := url.Parse(p.EndSessionURL("the.id.token", "http://127.0.0.1:8080/"))
		if err != nil || got.Path != "/logout" {
			t.Fatalf("EndSessionURL = %v (%v)", got, err)
		}
		q := got.Query()
		if q.Get("id_token_hint") != "the.id.token" || q.Get("post_logout_redirect_uri") != "http://127.0.0.1:8080/" ||
			q.Get("client_id") != testClientID || q.Get("tenant") != "x" {
			t.Fatalf("query = %v", q)
		}
	})
	t.Run("not advertised", func(t *testing.T) {
		f := newFakeIdP(t)
		if got := f.provider(nil).EndSessionURL("the.id.token", "http://127.0.0.1:8080/"); got != "" {
			t.Fatalf("EndSessionURL = %q, want empty", got)
		}
	})
}

func TestCheckState(t *testing.T) {
	if err := CheckState("abc123", "abc123"); err != nil {
		t.Fatalf("matching state: %v", err)
	}
	for name, pair := range map[string][2]string{
		"mismatch":   {"abc123", "abc124"},
		"prefix":     {"abc", "abc123"},
		"empty got":  {"", "abc123"},
		"empty want": {"abc123", ""},
		"both empty": {"", ""},
	} {
		t.Run(name, func(t *testing.T) {
			wantErr(t, CheckState(pair[0], pair[1]), posture.EUNAUTHORIZED, "login state does not match")
		})
	}
}

func TestBoundedClientDefaults(t *testing.T) {
	if c := boundedClient(nil, 10); c.Timeout != DefaultTimeout {
		t.Fatalf("timeout = %v", c.Timeout)
	}
	base := &http.Client{Timeout: 3 * time.Second}
	if c := boundedClient(base, 10); c.Timeout != 3*time.Second || base.Transport != nil {
		t.Fatalf("timeout = %v; base transport changed: %v", c.Timeout, base.Transport != nil)
	}
}
