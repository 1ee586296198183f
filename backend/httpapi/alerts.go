package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
)

// AlertStore is the storage of drift events, channels, rules and deliveries
// (backend/store.DB).
type AlertStore interface {
	ListDriftEvents(ctx context.Context, tenantID int64, f alerting.DriftFilter) ([]alerting.DriftEvent, error)
	CreateSealedChannel(ctx context.Context, c *alerting.Channel, seal func(id int64) ([]byte, error)) error
	Channel(ctx context.Context, tenantID, id int64) (*alerting.Channel, error)
	ListChannels(ctx context.Context, tenantID int64) ([]alerting.Channel, error)
	UpdateChannel(ctx context.Context, c *alerting.Channel, newSecret []byte) error
	RemoveChannel(ctx context.Context, tenantID, id int64, force bool) (*alerting.ChannelRemoval, error)
	CreateRule(ctx context.Context, r *alerting.Rule) error
	Rule(ctx context.Context, tenantID, id int64) (*alerting.Rule, error)
	ListRules(ctx context.Context, tenantID int64) ([]alerting.Rule, error)
	UpdateRule(ctx context.Context, r *alerting.Rule) error
	DeleteRule(ctx context.Context, tenantID, id int64) error
	ListDeliveries(ctx context.Context, tenantID int64, limit int) ([]alerting.DeliveryStatus, error)
}

// ChannelBuilder makes a sender from a channel with its secret in the clear (outbox.Build
// after opening); the API uses it to validate a channel and to send a test message.
type ChannelBuilder func(ch alerting.Channel, secret []byte) (notify.Channel, error)

type driftJSON struct {
	ID        int64                  `json:"id"`
	TargetID  int64                  `json:"target_id"`
	RunID     int64                  `json:"run_id"`
	Kind      string                 `json:"kind"`
	Severity  string                 `json:"severity"`
	AssetKey  string                 `json:"asset_key"`
	CheckID   string                 `json:"check_id"`
	Summary   string                 `json:"summary"`
	Details   map[string]string      `json:"details"`
	Changes   []alerting.FieldChange `json:"changes"`
	CreatedAt time.Time              `json:"created_at"`
}

func (a *api) listDrift(c *gin.Context) {
	before, err := queryInt(c, "before", 0, 1, 1<<62)
	if err != nil {
		a.fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 100, 1, 500)
	if err != nil {
		a.fail(c, err)
		return
	}
	target, err := queryInt(c, "target", 0, 1, 1<<62)
	if err != nil {
		a.fail(c, err)
		return
	}
	f := alerting.DriftFilter{BeforeID: before, TargetID: target, Limit: int(limit)}
	if k := c.Query("kind"); k != "" {
		f.Kinds = strings.Split(k, ",") // the spec's enum has checked each
	}
	list, err := a.opts.Alerts.ListDriftEvents(c.Request.Context(), tenantOf(c).Tenant.ID, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]driftJSON, len(list))
	for i, e := range list {
		items[i] = driftJSON{ID: e.ID, TargetID: e.TargetID, RunID: e.RunID, Kind: e.Kind, Severity: e.Severity.String(),
			AssetKey: e.AssetKey, CheckID: e.CheckID, Summary: e.Summary, Details: e.Details, Changes: e.Changes, CreatedAt: e.CreatedAt}
		if items[i].Details == nil {
			items[i].Details = map[string]string{}
		}
		if items[i].Changes == nil {
			items[i].Changes = []alerting.FieldChange{}
		}
	}
	var next *int64
	if len(list) == int(limit) {
		next = &list[len(list)-1].ID
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_before": next})
}

type channelJSON struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Settings  map[string]string `json:"settings"`
	HasSecret bool              `json:"has_secret"`
	Enabled   bool              `json:"enabled"`
	CreatedAt time.Time         `json:"created_at"`
}

// toChannel is a channel as the API shows it. Its URL is shown without path and query: an
// incoming-webhook URL (Jira Automation, many chat tools) is itself the credential, and
// channels are listed to every role and recorded in the audit log.
func toChannel(ch *alerting.Channel) channelJSON {
	settings := map[string]string{}
	for k, v := range ch.Settings {
		settings[k] = v
	}
	if u, ok := settings["url"]; ok {
		settings["url"] = redactURL(u)
	}
	return channelJSON{ID: ch.ID, Name: ch.Name, Kind: ch.Kind, Settings: settings, HasSecret: len(ch.Secret) > 0,
		Enabled: ch.Enabled, CreatedAt: ch.CreatedAt}
}

