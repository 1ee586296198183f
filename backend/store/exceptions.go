package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.ExceptionStore = (*DB)(nil)

// maxExceptionTerm bounds how long an exception may suppress anything before someone must
// look at it again.
const maxExceptionTerm = 1 // year

func exceptionFromRow(r exceptionRow) *posture.Exception {
	return &posture.Exception{ID: r.ID, TenantID: r.TenantID, FindingID: r.FindingID, CheckID: r.CheckID, TargetID: r.TargetID,
		Namespace: r.Namespace, LabelSelector: r.LabelSelector, Reason: r.Reason, RequestedBy: r.RequestedBy,
		ApprovedBy: r.ApprovedBy, ApprovedAt: r.ApprovedAt, Status: posture.ExceptionStatus(r.Status),
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
}

func validateException(e *posture.Exception, now time.Time) error {
	switch {
	case e.TenantID == 0:
		return posture.Errorf(posture.EINVALID, "an exception needs a tenant")
	case strings.TrimSpace(e.Reason) == "" || utf8.RuneCountInString(e.Reason) > 2000:
		return posture.Errorf(posture.EINVALID, "an exception needs a reason of at most 2000 characters")
	case strings.TrimSpace(e.RequestedBy) == "":
		return posture.Errorf(posture.EINVALID, "an exception needs a requester")
	case !e.ExpiresAt.After(now):
		return posture.Errorf(posture.EINVALID, "an exception must expire in the future")
	case e.ExpiresAt.After(now.AddDate(maxExceptionTerm, 0, 0)):
		return posture.Errorf(posture.EINVALID, "an exception may last at most %d year", maxExceptionTerm)
	case (e.FindingID != nil) == (e.CheckID != ""):
		return posture.Errorf(posture.EINVALID, "an exception covers either one finding or one check, not both or neither")
	case e.FindingID != nil && (e.TargetID != nil || e.Namespace != "" || e.LabelSelector != ""):
		return posture.Errorf(posture.EINVALID, "a finding exception takes no target, namespace or label selector")
	case utf8.RuneCountInString(e.LabelSelector) > 1000 || len(e.CheckID) > 200 || len(e.Namespace) > 253:
		return posture.Errorf(posture.EINVALID, "exception scope is too long")
	}
	return nil
}

// CreateException records a request; it suppresses nothing until approved.
func (db *DB) CreateException(ctx context.Context, e *posture.Exception) error {
	now := dbStamp(db.now())
	if err := validateException(e, now); err != nil {
		return err
	}
	row := exceptionRow{TenantID: e.TenantID, FindingID: e.FindingID, CheckID: e.CheckID, TargetID: e.TargetID,
		Namespace: e.Namespace, LabelSelector: e.LabelSelector, Reason: e.Reason, RequestedBy: e.RequestedBy,
		Status: string(posture.ExceptionPending), ExpiresAt: dbStamp(e.ExpiresAt), CreatedAt: now}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		// Whatever it points at must be the tenant's own: the foreign key checks the finding,
		// nothing checks the target, and a clear ENOTFOUND beats a constraint error.
		if e.FindingID != nil {
			if err := exists(tx, &findingRow{}, e.TenantID, *e.FindingID, "finding"); err != nil {
				return err
			}
		}
		if e.TargetID != nil {
			if err := exists(tx, &targetRow{}, e.TenantID, *e.TargetID, "target"); err != nil {
				return err
			}
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return err
	}
	*e = *exceptionFromRow(row)
	return nil
}

// exists is ENOTFOUND unless the tenant has a row with the id in model's table.
func exists(tx *gorm.DB, model any, tenantID, id int64, what string) error {
	var n int64
	if err := tx.Model(model).Where("tenant_id = ? AND id = ?", tenantID, id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return posture.Errorf(posture.ENOTFOUND, "%s not found", what)
	}
	return nil
}

// Exception reads one exception of a tenant.
func (db *DB) Exception(ctx context.Context, tenantID, id int64) (*posture.Exception, error) {
	var row exceptionRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "exception")
	}
	return exceptionFromRow(row), nil
}

// ListExceptions returns a tenant's exceptions, newest first.
func (db *DB) ListExceptions(ctx context.Context, tenantID int64) ([]posture.Exception, error) {
	var rows []exceptionRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.Exception, len(rows))
	for i, r := range rows {
		out[i] = *exceptionFromRow(r)
	}
	return out, nil
}

