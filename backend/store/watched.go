package store

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

// The watched configuration of each target's latest complete run (migration 00007): one
// row per target, the whole posture.WatchedState as gzip-compressed JSON. A complete run
// compares its own state with it (config drift) and replaces it, in the run's transaction;
// partial and failed runs do neither.

type watchedStateRow struct {
	TenantID  int64 `gorm:"primaryKey;autoIncrement:false"`
	TargetID  int64 `gorm:"primaryKey;autoIncrement:false"`
	RunID     int64
	Version   int
	Objects   int
	State     []byte
	UpdatedAt time.Time
}

func (watchedStateRow) TableName() string { return "watched_states" }

// maxWatchedJSON bounds a stored state once decompressed (watch.MaxBytes bounds its values;
// JSON adds keys and quotes).
const maxWatchedJSON = 256 << 20

func encodeWatched(st *posture.WatchedState) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(st); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeWatched(b []byte) (*posture.WatchedState, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	raw, err := io.ReadAll(io.LimitReader(zr, maxWatchedJSON+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxWatchedJSON {
		return nil, fmt.Errorf("watched state over %d bytes", maxWatchedJSON)
	}
	var st posture.WatchedState
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// watchedPlan is a complete run's config drift worked out from the stored state of the
// target's previous complete run: the events and the new state, encoded.
type watchedPlan struct {
	storedRun int64 // the run whose state was compared with; 0: none was stored
	skip      bool  // a later run's state is stored (runs recorded out of order): leave it
	events    []alerting.Event
	state     []byte
}

// planConfigDrift compares cur with the stored state and encodes cur. No stored state (the
// first watched run) is the baseline: no events. A stored state that cannot be read is
// replaced without events rather than failing the run. FinishRun calls it before the run's
// transaction (at 20,000 workloads, decoding, comparing and encoding take most of a second
// that the transaction need not hold its locks for) and again inside it should another
// run have stored a state in between.
func planConfigDrift(q *gorm.DB, tenantID, targetID, runID int64, at time.Time, cur *posture.WatchedState) (*watchedPlan, error) {
	var rows []watchedStateRow
	if err := q.Where("tenant_id = ? AND target_id = ?", tenantID, targetID).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("watched state: %w", err)
	}
	p := &watchedPlan{}
	if len(rows) == 1 {
		p.storedRun = rows[0].RunID
		if rows[0].RunID > runID {
			p.skip = true
			return p, nil
		}
		if prev, err := decodeWatched(rows[0].State); err == nil {
			alerting.CarryDigests(prev, cur)
			p.events = alerting.ConfigDrift(tenantID, targetID, runID, rows[0].RunID, at, prev, cur)
		}
	}
	var err error
	if p.state, err = encodeWatched(cur); err != nil {
		return nil, fmt.Errorf("watched state: %w", err)
	}
	return p, nil
}

// configDrift stores a complete run's watched state in its transaction and returns its
// config_drift events, from plan when the stored state is still the one plan compared
// with, else worked out again.
func configDrift(tx *gorm.DB, tenantID, targetID, runID int64, at time.Time, cur *posture.WatchedState, plan *watchedPlan) ([]alerting.Event, error) {
	if cur == nil {
		return nil, nil
	}
	var stored []watchedStateRow
	if err := tx.Select("run_id").Where("tenant_id = ? AND target_id = ?", tenantID, targetID).Limit(1).Find(&stored).Error; err != nil {
		return nil, fmt.Errorf("watched state: %w", err)
	}
	storedRun := int64(0)
	if len(stored) == 1 {
		storedRun = stored[0].RunID
	}
	if plan == nil || plan.storedRun != storedRun {
		var err error
		if plan, err = planConfigDrift(tx, tenantID, targetID, runID, at, cur); err != nil {
			return nil, err
		}
	}
	if plan.skip {
		return nil, nil
	}
	row := watchedStateRow{TenantID: tenantID, TargetID: targetID, RunID: runID, Version: cur.Version, Objects: len(cur.Objects),
		State: plan.state, UpdatedAt: at}
	ok, err := storeWatched(tx, row)
	if err != nil {
		return nil, err
	}
	if !ok {
		// A later run stored its state after the check above (two complete runs of the
		// target finishing at once): leave it, as plan.skip does.
		return nil, nil
	}
	return plan.events, nil
}

// storeWatched inserts or replaces the target's watched state with row unless the stored
// one is of the same or a later run, and reports whether it did. The run_id guard is part
// of the upsert, so it holds however concurrent runs interleave: on PostgreSQL the update
// waits for a concurrent writer of the row and re-checks the guard against what it wrote.
func storeWatched(tx *gorm.DB, row watchedStateRow) (bool, error) {
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "tenant_id"}, {Name: "target_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"run_id", "version", "objects", "state", "updated_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "watched_states.run_id < excluded.run_id"}}},
	}).Create(&row)
	if res.Error != nil {
		return false, fmt.Errorf("watched state: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}
