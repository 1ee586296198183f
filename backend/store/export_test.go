package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

// StoreWatchedState writes st as the run's watched state of the target the way a complete
// run's transaction does at its end, without the "a later run's state is stored" check
// before it: what a run that lost the race with a later one does. It reports whether st
// was stored.
func (db *DB) StoreWatchedState(ctx context.Context, tenantID, targetID, runID int64, at time.Time, st *posture.WatchedState) (bool, error) {
	state, err := encodeWatched(st)
	if err != nil {
		return false, err
	}
	var stored bool
	err = db.tx(ctx, func(tx *gorm.DB) error {
		stored, err = storeWatched(tx, watchedStateRow{TenantID: tenantID, TargetID: targetID, RunID: runID,
			Version: st.Version, Objects: len(st.Objects), State: state, UpdatedAt: at})
		return err
	})
	return stored, err
}

// WatchedState reads the target's stored watched state and the run that stored it.
func (db *DB) WatchedState(ctx context.Context, tenantID, targetID int64) (int64, *posture.WatchedState, error) {
	var row watchedStateRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND target_id = ?", tenantID, targetID).Take(&row).Error; err != nil {
		return 0, nil, err
	}
	st, err := decodeWatched(row.State)
	return row.RunID, st, err
}
