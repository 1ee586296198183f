package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.ScoreStore = (*DB)(nil)

// scoreDetails is the JSON in score_snapshots.details.
type scoreDetails struct {
	EvaluatedWeight float64                    `json:"evaluated_weight"`
	FailedWeight    float64                    `json:"failed_weight"`
	Contributors    []posture.ScoreContributor `json:"contributors"`
}

func saveScores(tx *gorm.DB, tenantID, targetID, runID int64, at time.Time, snaps []posture.ScoreSnapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	rows := make([]scoreRow, len(snaps))
	for i, s := range snaps {
		details, _ := json.Marshal(scoreDetails{EvaluatedWeight: s.EvaluatedWeight, FailedWeight: s.FailedWeight, Contributors: s.Contributors})
		rows[i] = scoreRow{
			TenantID: tenantID, TargetID: &targetID, RunID: &runID, ScopeKind: s.ScopeKind, ScopeKey: s.ScopeKey,
			Score: s.Score, ScoreWithoutExceptions: s.ScoreWithoutExceptions, Evaluated: s.Evaluated, Passed: s.Passed,
			Failed: s.Failed, NotApplicable: s.NotApplicable, NeedsAttestation: s.NeedsAttestation,
			Details: string(details), TakenAt: at,
		}
	}
	return tx.Omit("id").CreateInBatches(rows, batchSize).Error
}

func snapshotFromRow(r scoreRow) posture.ScoreSnapshot {
	var d scoreDetails
	_ = json.Unmarshal([]byte(r.Details), &d)
	s := posture.ScoreSnapshot{
		ID: r.ID, TenantID: r.TenantID, ScopeKind: r.ScopeKind, ScopeKey: r.ScopeKey, Score: r.Score,
		ScoreWithoutExceptions: r.ScoreWithoutExceptions, Evaluated: r.Evaluated, Passed: r.Passed, Failed: r.Failed,
		NotApplicable: r.NotApplicable, NeedsAttestation: r.NeedsAttestation, EvaluatedWeight: d.EvaluatedWeight,
		FailedWeight: d.FailedWeight, Contributors: d.Contributors, TakenAt: r.TakenAt,
	}
	if r.TargetID != nil {
		s.TargetID = *r.TargetID
	}
	if r.RunID != nil {
		s.RunID = *r.RunID
	}
	return s
}

// LatestScores returns every snapshot of the target's most recent scored run.
func (db *DB) LatestScores(ctx context.Context, tenantID, targetID int64) ([]posture.ScoreSnapshot, error) {
	var last []scoreRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND target_id = ? AND scope_kind = ?", tenantID, targetID, posture.ScopeOverall).
		Order("taken_at DESC, id DESC").Limit(1).Find(&last).Error; err != nil || len(last) == 0 {
		return nil, err
	}
	var rows []scoreRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND target_id = ? AND run_id = ?", tenantID, targetID, *last[0].RunID).
		Order("scope_kind, scope_key").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.ScoreSnapshot, len(rows))
	for i, r := range rows {
		out[i] = snapshotFromRow(r)
	}
	return out, nil
}

// ScoreHistory returns one scope's snapshots of a target since a time, oldest first.
func (db *DB) ScoreHistory(ctx context.Context, tenantID, targetID int64, kind, key string, since time.Time) ([]posture.ScoreSnapshot, error) {
	var rows []scoreRow
	if err := db.gorm.WithContext(ctx).
		Where("tenant_id = ? AND target_id = ? AND scope_kind = ? AND scope_key = ? AND taken_at >= ?", tenantID, targetID, kind, key, since.UTC()).
		Order("taken_at, id").Limit(10000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.ScoreSnapshot, len(rows))
	for i, r := range rows {
		out[i] = snapshotFromRow(r)
	}
	return out, nil
}
