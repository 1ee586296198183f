package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/posture"
)

// The findings lifecycle, applied inside the run's transaction:
//
//   - every asset seen is upserted by (target, key); a complete run marks unseen assets gone;
//   - every failed result is upserted by fingerprint: new ones open, resolved ones reopen,
//     open ones are touched (last_seen, last_run_id, and message/evidence when changed);
//   - only a complete run resolves open findings it did not see; a partial run resolves
//     nothing, because "not seen" may mean "could not look";
//   - each transition writes a finding event.
//
// Work is done in batches so that 200,000 findings is a few hundred statements, not 200,000.

const batchSize = 500

type lifecycle struct {
	tx       *gorm.DB
	tenantID int64
	targetID int64
	runID    int64
	at       time.Time
	dialect  string
}

type lifecycleCounts struct {
	assets, evaluated, failed, opened, resolved, reopened int
}

// Fingerprint identifies a finding across runs.
func Fingerprint(tenantID, targetID int64, assetKey, checkID, subKey string) string {
	h := sha256.New()
	for _, part := range []string{strconv.FormatInt(tenantID, 10), strconv.FormatInt(targetID, 10), assetKey, checkID, subKey} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (lc *lifecycle) apply(out posture.RunOutcome) (lifecycleCounts, error) {
	var c lifecycleCounts
	assetIDs, err := lc.upsertAssets(out)
	if err != nil {
		return c, err
	}
	c.assets = len(assetIDs)
	failed := map[string]*findingRow{}
	var order []string
	for _, r := range out.Results {
		if r.Status == posture.Pass || r.Status == posture.Fail {
			c.evaluated++
		}
		if r.Status != posture.Fail {
			continue
		}
		fp := Fingerprint(lc.tenantID, lc.targetID, r.Asset.Key, r.CheckID, r.SubKey)
		if _, dup := failed[fp]; dup {
			continue
		}
		c.failed++
		order = append(order, fp)
		runID := lc.runID
		failed[fp] = &findingRow{
			TenantID: lc.tenantID, TargetID: lc.targetID, AssetID: assetIDs[r.Asset.Key], CheckID: r.CheckID,
			SubKey: r.SubKey, Fingerprint: fp, Severity: int(r.Severity), Status: string(posture.FindingOpen),
			Message: r.Message, Evidence: jsonText(r.Evidence), Namespace: r.Asset.Namespace,
			Owner: r.Asset.Labels[out.OwnerLabelKey], FirstSeen: lc.at, LastSeen: lc.at, LastRunID: &runID,
		}
	}
	if err := lc.upsertFindings(failed, order, &c); err != nil {
		return c, err
	}
	if out.Status == posture.RunComplete {
		if err := lc.resolveUnseen(&c); err != nil {
			return c, err
		}
		if err := lc.tx.Model(&assetRow{}).
			Where("tenant_id = ? AND target_id = ? AND last_seen < ? AND gone_at IS NULL", lc.tenantID, lc.targetID, lc.at).
			Update("gone_at", lc.at).Error; err != nil {
			return c, err
		}
	}
	return c, nil
}

// upsertAssets writes every asset of the outcome (and any asset only named by a result)
// and returns the id of each by key.
func (lc *lifecycle) upsertAssets(out posture.RunOutcome) (map[string]int64, error) {
	seen := map[string]bool{}
	var rows []assetRow
	add := func(a posture.Asset) {
		if a.Key == "" || seen[a.Key] {
			return
		}
		seen[a.Key] = true
		rows = append(rows, assetRow{
			TenantID: lc.tenantID, TargetID: lc.targetID, ParentKey: a.ParentKey, Kind: string(a.Kind), Key: a.Key,
			Name: a.Name, Namespace: a.Namespace, Labels: jsonText(a.Labels), FirstSeen: lc.at, LastSeen: lc.at,
		})
	}
	for _, a := range out.Assets {
		add(a)
	}
	for _, r := range out.Results {
		add(r.Asset)
	}
	// On conflict the row takes this run's view of the asset and is no longer gone.
	set := clause.AssignmentColumns([]string{"parent_key", "kind", "name", "namespace", "labels", "last_seen"})
	set = append(set, clause.Assignment{Column: clause.Column{Name: "gone_at"}, Value: nil})
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "target_id"}, {Name: "key"}},
		DoUpdates: set,
	}
	for i := 0; i < len(rows); i += batchSize {
		chunk := rows[i:min(i+batchSize, len(rows))]
		if err := lc.tx.Clauses(upsert).Omit("id").Create(&chunk).Error; err != nil {
			return nil, err
		}
	}
	ids := make(map[string]int64, len(rows))
	var got []struct {
		ID  int64
		Key string
	}
	if err := lc.tx.Model(&assetRow{}).Select("id, key").Where("tenant_id = ? AND target_id = ?", lc.tenantID, lc.targetID).
		Find(&got).Error; err != nil {
		return nil, err
	}
	for _, g := range got {
		if seen[g.Key] {
			ids[g.Key] = g.ID
		}
	}
	return ids, nil
}

