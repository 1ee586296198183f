package config

import (
	"fmt"
	"net/url"
	"time"
)

// Auth configures sign-in and who gets which role.
type Auth struct {
	OIDC OIDC `yaml:"oidc"`
	// SessionIdle ends a session unused this long; SessionAbsolute ends any session this
	// long after login.
	SessionIdle     time.Duration `yaml:"session_idle"`
	SessionAbsolute time.Duration `yaml:"session_absolute"`
	// RoleMappings are created in the database at start (if absent); more can be added
	// through the API.
	RoleMappings []RoleMapping `yaml:"role_mappings"`
}

// OIDC names the identity provider. Login is off while Issuer is empty.
type OIDC struct {
	Issuer       string   `yaml:"issuer"`
	ClientID     string   `yaml:"client_id"`
	ClientSecret Secret   `yaml:"client_secret"`
	RedirectURL  string   `yaml:"redirect_url"` // default: server.public_url + /auth/callback
	GroupsClaim  string   `yaml:"groups_claim"` // default: groups
	Scopes       []string `yaml:"scopes"`       // default: openid profile email groups
}

// RoleMapping grants Role in Tenant to members of Group (a value of the groups claim).
type RoleMapping struct {
	Tenant string `yaml:"tenant"`
	Group  string `yaml:"group"`
	Role   string `yaml:"role"`
}

// TenantSpec declares a tenant with its targets.
type TenantSpec struct {
	Slug string `yaml:"slug"`
	Name string `yaml:"name"`
	// DefaultRole is granted to every signed-in user that no group maps in this tenant;
	// empty means none.
	DefaultRole string   `yaml:"default_role"`
	Targets     []Target `yaml:"targets"`
	// TrustPolicyFile is the tenant's image trust policy as a JSON file (docs/imagetrust.md),
	// applied at start-up: policy as code. Empty: the policy is managed through the API.
	TrustPolicyFile string `yaml:"trust_policy_file"`
}

var roles = map[string]bool{"admin": true, "security-manager": true, "operator": true, "auditor": true, "viewer": true}

// AllTenants lists the declared tenants: the tenants list, and the top-level tenant with
// its targets (the single-tenant shorthand) when it has targets or nothing else is declared.
func (c Config) AllTenants() []TenantSpec {
	out := append([]TenantSpec(nil), c.Tenants...)
	if len(c.Targets) > 0 || len(out) == 0 {
		dup := false
		for _, t := range out {
			dup = dup || t.Slug == c.Tenant
		}
		if !dup {
			out = append([]TenantSpec{{Slug: c.Tenant, Name: c.Tenant, Targets: c.Targets}}, out...)
		}
	}
	return out
}

// RedirectURL is where the identity provider returns the browser.
func (c Config) RedirectURL() string {
	if c.Auth.OIDC.RedirectURL != "" {
		return c.Auth.OIDC.RedirectURL
	}
	return c.PublicURL() + "/auth/callback"
}

// PublicURL is how browsers reach the server: server.public_url, or the listen address.
func (c Config) PublicURL() string {
	if c.Server.PublicURL != "" {
		return trimSlash(c.Server.PublicURL)
	}
	scheme := "http"
	if c.Server.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + c.Server.Listen
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

func (c Config) validateAuth(bad func(key, format string, args ...any)) {
	a := c.Auth
	if a.SessionIdle < time.Minute {
		bad("auth.session_idle", "must be at least 1m, got %s", a.SessionIdle)
	}
	if a.SessionAbsolute < a.SessionIdle {
		bad("auth.session_absolute", "must be at least auth.session_idle (%s), got %s", a.SessionIdle, a.SessionAbsolute)
	}
	if a.OIDC.Issuer != "" {
		if u, err := url.Parse(a.OIDC.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("auth.oidc.issuer", "must be an http(s) URL, got %q", a.OIDC.Issuer)
		}
		if a.OIDC.ClientID == "" {
			bad("auth.oidc.client_id", "is required when auth.oidc.issuer is set")
		}
		if err := a.OIDC.ClientSecret.Check(); err != nil {
			bad("auth.oidc.client_secret", "%v", err)
		}
	}
	if a.OIDC.RedirectURL != "" {
		if u, err := url.Parse(a.OIDC.RedirectURL); err != nil || u.Host == "" {
			bad("auth.oidc.redirect_url", "must be an absolute URL, got %q", a.OIDC.RedirectURL)
		}
	}
	tenants := map[string]bool{}
	for _, t := range c.AllTenants() {
		tenants[t.Slug] = true
	}
	for i, m := range a.RoleMappings {
		key := fmt.Sprintf("auth.role_mappings[%d]", i)
		if !tenants[m.Tenant] {
			bad(key+".tenant", "names no declared tenant: %q", m.Tenant)
		}
		if m.Group == "" || len(m.Group) > 256 {
			bad(key+".group", "must be 1-256 characters")
		}
		if !roles[m.Role] {
			bad(key+".role", "must be admin, security-manager, operator, auditor or viewer, got %q", m.Role)
		}
	}
}
