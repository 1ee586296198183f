package httpapi

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/seal"
)

// Store is every storage port the API uses; backend/store.DB implements all of them.
type Store interface {
	posture.TenantStore
	posture.TargetStore
	posture.RunStore
	posture.FindingStore
	posture.FindingTriageStore
	posture.ScoreStore
	posture.AssetStore
	posture.AuditLog
	posture.AuditReader
	posture.SessionStore
	posture.TokenStore
	posture.RoleMappingStore
	posture.ExceptionStore
	posture.AttestationStore
	ExportAudit(ctx context.Context, fn func(posture.AuditEntry) error) error
	// CreateSealedTarget creates a target with credentials that seal seals for its new id,
	// in one transaction.
	CreateSealedTarget(ctx context.Context, t *posture.Target, seal func(id int64) ([]byte, error)) error
}

// APIOptions wires the /api/v1 and /auth routes to their dependencies.
type APIOptions struct {
	Store  Store
	Login  Login        // nil: login answers 503 (API tokens still work)
	Sealer *seal.Sealer // credentials; nil: uploads refused
	// LoginSealer protects the login state cookie; it may be an ephemeral key.
	LoginSealer *seal.Sealer
	// CredentialContext binds sealed credentials to their target row (store.TargetCredentialsContext).
	CredentialContext func(targetID int64) string
	// CheckCredentials refuses credentials a collector could not or must not use.
	CheckCredentials func(kind posture.TargetKind, raw []byte, context string) error
	Catalog          *checks.Catalog
	// Tickets keeps remediation tickets; TicketSLA sets due dates (default posture.DefaultSLA).
	Tickets   TicketStore
	TicketSLA posture.SLA
	// Alerts, BuildChannel and ChannelContext serve drift, notification channels and rules.
	Alerts         AlertStore
	BuildChannel   ChannelBuilder
	ChannelContext func(channelID int64) string
	// Images serves image facts and trust policies; nil: those endpoints answer 503.
	Images ImageStore
	// Vulns serves SBOMs, vulnerabilities and VEX statements; nil: those endpoints answer
	// 503. MaxUploadBytes bounds an uploaded SBOM or report (default 64 MiB).
	Vulns          VulnStore
	MaxUploadBytes int64
	// AdvisoryMaxAge is checks.advisory_max_age: feeds older are stale (default 72h). The
	// UI judges freshness by it.
	AdvisoryMaxAge time.Duration
	// RunNow starts a collection of t in the background and returns the run it started.
	RunNow func(ctx context.Context, t posture.Target) (*posture.Run, error)
	// TargetChanged lets the scheduler follow targets created, changed or deleted here.
	TargetChanged func(t posture.Target, deleted bool)
	// Interval is a target schedule's period, for staleness; an error means "unknown".
	Interval func(schedule string) (time.Duration, error)
	// DefaultRoles grant a role per tenant to signed-in users that no group maps there.
	DefaultRoles    map[int64]posture.Role
	GroupsClaim     string
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	PublicURL       string // where the identity provider sends the browser after logout
	SecureCookies   bool   // served over TLS (directly or behind a TLS-terminating proxy)
	// ManifestRoots are the directories API-created manifests targets may read below;
	// none means manifests targets come from the configuration file only.
	ManifestRoots []string
	// LoginBurst is how many login requests (/auth/login and /auth/callback) one client
	// address may make at once; they refill at one per second. Default 30.
	LoginBurst int
	Now        func() time.Time
}

type api struct {
	opts          APIOptions
	log           *slog.Logger
	loginAttempts *keyedLimiter // per client address
	tokenFailures *keyedLimiter // per client address
	tokenUse      *keyedLimiter // per token
	touches       *touches      // last uses of sessions and tokens, written in the background
	remediation   remediationCache
}

// route is one API endpoint and the permission it needs: the policy test walks this table.
type route struct {
	method, path string
	perm         Permission
	handle       gin.HandlerFunc
}