type existingFinding struct {
	ID          int64
	Fingerprint string
	Status      string
	Severity    int
	Message     string
	Evidence    string
	Owner       string
}

func (lc *lifecycle) upsertFindings(failed map[string]*findingRow, order []string, c *lifecycleCounts) error {
	var existing []existingFinding
	if err := lc.tx.Model(&findingRow{}).Select("id, fingerprint, status, severity, message, evidence, owner").
		Where("tenant_id = ? AND target_id = ?", lc.tenantID, lc.targetID).Find(&existing).Error; err != nil {
		return err
	}
	byFP := make(map[string]*existingFinding, len(existing))
	for i := range existing {
		byFP[existing[i].Fingerprint] = &existing[i]
	}
	var fresh []findingRow
	var touched, reopened []int64
	for _, fp := range order {
		f := failed[fp]
		old, ok := byFP[fp]
		if !ok {
			fresh = append(fresh, *f)
			continue
		}
		if old.Status == string(posture.FindingResolved) {
			reopened = append(reopened, old.ID)
		} else {
			touched = append(touched, old.ID)
		}
		if old.Severity != f.Severity || old.Message != f.Message || old.Evidence != f.Evidence || old.Owner != f.Owner {
			if err := lc.tx.Model(&findingRow{}).Where("tenant_id = ? AND id = ?", lc.tenantID, old.ID).
				Updates(map[string]any{"severity": f.Severity, "message": f.Message, "evidence": f.Evidence, "owner": f.Owner, "asset_id": f.AssetID}).Error; err != nil {
				return err
			}
		}
	}
	for i := 0; i < len(fresh); i += batchSize {
		chunk := fresh[i:min(i+batchSize, len(fresh))]
		if err := lc.tx.Omit("id").Create(&chunk).Error; err != nil {
			return err
		}
		if err := lc.events(idsOf(chunk), posture.EventOpened); err != nil {
			return err
		}
	}
	c.opened = len(fresh)
	if err := lc.updateIDs(touched, map[string]any{"last_seen": lc.at, "last_run_id": lc.runID}); err != nil {
		return err
	}
	if err := lc.updateIDs(reopened, map[string]any{"last_seen": lc.at, "last_run_id": lc.runID, "status": string(posture.FindingOpen), "resolved_at": nil}); err != nil {
		return err
	}
	c.reopened = len(reopened)
	return lc.events(reopened, posture.EventReopened)
}

// resolveUnseen resolves open or suppressed findings of the target that this run did not see.
func (lc *lifecycle) resolveUnseen(c *lifecycleCounts) error {
	var gone []int64
	if err := lc.tx.Model(&findingRow{}).
		Where("tenant_id = ? AND target_id = ? AND status IN ? AND (last_run_id IS NULL OR last_run_id <> ?)",
			lc.tenantID, lc.targetID, []string{string(posture.FindingOpen), string(posture.FindingSuppressed)}, lc.runID).
		Pluck("id", &gone).Error; err != nil {
		return err
	}
	if err := lc.updateIDs(gone, map[string]any{"status": string(posture.FindingResolved), "resolved_at": lc.at}); err != nil {
		return err
	}
	c.resolved = len(gone)
	return lc.events(gone, posture.EventResolved)
}

func (lc *lifecycle) updateIDs(ids []int64, set map[string]any) error {
	for i := 0; i < len(ids); i += batchSize {
		chunk := ids[i:min(i+batchSize, len(ids))]
		if err := lc.tx.Model(&findingRow{}).Where("tenant_id = ? AND id IN ?", lc.tenantID, chunk).Updates(set).Error; err != nil {
			return err
		}
	}
	return nil
}

func (lc *lifecycle) events(ids []int64, kind posture.FindingEventKind) error {
	if len(ids) == 0 {
		return nil
	}
	runID := lc.runID
	rows := make([]findingEventRow, len(ids))
	for i, id := range ids {
		rows[i] = findingEventRow{TenantID: lc.tenantID, FindingID: id, RunID: &runID, Kind: string(kind), Actor: "system", At: lc.at}
	}
	return lc.tx.Omit("id").CreateInBatches(rows, batchSize).Error
}

func idsOf(rows []findingRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}
