package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/oidc"
	"github.com/palisade-dev/palisade/backend/outbox"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
)

// lazyLogin discovers the identity provider on first use and retries after a failure, so
// Palisade starts (and serves API tokens) while the provider is still starting or down.
type lazyLogin struct {
	cfg   oidc.Config
	log   *slog.Logger
	mu    sync.Mutex
	p     *oidc.Provider
	tried time.Time
	err   error
}

func (l *lazyLogin) provider() (*oidc.Provider, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p != nil {
		return l.p, nil
	}
	if time.Since(l.tried) < 5*time.Second && l.err != nil {
		return nil, l.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.tried = time.Now()
	p, err := oidc.New(ctx, l.cfg)
	if err != nil {
		l.log.Warn("identity provider unavailable", "issuer", l.cfg.IssuerURL, "error", err.Error())
		l.err = posture.Errorf(httpapi.EUNAVAILABLE, "the identity provider at %s is unavailable; try again shortly", l.cfg.IssuerURL)
		return nil, l.err
	}
	l.p, l.err = p, nil
	l.log.Info("identity provider discovered", "issuer", l.cfg.IssuerURL)
	return p, nil
}

func (l *lazyLogin) Start() (oidc.LoginRequest, error) {
	p, err := l.provider()
	if err != nil {
		return oidc.LoginRequest{}, err
	}
	return p.Start()
}

func (l *lazyLogin) Finish(ctx context.Context, code, verifier, nonce string) (*oidc.Identity, error) {
	p, err := l.provider()
	if err != nil {
		return nil, err
	}
	return p.Finish(ctx, code, verifier, nonce)
}

func (l *lazyLogin) EndSessionURL(hint, post string) string {
	p, err := l.provider()
	if err != nil {
		return ""
	}
	return p.EndSessionURL(hint, post)
}

// apiOptions wires the API to the database, the identity provider and the scheduler.
func apiOptions(ctx context.Context, db *store.DB, cfg config.Config, sealer *seal.Sealer, sched *schedule.Scheduler, log *slog.Logger) (httpapi.APIOptions, error) {
	opts := httpapi.APIOptions{
		Store: db, Sealer: sealer, CredentialContext: store.TargetCredentialsContext,
		Images: db, Alerts: db, BuildChannel: outbox.SenderFor(outboundPolicy(cfg)), ChannelContext: store.ChannelSecretContext, Tickets: db, TicketSLA: cfg.Tickets.SLA(),
		CheckCredentials: func(kind posture.TargetKind, raw []byte, kctx string) error {
			switch kind {
			case posture.TargetCluster:
				_, err := sources.ParseKubeconfig(raw, kctx, clusterPolicy(cfg))
				return err
			case posture.TargetRegistry:
				return sources.CheckRegistryCredentials(raw)
			}
			return posture.Errorf(posture.EINVALID, "only cluster targets (a kubeconfig) and registry targets take credentials")
		},
		Interval:        func(s string) (time.Duration, error) { return schedule.CheckedInterval(s, time.Now()) },
		ManifestRoots:   cfg.Server.ManifestRoots,
		GroupsClaim:     cfg.Auth.OIDC.GroupsClaim,
		SessionIdle:     cfg.Auth.SessionIdle,
		SessionAbsolute: cfg.Auth.SessionAbsolute,
		PublicURL:       cfg.PublicURL(),
		SecureCookies:   cfg.Server.TLSCertFile != "" || strings.HasPrefix(cfg.PublicURL(), "https://"),
		LoginSealer:     sealer,
	}
	if opts.LoginSealer == nil {
		// Without a configured key, login state is sealed with a key that lives as long as
		// the process: a restart only aborts logins in flight.
		raw, err := seal.GenerateKey()
		if err != nil {
			return opts, err
		}
		k, err := seal.ParseKey(raw)
		if err != nil {
			return opts, err
		}
		opts.LoginSealer = seal.New(k)
	}
	if sched != nil {
		opts.RunNow = sched.RunNow
		opts.TargetChanged = func(t posture.Target, deleted bool) {
			sched.Remove(t, deleted)
			if !deleted && t.Enabled {
				if err := sched.Add(t); err != nil {
					log.Error("cannot schedule target", "target", t.Name, "error", err.Error())
				}
			}
		}
	}
	if cfg.Auth.OIDC.Issuer != "" {
		secret, err := cfg.Auth.OIDC.ClientSecret.Resolve()
		if err != nil {
			return opts, usageError("auth.oidc.client_secret: %v", err)
		}
		opts.Login = &lazyLogin{log: log, cfg: oidc.Config{IssuerURL: cfg.Auth.OIDC.Issuer, ClientID: cfg.Auth.OIDC.ClientID,
			ClientSecret: secret, RedirectURL: cfg.RedirectURL(), Scopes: cfg.Auth.OIDC.Scopes, GroupsClaim: cfg.Auth.OIDC.GroupsClaim}}
	}
	roles, err := syncAccess(ctx, db, cfg)
	if err != nil {
		return opts, err
	}
	opts.DefaultRoles = roles
	return opts, nil
}

// syncAccess makes the declared tenants and role mappings exist and returns each tenant's
// default role.
func syncAccess(ctx context.Context, db *store.DB, cfg config.Config) (map[int64]posture.Role, error) {
	ids := map[string]int64{}
	defaults := map[int64]posture.Role{}
	for _, spec := range cfg.AllTenants() {
		if len(spec.Targets) == 0 && len(cfg.Tenants) == 0 && spec.DefaultRole == "" && !mentioned(cfg, spec.Slug) {
			continue
		}
		ten, err := ensureTenant(ctx, db, spec)
		if err != nil {
			return nil, err
		}
		ids[spec.Slug] = ten.ID
		if spec.DefaultRole != "" {
			defaults[ten.ID] = posture.Role(spec.DefaultRole)
		}
	}
	for _, m := range cfg.Auth.RoleMappings {
		rm := &posture.RoleMapping{TenantID: ids[m.Tenant], ClaimValue: m.Group, Role: posture.Role(m.Role)}
		err := db.CreateRoleMapping(ctx, rm)
		if err != nil && posture.ErrorCode(err) != posture.ECONFLICT {
			return nil, fmt.Errorf("auth.role_mappings (%s in %s): %w", m.Group, m.Tenant, err)
		}
	}
	return defaults, nil
}

func mentioned(cfg config.Config, slug string) bool {
	for _, m := range cfg.Auth.RoleMappings {
		if m.Tenant == slug {
			return true
		}
	}
	return false
}
