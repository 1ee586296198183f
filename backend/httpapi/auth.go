package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Cookie and header names. Under TLS the session cookie takes the __Host- prefix, which
// browsers only accept with Secure, Path=/ and no Domain: it cannot be set by a subdomain.
const (
	sessionCookie    = "palisade_session"
	sessionCookieTLS = "__Host-palisade_session"
	csrfHeader       = "X-CSRF-Token"
	tokenPrefix      = "pal_"
	principalKey     = "principal"
	// sessionTouchEvery bounds writes: last_seen_at moves at most once a minute per session.
	sessionTouchEvery = time.Minute
)

// principal is who is calling: a browser session of a user, or an API token.
type principal struct {
	session *posture.Session
	user    *posture.User
	token   *posture.APIToken
	roles   map[int64]posture.Role // tenant id -> role
}

// userID is the user behind the principal: the session's, or the one whose role bounds the
// token's; nil for a token nobody bounds.
func (p *principal) userID() *int64 {
	if p.token != nil {
		return p.token.CreatorUserID
	}
	return &p.user.ID
}

// actor names the principal in audit entries and finding history.
func (p *principal) actor() string {
	if p.token != nil {
		return "token:" + p.token.Name
	}
	if p.user.Email != "" {
		return p.user.Email
	}
	return "user:" + p.user.Subject
}

// person is who is accountable for the principal's actions: the user, or the person who
// created the token. The four-eyes rule on exceptions compares persons, so an admin cannot
// approve their own request with a token they made.
func (p *principal) person() string {
	if p.token != nil {
		return p.token.CreatedBy
	}
	return p.actor()
}

// randomSecret returns n random bytes, base64url without padding.
func randomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the platform is broken; nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how session cookies and API tokens are stored: a database copy cannot be
// replayed. The secrets carry 256 bits of entropy, so an unsalted SHA-256 is enough.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (a *api) cookieName() string {
	if a.opts.SecureCookies {
		return sessionCookieTLS
	}
	return sessionCookie
}

func (a *api) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: a.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: a.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// authenticate resolves the caller from a bearer token or the session cookie, and aborts
// with 401 when neither is valid. State-changing requests on a session need the CSRF token.
func (a *api) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		var p *principal
		var err error
		if h := c.GetHeader("Authorization"); h != "" {
			p, err = a.fromToken(c, h)
		} else {
			p, err = a.fromSession(ctx, c)
		}
		if err != nil {
			a.fail(c, err)
			return
		}
		if p.session != nil && !safeMethod(c.Request.Method) {
			got := c.GetHeader(csrfHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.session.CSRFToken)) != 1 {
				a.deny(c, p, nil, "csrf", posture.Errorf(posture.EFORBIDDEN, "missing or wrong %s header", csrfHeader))
				return
			}
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (a *api) fromSession(ctx context.Context, c *gin.Context) (*principal, error) {
	raw, err := c.Cookie(a.cookieName())
	if err != nil || raw == "" {
		return nil, posture.Errorf(posture.EUNAUTHORIZED, "sign in first: no session")
	}
	ended := posture.Errorf(posture.EUNAUTHORIZED, "the session expired or was ended; sign in again")
	// The idle timeout is judged here, with this process's uses not yet written (touches).
	s, err := a.opts.Store.Session(ctx, hashSecret(raw), 0)
	if err != nil {
		// Only a real miss signs the user out; a database that cannot answer is a 503.
		return nil, unlessMiss(err, posture.EUNAUTHORIZED, ended)
	}
	now, last := a.now(), s.LastSeenAt
	if pending := a.touches.lastSession(s.ID); pending.After(last) {
		last = pending
	}
	if a.opts.SessionIdle > 0 && now.Sub(last) > a.opts.SessionIdle {
		return nil, ended
	}
	if now.Sub(last) >= sessionTouchEvery {
		a.touches.session(s.ID, now)
	}
	u, err := a.opts.Store.User(ctx, s.UserID)
	if err != nil {
		return nil, unlessMiss(err, posture.ENOTFOUND, posture.Errorf(posture.EUNAUTHORIZED, "the session's user no longer exists"))
	}
	bindings, err := a.opts.Store.RolesOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p := &principal{session: s, user: u, roles: map[int64]posture.Role{}}
	for _, b := range bindings {
		p.roles[b.TenantID] = b.Role
	}
	return p, nil
}

