package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

// Drift, alerts and their deliveries are written in the run's own transaction: a run that
// is recorded has its alerts queued, and a crash loses neither (the outbox worker sends
// what is queued, after a restart too).

type driftEventRow struct {
	ID        int64
	TenantID  int64
	TargetID  int64
	RunID     int64
	PrevRunID *int64
	Kind      string
	Severity  int
	AssetKey  string
	CheckID   string
	Summary   string
	Details   string
	CreatedAt time.Time
}

func (driftEventRow) TableName() string { return "drift_events" }

type alertRuleRow struct {
	ID          int64
	TenantID    int64
	Name        string
	MinSeverity int
	Selectors   string
	ChannelID   int64
	Digest      bool
	Enabled     bool
	CreatedAt   time.Time
}

func (alertRuleRow) TableName() string { return "alert_rules" }

// ruleSelectors is the JSON of alert_rules.selectors.
type ruleSelectors struct {
	Checks  []string `json:"checks,omitempty"`
	Areas   []string `json:"areas,omitempty"`
	Targets []int64  `json:"targets,omitempty"`
	Kinds   []string `json:"kinds,omitempty"`
}

type alertRow struct {
	ID        int64
	TenantID  int64
	Source    string
	SourceID  *int64
	Severity  int
	Title     string
	Body      string
	DedupKey  string
	CreatedAt time.Time
}

func (alertRow) TableName() string { return "alerts" }

type outboxRow struct {
	ID            int64
	TenantID      int64
	ChannelID     int64
	AlertID       *int64
	DedupKey      string
	Payload       string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LockedUntil   *time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

func (outboxRow) TableName() string { return "notification_outbox" }

// previousComplete is the newest complete run of the target before this one, and its overall
// snapshot (nil when it stored none).
func previousComplete(tx *gorm.DB, tenantID, targetID, runID int64) (int64, *posture.ScoreSnapshot, error) {
	var runs []runRow
	if err := tx.Where("tenant_id = ? AND target_id = ? AND status = ? AND id <> ?", tenantID, targetID, posture.RunComplete, runID).
		Order("started_at DESC, id DESC").Limit(1).Find(&runs).Error; err != nil || len(runs) == 0 {
		return 0, nil, err
	}
	var snaps []scoreRow
	if err := tx.Where("tenant_id = ? AND run_id = ? AND scope_kind = ?", tenantID, runs[0].ID, posture.ScopeOverall).
		Limit(1).Find(&snaps).Error; err != nil || len(snaps) == 0 {
		return runs[0].ID, nil, err
	}
	s := snapshotFromRow(snaps[0])
	return runs[0].ID, &s, nil
}

// scoreDrop is the score_drop event of a complete run whose overall numbers regressed from
// the previous complete run's (both computed by one model), or nil.
func scoreDrop(prev *posture.ScoreSnapshot, snaps []posture.ScoreSnapshot, weights posture.Weights) *alerting.ScoreDrop {
	if prev == nil {
		return nil
	}
	for _, s := range snaps {
		if s.ScopeKind != posture.ScopeOverall {
			continue
		}
		if s.Model == 0 {
			s.Model = scoring.Model
		}
		reg, ok := scoring.Regressed(*prev, s, weights)
		if !ok {
			return nil
		}
		return &alerting.ScoreDrop{Severity: reg.Severity, Summary: reg.Summary(), Details: map[string]string{
			"risk_from": fmt.Sprintf("%.1f", reg.RiskFrom), "risk_to": fmt.Sprintf("%.1f", reg.RiskTo),
			"compliance_from": scoring.FormatCompliance(reg.ComplianceFrom), "compliance_to": scoring.FormatCompliance(reg.ComplianceTo),
			"model": fmt.Sprint(s.Model)}}
	}
	return nil
}

// raiseDrift stores a complete run's drift events and queues the alerts its rules select.
func raiseDrift(tx *gorm.DB, events []alerting.Event, at time.Time) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]driftEventRow, len(events))
	for i, e := range events {
		prev := e.PrevRunID
		rows[i] = driftEventRow{TenantID: e.TenantID, TargetID: e.TargetID, RunID: e.RunID, PrevRunID: &prev, Kind: e.Kind,
			Severity: int(e.Severity), AssetKey: e.AssetKey, CheckID: e.CheckID, Summary: truncateText(e.Summary, 1000),
			Details: detailsJSON(e.Details, e.Changes), CreatedAt: at}
	}
	if err := tx.Omit("id").CreateInBatches(rows, batchSize).Error; err != nil {
		return fmt.Errorf("drift events: %w", err)
	}
	rules, err := rulesOf(tx, events[0].TenantID, true)
	if err != nil || len(rules) == 0 {
		return err
	}
	var tenant tenantRow
	if err := tx.Where("id = ?", events[0].TenantID).Take(&tenant).Error; err != nil {
		return err
	}
	for _, r := range rules {
		var matched []alerting.Event
		for _, e := range events {
			if r.Matches(e) {
				matched = append(matched, e)
			}
		}
		if err := queue(tx, r, matched, tenant.Slug, at); err != nil {
			return err
		}
	}
	return nil
}

