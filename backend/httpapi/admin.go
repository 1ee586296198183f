package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
)

func (a *api) listRoleMappings(c *gin.Context) {
	list, err := a.opts.Store.ListRoleMappings(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]roleMappingJSON, len(list))
	for i := range list {
		items[i] = toRoleMapping(&list[i])
	}
	c.JSON(http.StatusOK, gin.H{"claim": a.opts.GroupsClaim, "items": items})
}

func (a *api) createRoleMapping(c *gin.Context) {
	var in struct {
		ClaimValue string       `json:"claim_value"`
		Role       posture.Role `json:"role"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	m := &posture.RoleMapping{TenantID: tenantOf(c).Tenant.ID, ClaimValue: in.ClaimValue, Role: in.Role}
	ctx, settle := audited(a, c, "role_mapping.create", func(any) auditLine {
		return auditLine{"role_mapping:" + strconv.FormatInt(m.ID, 10), nil, toRoleMapping(m)}
	})
	if err := a.opts.Store.CreateRoleMapping(ctx, m); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusCreated, toRoleMapping(m))
}

func (a *api) deleteRoleMapping(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "role_mapping.delete", func(m *posture.RoleMapping) auditLine {
		l := auditLine{object: "role_mapping:" + strconv.FormatInt(id, 10)}
		if m != nil {
			l.before = toRoleMapping(m)
		}
		return l
	})
	m, err := a.opts.Store.DeleteRoleMapping(ctx, tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(m)
	c.Status(http.StatusNoContent)
}

func (a *api) listAPITokens(c *gin.Context) {
	list, err := a.opts.Store.ListAPITokens(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	now := a.now()
	items := make([]apiTokenJSON, len(list))
	for i := range list {
		items[i] = toAPIToken(&list[i], now)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) createAPIToken(c *gin.Context) {
	var in struct {
		Name          string       `json:"name"`
		Role          posture.Role `json:"role"`
		ExpiresInDays *int         `json:"expires_in_days"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	days := 90
	if in.ExpiresInDays != nil {
		days = *in.ExpiresInDays
	}
	if days < 1 || days > 366 {
		a.fail(c, posture.Errorf(posture.EINVALID, "expires_in_days must be from 1 to 366"))
		return
	}
	// A token can hold any role in the tenant, but only an admin creates tokens, and an admin
	// already holds every permission: no escalation.
	secret := tokenPrefix + randomSecret(32)
	exp := a.now().Add(time.Duration(days) * 24 * time.Hour)
	t := &posture.APIToken{TenantID: tenantOf(c).Tenant.ID, Name: in.Name, Prefix: secret[:len(tokenPrefix)+6],
		Hash: hashSecret(secret), Role: in.Role, CreatedBy: principalOf(c).actor(), CreatorUserID: principalOf(c).userID(), ExpiresAt: &exp}
	ctx, settle := audited(a, c, "api_token.create", func(any) auditLine {
		return auditLine{"api_token:" + strconv.FormatInt(t.ID, 10), nil, toAPIToken(t, a.now())}
	})
	if err := a.opts.Store.CreateAPIToken(ctx, t); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	out := toAPIToken(t, a.now())
	c.JSON(http.StatusCreated, struct {
		apiTokenJSON
		Token string `json:"token"`
	}{out, secret})
}

func (a *api) revokeAPIToken(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "api_token.revoke", func(t *posture.APIToken) auditLine {
		l := auditLine{object: "api_token:" + strconv.FormatInt(id, 10)}
		if t != nil {
			l.after = toAPIToken(t, a.now())
		}
		return l
	})
	t, err := a.opts.Store.RevokeAPIToken(ctx, tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(t)
	c.JSON(http.StatusOK, toAPIToken(t, a.now()))
}

func (a *api) listAudit(c *gin.Context) {
	f := posture.AuditFilter{TenantID: tenantOf(c).Tenant.ID, Actor: c.Query("actor"), Action: c.Query("action")}
	var err error
	if f.BeforeID, err = queryInt(c, "before", 0, 1, 1<<62); err != nil {
		a.fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		a.fail(c, err)
		return
	}
	f.Limit = int(limit)
	list, err := a.opts.Store.ListAudit(c.Request.Context(), f)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]auditJSON, len(list))
	for i, e := range list {
		items[i] = toAudit(e)
	}
	var next *int64
	if len(list) == f.Limit {
		next = &list[len(list)-1].ID
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_before": next})
}

// exportAudit streams the tenant's entries as JSON Lines. The hashes chain across every
// tenant's entries, so verifying the chain needs `palisade audit verify` on the database; the
// export lets an auditor keep and compare a copy.
func (a *api) exportAudit(c *gin.Context) {
	tenantID := tenantOf(c).Tenant.ID
	a.audit(c, "audit.export", "audit_log", nil, nil)
	c.Header("Content-Type", "application/x-ndjson")
	c.Header("Content-Disposition", `attachment; filename="palisade-audit-`+tenantOf(c).Tenant.Slug+`.jsonl"`)
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	err := a.opts.Store.ExportAudit(c.Request.Context(), func(e posture.AuditEntry) error {
		if e.TenantID == nil || *e.TenantID != tenantID {
			return nil
		}
		return enc.Encode(toAudit(e))
	})
	if err != nil {
		// Headers are gone; the truncated stream ends without a final newline-terminated entry.
		a.log.ErrorContext(c.Request.Context(), "audit export failed", "request_id", requestID(c), "error", err.Error())
	}
}
