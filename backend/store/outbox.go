package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
)

type channelRow struct {
	ID        int64
	TenantID  int64
	Name      string
	Kind      string
	Settings  string
	Secret    []byte
	Enabled   bool
	CreatedAt time.Time
}

func (channelRow) TableName() string { return "notification_channels" }

func channelFromRow(r channelRow) alerting.Channel {
	return alerting.Channel{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Kind: r.Kind, Settings: stringMap(r.Settings),
		Secret: r.Secret, Enabled: r.Enabled, CreatedAt: r.CreatedAt}
}

// CreateChannel adds a channel; the name is unique in the tenant.
func (db *DB) CreateChannel(ctx context.Context, c *alerting.Channel) error {
	return db.CreateSealedChannel(ctx, c, nil)
}

// CreateSealedChannel creates c and stores, in the same transaction, the secret seal returns
// for the new row's id (a sealed secret is bound to its row's id; nil seal: none).
func (db *DB) CreateSealedChannel(ctx context.Context, c *alerting.Channel, seal func(id int64) ([]byte, error)) error {
	switch c.Kind {
	case "webhook", "slack", "email", notify.TicketSyncKind:
	default:
		return posture.Errorf(posture.EINVALID, "channel kind must be webhook, slack, email or ticket-sync")
	}
	if err := checkChannelName(c.Name); err != nil {
		return err
	}
	row := channelRow{TenantID: c.TenantID, Name: c.Name, Kind: c.Kind, Settings: jsonText(c.Settings), Secret: c.Secret,
		Enabled: true, CreatedAt: db.now().UTC()}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("id").Create(&row).Error; err != nil {
			return conflict(err, "channel %q already exists", c.Name)
		}
		c.ID, c.Enabled, c.CreatedAt = row.ID, true, row.CreatedAt
		if seal == nil {
			return nil
		}
		sealed, err := seal(c.ID)
		if err != nil {
			return err
		}
		c.Secret = sealed
		return tx.Model(&channelRow{}).Where("tenant_id = ? AND id = ?", c.TenantID, c.ID).Update("secret", sealed).Error
	})
}

func checkChannelName(name string) error {
	if name == "" || len(name) > 100 {
		return posture.Errorf(posture.EINVALID, "channel name must be 1-100 characters")
	}
	return nil
}

// UpdateChannel writes a channel's name, settings and enabled flag, and its sealed secret
// when newSecret is not nil (nil keeps the stored one). The kind is fixed.
func (db *DB) UpdateChannel(ctx context.Context, c *alerting.Channel, newSecret []byte) error {
	if err := checkChannelName(c.Name); err != nil {
		return err
	}
	set := map[string]any{"name": c.Name, "settings": jsonText(c.Settings), "enabled": c.Enabled}
	if newSecret != nil {
		set["secret"] = newSecret
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&channelRow{}).Where("tenant_id = ? AND id = ?", c.TenantID, c.ID).Updates(set)
		if res.Error != nil {
			return conflict(res.Error, "channel %q already exists", c.Name)
		}
		if res.RowsAffected == 0 {
			return posture.Errorf(posture.ENOTFOUND, "channel not found")
		}
		if newSecret != nil {
			c.Secret = newSecret
		}
		return nil
	})
}

// RemoveChannel deletes a channel with its deliveries, queued and past. While rules route to
// it, it refuses (a conflict naming them) unless force, which deletes those rules with it.
func (db *DB) RemoveChannel(ctx context.Context, tenantID, id int64, force bool) (*alerting.ChannelRemoval, error) {
	out := &alerting.ChannelRemoval{}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row channelRow
		q := tx.Where("tenant_id = ? AND id = ?", tenantID, id)
		if db.dialect == Postgres {
			// A rule created or re-pointed meanwhile waits on this lock (its foreign key)
			// and then fails: no rule is deleted without being named.
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&row).Error; err != nil {
			return notFound(err, "channel")
		}
		rules, err := rulesOf(tx.Where("channel_id = ?", id), tenantID, false)
		if err != nil {
			return err
		}
		if len(rules) > 0 && !force {
			return channelInUse(row.Name, rules)
		}
		if err := tx.Model(&outboxRow{}).Where("tenant_id = ? AND channel_id = ?", tenantID, id).Count(&out.Deliveries).Error; err != nil {
			return err
		}
		// alert_rules and notification_outbox go by ON DELETE CASCADE.
		if err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&channelRow{}).Error; err != nil {
			return err
		}
		out.Channel, out.Rules = channelFromRow(row), rules
		posture.AuditIntentOf(ctx).SetResult(out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func channelInUse(channel string, rules []alerting.Rule) error {
	names := make([]string, 0, 5)
	for i, r := range rules {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(rules)-5))
			break
		}
		names = append(names, strconv.Quote(r.Name))
	}
	return posture.Errorf(posture.ECONFLICT, "channel %q is used by %d alert rule(s): %s; delete them or route them to another channel first, or delete the channel with its rules (force)",
		channel, len(rules), strings.Join(names, ", "))
}

