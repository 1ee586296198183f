package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

func (a *api) listTenants(c *gin.Context) {
	m, err := a.memberships(c.Request.Context(), principalOf(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": m})
}

func (a *api) getTenant(c *gin.Context) {
	tc := tenantOf(c)
	c.JSON(http.StatusOK, membership(tc.Tenant, tc.Role))
}

// describeTarget adds the last run and staleness to a target.
func (a *api) describeTarget(c *gin.Context, t *posture.Target) (targetJSON, error) {
	ctx := c.Request.Context()
	out := targetJSON{ID: t.ID, Name: t.Name, Kind: t.Kind, Settings: t.Settings, Schedule: t.Schedule, Enabled: t.Enabled,
		HasCredentials: len(t.Credentials) > 0, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if out.Settings == nil {
		out.Settings = map[string]string{}
	}
	runs, err := a.opts.Store.ListRuns(ctx, t.TenantID, t.ID, 1)
	if err != nil {
		return out, err
	}
	if len(runs) > 0 {
		out.LastRun = toRun(&runs[0])
	}
	last, err := a.opts.Store.LastCompleteRun(ctx, t.TenantID, t.ID)
	if err != nil {
		return out, err
	}
	if last != nil {
		out.LastCompleteAt = last.FinishedAt
	}
	out.Stale = a.stale(t, out.LastCompleteAt)
	return out, nil
}

// stale: enabled, with a known schedule, and no complete run within twice its interval.
func (a *api) stale(t *posture.Target, lastComplete *time.Time) bool {
	if !t.Enabled || a.opts.Interval == nil {
		return false
	}
	every, err := a.opts.Interval(t.Schedule)
	if err != nil {
		return false
	}
	if lastComplete == nil {
		// Never completed: stale once it has had two intervals to do so.
		return scoring.Stale(t.CreatedAt, every, a.now())
	}
	return scoring.Stale(*lastComplete, every, a.now())
}

func (a *api) listTargets(c *gin.Context) {
	tc := tenantOf(c)
	ts, err := a.opts.Store.ListTargets(c.Request.Context(), tc.Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]targetJSON, 0, len(ts))
	for i := range ts {
		d, err := a.describeTarget(c, &ts[i])
		if err != nil {
			a.fail(c, err)
			return
		}
		items = append(items, d)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) loadTarget(c *gin.Context) (*posture.Target, bool) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	t, err := a.opts.Store.Target(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return t, true
}

func (a *api) getTarget(c *gin.Context) {
	t, ok := a.loadTarget(c)
	if !ok {
		return
	}
	d, err := a.describeTarget(c, t)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

type targetInput struct {
	Name        *string            `json:"name"`
	Kind        posture.TargetKind `json:"kind"`
	Settings    map[string]string  `json:"settings"`
	Schedule    *string            `json:"schedule"`
	Enabled     *bool              `json:"enabled"`
	Credentials *string            `json:"credentials"`
}

// auditedTarget is what the audit log keeps of a target: never the credentials.
func auditedTarget(t *posture.Target) gin.H {
	return gin.H{"id": t.ID, "name": t.Name, "kind": t.Kind, "settings": t.Settings, "schedule": t.Schedule,
		"enabled": t.Enabled, "has_credentials": len(t.Credentials) > 0}
}

// checkSettings keeps API-defined targets off Palisade's own host: a cluster target names
// only a context of its uploaded kubeconfig (a host kubeconfig path would run its exec
// plugins here, and no kubeconfig would mean Palisade's own in-cluster identity), and a
// manifests target reads only below a configured root. Host paths stay a configuration-file
// privilege.
func (a *api) checkSettings(kind posture.TargetKind, settings map[string]string) error {
	for k, v := range settings {
		switch {
		case kind == posture.TargetCluster && k == "context":
		case kind == posture.TargetRegistry && registrySetting[k]:
			if k == "ca_bundle" && len(v) <= 256<<10 {
				continue
			}
		case kind == posture.TargetManifests && k == "path":
			if err := manifests.CheckConfined(v, a.opts.ManifestRoots); err != nil {
				return err
			}
		default:
			return posture.Errorf(posture.EINVALID, "settings.%s cannot be set through the API for %s targets", k, kind)
		}
		if len(v) > 4096 {
			return posture.Errorf(posture.EINVALID, "settings.%s is longer than 4096 characters", k)
		}
	}
	return nil
}

// registrySetting are the settings a registry target takes through the API (its
// credentials go in credentials; a credentials file on this host is configuration only).
var registrySetting = map[string]bool{"url": true, "repositories": true, "include": true, "exclude": true, "private": true, "ca_bundle": true}

// apply copies the input's fields onto t, validating the schedule and sealing credentials.
func (a *api) apply(t *posture.Target, in targetInput) error {
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Settings != nil {
		if err := a.checkSettings(t.Kind, in.Settings); err != nil {
			return err
		}
		t.Settings = in.Settings
	}
	if in.Schedule != nil {
		t.Schedule = *in.Schedule
	}
	if in.Enabled != nil {
		t.Enabled = *in.Enabled
	}
	if a.opts.Interval != nil {
		if _, err := a.opts.Interval(t.Schedule); err != nil {
			return posture.Errorf(posture.EINVALID, "schedule %q: use a cron expression or a duration such as 15m", t.Schedule)
		}
	}
	if in.Credentials != nil && *in.Credentials != "" && a.opts.CheckCredentials != nil {
		return a.opts.CheckCredentials(t.Kind, []byte(*in.Credentials), t.Settings["context"])
	}
	return nil
}

// needsCredentials: a cluster target made through the API collects only with an uploaded
// kubeconfig.
func needsCredentials(t *posture.Target) error {
	if t.Kind == posture.TargetCluster && len(t.Credentials) == 0 && t.Settings["kubeconfig"] == "" {
		return posture.Errorf(posture.EINVALID, "a cluster target needs credentials: upload a kubeconfig")
	}
	return nil
}

// sealCredentials validates and seals uploaded credentials to the target's row; the
// target needs its id.
func (a *api) sealCredentials(t *posture.Target, raw *string) error {
	if raw == nil {
		return nil
	}
	if *raw == "" {
		t.Credentials = nil
		return nil
	}
	sealed, err := a.sealCredentialsFor(t.ID, *raw)
	if err != nil {
		return err
	}
	t.Credentials = sealed
	return nil
}

// sealCredentialsFor seals credentials to the target row id.
func (a *api) sealCredentialsFor(id int64, raw string) ([]byte, error) {
	if a.opts.Sealer == nil || a.opts.CredentialContext == nil {
		return nil, posture.Errorf(EUNAVAILABLE, "no sealing key is configured (secrets.key); credentials cannot be stored")
	}
	return a.opts.Sealer.Seal([]byte(raw), a.opts.CredentialContext(id))
}

func (a *api) createTarget(c *gin.Context) {
	var in targetInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	t := &posture.Target{TenantID: tenantOf(c).Tenant.ID, Kind: in.Kind, Schedule: "1h", Enabled: true}
	if in.Name == nil {
		a.fail(c, posture.Errorf(posture.EINVALID, "name is required"))
		return
	}
	if in.Kind == posture.TargetCluster && (in.Credentials == nil || *in.Credentials == "") {
		a.fail(c, posture.Errorf(posture.EINVALID, "a cluster target needs credentials: upload a kubeconfig"))
		return
	}
	if in.Kind == posture.TargetRegistry && (in.Settings == nil || in.Settings["url"] == "") {
		a.fail(c, posture.Errorf(posture.EINVALID, "a registry target needs settings.url, such as https://registry.example.com"))
		return
	}
	if err := a.apply(t, in); err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "target.create", func(any) auditLine {
		return auditLine{"target:" + strconv.FormatInt(t.ID, 10), nil, auditedTarget(t)}
	})
	var seal func(id int64) ([]byte, error)
	if in.Credentials != nil && *in.Credentials != "" {
		// Sealing binds credentials to the row's id: the store seals them once the id is
		// known, in the transaction that creates the target.
		seal = func(id int64) ([]byte, error) { return a.sealCredentialsFor(id, *in.Credentials) }
	}
	if err := a.opts.Store.CreateSealedTarget(ctx, t, seal); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	a.targetChanged(c, http.StatusCreated, t)
}

// targetChanged tells the scheduler about a stored change and answers with the target.
func (a *api) targetChanged(c *gin.Context, status int, t *posture.Target) {
	if a.opts.TargetChanged != nil {
		a.opts.TargetChanged(*t, false)
	}
	d, err := a.describeTarget(c, t)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(status, d)
}

func (a *api) updateTarget(c *gin.Context) {
	t, ok := a.loadTarget(c)
	if !ok {
		return
	}
	var in targetInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if in.Kind != "" && in.Kind != t.Kind {
		a.fail(c, posture.Errorf(posture.EINVALID, "a target's kind cannot change; create a new target"))
		return
	}
	before := auditedTarget(t)
	if err := a.apply(t, in); err != nil {
		a.fail(c, err)
		return
	}
	if err := a.sealCredentials(t, in.Credentials); err != nil {
		a.fail(c, err)
		return
	}
	if err := needsCredentials(t); err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "target.update", func(any) auditLine {
		return auditLine{"target:" + strconv.FormatInt(t.ID, 10), before, auditedTarget(t)}
	})
	if err := a.opts.Store.UpdateTarget(ctx, t); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	a.targetChanged(c, http.StatusOK, t)
}

func (a *api) deleteTarget(c *gin.Context) {
	t, ok := a.loadTarget(c)
	if !ok {
		return
	}
	ctx, settle := audited(a, c, "target.delete", func(any) auditLine {
		return auditLine{"target:" + strconv.FormatInt(t.ID, 10), auditedTarget(t), nil}
	})
	if err := a.opts.Store.DeleteTarget(ctx, t.TenantID, t.ID); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	if a.opts.TargetChanged != nil {
		a.opts.TargetChanged(*t, true)
	}
	c.Status(http.StatusNoContent)
}

func (a *api) listTargetRuns(c *gin.Context) {
	t, ok := a.loadTarget(c)
	if !ok {
		return
	}
	limit, err := queryInt(c, "limit", 20, 1, 200)
	if err != nil {
		a.fail(c, err)
		return
	}
	runs, err := a.opts.Store.ListRuns(c.Request.Context(), t.TenantID, t.ID, int(limit))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]*runJSON, len(runs))
	for i := range runs {
		items[i] = toRun(&runs[i])
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) runTargetNow(c *gin.Context) {
	t, ok := a.loadTarget(c)
	if !ok {
		return
	}
	if a.opts.RunNow == nil {
		a.fail(c, posture.Errorf(EUNAVAILABLE, "collections are not running on this server"))
		return
	}
	// The entry goes into the transaction that records the run's start.
	ctx, settle := audited(a, c, "target.run", func(run *posture.Run) auditLine {
		l := auditLine{object: "target:" + strconv.FormatInt(t.ID, 10)}
		if run != nil {
			l.after = gin.H{"run_id": run.ID}
		}
		return l
	})
	run, err := a.opts.RunNow(ctx, *t)
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(run)
	c.JSON(http.StatusAccepted, toRun(run))
}

func (a *api) getRun(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	r, err := a.opts.Store.Run(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toRun(r))
}
