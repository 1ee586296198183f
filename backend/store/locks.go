package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type lockRow struct {
	Key       string `gorm:"primaryKey"`
	Owner     string
	ExpiresAt time.Time
}

func (lockRow) TableName() string { return "job_locks" }

// TryLock takes the named lock for owner until ttl passes, unless someone else holds an
// unexpired one. It is one atomic upsert, so two replicas racing for it cannot both win.
// An owner that crashes loses the lock when its ttl runs out.
func (db *DB) TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	now := db.now().UTC()
	row := lockRow{Key: key, Owner: owner, ExpiresAt: now.Add(ttl)}
	res := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"owner", "expires_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Lt{Column: clause.Column{Table: "job_locks", Name: "expires_at"}, Value: now}}},
	}).Create(&row)
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// Unlock releases the lock if owner still holds it.
func (db *DB) Unlock(ctx context.Context, key, owner string) error {
	return db.gorm.WithContext(ctx).Where("key = ? AND owner = ?", key, owner).Delete(&lockRow{}).Error
}

// RenewLock extends owner's hold on the lock until ttl from now; false when owner no longer
// holds it (it expired and another replica took it).
func (db *DB) RenewLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&lockRow{}).Where("key = ? AND owner = ?", key, owner).
		Update("expires_at", db.now().UTC().Add(ttl))
	return res.RowsAffected == 1, res.Error
}

// LockOwners lists the owners holding locks, so that the locks of a process known to be
// dead can be released at once instead of when they expire.
func (db *DB) LockOwners(ctx context.Context) ([]string, error) {
	var owners []string
	err := db.gorm.WithContext(ctx).Model(&lockRow{}).Distinct("owner").Order("owner").Pluck("owner", &owners).Error
	return owners, err
}

// ReleaseLocksOf drops every lock an owner holds.
func (db *DB) ReleaseLocksOf(ctx context.Context, owner string) error {
	return db.gorm.WithContext(ctx).Where("owner = ?", owner).Delete(&lockRow{}).Error
}
