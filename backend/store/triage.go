package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.FindingTriageStore = (*DB)(nil)

const maxTriageBatch = 1000

func validateFindingUpdate(u *posture.FindingUpdate) error {
	switch {
	case len(u.IDs) == 0 || len(u.IDs) > maxTriageBatch:
		return posture.Errorf(posture.EINVALID, "a finding update names 1-%d findings", maxTriageBatch)
	case u.Triage == nil && u.Assignee == nil:
		return posture.Errorf(posture.EINVALID, "a finding update changes the triage, the assignee or both")
	case u.Triage != nil && !u.Triage.Valid():
		return posture.Errorf(posture.EINVALID, "unknown triage %q", *u.Triage)
	case u.Assignee != nil && utf8.RuneCountInString(*u.Assignee) > 200:
		return posture.Errorf(posture.EINVALID, "assignee must be at most 200 characters")
	case strings.TrimSpace(u.Actor) == "":
		return posture.Errorf(posture.EINVALID, "a finding update needs an actor")
	case utf8.RuneCountInString(u.Note) > 2000:
		return posture.Errorf(posture.EINVALID, "note must be at most 2000 characters")
	}
	return nil
}

type triageState struct {
	ID       int64
	Triage   string
	Assignee string
}

// UpdateFindings applies a triage change to findings of one tenant, all or nothing, and
// returns them in the order asked. A finding the change leaves as it was gets no event
// unless the update carries a note.
func (db *DB) UpdateFindings(ctx context.Context, tenantID int64, u posture.FindingUpdate) ([]posture.Finding, error) {
	if err := validateFindingUpdate(&u); err != nil {
		return nil, err
	}
	ids := dedupeIDs(u.IDs)
	var rows []findingRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&findingRow{}).Select("id, triage, assignee").Where("tenant_id = ? AND id IN ?", tenantID, ids)
		if db.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"}) // the event notes name the old values
		}
		var cur []triageState
		if err := q.Find(&cur).Error; err != nil {
			return err
		}
		if err := allFound(ids, cur); err != nil {
			return err
		}
		set := map[string]any{}
		if u.Triage != nil {
			set["triage"] = string(*u.Triage)
		}
		if u.Assignee != nil {
			set["assignee"] = *u.Assignee
		}
		if err := tx.Model(&findingRow{}).Where("tenant_id = ? AND id IN ?", tenantID, ids).Updates(set).Error; err != nil {
			return err
		}
		if err := db.triageEvents(tx, tenantID, u, cur); err != nil {
			return err
		}
		posture.AuditIntentOf(ctx).SetResult(ids)
		return tx.Select(findingColumns).Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]findingRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]posture.Finding, len(ids))
	for i, id := range ids {
		out[i] = findingFromRow(byID[id])
	}
	return out, nil
}

func dedupeIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// allFound names the first requested id the tenant does not have, which is also how another
// tenant's finding looks.
func allFound(ids []int64, got []triageState) error {
	have := make(map[int64]bool, len(got))
	for _, g := range got {
		have[g.ID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return posture.Errorf(posture.ENOTFOUND, "finding %d not found", id)
		}
	}
	return nil
}

// triageEvents writes a status_changed event per finding the update changed (or noted),
// saying what changed from what.
func (db *DB) triageEvents(tx *gorm.DB, tenantID int64, u posture.FindingUpdate, cur []triageState) error {
	at := dbStamp(db.now())
	var events []findingEventRow
	for _, c := range cur {
		var parts []string
		if u.Triage != nil && string(*u.Triage) != c.Triage {
			parts = append(parts, fmt.Sprintf("triage %s -> %s", c.Triage, *u.Triage))
		}
		if u.Assignee != nil && *u.Assignee != c.Assignee {
			parts = append(parts, fmt.Sprintf("assignee %q -> %q", c.Assignee, *u.Assignee))
		}
		if u.Note != "" {
			parts = append(parts, "note: "+u.Note)
		}
		if len(parts) == 0 {
			continue
		}
		events = append(events, findingEventRow{TenantID: tenantID, FindingID: c.ID, Kind: string(posture.EventStatus),
			Actor: u.Actor, Note: strings.Join(parts, "; "), At: at})
	}
	if len(events) == 0 {
		return nil
	}
	return tx.Omit("id").CreateInBatches(events, batchSize).Error
}
