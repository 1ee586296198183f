package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.SessionStore = (*DB)(nil)

// errSession is the one answer for every unusable session, so a caller cannot tell an
// unknown id from a revoked or expired one.
func errSession() error { return posture.Errorf(posture.EUNAUTHORIZED, "session expired or revoked") }

func sessionFromRow(r sessionRow) *posture.Session {
	return &posture.Session{ID: r.ID, UserID: r.UserID, CSRFToken: r.CSRFToken, IDTokenHint: r.IDTokenHint,
		RemoteIP: r.RemoteIP, UserAgent: r.UserAgent, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
		ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt}
}

// dbStamp is a time as the database keeps it: UTC, microseconds (PostgreSQL's precision), so
// what a caller is handed equals what it reads back.
func dbStamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// CreateSession stores a new session; CreatedAt and LastSeenAt default to now.
func (db *DB) CreateSession(ctx context.Context, s *posture.Session) error {
	switch {
	case s.ID == "" || s.UserID == 0 || s.CSRFToken == "":
		return posture.Errorf(posture.EINVALID, "a session needs an id, a user and a CSRF token")
	case s.ExpiresAt.IsZero():
		return posture.Errorf(posture.EINVALID, "a session needs an absolute expiry")
	}
	now := dbStamp(db.now())
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = now
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = dbStamp(s.CreatedAt), dbStamp(s.LastSeenAt), dbStamp(s.ExpiresAt)
	row := sessionRow{ID: s.ID, UserID: s.UserID, CSRFToken: s.CSRFToken, IDTokenHint: s.IDTokenHint, RemoteIP: s.RemoteIP,
		UserAgent: s.UserAgent, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return posture.WrapError(posture.ENOTFOUND, err, "user not found")
		}
		return conflict(err, "session already exists")
	}
	s.RevokedAt = nil
	return nil
}

// Session returns a live session. idle <= 0 turns the idle check off; the absolute expiry
// always applies. The checks run here, in Go, against the store's clock.
func (db *DB) Session(ctx context.Context, id string, idle time.Duration) (*posture.Session, error) {
	var rows []sessionRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errSession()
	}
	r, now := rows[0], db.now()
	if r.RevokedAt != nil || !now.Before(r.ExpiresAt) || (idle > 0 && now.Sub(r.LastSeenAt) > idle) {
		return nil, errSession()
	}
	return sessionFromRow(r), nil
}

// TouchSession records activity. It never moves last_seen_at back, and touching a revoked or
// unknown session does nothing: Session is what refuses it.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	return db.gorm.WithContext(ctx).Model(&sessionRow{}).
		Where("id = ? AND revoked_at IS NULL AND last_seen_at < ?", id, dbStamp(at)).
		Update("last_seen_at", dbStamp(at)).Error
}

// RevokeSession ends a session; revoking it again changes nothing.
func (db *DB) RevokeSession(ctx context.Context, id string) error {
	return db.gorm.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", dbStamp(db.now())).Error
}

// RevokeUserSessions ends every live session of a user and counts them; sessions already
// revoked or past their absolute expiry are not counted.
func (db *DB) RevokeUserSessions(ctx context.Context, userID int64) (int, error) {
	now := dbStamp(db.now())
	res := db.gorm.WithContext(ctx).Model(&sessionRow{}).
		Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, now).Update("revoked_at", now)
	return int(res.RowsAffected), res.Error
}

// User reads a user by id.
func (db *DB) User(ctx context.Context, id int64) (*posture.User, error) {
	var r userRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &posture.User{ID: r.ID, Issuer: r.Issuer, Subject: r.Subject, Email: r.Email, DisplayName: r.DisplayName,
		CreatedAt: r.CreatedAt, LastLoginAt: r.LastLoginAt}, nil
}
