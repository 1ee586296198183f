// Package oidc is Palisade's OpenID Connect relying party: it discovers the identity
// provider, builds the login redirect (state, nonce, PKCE S256), exchanges the code and
// verifies the ID token. It knows nothing about HTTP routing or sessions.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/palisade-dev/palisade/backend/posture"
)

const (
	// DefaultTimeout bounds every request to the provider when Config.HTTPClient has none.
	DefaultTimeout = 10 * time.Second
	// MaxTokenResponse bounds the token endpoint's response body and the ID token.
	MaxTokenResponse = 64 << 10
	// maxMetadataResponse bounds discovery and JWKS documents.
	maxMetadataResponse = 1 << 20
	randomBytes         = 32
)

// DefaultScopes are requested when Config.Scopes is empty.
var DefaultScopes = []string{gooidc.ScopeOpenID, "profile", "email", "groups"}

// allowedAlgs are the asymmetric JWS algorithms accepted for ID tokens. Symmetric (HS*)
// algorithms would let anyone holding the client secret mint tokens; "none" is unsigned.
var allowedAlgs = []string{
	gooidc.RS256, gooidc.RS384, gooidc.RS512,
	gooidc.ES256, gooidc.ES384, gooidc.ES512,
	gooidc.PS256, gooidc.PS384, gooidc.PS512,
	gooidc.EdDSA,
}

// Config configures the relying party.
type Config struct {
	IssuerURL    string
	ClientID     string
	ClientSecret string
	RedirectURL  string   // e.g. http://127.0.0.1:8080/auth/callback
	Scopes       []string // default DefaultScopes; "openid" is always added
	GroupsClaim  string   // default "groups"; an array of strings or a single string
	HTTPClient   *http.Client
	Now          func() time.Time // for tests; default time.Now
}

// Provider is a discovered identity provider. It is safe for concurrent use.
type Provider struct {
	cfg         Config
	provider    *gooidc.Provider
	verifier    *gooidc.IDTokenVerifier
	oauth       oauth2.Config
	tokenClient *http.Client // bounded to MaxTokenResponse
	algs        []string
	endSession  string // "" when the provider advertises no RP-initiated logout
	groupsClaim string
}

// LoginRequest is a login in progress. The caller keeps State, Nonce and Verifier
// server-side (or in a sealed cookie) and redirects the browser to URL.
type LoginRequest struct {
	URL      string
	State    string
	Nonce    string
	Verifier string
}

// discovery holds the metadata fields go-oidc does not expose.
type discovery struct {
	AuthURL           string   `json:"authorization_endpoint"`
	TokenURL          string   `json:"token_endpoint"`
	JWKSURL           string   `json:"jwks_uri"`
	EndSessionURL     string   `json:"end_session_endpoint"`
	Algorithms        []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods  []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeAlgs []string `json:"code_challenge_methods_supported"`
}

