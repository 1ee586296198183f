package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.RunStore = (*DB)(nil)

func runFromRow(r runRow) posture.Run {
	run := posture.Run{
		ID: r.ID, TenantID: r.TenantID, TargetID: r.TargetID, Status: posture.RunStatus(r.Status),
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Assets: r.AssetsCount, Evaluated: r.EvaluatedCount,
		Failed: r.FailedCount, Opened: r.OpenedCount, Resolved: r.ResolvedCount, Reopened: r.ReopenedCount,
		Owner: r.Owner, HeartbeatAt: r.HeartbeatAt,
	}
	_ = json.Unmarshal([]byte(r.Errors), &run.Errors)
	return run
}

// StartRun records that a collection of a target began.
func (db *DB) StartRun(ctx context.Context, tenantID, targetID int64, trigger string, at time.Time) (*posture.Run, error) {
	if _, err := db.Target(ctx, tenantID, targetID); err != nil {
		return nil, err
	}
	beat := dbStamp(at)
	row := runRow{TenantID: tenantID, TargetID: targetID, Status: string(posture.RunRunning), Trigger: trigger, StartedAt: at.UTC(),
		Errors: "[]", Owner: db.owner, HeartbeatAt: &beat}
	var run posture.Run
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		run = runFromRow(row)
		posture.AuditIntentOf(ctx).SetResult(&run)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// Run reads one run of a tenant.
func (db *DB) Run(ctx context.Context, tenantID, id int64) (*posture.Run, error) {
	var row runRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "run")
	}
	run := runFromRow(row)
	return &run, nil
}

// ListRuns returns a target's most recent runs first.
func (db *DB) ListRuns(ctx context.Context, tenantID, targetID int64, limit int) ([]posture.Run, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []runRow
	err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND target_id = ?", tenantID, targetID).
		Order("started_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]posture.Run, len(rows))
	for i, r := range rows {
		out[i] = runFromRow(r)
	}
	return out, nil
}

// LastCompleteRun returns the newest complete run of a target, or nil.
func (db *DB) LastCompleteRun(ctx context.Context, tenantID, targetID int64) (*posture.Run, error) {
	var rows []runRow
	err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND target_id = ? AND status = ?", tenantID, targetID, posture.RunComplete).
		Order("started_at DESC, id DESC").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	run := runFromRow(rows[0])
	return &run, nil
}

// FinishRun persists a run's outcome in one transaction. See lifecycle.go for the rules.
func (db *DB) FinishRun(ctx context.Context, tenantID, runID int64, out posture.RunOutcome) (*posture.Run, error) {
	switch out.Status {
	case posture.RunComplete, posture.RunPartial, posture.RunFailed:
	default:
		return nil, posture.Errorf(posture.EINVALID, "a run must finish complete, partial or failed, not %q", out.Status)
	}
	if out.FinishedAt.IsZero() {
		out.FinishedAt = db.now()
	}
	out.FinishedAt = out.FinishedAt.UTC().Truncate(time.Microsecond)
	var plan *watchedPlan
	if out.Status == posture.RunComplete && out.Watched != nil {
		// Config drift is worked out before the transaction; configDrift checks in it that
		// the stored state it compared with is still the one stored.
		var row runRow
		if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, runID).Take(&row).Error; err == nil &&
			row.Status == string(posture.RunRunning) {
			var err error
			if plan, err = planConfigDrift(db.gorm.WithContext(ctx), tenantID, row.TargetID, runID, out.FinishedAt, out.Watched); err != nil {
				return nil, err
			}
		}
	}
	var result posture.Run
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row runRow
		if err := tx.Where("tenant_id = ? AND id = ?", tenantID, runID).Take(&row).Error; err != nil {
			return notFound(err, "run")
		}
		if row.Status != string(posture.RunRunning) {
			return posture.Errorf(posture.ECONFLICT, "run %d already finished (%s)", runID, row.Status)
		}
		counts := lifecycleCounts{}
		if out.Status != posture.RunFailed {
			lc := &lifecycle{tx: tx, tenantID: tenantID, targetID: row.TargetID, runID: runID, at: out.FinishedAt, dialect: db.dialect}
			var prevRun int64
			var prevScore *posture.ScoreSnapshot
			if out.Status == posture.RunComplete {
				var err error
				if prevRun, prevScore, err = previousComplete(tx, tenantID, row.TargetID, runID); err != nil {
					return err
				}
				lc.trackChanges, lc.csaOf = prevRun != 0, map[string][]string{}
			}
			var err error
			if counts, err = lc.apply(out); err != nil {
				return err
			}
			if err := saveScores(tx, tenantID, row.TargetID, runID, out.FinishedAt, out.Scores); err != nil {
				return err
			}
			if out.Status == posture.RunComplete {
				events := alerting.Drift(tenantID, row.TargetID, runID, prevRun, out.FinishedAt, lc.changes,
					scoreDrop(prevScore, out.Scores, out.Weights))
				cfg, err := configDrift(tx, tenantID, row.TargetID, runID, out.FinishedAt, out.Watched, plan)
				if err != nil {
					return err
				}
				if err := raiseDrift(tx, append(events, cfg...), out.FinishedAt); err != nil {
					return err
				}
				if err := followTickets(tx, tenantID, row.TargetID, out.FinishedAt); err != nil {
					return err
				}
			}
		}
		row.Status = string(out.Status)
		row.FinishedAt = &out.FinishedAt
		row.AssetsCount, row.EvaluatedCount, row.FailedCount = counts.assets, counts.evaluated, counts.failed
		row.OpenedCount, row.ResolvedCount, row.ReopenedCount = counts.opened, counts.resolved, counts.reopened
		row.Errors = jsonList(out.Errors)
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		result = runFromRow(row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &result, nil
}

// HeartbeatRun records that the process collecting a run is still at work on it.
func (db *DB) HeartbeatRun(ctx context.Context, tenantID, runID int64, at time.Time) error {
	return db.gorm.WithContext(ctx).Model(&runRow{}).Where("tenant_id = ? AND id = ? AND status = ?", tenantID, runID, posture.RunRunning).
		Update("heartbeat_at", dbStamp(at)).Error
}

var _ posture.RunReconciler = (*DB)(nil)

// RunningRuns lists the runs still marked running, in every tenant (the reconciler's view).
func (db *DB) RunningRuns(ctx context.Context) ([]posture.Run, error) {
	var rows []runRow
	if err := db.gorm.WithContext(ctx).Where("status = ?", posture.RunRunning).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.Run, len(rows))
	for i, r := range rows {
		out[i] = runFromRow(r)
	}
	return out, nil
}

// InterruptRun ends a run that is still running, still owned by owner and silent since
// before staleBefore, as failed with the reason. Nothing of it is recorded but that: its
// findings stay as the last finished run left them.
func (db *DB) InterruptRun(ctx context.Context, tenantID, runID int64, owner string, staleBefore time.Time, reason string) (bool, error) {
	now := dbStamp(db.now())
	errs := jsonList([]posture.CollectionError{{Source: posture.InterruptedSource, Message: reason}})
	res := db.gorm.WithContext(ctx).Model(&runRow{}).
		Where("tenant_id = ? AND id = ? AND status = ? AND owner = ? AND (heartbeat_at IS NULL OR heartbeat_at < ?)",
			tenantID, runID, posture.RunRunning, owner, dbStamp(staleBefore)).
		Updates(map[string]any{"status": string(posture.RunFailed), "finished_at": now, "errors": errs})
	return res.RowsAffected == 1, res.Error
}