func (a *api) fromToken(c *gin.Context, header string) (*principal, error) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(tok, tokenPrefix) || len(tok) > 128 {
		return nil, a.tokenRejected(c, "malformed Authorization header: expected Bearer pal_...")
	}
	t, err := a.opts.Store.APITokenByHash(c.Request.Context(), hashSecret(tok))
	if err != nil && posture.ErrorCode(err) != posture.EUNAUTHORIZED {
		return nil, err // the database, not the token: "revoked" would be a lie
	}
	if err != nil || !t.Active(a.now()) {
		return nil, a.tokenRejected(c, "invalid, expired or revoked API token")
	}
	if !a.tokenUse.allow(tokenRateKey(t.ID)) {
		return nil, errRateLimited
	}
	role, err := a.tokenRole(c.Request.Context(), t)
	if err != nil {
		if posture.ErrorCode(err) != posture.EUNAUTHORIZED {
			return nil, err
		}
		return nil, a.tokenRejected(c, posture.ErrorMessage(err))
	}
	// last_used_at is written in the background, at most once a minute: a read must not
	// wait for the write lock.
	if now := a.now(); t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= sessionTouchEvery {
		a.touches.token(t.ID, now)
	}
	return &principal{token: t, roles: map[int64]posture.Role{t.TenantID: role}}, nil
}

// unlessMiss returns miss when err is a miss (its code is missCode), and err otherwise: an
// infrastructure failure keeps its own code (503 unavailable, 500 internal).
func unlessMiss(err error, missCode string, miss error) error {
	if posture.ErrorCode(err) == missCode {
		return miss
	}
	return err
}

// tokenRole is the role a token acts with: its own, but no more than its creator holds in
// the tenant now, so that demoting or removing a person takes their tokens down too.
func (a *api) tokenRole(ctx context.Context, t *posture.APIToken) (posture.Role, error) {
	if t.CreatorUserID == nil {
		return t.Role, nil
	}
	bindings, err := a.opts.Store.RolesOf(ctx, *t.CreatorUserID)
	if err != nil {
		return "", err
	}
	for _, b := range bindings {
		if b.TenantID == t.TenantID {
			if t.Role.Outranks(b.Role) {
				return b.Role, nil
			}
			return t.Role, nil
		}
	}
	return "", posture.Errorf(posture.EUNAUTHORIZED, "the API token's creator no longer has a role in its tenant; an admin must issue a new token")
}

// tokenRejected records a failed token use and rate-limits guessing per client address.
func (a *api) tokenRejected(c *gin.Context, msg string) error {
	if !a.tokenFailures.allow(addressKey(c.ClientIP())) {
		return errRateLimited
	}
	a.record(c, nil, "anonymous", "auth.token_rejected", "", "", msg)
	return posture.Errorf(posture.EUNAUTHORIZED, "%s", msg)
}

// requirePermission resolves the tenant named in the path (a tenant the caller does not
// belong to is "not found", so guessing slugs reveals nothing) and checks the policy.
func (a *api) requirePermission(perm Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := c.MustGet(principalKey).(*principal)
		slug := c.Param("tenant")
		if slug == "" {
			c.Next()
			return
		}
		t, err := a.opts.Store.TenantBySlug(c.Request.Context(), slug)
		if err != nil && posture.ErrorCode(err) != posture.ENOTFOUND {
			a.fail(c, err) // the database could not say: not a "not found"
			return
		}
		role, member := posture.Role(""), false
		if err == nil {
			role, member = p.roles[t.ID]
		}
		if !member {
			a.fail(c, posture.Errorf(posture.ENOTFOUND, "tenant %q not found", slug))
			return
		}
		if !Allowed(role, perm) {
			a.deny(c, p, &t.ID, string(perm), posture.Errorf(posture.EFORBIDDEN, "the %s role may not do this (%s)", role, perm))
			return
		}
		c.Set(tenantKey, &tenantContext{Tenant: *t, Role: role})
		c.Next()
	}
}

// deny answers 403 and records the refusal.
func (a *api) deny(c *gin.Context, p *principal, tenantID *int64, what string, err error) {
	a.record(c, tenantID, p.actor(), "authz.denied", c.Request.Method+" "+c.FullPath(), "", what)
	a.fail(c, err)
}

const tenantKey = "tenant"

type tenantContext struct {
	Tenant posture.Tenant
	Role   posture.Role
}
