package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

// The findings lifecycle, applied inside the run's transaction:
//
//   - every asset seen is upserted by (target, key); a complete run marks unseen assets gone;
//   - every failed result is upserted by fingerprint: new ones open, resolved ones reopen,
//     changed ones are updated, and unchanged ones are left alone (their last_seen is
//     derived from the target's last complete run);
//   - only a complete run resolves open findings it did not see; a partial run resolves
//     nothing, because "not seen" may mean "could not look";
//   - each transition writes a finding event.
//
// A steady-state run therefore writes only what changed, and new rows go in large batches,
// so 200,000 findings is a few hundred statements the first time and a handful after.

// batchSize keeps a multi-row statement under SQLite's 32,766 bound parameters.
const batchSize = 1000

// sqliteInsertRows is how many rows one multi-row INSERT carries on SQLite. The pure-Go
// driver matches each bound parameter against every argument (quadratic in the statement's
// parameters): 1,000 rows of 17 columns cost more in binding than in SQLite itself, which
// held the write lock for over a minute for 90,000 findings.
const sqliteInsertRows = 32

type lifecycle struct {
	tx       *gorm.DB
	tenantID int64
	targetID int64
	runID    int64
	at       time.Time
	dialect  string
	// trackChanges collects what changed for drift detection (not on a target's first
	// complete run: that is the baseline, and could be hundreds of thousands of findings).
	trackChanges bool
	changes      []alerting.FindingChange
	csaOf        map[string][]string // check id -> CSA ids, from the run's results
}

type lifecycleCounts struct {
	assets, evaluated, failed, opened, resolved, reopened int
}

// Fingerprint identifies a finding across runs (posture.Fingerprint).
func Fingerprint(tenantID, targetID int64, assetKey, checkID, subKey string) string {
	return posture.Fingerprint(tenantID, targetID, assetKey, checkID, subKey)
}

// contentHash summarises what a run may change in a finding without it being another one.
func contentHash(f *findingRow) string {
	return digest(strconv.Itoa(f.Severity), f.Message, f.Evidence, f.Owner, strconv.FormatInt(f.AssetID, 10))[:32]
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
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
		f := &findingRow{
			TenantID: lc.tenantID, TargetID: lc.targetID, AssetID: assetIDs[r.Asset.Key], CheckID: r.CheckID,
			SubKey: r.SubKey, Fingerprint: fp, Severity: int(r.Severity), Status: string(posture.FindingOpen),
			Message: r.Message, Evidence: jsonText(r.Evidence), Namespace: r.Asset.ScopeNamespace(),
			Owner: r.Asset.Labels[out.OwnerLabelKey], Triage: string(posture.TriageNew), FirstSeen: lc.at, LastSeen: lc.at,
			LastRunID: &runID,
		}
		if r.Excepted {
			f.Status = string(posture.FindingSuppressed)
		}
		f.ContentHash = contentHash(f)
		f.AssetKey = r.Asset.Key // not stored: read back from assets, kept here for drift
		failed[fp] = f
		if lc.trackChanges && lc.csaOf[r.CheckID] == nil {
			lc.csaOf[r.CheckID] = r.CSA
		}
	}
	if err := lc.upsertFindings(failed, order, out.Status == posture.RunComplete, &c); err != nil {
		return c, err
	}
	if out.Status == posture.RunComplete {
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
		add(*r.Asset)
	}
	// On conflict the row takes this run's view of the asset and is no longer gone.
	set := clause.AssignmentColumns([]string{"parent_key", "kind", "name", "namespace", "labels", "last_seen"})
	set = append(set, clause.Assignment{Column: clause.Column{Name: "gone_at"}, Value: nil})
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "target_id"}, {Name: "key"}},
		DoUpdates: set,
	}
	n := lc.insertRows()
	for i := 0; i < len(rows); i += n {
		chunk := rows[i:min(i+n, len(rows))]
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
	ContentHash string
}

