package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/palisade-dev/palisade/backend/posture"
)

const (
	testClientID = "palisade"
	// Long enough to be a valid HS256 key, so the HS256 test really signs with it.
	testSecret   = "client-secret-0123456789abcdef0123456789abcdef"
	testCode     = "auth-code-4f1b2c"
	testRedirect = "http://127.0.0.1:8080/auth/callback"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeIdP is a minimal OpenID provider: discovery, JWKS (one RSA and one EC key) and a
// token endpoint whose response each test sets.
type fakeIdP struct {
	t      *testing.T
	srv    *httptest.Server
	rsaKey *rsa.PrivateKey
	ecKey  *ecdsa.PrivateKey
	disco  map[string]any // edited by tests before New

	mu        sync.Mutex
	tokenResp func(w http.ResponseWriter)
	form      url.Values // last token request
	basicUser string
	basicPass string
}

func newFakeIdP(t *testing.T) *fakeIdP {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIdP{t: t, rsaKey: rk, ecKey: ek}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, f.disco)
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &rk.PublicKey, KeyID: "rsa1", Algorithm: "RS256", Use: "sig"},
			{Key: &ek.PublicKey, KeyID: "ec1", Algorithm: "ES256", Use: "sig"},
		}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.form = r.PostForm
		f.basicUser, f.basicPass, _ = r.BasicAuth()
		resp := f.tokenResp
		f.mu.Unlock()
		if resp == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "server_error"})
			return
		}
		resp(w)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	u := f.srv.URL
	f.disco = map[string]any{
		"issuer":                           u,
		"authorization_endpoint":           u + "/authorize",
		"token_endpoint":                   u + "/token",
		"jwks_uri":                         u + "/jwks",
		"response_types_supported":         []string{"code"},
		"code_challenge_methods_supported": []string{"S256"},
		// HS256 and none are advertised on purpose: New must not honour them.
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "HS256", "none"},
	}
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// provider discovers f with the fixed test clock.
func (f *fakeIdP) provider(mod func(*Config)) *Provider {
	f.t.Helper()
	cfg := Config{
		IssuerURL:    f.srv.URL,
		ClientID:     testClientID,
		ClientSecret: testSecret,
		RedirectURL:  testRedirect,
		HTTPClient:   f.srv.Client(),
		Now:          func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(f.t.Context(), cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return p
}

// respond makes the token endpoint answer with status and a JSON body.
func (f *fakeIdP) respond(status int, body any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenResp = func(w http.ResponseWriter) { writeJSON(w, status, body) }
}

func (f *fakeIdP) respondRaw(fn func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenResp = fn
}

func (f *fakeIdP) lastRequest() (url.Values, string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.form, f.basicUser, f.basicPass
}

// claims are valid ID token claims for nonce at testNow.
func (f *fakeIdP) claims(nonce string) map[string]any {
	return map[string]any{
		"iss":                f.srv.URL,
		"sub":                "user-123",
		"aud":                testClientID,
		"exp":                testNow.Add(time.Hour).Unix(),
		"iat":                testNow.Add(-time.Minute).Unix(),
		"nonce":              nonce,
		"email":              "ada@example.com",
		"email_verified":     true,
		"name":               "Ada Lovelace",
		"preferred_username": "ada",
		"groups":             []string{"platform-admins", "developers"},
	}
}

// sign returns a compact JWS of claims signed with key under alg and kid.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned hand-builds an alg "none" JWT (empty signature).
func unsigned(t *testing.T, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": "rsa1"})
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(p) + "."
}

// wantErr asserts err is a domain error with code and a message containing fragment,
// and that nothing secret leaks into its full text.
func wantErr(t *testing.T, err error, code, fragment string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error containing %q, got nil", code, fragment)
	}
	if got := posture.ErrorCode(err); got != code {
		t.Fatalf("code = %q, want %q (err: %v)", got, code, err)
	}
	if msg := posture.ErrorMessage(err); !strings.Contains(msg, fragment) {
		t.Fatalf("message = %q, want it to contain %q", msg, fragment)
	}
	for _, s := range append(secrets, testSecret, testCode) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
}

// tokenBody is a successful token response carrying idToken.
func tokenBody(idToken string) map[string]any {
	return map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken}
}