func (a *api) routes() []route {
	const t = "/api/v1/tenants/:tenant"
	return []route{
		{"GET", "/api/v1/session", PermAuthenticated, a.getSession},
		{"DELETE", "/api/v1/session", PermAuthenticated, a.logout},
		{"GET", "/api/v1/overview", PermAuthenticated, a.getOverview},
		{"GET", "/api/v1/checks", PermAuthenticated, a.listChecks},
		{"GET", "/api/v1/tenants", PermAuthenticated, a.listTenants},
		{"GET", "/api/v1/advisories", PermAuthenticated, a.listAdvisoryFeeds},
		{"GET", t, PermRead, a.getTenant},
		{"GET", t + "/targets", PermRead, a.listTargets},
		{"POST", t + "/targets", PermTargetWrite, a.createTarget},
		{"GET", t + "/targets/:id", PermRead, a.getTarget},
		{"PATCH", t + "/targets/:id", PermTargetWrite, a.updateTarget},
		{"DELETE", t + "/targets/:id", PermTargetWrite, a.deleteTarget},
		{"GET", t + "/targets/:id/runs", PermRead, a.listTargetRuns},
		{"POST", t + "/targets/:id/runs", PermRunNow, a.runTargetNow},
		{"GET", t + "/runs/:id", PermRead, a.getRun},
		{"GET", t + "/assets", PermRead, a.listAssets},
		{"GET", t + "/assets/:id", PermRead, a.getAsset},
		{"GET", t + "/findings", PermRead, a.listFindings},
		{"POST", t + "/findings/triage", PermTriage, a.triageFindings},
		{"GET", t + "/findings/:id", PermRead, a.getFinding},
		{"GET", t + "/findings/:id/history", PermRead, a.getFindingHistory},
		{"GET", t + "/scores", PermRead, a.getScores},
		{"GET", t + "/scores/history", PermRead, a.getScoreHistory},
		{"GET", t + "/scores/explain", PermRead, a.explainScore},
		{"GET", t + "/scores/scopes", PermRead, a.listScoreScopes},
		{"GET", t + "/metrics/remediation", PermRead, a.getRemediationMetrics},
		{"GET", t + "/csa", PermRead, a.listRecommendations},
		{"GET", t + "/exceptions", PermRead, a.listExceptions},
		{"POST", t + "/exceptions", PermExceptionAsk, a.requestException},
		{"GET", t + "/exceptions/report", PermRead, a.exceptionReport},
		{"GET", t + "/exceptions/:id", PermRead, a.getException},
		{"POST", t + "/exceptions/:id/decision", PermExceptionRule, a.decideException},
		{"GET", t + "/attestations", PermRead, a.listAttestations},
		{"POST", t + "/attestations", PermAttest, a.createAttestation},
		{"DELETE", t + "/attestations/:id", PermAttest, a.revokeAttestation},
		{"GET", t + "/tickets", PermRead, a.listTickets},
		{"POST", t + "/tickets", PermTriage, a.createTicket},
		{"GET", t + "/tickets/:id", PermRead, a.getTicket},
		{"PATCH", t + "/tickets/:id", PermTriage, a.updateTicket},
		{"POST", t + "/tickets/:id/comments", PermTriage, a.commentTicket},
		{"GET", t + "/drift", PermRead, a.listDrift},
		{"GET", t + "/images", PermRead, a.listImages},
		{"GET", t + "/images/:digest", PermRead, a.getImage},
		{"GET", t + "/images/:digest/sbom", PermRead, a.getImageSBOM},
		{"PUT", t + "/images/:digest/sbom", PermSBOMWrite, a.uploadImageSBOM},
		{"GET", t + "/vulnerabilities", PermRead, a.listVulnerabilities},
		{"GET", t + "/vulnerabilities/:vulnerability", PermRead, a.getVulnerability},
		{"GET", t + "/vex", PermRead, a.listVEX},
		{"POST", t + "/vex", PermExceptionRule, a.createVEX},
		{"DELETE", t + "/vex/:id", PermExceptionRule, a.revokeVEX},
		{"GET", t + "/trust-policy", PermRead, a.getTrustPolicy},
		{"PUT", t + "/trust-policy", PermTrustWrite, a.putTrustPolicy},
		{"GET", t + "/channels", PermRead, a.listChannels},
		{"POST", t + "/channels", PermAlertWrite, a.createChannel},
		{"PATCH", t + "/channels/:id", PermAlertWrite, a.updateChannel},
		{"DELETE", t + "/channels/:id", PermAlertWrite, a.deleteChannel},
		{"POST", t + "/channels/:id/test", PermAlertWrite, a.testChannel},
		{"GET", t + "/alert-rules", PermRead, a.listRules},
		{"POST", t + "/alert-rules", PermAlertWrite, a.createRule},
		{"PATCH", t + "/alert-rules/:id", PermAlertWrite, a.updateRule},
		{"DELETE", t + "/alert-rules/:id", PermAlertWrite, a.deleteRule},
		{"GET", t + "/deliveries", PermRead, a.listDeliveries},
		{"GET", t + "/role-mappings", PermAdminRead, a.listRoleMappings},
		{"POST", t + "/role-mappings", PermAdminWrite, a.createRoleMapping},
		{"DELETE", t + "/role-mappings/:id", PermAdminWrite, a.deleteRoleMapping},
		{"GET", t + "/api-tokens", PermAdminRead, a.listAPITokens},
		{"POST", t + "/api-tokens", PermAdminWrite, a.createAPIToken},
		{"DELETE", t + "/api-tokens/:id", PermAdminWrite, a.revokeAPIToken},
		{"GET", t + "/audit", PermAuditRead, a.listAudit},
		{"GET", t + "/audit/export", PermAuditRead, a.exportAudit},
	}
}

