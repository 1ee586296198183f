package httpapi

import (
	"context"
	"maps"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Editing, disabling and deleting channels and alert rules.

// channelPatch is the body of PATCH .../channels/:id; what is left out keeps its value.
type channelPatch struct {
	Name     *string           `json:"name"`
	Enabled  *bool             `json:"enabled"`
	Settings map[string]string `json:"settings"`
	Secret   *string           `json:"secret"`
}

// apply changes ch as the patch says. Settings merge key by key and "" removes one, so a
// URL, shown only as scheme and host, is kept by leaving it out.
func (p channelPatch) apply(ch *alerting.Channel) {
	setIf(&ch.Name, p.Name)
	setIf(&ch.Enabled, p.Enabled)
	if p.Settings == nil {
		return
	}
	merged := maps.Clone(ch.Settings)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range p.Settings {
		if v == "" {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	ch.Settings = merged
}

// setIf sets *dst to *v when v is given.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// channelChange is a changed channel as the audit log records it: whether its secret was
// replaced shows, the secret never does.
type channelChange struct {
	channelJSON
	SecretRotated bool `json:"secret_rotated,omitempty"`
}

// loadOwn reads the :id row of the caller's tenant through get, or answers the error
// (another tenant's id is not found).
func loadOwn[T any](a *api, c *gin.Context, get func(ctx context.Context, tenantID, id int64) (*T, error)) (*T, bool) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	v, err := get(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return v, true
}

// openChannelSecret is a channel's stored secret in the clear (nil when it has none).
func (a *api) openChannelSecret(ch *alerting.Channel) ([]byte, error) {
	if len(ch.Secret) == 0 {
		return nil, nil
	}
	if a.opts.Sealer == nil || a.opts.ChannelContext == nil {
		return nil, posture.Errorf(EUNAVAILABLE, "notifications need a sealing key (secrets.key)")
	}
	secret, err := a.opts.Sealer.Open(ch.Secret, a.opts.ChannelContext(ch.ID))
	if err != nil {
		return nil, posture.Errorf(posture.ECONFLICT, "the channel's secret cannot be opened (was the sealing key changed?); give the channel a new secret")
	}
	return secret, nil
}

func (a *api) updateChannel(c *gin.Context) {
	ch, ok := loadOwn(a, c, a.opts.Alerts.Channel)
	if !ok {
		return
	}
	var in channelPatch
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	before := toChannel(ch)
	in.apply(ch)
	sealed, err := a.checkChannelChange(ch, in)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "channel.update", func(any) auditLine {
		return auditLine{"channel:" + strconv.FormatInt(ch.ID, 10), before, channelChange{toChannel(ch), sealed != nil}}
	})
	if err := a.opts.Alerts.UpdateChannel(ctx, ch, sealed); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusOK, toChannel(ch))
}

// checkChannelChange validates changed settings or a new secret as creating a channel does,
// and returns the new secret sealed (nil: keep the stored one). A change of name or of
// enabled alone needs no sender, so a channel whose secret cannot be opened can still be
// disabled.
func (a *api) checkChannelChange(ch *alerting.Channel, in channelPatch) ([]byte, error) {
	if in.Settings == nil && in.Secret == nil {
		return nil, nil
	}
	if a.opts.BuildChannel == nil || a.opts.Sealer == nil || a.opts.ChannelContext == nil {
		return nil, posture.Errorf(EUNAVAILABLE, "notifications need a sealing key (secrets.key)")
	}
	var secret []byte
	if in.Secret != nil {
		secret = []byte(*in.Secret)
	} else {
		var err error
		if secret, err = a.openChannelSecret(ch); err != nil {
			return nil, err
		}
	}
	if _, err := a.opts.BuildChannel(*ch, secret); err != nil { // validates URL, addresses, secret length
		return nil, err
	}
	if in.Secret == nil {
		return nil, nil
	}
	return a.opts.Sealer.Seal(secret, a.opts.ChannelContext(ch.ID))
}

type ruleRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// channelDeletion is what went with a deleted channel.
type channelDeletion struct {
	RulesDeleted      []ruleRef `json:"rules_deleted"`
	DeliveriesDeleted int64     `json:"deliveries_deleted"`
}

// deleteChannel deletes a channel with its deliveries; while rules route to it only with
// ?force=true, which deletes them too.
func (a *api) deleteChannel(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	force, err := strconv.ParseBool(c.DefaultQuery("force", "false"))
	if err != nil {
		a.fail(c, posture.Errorf(posture.EINVALID, "force must be true or false"))
		return
	}
	// One entry for the one change: the rules and deliveries that went are in it (the store
	// reports them).
	ctx, settle := audited(a, c, "channel.delete", func(removed *alerting.ChannelRemoval) auditLine {
		l := auditLine{object: "channel:" + strconv.FormatInt(id, 10)}
		if removed != nil {
			l.before = struct {
				channelJSON
				channelDeletion
			}{toChannel(&removed.Channel), toChannelDeletion(removed)}
		}
		return l
	})
	removed, err := a.opts.Alerts.RemoveChannel(ctx, tenantOf(c).Tenant.ID, id, force)
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(removed)
	c.JSON(http.StatusOK, toChannelDeletion(removed))
}

func toChannelDeletion(removed *alerting.ChannelRemoval) channelDeletion {
	out := channelDeletion{RulesDeleted: make([]ruleRef, len(removed.Rules)), DeliveriesDeleted: removed.Deliveries}
	for i, r := range removed.Rules {
		out.RulesDeleted[i] = ruleRef{ID: r.ID, Name: r.Name}
	}
	return out
}

// rulePatch is the body of PATCH .../alert-rules/:id; what is left out keeps its value.
type rulePatch struct {
	Name        *string   `json:"name"`
	Enabled     *bool     `json:"enabled"`
	MinSeverity *string   `json:"min_severity"`
	Checks      *[]string `json:"checks"`
	Areas       *[]string `json:"areas"`
	Targets     *[]int64  `json:"targets"`
	Kinds       *[]string `json:"kinds"`
	ChannelID   *int64    `json:"channel_id"`
	Digest      *bool     `json:"digest"`
}

func (p rulePatch) apply(r *alerting.Rule) error {
	if p.MinSeverity != nil {
		sev, err := parseMinSeverity(*p.MinSeverity)
		if err != nil {
			return err
		}
		r.MinSeverity = sev
	}
	setIf(&r.Name, p.Name)
	setIf(&r.Enabled, p.Enabled)
	setIf(&r.Checks, p.Checks)
	setIf(&r.Areas, p.Areas)
	setIf(&r.Targets, p.Targets)
	setIf(&r.Kinds, p.Kinds)
	setIf(&r.ChannelID, p.ChannelID)
	setIf(&r.Digest, p.Digest)
	return nil
}

// selectors are the selectors the patch sets.
func (p rulePatch) selectors() ruleSelectors {
	var s ruleSelectors
	setIf(&s.Checks, p.Checks)
	setIf(&s.Areas, p.Areas)
	setIf(&s.Kinds, p.Kinds)
	setIf(&s.Targets, p.Targets)
	return s
}

func (a *api) updateRule(c *gin.Context) {
	r, ok := loadOwn(a, c, a.opts.Alerts.Rule)
	if !ok {
		return
	}
	var in rulePatch
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	before := toRule(*r)
	if err := in.apply(r); err != nil {
		a.fail(c, err)
		return
	}
	// Only what the patch sets: a selector that has gone stale since (a deleted target)
	// must not keep the rule from being disabled or renamed.
	if err := a.checkRuleSelectors(c.Request.Context(), r.TenantID, in.selectors()); err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "alert_rule.update", func(any) auditLine {
		return auditLine{"alert_rule:" + strconv.FormatInt(r.ID, 10), before, toRule(*r)}
	})
	if err := a.opts.Alerts.UpdateRule(ctx, r); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusOK, toRule(*r))
}

func (a *api) deleteRule(c *gin.Context) {
	r, ok := loadOwn(a, c, a.opts.Alerts.Rule)
	if !ok {
		return
	}
	ctx, settle := audited(a, c, "alert_rule.delete", func(any) auditLine {
		return auditLine{"alert_rule:" + strconv.FormatInt(r.ID, 10), toRule(*r), nil}
	})
	if err := a.opts.Alerts.DeleteRule(ctx, r.TenantID, r.ID); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.Status(http.StatusNoContent)
}