// redactURL keeps a URL's scheme and host, so people can tell channels apart, and hides
// the rest.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		out += "/…"
	}
	return out
}

func (a *api) listChannels(c *gin.Context) {
	list, err := a.opts.Alerts.ListChannels(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]channelJSON, len(list))
	for i := range list {
		items[i] = toChannel(&list[i])
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) createChannel(c *gin.Context) {
	var in struct {
		Name     string            `json:"name"`
		Kind     string            `json:"kind"`
		Settings map[string]string `json:"settings"`
		Secret   string            `json:"secret"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	ch := &alerting.Channel{TenantID: tenantOf(c).Tenant.ID, Name: in.Name, Kind: in.Kind, Settings: in.Settings}
	if a.opts.BuildChannel == nil || a.opts.Sealer == nil || a.opts.ChannelContext == nil {
		a.fail(c, posture.Errorf(EUNAVAILABLE, "notifications need a sealing key (secrets.key)"))
		return
	}
	if _, err := a.opts.BuildChannel(*ch, []byte(in.Secret)); err != nil { // validates URL, addresses, secret length
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "channel.create", func(any) auditLine {
		return auditLine{"channel:" + strconv.FormatInt(ch.ID, 10), nil, toChannel(ch)}
	})
	var seal func(id int64) ([]byte, error)
	if in.Secret != "" {
		// Sealing binds the secret to the row's id: the store seals it once the id is known,
		// in the transaction that creates the channel.
		seal = func(id int64) ([]byte, error) {
			return a.opts.Sealer.Seal([]byte(in.Secret), a.opts.ChannelContext(id))
		}
	}
	if err := a.opts.Alerts.CreateSealedChannel(ctx, ch, seal); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusCreated, toChannel(ch))
}

// testChannel sends a test message now, so people see a channel work before relying on it.
func (a *api) testChannel(c *gin.Context) {
	ch, ok := loadOwn(a, c, a.opts.Alerts.Channel)
	if !ok {
		return
	}
	secret, err := a.openChannelSecret(ch)
	if err != nil {
		a.fail(c, err)
		return
	}
	sender, err := a.opts.BuildChannel(*ch, secret)
	if err != nil {
		a.fail(c, err)
		return
	}
	msg := notify.Message{ID: "test:" + strconv.FormatInt(ch.ID, 10) + ":" + requestID(c), Kind: "test", Severity: "info",
		Title: "Palisade test notification", Text: "This channel works. Sent by " + principalOf(c).actor() + ".",
		Tenant: tenantOf(c).Tenant.Slug, CreatedAt: a.now()}
	sendErr := sender.Send(c.Request.Context(), msg)
	a.audit(c, "channel.test", "channel:"+strconv.FormatInt(ch.ID, 10), nil, gin.H{"delivered": sendErr == nil})
	if sendErr != nil {
		// Only the failure's class: the answer, or the address a name resolved to, would
		// let whoever configures channels read internal services through them.
		c.JSON(http.StatusOK, gin.H{"delivered": false, "error": notify.Reason(sendErr)})
		return
	}
	c.JSON(http.StatusOK, gin.H{"delivered": true, "error": ""})
}

type ruleJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	MinSeverity string   `json:"min_severity"`
	Checks      []string `json:"checks"`
	Areas       []string `json:"areas"`
	Targets     []int64  `json:"targets"`
	Kinds       []string `json:"kinds"`
	ChannelID   int64    `json:"channel_id"`
	Digest      bool     `json:"digest"`
	Enabled     bool     `json:"enabled"`
}

func toRule(r alerting.Rule) ruleJSON {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	targets := r.Targets
	if targets == nil {
		targets = []int64{}
	}
	return ruleJSON{ID: r.ID, Name: r.Name, MinSeverity: r.MinSeverity.String(), Checks: nonNil(r.Checks), Areas: nonNil(r.Areas),
		Targets: targets, Kinds: nonNil(r.Kinds), ChannelID: r.ChannelID, Digest: r.Digest, Enabled: r.Enabled}
}

func (a *api) listRules(c *gin.Context) {
	list, err := a.opts.Alerts.ListRules(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]ruleJSON, len(list))
	for i, r := range list {
		items[i] = toRule(r)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) createRule(c *gin.Context) {
	var in struct {
		Name        string   `json:"name"`
		MinSeverity string   `json:"min_severity"`
		Checks      []string `json:"checks"`
		Areas       []string `json:"areas"`
		Targets     []int64  `json:"targets"`
		Kinds       []string `json:"kinds"`
		ChannelID   int64    `json:"channel_id"`
		Digest      bool     `json:"digest"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	sev := posture.SeverityHigh
	if in.MinSeverity != "" {
		var err error
		if sev, err = parseMinSeverity(in.MinSeverity); err != nil {
			a.fail(c, err)
			return
		}
	}
	r := alerting.Rule{TenantID: tenantOf(c).Tenant.ID, Name: in.Name, MinSeverity: sev, Checks: in.Checks, Areas: in.Areas,
		Targets: in.Targets, Kinds: in.Kinds, ChannelID: in.ChannelID, Digest: in.Digest}
	sel := ruleSelectors{Checks: in.Checks, Areas: in.Areas, Kinds: in.Kinds, Targets: in.Targets}
	if err := a.checkRuleSelectors(c.Request.Context(), r.TenantID, sel); err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "alert_rule.create", func(any) auditLine {
		return auditLine{"alert_rule:" + strconv.FormatInt(r.ID, 10), nil, toRule(r)}
	})
	if err := a.opts.Alerts.CreateRule(ctx, &r); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusCreated, toRule(r))
}