func (lc *lifecycle) upsertFindings(failed map[string]*findingRow, order []string, complete bool, c *lifecycleCounts) error {
	var existing []existingFinding
	if err := lc.tx.Model(&findingRow{}).Select("id, fingerprint, status, content_hash").
		Where("tenant_id = ? AND target_id = ?", lc.tenantID, lc.targetID).Find(&existing).Error; err != nil {
		return err
	}
	var fresh []findingRow
	var reopened, gone, suppress, unsuppress []int64
	for i := range existing {
		old := &existing[i]
		f, ok := failed[old.Fingerprint]
		if !ok {
			if complete && old.Status != string(posture.FindingResolved) {
				gone = append(gone, old.ID)
			}
			continue
		}
		delete(failed, old.Fingerprint) // what remains in failed is new
		switch {
		case old.Status == string(posture.FindingResolved):
			reopened = append(reopened, old.ID)
			lc.track(old.ID, alerting.KindRegression, f)
			if f.Status == string(posture.FindingSuppressed) {
				suppress = append(suppress, old.ID)
			}
		case old.Status == string(posture.FindingOpen) && f.Status == string(posture.FindingSuppressed):
			suppress = append(suppress, old.ID)
		case old.Status == string(posture.FindingSuppressed) && f.Status == string(posture.FindingOpen):
			unsuppress = append(unsuppress, old.ID)
		}
		if old.ContentHash != f.ContentHash {
			if err := lc.tx.Model(&findingRow{}).Where("tenant_id = ? AND id = ?", lc.tenantID, old.ID).
				Updates(map[string]any{"severity": f.Severity, "message": f.Message, "evidence": f.Evidence, "owner": f.Owner,
					"asset_id": f.AssetID, "content_hash": f.ContentHash, "last_seen": lc.at, "last_run_id": lc.runID}).Error; err != nil {
				return err
			}
		}
	}
	for _, fp := range order {
		if f, ok := failed[fp]; ok {
			fresh = append(fresh, *f)
		}
	}
	// Resolve before touching, so the bulk touch below cannot mark a gone finding as seen.
	if err := lc.updateIDs(gone, map[string]any{"status": string(posture.FindingResolved), "resolved_at": lc.at}); err != nil {
		return err
	}
	c.resolved = len(gone)
	if err := lc.events(gone, posture.EventResolved); err != nil {
		return err
	}
	if err := lc.updateIDs(reopened, map[string]any{"status": string(posture.FindingOpen), "resolved_at": nil,
		"last_seen": lc.at, "last_run_id": lc.runID}); err != nil {
		return err
	}
	c.reopened = len(reopened)
	if err := lc.events(reopened, posture.EventReopened); err != nil {
		return err
	}
	// Exceptions approved or ended since the last run take effect now.
	if err := lc.updateIDs(suppress, map[string]any{"status": string(posture.FindingSuppressed)}); err != nil {
		return err
	}
	if err := lc.events(suppress, posture.EventSuppressed); err != nil {
		return err
	}
	if err := lc.updateIDs(unsuppress, map[string]any{"status": string(posture.FindingOpen)}); err != nil {
		return err
	}
	if err := lc.events(unsuppress, posture.EventReopened); err != nil {
		return err
	}
	// Findings seen again unchanged are not written at all: after a complete run every live
	// finding was seen by it (the rest were just resolved), so a live finding's last_seen is
	// derived from its target's last complete run when read (see findingColumns). A partial
	// run confirms nothing and so moves no last_seen.
	if err := lc.insertFindings(fresh); err != nil {
		return err
	}
	if err := lc.events(idsOf(fresh), posture.EventOpened); err != nil {
		return err
	}
	c.opened = len(fresh)
	for i := range fresh {
		lc.track(fresh[i].ID, alerting.KindNewFinding, &fresh[i])
	}
	return lc.trackResolved(gone)
}

func (lc *lifecycle) track(id int64, kind string, f *findingRow) {
	if !lc.trackChanges {
		return
	}
	lc.changes = append(lc.changes, alerting.FindingChange{FindingID: id, Kind: kind, Severity: posture.Severity(f.Severity),
		CheckID: f.CheckID, CSA: lc.csaOf[f.CheckID], AssetKey: f.AssetKey, Namespace: f.Namespace, Message: f.Message})
}

// trackResolved reads what drift needs of the findings a complete run resolved.
func (lc *lifecycle) trackResolved(gone []int64) error {
	if !lc.trackChanges {
		return nil
	}
	for i := 0; i < len(gone); i += batchSize {
		var rows []findingRow
		err := lc.tx.Model(&findingRow{}).Select(`findings.id, findings.check_id, findings.severity, findings.namespace, findings.message,
 (SELECT a.key FROM assets a WHERE a.tenant_id = findings.tenant_id AND a.id = findings.asset_id) AS asset_key`).
			Where("tenant_id = ? AND id IN ?", lc.tenantID, gone[i:min(i+batchSize, len(gone))]).Find(&rows).Error
		if err != nil {
			return err
		}
		for j := range rows {
			lc.track(rows[j].ID, alerting.KindResolved, &rows[j])
		}
	}
	return nil
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
	return lc.insertEvents(rows)
}

func idsOf(rows []findingRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// insertRows is the number of rows per multi-row INSERT on the lifecycle's dialect.
func (lc *lifecycle) insertRows() int {
	if lc.dialect == Postgres {
		return batchSize
	}
	return sqliteInsertRows
}