// New discovers the provider at cfg.IssuerURL. It fails when the issuer is unreachable,
// its discovery document is invalid or names a different issuer.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.IssuerURL == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, posture.Errorf(posture.EINVALID, "oidc: issuer URL, client ID and redirect URL are required")
	}
	if err := checkAbsURL(cfg.IssuerURL); err != nil {
		return nil, posture.WrapError(posture.EINVALID, err, "oidc: issuer URL %q is not an absolute http(s) URL", cfg.IssuerURL)
	}
	if err := checkAbsURL(cfg.RedirectURL); err != nil {
		return nil, posture.WrapError(posture.EINVALID, err, "oidc: redirect URL %q is not an absolute http(s) URL", cfg.RedirectURL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	groupsClaim := cfg.GroupsClaim
	if groupsClaim == "" {
		groupsClaim = "groups"
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	if !slices.Contains(scopes, gooidc.ScopeOpenID) {
		scopes = append([]string{gooidc.ScopeOpenID}, scopes...)
	}
	scopes = slices.Clone(scopes)

	metaClient := boundedClient(cfg.HTTPClient, maxMetadataResponse)
	gp, err := gooidc.NewProvider(gooidc.ClientContext(ctx, metaClient), cfg.IssuerURL)
	if err != nil {
		var mismatch *gooidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return nil, posture.WrapError(posture.EINVALID, err,
				"oidc: the discovery document names issuer %q, not the configured %q (check for a trailing slash)",
				mismatch.Discovered, mismatch.Provided)
		}
		return nil, posture.WrapError(posture.EINVALID, err, "oidc: cannot discover the identity provider at %q", cfg.IssuerURL)
	}
	var d discovery
	if err := gp.Claims(&d); err != nil {
		return nil, posture.WrapError(posture.EINVALID, err, "oidc: cannot parse the discovery document of %q", cfg.IssuerURL)
	}
	for name, u := range map[string]string{
		"authorization_endpoint": d.AuthURL, "token_endpoint": d.TokenURL, "jwks_uri": d.JWKSURL,
	} {
		if err := checkAbsURL(u); err != nil {
			return nil, posture.WrapError(posture.EINVALID, err, "oidc: the discovery document of %q has no valid %s", cfg.IssuerURL, name)
		}
	}
	if len(d.CodeChallengeAlgs) > 0 && !slices.Contains(d.CodeChallengeAlgs, "S256") {
		return nil, posture.Errorf(posture.EINVALID, "oidc: the identity provider at %q does not support PKCE with S256", cfg.IssuerURL)
	}

	// Honour the provider's advertised algorithms, but only the asymmetric ones.
	var algs []string
	for _, a := range d.Algorithms {
		if slices.Contains(allowedAlgs, a) && !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		algs = []string{gooidc.RS256} // the one algorithm OIDC makes mandatory
	}

	endSession := d.EndSessionURL
	if checkAbsURL(endSession) != nil {
		endSession = "" // unusable; logout then stays local
	}

	endpoint := gp.Endpoint()
	// Choose the auth style from discovery rather than letting oauth2 probe, which
	// would send the one-time code twice after a failure.
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	if cfg.ClientSecret == "" { // public client: client_id in the form, PKCE is the proof
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	} else if len(d.TokenAuthMethods) > 0 && !slices.Contains(d.TokenAuthMethods, "client_secret_basic") &&
		slices.Contains(d.TokenAuthMethods, "client_secret_post") {
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}

	return &Provider{
		cfg:      cfg,
		provider: gp,
		verifier: gp.Verifier(&gooidc.Config{
			ClientID:             cfg.ClientID,
			SupportedSigningAlgs: algs,
			Now:                  cfg.Now,
		}),
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       scopes,
		},
		tokenClient: boundedClient(cfg.HTTPClient, MaxTokenResponse),
		algs:        algs,
		endSession:  endSession,
		groupsClaim: groupsClaim,
	}, nil
}

// Start begins a login with fresh random state, nonce and PKCE verifier.
func (p *Provider) Start() (LoginRequest, error) {
	var vals [3]string
	for i := range vals {
		v, err := randomString()
		if err != nil {
			return LoginRequest{}, posture.WrapError(posture.EINTERNAL, err, "cannot generate login parameters")
		}
		vals[i] = v
	}
	state, nonce, verifier := vals[0], vals[1], vals[2]
	u := p.oauth.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return LoginRequest{URL: u, State: state, Nonce: nonce, Verifier: verifier}, nil
}

// CheckState compares the callback's state with the one stored at Start, in constant
// time. Empty values never match.
func CheckState(got, want string) error {
	if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return posture.Errorf(posture.EUNAUTHORIZED, "the login state does not match; start the login again")
	}
	return nil
}

// EndSessionURL is the provider's RP-initiated logout URL, or "" when the provider
// advertises no end_session_endpoint.
func (p *Provider) EndSessionURL(idTokenHint, postLogoutRedirectURL string) string {
	if p.endSession == "" {
		return ""
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if postLogoutRedirectURL != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirectURL)
	}
	q.Set("client_id", p.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomString() (string, error) {
	b := make([]byte, randomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func checkAbsURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("want an absolute http or https URL")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return errors.New("URL contains whitespace")
	}
	return nil
}