// ruleSelectors are what a rule selects events by.
type ruleSelectors struct {
	Checks, Areas, Kinds []string
	Targets              []int64
}

// checkRuleSelectors refuses a selector that can never match: a check the catalog does not
// have, a CSA id that is no area or recommendation, an unknown event kind, or a target that
// is not the tenant's (another tenant's id is answered like an unknown one).
func (a *api) checkRuleSelectors(ctx context.Context, tenantID int64, s ruleSelectors) error {
	for _, id := range s.Checks {
		if a.opts.Catalog == nil {
			break // no catalog to check against (tests that serve no checks)
		}
		if _, ok := a.opts.Catalog.Get(id); !ok {
			return posture.Errorf(posture.EINVALID, "checks: %q is not a known check id", id)
		}
	}
	for _, id := range s.Areas {
		if !csaSelects(id) {
			return posture.Errorf(posture.EINVALID, "areas: %q is not a CSA area or recommendation id", id)
		}
	}
	for _, k := range s.Kinds {
		if !slices.Contains(alerting.Kinds, k) {
			return posture.Errorf(posture.EINVALID, "kinds: %q is not an event kind", k)
		}
	}
	for _, id := range s.Targets {
		if _, err := a.opts.Store.Target(ctx, tenantID, id); posture.ErrorCode(err) == posture.ENOTFOUND {
			return posture.Errorf(posture.EINVALID, "targets: %d is not a target of this tenant", id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// csaSelects reports whether id names a CSA recommendation or a group of them (an area
// such as 3.1.2, or 3.1 for all): rules match areas by prefix.
func csaSelects(id string) bool {
	for _, r := range csa.All() {
		if r.ID == id || strings.HasPrefix(r.ID, id+".") {
			return true
		}
	}
	return false
}

func parseMinSeverity(s string) (posture.Severity, error) {
	sev, err := posture.ParseSeverity(s)
	if err != nil {
		return 0, posture.Errorf(posture.EINVALID, "min_severity must be info, low, medium, high or critical")
	}
	return sev, nil
}

func (a *api) listDeliveries(c *gin.Context) {
	list, err := a.opts.Alerts.ListDeliveries(c.Request.Context(), tenantOf(c).Tenant.ID, 200)
	if err != nil {
		a.fail(c, err)
		return
	}
	type deliveryJSON struct {
		ID        int64      `json:"id"`
		ChannelID int64      `json:"channel_id"`
		Key       string     `json:"key"`
		Status    string     `json:"status"`
		Attempts  int        `json:"attempts"`
		LastError string     `json:"last_error"`
		CreatedAt time.Time  `json:"created_at"`
		SentAt    *time.Time `json:"sent_at"`
	}
	items := make([]deliveryJSON, len(list))
	for i, d := range list {
		items[i] = deliveryJSON{ID: d.ID, ChannelID: d.ChannelID, Key: d.DedupKey, Status: d.Status, Attempts: d.Attempts,
			LastError: d.LastError, CreatedAt: d.CreatedAt, SentAt: d.SentAt}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