// exceptionMoves are the decisions a person can make, from each status.
var exceptionMoves = map[posture.ExceptionStatus][]posture.ExceptionStatus{
	posture.ExceptionPending:  {posture.ExceptionApproved, posture.ExceptionRejected},
	posture.ExceptionApproved: {posture.ExceptionRevoked},
}

// DecideException approves, rejects or revokes. Approval takes a second person (four eyes)
// and an exception that has not expired yet.
func (db *DB) DecideException(ctx context.Context, tenantID, id int64, to posture.ExceptionStatus, actor string) (*posture.Exception, error) {
	switch {
	case strings.TrimSpace(actor) == "":
		return nil, posture.Errorf(posture.EINVALID, "a decision needs an actor")
	case to != posture.ExceptionApproved && to != posture.ExceptionRejected && to != posture.ExceptionRevoked:
		return nil, posture.Errorf(posture.EINVALID, "an exception can be approved, rejected or revoked, not %q", to)
	}
	var row exceptionRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("tenant_id = ? AND id = ?", tenantID, id)
		if db.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"}) // two deciders: one wins, one conflicts
		}
		if err := q.Take(&row).Error; err != nil {
			return notFound(err, "exception")
		}
		now := dbStamp(db.now())
		from := posture.ExceptionStatus(row.Status)
		if !slices.Contains(exceptionMoves[from], to) {
			return posture.Errorf(posture.ECONFLICT, "exception %d is %s and cannot become %s", id, from, to)
		}
		if to == posture.ExceptionApproved {
			if strings.EqualFold(strings.TrimSpace(actor), strings.TrimSpace(row.RequestedBy)) {
				return posture.Errorf(posture.EFORBIDDEN, "an exception cannot be approved by its requester")
			}
			if !now.Before(row.ExpiresAt) {
				return posture.Errorf(posture.ECONFLICT, "exception %d expired and cannot be approved", id)
			}
			row.ApprovedBy, row.ApprovedAt = actor, &now
		}
		row.Status = string(to)
		posture.AuditIntentOf(ctx).SetResult(exceptionFromRow(row))
		return tx.Model(&exceptionRow{}).Where("tenant_id = ? AND id = ?", tenantID, id).
			Updates(map[string]any{"status": row.Status, "approved_by": row.ApprovedBy, "approved_at": row.ApprovedAt}).Error
	})
	if err != nil {
		return nil, err
	}
	return exceptionFromRow(row), nil
}

// ActiveExceptions returns a tenant's approved, unexpired exceptions, with the fingerprint
// of the finding for finding-level ones, for a run to apply.
func (db *DB) ActiveExceptions(ctx context.Context, tenantID int64) ([]posture.ActiveException, error) {
	var rows []exceptionRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND status = ? AND expires_at > ?", tenantID,
		posture.ExceptionApproved, db.now().UTC()).Find(&rows).Error; err != nil {
		return nil, err
	}
	var findingIDs []int64
	for _, r := range rows {
		if r.FindingID != nil {
			findingIDs = append(findingIDs, *r.FindingID)
		}
	}
	fingerprints, err := findingColumn(ctx, db.gorm, tenantID, "fingerprint", findingIDs)
	if err != nil {
		return nil, err
	}
	out := make([]posture.ActiveException, 0, len(rows))
	for _, r := range rows {
		a := posture.ActiveException{Exception: *exceptionFromRow(r)}
		if r.FindingID != nil {
			fp, ok := fingerprints[*r.FindingID]
			if !ok {
				continue // the finding is gone with its target
			}
			a.Fingerprint = fp
		}
		out = append(out, a)
	}
	return out, nil
}

// ExpireExceptions marks approved exceptions past their expiry as expired and returns
// them: their findings come back at the next run, and the caller raises the alerts.
func (db *DB) ExpireExceptions(ctx context.Context) ([]posture.Exception, error) {
	now := db.now().UTC()
	var out []posture.Exception
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var rows []exceptionRow
		if err := tx.Where("status = ? AND expires_at <= ?", posture.ExceptionApproved, now).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := tx.Model(&exceptionRow{}).Where("id = ?", r.ID).Update("status", posture.ExceptionExpired).Error; err != nil {
				return err
			}
			e := exceptionFromRow(r)
			e.Status = posture.ExceptionExpired
			if err := queueSystemAlert(tx, e.TenantID, alerting.KindExceptionExpired, posture.SeverityMedium,
				fmt.Sprintf("exception %d expired: %s", e.ID, e.Reason), fmt.Sprintf("exception_expired:%d", e.ID), now); err != nil {
				return err
			}
			out = append(out, *e)
		}
		return nil
	})
	return out, err
}
