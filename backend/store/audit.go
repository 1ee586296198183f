package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var (
	_ posture.AuditLog    = (*DB)(nil)
	_ posture.AuditReader = (*DB)(nil)
)

// auditGenesis is the prev_hash of the first entry.
const auditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// auditLockKey serializes appends on PostgreSQL so that two writers cannot fork the chain.
// SQLite needs nothing: its IMMEDIATE transactions already admit one writer at a time.
const auditLockKey = 0x70616c6164

// auditHash chains an entry to its predecessor over a canonical encoding of every field.
func auditHash(prev string, r auditRow) string {
	tenant := ""
	if r.TenantID != nil {
		tenant = strconv.FormatInt(*r.TenantID, 10)
	}
	canon, _ := json.Marshal([]string{
		prev, tenant, r.Actor, r.Action, r.Object, r.Before, r.After, r.RemoteIP, r.RequestID,
		r.At.UTC().Format(time.RFC3339Nano),
	})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// Append adds an entry at the end of the chain, in a transaction of its own: for events that
// change nothing else (a login, a refusal). A change's entry goes into the change's
// transaction instead (posture.AuditIntent).
func (db *DB) Append(ctx context.Context, e *posture.AuditEntry) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return db.appendAudit(tx, e) })
}

// appendAudit adds e at the end of the chain within tx.
func (db *DB) appendAudit(tx *gorm.DB, e *posture.AuditEntry) error {
	if e.Action == "" || e.Actor == "" {
		return posture.Errorf(posture.EINVALID, "audit entry needs an actor and an action")
	}
	at := e.At
	if at.IsZero() {
		at = db.now()
	}
	// Microseconds: what PostgreSQL keeps, so the hash recomputes from the stored row.
	at = at.UTC().Truncate(time.Microsecond)
	if db.dialect == Postgres {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", auditLockKey).Error; err != nil {
			return err
		}
	}
	prev := auditGenesis
	var last []auditRow
	if err := tx.Order("id DESC").Limit(1).Find(&last).Error; err != nil {
		return err
	}
	if len(last) == 1 {
		prev = last[0].Hash
	}
	row := auditRow{TenantID: e.TenantID, Actor: e.Actor, Action: e.Action, Object: e.Object, Before: e.Before,
		After: e.After, RemoteIP: e.RemoteIP, RequestID: e.RequestID, At: at, PrevHash: prev}
	row.Hash = auditHash(prev, row)
	if err := tx.Omit("id").Create(&row).Error; err != nil {
		return err
	}
	e.ID, e.At, e.PrevHash, e.Hash = row.ID, at, row.PrevHash, row.Hash
	return nil
}

// Verify recomputes the chain in id order. A modified row fails its own hash; a deleted row
// breaks the next row's link to its predecessor.
func (db *DB) Verify(ctx context.Context) (*posture.AuditBreak, error) {
	prev := auditGenesis
	var after int64
	for {
		var rows []auditRow
		if err := db.gorm.WithContext(ctx).Where("id > ?", after).Order("id").Limit(1000).Find(&rows).Error; err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, nil
		}
		for _, r := range rows {
			if r.ID != after+1 {
				// Ids are never reused and appends never roll back after taking one (they
				// run detached from request cancellation), so a gap is a deletion: this
				// also catches the newest entries deleted before another was appended.
				return &posture.AuditBreak{EntryID: r.ID, Reason: fmt.Sprintf("entries %d to %d are missing (deleted)", after+1, r.ID-1)}, nil
			}
			if r.PrevHash != prev {
				return &posture.AuditBreak{EntryID: r.ID, Reason: "link to the previous entry is broken (an entry before it was deleted or changed)"}, nil
			}
			if auditHash(prev, r) != r.Hash {
				return &posture.AuditBreak{EntryID: r.ID, Reason: "entry content does not match its hash (it was modified)"}, nil
			}
			prev, after = r.Hash, r.ID
		}
	}
}

// AuditHead returns the newest entry's id and hash ("" and 0 for an empty log). Kept outside
// the database (a ticket, a SIEM, the server log), it lets `audit verify --expect-head`
// detect the deletion of the newest entries, which no chain inside the database can.
func (db *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var last []auditRow
	if err := db.gorm.WithContext(ctx).Order("id DESC").Limit(1).Find(&last).Error; err != nil {
		return 0, "", err
	}
	if len(last) == 0 {
		return 0, "", nil
	}
	return last[0].ID, last[0].Hash, nil
}

// AuditHash returns one entry's stored hash, ENOTFOUND when the entry is gone.
func (db *DB) AuditHash(ctx context.Context, id int64) (string, error) {
	var row auditRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return "", notFound(err, "audit entry")
	}
	return row.Hash, nil
}

// ExportAudit streams every audit entry in chain order to fn, a page at a time.
func (db *DB) ExportAudit(ctx context.Context, fn func(posture.AuditEntry) error) error {
	var after int64
	for {
		var rows []auditRow
		if err := db.gorm.WithContext(ctx).Where("id > ?", after).Order("id").Limit(1000).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			if err := fn(auditFromRow(r)); err != nil {
				return err
			}
			after = r.ID
		}
	}
}

func auditFromRow(r auditRow) posture.AuditEntry {
	return posture.AuditEntry{ID: r.ID, TenantID: r.TenantID, Actor: r.Actor, Action: r.Action, Object: r.Object,
		Before: r.Before, After: r.After, RemoteIP: r.RemoteIP, RequestID: r.RequestID, At: r.At,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

// ListAudit returns one tenant's entries newest first (by id, the chain order), continuing
// below f.BeforeID. Since is inclusive and Until exclusive.
func (db *DB) ListAudit(ctx context.Context, f posture.AuditFilter) ([]posture.AuditEntry, error) {
	limit := f.Limit
	switch {
	case f.TenantID == 0:
		return nil, posture.Errorf(posture.EINVALID, "audit listing needs a tenant")
	case limit > 1000:
		return nil, posture.Errorf(posture.EINVALID, "limit must be at most 1000")
	case limit <= 0:
		limit = 100
	}
	q := db.gorm.WithContext(ctx).Where("tenant_id = ?", f.TenantID)
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where(`action LIKE ? ESCAPE '\'`, likeEscape(f.Action)+"%")
	}
	// UTC: SQLite compares the stored text, which the driver writes with the zone offset.
	if f.Since != nil {
		q = q.Where("at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("at < ?", f.Until.UTC())
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = auditFromRow(r)
	}
	return out, nil
}