// Channel reads one channel of a tenant.
func (db *DB) Channel(ctx context.Context, tenantID, id int64) (*alerting.Channel, error) {
	var row channelRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "channel")
	}
	c := channelFromRow(row)
	return &c, nil
}

// ListChannels lists a tenant's channels by name.
func (db *DB) ListChannels(ctx context.Context, tenantID int64) ([]alerting.Channel, error) {
	var rows []channelRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alerting.Channel, len(rows))
	for i, r := range rows {
		out[i] = channelFromRow(r)
	}
	return out, nil
}

// CreateRule adds an alert rule routing to one of the tenant's channels.
func (db *DB) CreateRule(ctx context.Context, r *alerting.Rule) error {
	if err := db.checkRule(ctx, r); err != nil {
		return err
	}
	row := alertRuleRow{TenantID: r.TenantID, Name: r.Name, MinSeverity: int(r.MinSeverity), Selectors: selectorsJSON(r),
		ChannelID: r.ChannelID, Digest: r.Digest, Enabled: true, CreatedAt: db.now().UTC()}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("id").Create(&row).Error; err != nil {
			return conflict(err, "rule %q already exists", r.Name)
		}
		r.ID, r.Enabled = row.ID, true
		return nil
	})
}

// checkRule is what creating and changing a rule require: a name, a channel of the tenant
// that carries alerts, known kinds.
func (db *DB) checkRule(ctx context.Context, r *alerting.Rule) error {
	if r.Name == "" || len(r.Name) > 100 {
		return posture.Errorf(posture.EINVALID, "rule name must be 1-100 characters")
	}
	ch, err := db.Channel(ctx, r.TenantID, r.ChannelID)
	if err != nil {
		return err
	}
	if ch.Kind == notify.TicketSyncKind {
		return posture.Errorf(posture.EINVALID, "channel %q syncs tickets; alert rules route to webhook, slack or email channels", ch.Name)
	}
	for _, k := range r.Kinds {
		if !contains(alerting.Kinds, k) {
			return posture.Errorf(posture.EINVALID, "unknown drift kind %q", k)
		}
	}
	return nil
}

func selectorsJSON(r *alerting.Rule) string {
	sel, _ := json.Marshal(ruleSelectors{Checks: r.Checks, Areas: r.Areas, Targets: r.Targets, Kinds: r.Kinds})
	return string(sel)
}

// Rule reads one alert rule of a tenant.
func (db *DB) Rule(ctx context.Context, tenantID, id int64) (*alerting.Rule, error) {
	rules, err := rulesOf(db.gorm.WithContext(ctx).Where("id = ?", id), tenantID, false)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, posture.Errorf(posture.ENOTFOUND, "alert rule not found")
	}
	return &rules[0], nil
}

// UpdateRule writes every field of a rule but its tenant, checked as CreateRule checks them.
func (db *DB) UpdateRule(ctx context.Context, r *alerting.Rule) error {
	if err := db.checkRule(ctx, r); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&alertRuleRow{}).Where("tenant_id = ? AND id = ?", r.TenantID, r.ID).Updates(map[string]any{
			"name": r.Name, "min_severity": int(r.MinSeverity), "selectors": selectorsJSON(r), "channel_id": r.ChannelID,
			"digest": r.Digest, "enabled": r.Enabled,
		})
		if res.Error != nil {
			return conflict(res.Error, "rule %q already exists", r.Name)
		}
		if res.RowsAffected == 0 {
			return posture.Errorf(posture.ENOTFOUND, "alert rule not found")
		}
		return nil
	})
}

// DeleteRule removes an alert rule. Deliveries it queued stay and are still sent.
func (db *DB) DeleteRule(ctx context.Context, tenantID, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&alertRuleRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return posture.Errorf(posture.ENOTFOUND, "alert rule not found")
		}
		return nil
	})
}