// MountAPI adds the /auth and /api/v1 routes.
func (s *Server) MountAPI(opts APIOptions) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = time.Hour
	}
	if opts.SessionAbsolute <= 0 {
		opts.SessionAbsolute = 12 * time.Hour
	}
	if opts.LoginBurst <= 0 {
		opts.LoginBurst = 30
	}
	if opts.GroupsClaim == "" {
		opts.GroupsClaim = "groups"
	}
	a := &api{opts: opts, log: s.log,
		loginAttempts: newKeyedLimiter(60, opts.LoginBurst, 10000),
		tokenFailures: newKeyedLimiter(10, 10, 10000),
		tokenUse:      newKeyedLimiter(1200, 100, 10000),
	}
	a.touches = newTouches(opts.Store, s.log) // a nil Store (route tests) writes nothing
	s.api = a
	router, err := specRouter()
	if err != nil {
		panic("api/openapi.yaml: " + err.Error()) // embedded and tested: cannot happen in a release
	}
	s.engine.GET("/auth/login", a.startLogin)
	s.engine.GET("/auth/callback", a.finishLogin)
	for _, r := range a.routes() {
		if !strings.Contains(r.path, ":tenant") && r.perm != PermAuthenticated {
			// Permissions are per tenant: a route without one could never be checked.
			panic("route " + r.path + " needs a :tenant to check " + string(r.perm))
		}
		s.engine.Handle(r.method, r.path, noStore, a.refuseBadText, a.authenticate(), a.requirePermission(r.perm), a.validateRequests(router), r.handle)
	}
}

// noStore keeps API answers, which hold tenant data, out of shared and browser caches.
func noStore(c *gin.Context) { c.Header("Cache-Control", "no-store") }

func (a *api) now() time.Time { return a.opts.Now().UTC() }

// fail writes err as the one error shape.
func (a *api) fail(c *gin.Context, err error) { writeError(c, a.log, err) }

