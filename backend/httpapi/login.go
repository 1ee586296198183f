package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/oidc"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Login is the OpenID Connect relying party (backend/oidc.Provider).
type Login interface {
	Start() (oidc.LoginRequest, error)
	Finish(ctx context.Context, code, verifier, wantNonce string) (*oidc.Identity, error)
	EndSessionURL(idTokenHint, postLogoutRedirectURL string) string
}

const (
	loginCookie        = "palisade_login"
	loginCookieContext = "oidc-login" // binds the sealed cookie to its purpose
	loginTTL           = 10 * time.Minute
)

// loginState travels in a sealed (AES-GCM) cookie between /auth/login and /auth/callback,
// so any replica can finish a login another started.
type loginState struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	ReturnTo string    `json:"r"`
	Expires  time.Time `json:"e"`
}

// maxReturnTo is api/openapi.yaml's maxLength of return_to.
const maxReturnTo = 2048

// safeReturnTo keeps only a local path: an open redirect would turn the login into a
// phishing tool.
func safeReturnTo(s string) string {
	for _, r := range s {
		// Browsers drop tabs and newlines and read a backslash as a slash: "/\t/evil" is
		// "//evil" to them.
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// loginAllowed applies the per-address rate limit and checks that login is configured.
func (a *api) loginAllowed(c *gin.Context) bool {
	if !a.loginAttempts.allow(addressKey(c.ClientIP())) {
		a.fail(c, errRateLimited)
		return false
	}
	if a.opts.Login == nil {
		a.fail(c, posture.Errorf(EUNAVAILABLE, "login is not configured (auth.oidc.issuer)"))
		return false
	}
	return true
}

func (a *api) startLogin(c *gin.Context) {
	// The route is outside the spec-validated API, so its one parameter's bound (the spec's
	// maxLength) is checked here: the value ends up in a cookie.
	if len(c.Query("return_to")) > maxReturnTo {
		a.fail(c, posture.Errorf(posture.EINVALID, "query parameter \"return_to\" is longer than %d bytes", maxReturnTo))
		return
	}
	if !a.loginAllowed(c) {
		return
	}
	req, err := a.opts.Login.Start()
	if err != nil {
		a.fail(c, err)
		return
	}
	st := loginState{State: req.State, Nonce: req.Nonce, Verifier: req.Verifier,
		ReturnTo: safeReturnTo(c.Query("return_to")), Expires: a.now().Add(loginTTL)}
	raw, _ := json.Marshal(st)
	sealed, err := a.opts.LoginSealer.Seal(raw, loginCookieContext)
	if err != nil {
		a.fail(c, err)
		return
	}
	// SameSite=Lax: the browser sends it on the identity provider's top-level redirect back.
	http.SetCookie(c.Writer, &http.Cookie{Name: loginCookie, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: "/auth/", MaxAge: int(loginTTL.Seconds()), HttpOnly: true, Secure: a.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusFound, req.URL)
}

func (a *api) readLoginState(c *gin.Context) (*loginState, error) {
	bad := posture.Errorf(posture.EUNAUTHORIZED, "the login expired or was started in another browser; start again")
	raw, err := c.Cookie(loginCookie)
	if err != nil {
		return nil, bad
	}
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, bad
	}
	plain, err := a.opts.LoginSealer.Open(sealed, loginCookieContext)
	if err != nil {
		return nil, bad
	}
	var st loginState
	if json.Unmarshal(plain, &st) != nil || a.now().After(st.Expires) {
		return nil, bad
	}
	return &st, nil
}

func (a *api) finishLogin(c *gin.Context) {
	if !a.loginAllowed(c) {
		return
	}
	// The login cookie is single-use whatever happens next.
	http.SetCookie(c.Writer, &http.Cookie{Name: loginCookie, Value: "", Path: "/auth/", MaxAge: -1, HttpOnly: true,
		Secure: a.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	id, st, err := a.verifyCallback(c)
	if err != nil {
		a.record(c, nil, "anonymous", "auth.login_failed", "", "", posture.ErrorMessage(err))
		a.fail(c, err)
		return
	}
	u, bindings, err := a.provision(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	secret := randomSecret(32)
	now := a.now()
	s := &posture.Session{ID: hashSecret(secret), UserID: u.ID, CSRFToken: randomSecret(32), IDTokenHint: id.RawIDToken,
		RemoteIP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 256), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(a.opts.SessionAbsolute)}
	if err := a.opts.Store.CreateSession(c.Request.Context(), s); err != nil {
		a.fail(c, err)
		return
	}
	actor := (&principal{user: u}).actor()
	if len(bindings) == 0 {
		a.record(c, nil, actor, "auth.login", "user:"+u.Subject, "", "no tenant role")
	}
	for _, b := range bindings {
		a.record(c, &b.TenantID, actor, "auth.login", "user:"+u.Subject, "", "role "+string(b.Role))
	}
	if old, err := c.Cookie(a.cookieName()); err == nil && old != "" {
		// A login replaces the browser's previous session rather than leaving it live.
		_ = a.opts.Store.RevokeSession(c.Request.Context(), hashSecret(old))
	}
	a.setSessionCookie(c, secret, int(a.opts.SessionAbsolute.Seconds()))
	c.Redirect(http.StatusFound, st.ReturnTo)
}

func (a *api) verifyCallback(c *gin.Context) (*oidc.Identity, *loginState, error) {
	if e := c.Query("error"); e != "" {
		// Only known OAuth error codes are repeated: the parameter is attacker-supplied text.
		code := "other"
		switch e {
		case "access_denied", "login_required", "interaction_required", "invalid_request", "server_error", "temporarily_unavailable", "consent_required":
			code = e
		}
		return nil, nil, posture.Errorf(posture.EUNAUTHORIZED, "the identity provider refused the login (%s)", code)
	}
	st, err := a.readLoginState(c)
	if err != nil {
		return nil, nil, err
	}
	if err := oidc.CheckState(c.Query("state"), st.State); err != nil {
		return nil, nil, err
	}
	code := c.Query("code")
	if code == "" {
		return nil, nil, posture.Errorf(posture.EUNAUTHORIZED, "the callback carries no authorization code")
	}
	id, err := a.opts.Login.Finish(c.Request.Context(), code, st.Verifier, st.Nonce)
	if err != nil {
		return nil, nil, err
	}
	return id, st, nil
}

// provision creates or refreshes the user and sets their claim-derived roles: each group
// that a tenant maps grants its role there (the strongest wins), and a tenant's default
// role applies to everyone with no mapped group in it.
func (a *api) provision(ctx context.Context, id *oidc.Identity) (*posture.User, []posture.RoleBinding, error) {
	name := id.Name
	if name == "" {
		name = id.Username
	}
	// An unverified e-mail address could be anyone's: it does not name the user in the
	// audit log or in four-eyes checks.
	email := ""
	if id.EmailVerified {
		email = id.Email
	}
	// The identity provider's claims are outside text too: an identifier that is not clean
	// text is refused (cleaning it could make it another user's); display text is cleaned.
	if !posture.TextIsClean(id.Issuer) || !posture.TextIsClean(id.Subject) {
		return nil, nil, posture.Errorf(posture.EUNAUTHORIZED, "the identity provider sent an issuer or subject that is not valid text")
	}
	u := &posture.User{Issuer: id.Issuer, Subject: id.Subject, Email: posture.CleanText(email), DisplayName: posture.CleanText(name)}
	if err := a.opts.Store.UpsertUser(ctx, u); err != nil {
		return nil, nil, err
	}
	groups := make([]string, 0, len(id.Groups))
	for _, g := range id.Groups {
		if posture.TextIsClean(g) { // a group that is not clean text maps to nothing
			groups = append(groups, g)
		}
	}
	mappings, err := a.opts.Store.RoleMappingsFor(ctx, groups)
	if err != nil {
		return nil, nil, err
	}
	best := map[int64]posture.RoleBinding{}
	for _, m := range mappings {
		if cur, ok := best[m.TenantID]; !ok || m.Role.Outranks(cur.Role) {
			best[m.TenantID] = posture.RoleBinding{TenantID: m.TenantID, UserID: u.ID, Role: m.Role, GrantedBy: m.ClaimValue}
		}
	}
	for tenantID, role := range a.opts.DefaultRoles {
		if _, ok := best[tenantID]; !ok {
			best[tenantID] = posture.RoleBinding{TenantID: tenantID, UserID: u.ID, Role: role}
		}
	}
	bindings := make([]posture.RoleBinding, 0, len(best))
	for _, b := range best {
		bindings = append(bindings, b)
	}
	if err := a.opts.Store.SyncClaimRoles(ctx, u.ID, bindings); err != nil {
		return nil, nil, err
	}
	// Hand-granted roles win over claims; report what is in force.
	inForce, err := a.opts.Store.RolesOf(ctx, u.ID)
	return u, inForce, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (a *api) getSession(c *gin.Context) {
	p := c.MustGet(principalKey).(*principal)
	memberships, err := a.memberships(c.Request.Context(), p)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := sessionJSON{Tenants: memberships, Auth: "session"}
	if p.token != nil {
		out.Auth = "token"
		out.User = userJSON{Name: p.token.Name, Subject: "token:" + p.token.Prefix}
	} else {
		out.User = userJSON{ID: p.user.ID, Name: p.user.DisplayName, Email: p.user.Email, Subject: p.user.Subject}
		out.CSRFToken = p.session.CSRFToken
		out.ExpiresAt = &p.session.ExpiresAt
	}
	c.JSON(http.StatusOK, out)
}

// memberships lists the tenants the principal has a role in, by slug.
func (a *api) memberships(ctx context.Context, p *principal) ([]tenantJSON, error) {
	all, err := a.opts.Store.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	out := []tenantJSON{}
	for _, t := range all {
		if role, ok := p.roles[t.ID]; ok {
			out = append(out, membership(t, role))
		}
	}
	return out, nil
}

func (a *api) logout(c *gin.Context) {
	p := c.MustGet(principalKey).(*principal)
	if p.session == nil {
		a.fail(c, posture.Errorf(posture.EINVALID, "API tokens have no session to end; revoke the token instead"))
		return
	}
	if err := a.opts.Store.RevokeSession(c.Request.Context(), p.session.ID); err != nil {
		a.fail(c, err)
		return
	}
	for tenantID := range p.roles {
		a.record(c, &tenantID, p.actor(), "auth.logout", "user:"+p.user.Subject, "", "")
	}
	if len(p.roles) == 0 {
		a.record(c, nil, p.actor(), "auth.logout", "user:"+p.user.Subject, "", "")
	}
	a.setSessionCookie(c, "", -1)
	url := "/"
	if a.opts.Login != nil {
		if u := a.opts.Login.EndSessionURL(p.session.IDTokenHint, a.opts.PublicURL+"/"); u != "" {
			url = u
		}
	}
	c.JSON(http.StatusOK, gin.H{"logout_url": url})
}