// detailsJSON is drift_events.details: the event's string facts, and its field changes
// under "changes".
func detailsJSON(details map[string]string, changes []alerting.FieldChange) string {
	m := make(map[string]any, len(details)+1)
	for k, v := range details {
		m[k] = v
	}
	if len(changes) > 0 {
		m["changes"] = changes
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// parseDetails reads drift_events.details back; what does not fit is left out.
func parseDetails(raw string) (map[string]string, []alerting.FieldChange) {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil {
		return map[string]string{}, nil
	}
	details := make(map[string]string, len(m))
	var changes []alerting.FieldChange
	for k, v := range m {
		if k == "changes" {
			_ = json.Unmarshal(v, &changes)
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			details[k] = s
		}
	}
	return details, changes
}

func rulesOf(tx *gorm.DB, tenantID int64, onlyEnabled bool) ([]alerting.Rule, error) {
	q := tx.Where("tenant_id = ?", tenantID)
	if onlyEnabled {
		q = q.Where("enabled")
	}
	var rows []alertRuleRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]alerting.Rule, len(rows))
	for i, r := range rows {
		var sel ruleSelectors
		_ = json.Unmarshal([]byte(r.Selectors), &sel)
		out[i] = alerting.Rule{ID: r.ID, TenantID: r.TenantID, Name: r.Name, MinSeverity: posture.Severity(r.MinSeverity),
			Checks: sel.Checks, Areas: sel.Areas, Targets: sel.Targets, Kinds: sel.Kinds, ChannelID: r.ChannelID,
			Digest: r.Digest, Enabled: r.Enabled}
	}
	return out, nil
}

// queue writes one alert and one delivery per matched event, or for a digest rule one of
// each for all of them. Dedup keys make a replayed run harmless.
func queue(tx *gorm.DB, r alerting.Rule, events []alerting.Event, tenant string, at time.Time) error {
	if len(events) == 0 {
		return nil
	}
	if r.Digest {
		msg := notify.Message{ID: fmt.Sprintf("digest:%d:rule:%d", events[0].RunID, r.ID), Kind: "digest", Tenant: tenant,
			Severity: maxSeverity(events).String(), CreatedAt: at,
			Title: fmt.Sprintf("%d changes in run %d (%s)", len(events), events[0].RunID, r.Name)}
		for _, e := range events {
			msg.Events = append(msg.Events, messageOf(e, tenant))
		}
		return enqueue(tx, r, msg, maxSeverity(events), at)
	}
	for _, e := range events {
		msg := messageOf(e, tenant)
		msg.ID = fmt.Sprintf("%s:rule:%d", e.DedupKey(), r.ID)
		if err := enqueue(tx, r, msg, e.Severity, at); err != nil {
			return err
		}
	}
	return nil
}

func messageOf(e alerting.Event, tenant string) notify.Message {
	fields := map[string]string{"target_id": fmt.Sprint(e.TargetID), "run_id": fmt.Sprint(e.RunID)}
	if e.CheckID != "" {
		fields["check"] = e.CheckID
	}
	if e.AssetKey != "" {
		fields["asset"] = e.AssetKey
	}
	if e.Namespace != "" {
		fields["namespace"] = e.Namespace
	}
	for k, v := range e.Details {
		fields[k] = v
	}
	text := e.Summary
	if len(e.Changes) == 1 {
		fields["field"], fields["before"], fields["after"] = e.Changes[0].Field, e.Changes[0].Before, e.Changes[0].After
	}
	for i, c := range e.Changes {
		if i == 20 {
			text += fmt.Sprintf("\n… and %d more changes", len(e.Changes)-20)
			break
		}
		text += "\n" + c.String()
	}
	return notify.Message{ID: e.DedupKey(), Kind: "drift." + e.Kind, Severity: e.Severity.String(), Tenant: tenant,
		Title: truncateText(e.Summary, 200), Text: text, Fields: fields, CreatedAt: e.At}
}

func maxSeverity(events []alerting.Event) posture.Severity {
	m := posture.SeverityInfo
	for _, e := range events {
		m = max(m, e.Severity)
	}
	return m
}

func enqueue(tx *gorm.DB, r alerting.Rule, msg notify.Message, sev posture.Severity, at time.Time) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	alert := alertRow{TenantID: r.TenantID, Source: "drift", Severity: int(sev), Title: truncateText(msg.Title, 500),
		Body: string(body), DedupKey: msg.ID, CreatedAt: at}
	res := tx.Omit("id").Clauses(clause.OnConflict{DoNothing: true}).Create(&alert)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return nil // already alerted: the run was recorded before
	}
	ob := outboxRow{TenantID: r.TenantID, ChannelID: r.ChannelID, AlertID: &alert.ID, DedupKey: msg.ID, Payload: string(body),
		Status: "pending", NextAttemptAt: at, CreatedAt: at}
	return tx.Omit("id").Clauses(clause.OnConflict{DoNothing: true}).Create(&ob).Error
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// queueSystemAlert raises an alert that no run caused (an expiry) through the tenant's
// rules that select its kind.
func queueSystemAlert(tx *gorm.DB, tenantID int64, kind string, sev posture.Severity, summary, key string, at time.Time) error {
	rules, err := rulesOf(tx, tenantID, true)
	if err != nil {
		return err
	}
	var tenant tenantRow
	if err := tx.Where("id = ?", tenantID).Take(&tenant).Error; err != nil {
		return err
	}
	e := alerting.Event{Kind: kind, Severity: sev, TenantID: tenantID, Summary: summary, At: at}
	for _, r := range rules {
		if !r.Matches(e) {
			continue
		}
		msg := notify.Message{ID: key + ":rule:" + fmt.Sprint(r.ID), Kind: kind, Severity: sev.String(), Tenant: tenant.Slug,
			Title: truncateText(summary, 200), Text: summary, CreatedAt: at}
		if err := enqueue(tx, r, msg, sev, at); err != nil {
			return err
		}
	}
	return nil
}