// ListRules lists a tenant's alert rules.
func (db *DB) ListRules(ctx context.Context, tenantID int64) ([]alerting.Rule, error) {
	return rulesOf(db.gorm.WithContext(ctx), tenantID, false)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ClaimDeliveries leases up to limit due deliveries to the caller for lease. A worker that
// dies mid-send loses its lease, and another (or the same after a restart) sends again:
// at least once, with the dedup key for receivers to drop repeats.
//
// Ordered deliveries (ticket sync: order_key is the ticket key, order_seq its version) are
// claimed one at a time per channel and key: one is due only when no earlier one of its
// order is pending or sending. A failing version holds back the later ones until it is
// sent or dead; after a dead one the next goes out, and since each carries the ticket's
// full state the receiver converges all the same.
//
// A disabled channel's deliveries are not due: they stay pending, their attempts untouched,
// and are claimed once the channel is enabled again.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]alerting.Delivery, error) {
	now := db.now().UTC()
	var out []alerting.Delivery
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var rows []outboxRow
		q := tx.Where("(status = 'pending' OR (status = 'sending' AND locked_until < ?)) AND next_attempt_at <= ?", now, now).
			Where(`(order_key = '' OR NOT EXISTS (SELECT 1 FROM notification_outbox earlier
  WHERE earlier.channel_id = notification_outbox.channel_id AND earlier.order_key = notification_outbox.order_key
    AND earlier.order_key <> '' AND earlier.order_seq < notification_outbox.order_seq
    AND earlier.status IN ('pending', 'sending')))`).
			Where(`EXISTS (SELECT 1 FROM notification_channels ch WHERE ch.id = notification_outbox.channel_id AND ch.enabled)`).
			Order("next_attempt_at, id").Limit(limit)
		if db.dialect == Postgres {
			// Two workers never claim one row: the second skips what the first locked.
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		until := now.Add(lease)
		for _, r := range rows {
			if err := tx.Model(&outboxRow{}).Where("id = ?", r.ID).
				Updates(map[string]any{"status": "sending", "locked_until": until, "attempts": r.Attempts + 1}).Error; err != nil {
				return err
			}
			out = append(out, alerting.Delivery{ID: r.ID, TenantID: r.TenantID, ChannelID: r.ChannelID, DedupKey: r.DedupKey,
				Payload: []byte(r.Payload), Attempts: r.Attempts + 1})
		}
		return nil
	})
	return out, err
}

// MarkSent records a delivery as done.
func (db *DB) MarkSent(ctx context.Context, id int64) error {
	now := db.now().UTC()
	return db.gorm.WithContext(ctx).Model(&outboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"status": "sent", "sent_at": now, "locked_until": nil, "last_error": ""}).Error
}

// MarkFailed schedules another attempt at retryAt, or gives up (dead) when retryAt is nil.
func (db *DB) MarkFailed(ctx context.Context, id int64, msg string, retryAt *time.Time) error {
	set := map[string]any{"status": "dead", "locked_until": nil, "last_error": truncateText(msg, 500)}
	if retryAt != nil {
		set["status"], set["next_attempt_at"] = "pending", retryAt.UTC()
	}
	return db.gorm.WithContext(ctx).Model(&outboxRow{}).Where("id = ?", id).Updates(set).Error
}

// ListDeliveries lists a tenant's newest deliveries.
func (db *DB) ListDeliveries(ctx context.Context, tenantID int64, limit int) ([]alerting.DeliveryStatus, error) {
	var rows []outboxRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alerting.DeliveryStatus, len(rows))
	for i, r := range rows {
		out[i] = alerting.DeliveryStatus{ID: r.ID, ChannelID: r.ChannelID, DedupKey: r.DedupKey, Status: r.Status, Attempts: r.Attempts,
			LastError: r.LastError, CreatedAt: r.CreatedAt, SentAt: r.SentAt}
	}
	return out, nil
}

// ListDriftEvents lists a tenant's drift events that pass the filter, newest first.
func (db *DB) ListDriftEvents(ctx context.Context, tenantID int64, f alerting.DriftFilter) ([]alerting.DriftEvent, error) {
	q := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if len(f.Kinds) > 0 {
		q = q.Where("kind IN ?", f.Kinds)
	}
	if f.TargetID > 0 {
		q = q.Where("target_id = ?", f.TargetID)
	}
	var rows []driftEventRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alerting.DriftEvent, len(rows))
	for i, r := range rows {
		out[i] = alerting.DriftEvent{ID: r.ID, TargetID: r.TargetID, RunID: r.RunID, Kind: r.Kind, Severity: posture.Severity(r.Severity),
			AssetKey: r.AssetKey, CheckID: r.CheckID, Summary: r.Summary, CreatedAt: r.CreatedAt}
		out[i].Details, out[i].Changes = parseDetails(r.Details)
	}
	return out, nil
}