// record appends an audit entry for an event that changes nothing else (a login, a refusal),
// or after a change whose store call wrote no entry itself (see audited). A failed append is
// logged loudly.
func (a *api) record(c *gin.Context, tenantID *int64, actor, action, object, before, after string) {
	if err := a.append(c, tenantID, actor, action, object, before, after); err != nil {
		a.log.ErrorContext(c.Request.Context(), "audit append failed", "action", action, "request_id", requestID(c), "error", err.Error())
	}
}

func (a *api) append(c *gin.Context, tenantID *int64, actor, action, object, before, after string) error {
	if a.opts.Store == nil {
		return nil
	}
	return a.opts.Store.Append(context.WithoutCancel(c.Request.Context()), &posture.AuditEntry{
		TenantID: tenantID, Actor: actor, Action: action, Object: object, Before: before, After: after,
		RemoteIP: c.ClientIP(), RequestID: requestID(c), At: a.now(),
	})
}

// audit records an action in the caller's tenant with before/after as JSON, after the fact:
// for actions that store nothing themselves (a test message). A stored change uses audited.
func (a *api) audit(c *gin.Context, action, object string, before, after any) {
	tc := tenantOf(c)
	p := c.MustGet(principalKey).(*principal)
	a.record(c, &tc.Tenant.ID, p.actor(), action, object, jsonString(before), jsonString(after))
}

// auditLine is what an audit entry says about a change.
type auditLine struct {
	object        string
	before, after any
}

// audited returns the context for the one store call that makes a change, so that the store
// writes the change's audit entry in the same transaction (posture.AuditIntent): if the entry
// cannot be written, the change is not made. describe runs inside that transaction, after the
// change, with what the store reported as changed (a value of type R, or R's zero value).
// After the call succeeds, the handler calls settle with the call's result, which appends the
// entry then if no transaction took it (a store without transactions: unit tests' fakes).
func audited[R any](a *api, c *gin.Context, action string, describe func(R) auditLine) (ctx context.Context, settle func(R)) {
	tenantID, actor := tenantOf(c).Tenant.ID, principalOf(c).actor()
	build := func(result any) *posture.AuditEntry {
		r, _ := result.(R)
		l := describe(r)
		return &posture.AuditEntry{TenantID: &tenantID, Actor: actor, Action: action, Object: l.object,
			Before: jsonString(l.before), After: jsonString(l.after), RemoteIP: c.ClientIP(), RequestID: requestID(c), At: a.now()}
	}
	ctx, intent := posture.WithAuditIntent(c.Request.Context(), build)
	return ctx, func(result R) {
		e := intent.Settle(result)
		if e == nil || a.opts.Store == nil {
			return
		}
		if err := a.opts.Store.Append(context.WithoutCancel(c.Request.Context()), e); err != nil {
			a.log.ErrorContext(c.Request.Context(), "audit append failed", "action", action, "request_id", requestID(c), "error", err.Error())
		}
	}
}

func tenantOf(c *gin.Context) *tenantContext { return c.MustGet(tenantKey).(*tenantContext) }

func principalOf(c *gin.Context) *principal { return c.MustGet(principalKey).(*principal) }

// pathID parses the :id path parameter.
func pathID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, posture.Errorf(posture.EINVALID, "id must be a positive integer")
	}
	return id, nil
}

// queryInt parses an optional integer query parameter within [lo, hi].
func queryInt(c *gin.Context, name string, def, lo, hi int64) (int64, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, posture.Errorf(posture.EINVALID, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// bindJSON decodes a JSON body strictly: unknown fields are an error naming the field.
func bindJSON(c *gin.Context, v any) error {
	dec := newStrictDecoder(c.Request.Body)
	if err := dec.Decode(v); err != nil {
		if big := bodyTooLarge(err); big != nil {
			return big
		}
		return posture.Errorf(posture.EINVALID, "request body: %s", jsonErrorMessage(err))
	}
	return nil
}
