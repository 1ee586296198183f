package store

import (
	"container/list"
	"context"
	"encoding/json"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

var _ posture.ScoreStore = (*DB)(nil)

// scoreDetails is the JSON in score_snapshots.details: what explains the numbers and lets
// several targets' snapshots be added up exactly.
type scoreDetails struct {
	Recommendations int                         `json:"recommendations,omitempty"`
	Excepted        int                         `json:"excepted,omitempty"`
	OpenBySeverity  posture.SeverityCounts      `json:"open_by_severity"`
	Recs            map[string]posture.RecTally `json:"recs,omitempty"`
	Contributors    []posture.ScoreContributor  `json:"contributors"`
	Model           int                         `json:"model,omitempty"`
}

func saveScores(tx *gorm.DB, tenantID, targetID, runID int64, at time.Time, snaps []posture.ScoreSnapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	rows := make([]scoreRow, len(snaps))
	for i, s := range snaps {
		model := s.Model
		if model == 0 {
			model = scoring.Model
		}
		details, _ := json.Marshal(scoreDetails{Recommendations: s.Recommendations, Excepted: s.Excepted, OpenBySeverity: s.OpenBySeverity,
			Recs: s.Recs, Contributors: s.Contributors, Model: model})
		rows[i] = scoreRow{
			TenantID: tenantID, TargetID: &targetID, RunID: &runID, ScopeKind: s.ScopeKind, ScopeKey: s.ScopeKey, Model: model,
			Compliance: s.Compliance, ComplianceWithoutExceptions: s.ComplianceWithoutExceptions,
			Risk: s.Risk, RiskWithoutExceptions: s.RiskWithoutExceptions, Evaluated: s.Evaluated, Passed: s.Passed,
			Failed: s.Failed, NotApplicable: s.NotApplicable, NeedsAttestation: s.NeedsAttestation,
			Details: string(details), TakenAt: at,
		}
	}
	return tx.Omit("id").CreateInBatches(rows, batchSize).Error
}

func snapshotFromRow(r scoreRow) posture.ScoreSnapshot {
	var d scoreDetails
	_ = json.Unmarshal([]byte(r.Details), &d)
	s := posture.ScoreSnapshot{
		ID: r.ID, TenantID: r.TenantID, ScopeKind: r.ScopeKind, ScopeKey: r.ScopeKey, Model: r.Model,
		Compliance: r.Compliance, ComplianceWithoutExceptions: r.ComplianceWithoutExceptions, Recommendations: d.Recommendations,
		Risk: r.Risk, RiskWithoutExceptions: r.RiskWithoutExceptions, Evaluated: r.Evaluated, Passed: r.Passed, Failed: r.Failed,
		NotApplicable: r.NotApplicable, Excepted: d.Excepted, OpenBySeverity: d.OpenBySeverity, NeedsAttestation: r.NeedsAttestation,
		Recs: d.Recs, Contributors: d.Contributors, TakenAt: r.TakenAt,
	}
	if r.TargetID != nil {
		s.TargetID = *r.TargetID
	}
	if r.RunID != nil {
		s.RunID = *r.RunID
	}
	return s
}

// LatestScores returns every snapshot of the target's most recent scored run.
//
// The dashboard reads this for every target on every request, and a large cluster's run
// has hundreds of snapshots (one per namespace and owner) whose details must be decoded:
// that decoding, not the database, was most of the dashboard's time. A run's snapshots are
// written once, with the run, and never change, so the decoded ones are kept (latestScores)
// and a request costs one index lookup per target: which run is the latest.
func (db *DB) LatestScores(ctx context.Context, tenantID, targetID int64) ([]posture.ScoreSnapshot, error) {
	var last []scoreRow
	if err := db.gorm.WithContext(ctx).Select("run_id").
		Where("tenant_id = ? AND target_id = ? AND scope_kind = ?", tenantID, targetID, posture.ScopeOverall).
		Order("taken_at DESC, id DESC").Limit(1).Find(&last).Error; err != nil || len(last) == 0 || last[0].RunID == nil {
		return nil, err
	}
	key := latestKey{db: db, tenantID: tenantID, targetID: targetID, runID: *last[0].RunID}
	if snaps, ok := latestScores.get(key); ok {
		return snaps, nil
	}
	// One statement, so that it reads one run even if another lands meanwhile: the run's
	// snapshots share its taken_at, one range of the (tenant, target, taken_at) index (by
	// run id alone it would read the target's whole score history).
	var rows []scoreRow
	if err := db.gorm.WithContext(ctx).
		Where("tenant_id = ? AND target_id = ? AND (taken_at, run_id) = (?)", tenantID, targetID,
			db.gorm.Model(&scoreRow{}).Select("taken_at, run_id").
				Where("tenant_id = ? AND target_id = ? AND scope_kind = ?", tenantID, targetID, posture.ScopeOverall).
				Order("taken_at DESC, id DESC").Limit(1)).
		Order("scope_kind, scope_key").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.ScoreSnapshot, len(rows))
	for i, r := range rows {
		out[i] = snapshotFromRow(r)
	}
	if len(rows) > 0 && rows[0].RunID != nil {
		key.runID = *rows[0].RunID
		latestScores.put(key, out)
	}
	return out, nil
}

// latestScores keeps the decoded snapshots of the runs LatestScores read last, up to a
// number of snapshots (a few hundred bytes each): a newer run is another key, so an entry
// is never stale, and the least recently read runs make room.
var latestScores = &snapshotCache{max: 100_000, entries: map[latestKey]*list.Element{}, order: list.New()}

type latestKey struct {
	db                        *DB
	tenantID, targetID, runID int64
}

type snapshotCache struct {
	mu      sync.Mutex
	max     int // snapshots
	size    int
	entries map[latestKey]*list.Element
	order   *list.List // of *cachedRun, most recently used first
}

type cachedRun struct {
	key   latestKey
	snaps []posture.ScoreSnapshot
}

// get returns a copy: callers own what they are given.
func (c *snapshotCache) get(k latestKey) ([]posture.ScoreSnapshot, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	if ok {
		c.order.MoveToFront(e)
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return copySnapshots(e.Value.(*cachedRun).snaps), true
}

func (c *snapshotCache) put(k latestKey, snaps []posture.ScoreSnapshot) {
	if len(snaps) > c.max {
		return
	}
	snaps = copySnapshots(snaps)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.entries[k] = c.order.PushFront(&cachedRun{key: k, snaps: snaps})
	c.size += len(snaps)
	for c.size > c.max {
		old := c.order.Remove(c.order.Back()).(*cachedRun)
		delete(c.entries, old.key)
		c.size -= len(old.snaps)
	}
}

// copySnapshots copies the snapshots and their contributors, in two allocations. The Recs
// maps are shared: they are read, never written, once a snapshot is stored.
func copySnapshots(in []posture.ScoreSnapshot) []posture.ScoreSnapshot {
	out := make([]posture.ScoreSnapshot, len(in))
	n := 0
	for _, s := range in {
		n += len(s.Contributors)
	}
	all := make([]posture.ScoreContributor, 0, n)
	for i, s := range in {
		if s.Contributors != nil {
			from := len(all)
			all = append(all, s.Contributors...)
			s.Contributors = all[from:len(all):len(all)]
		}
		out[i] = s
	}
	return out
}

// ScoreHistory returns one scope's snapshots of a target since a time, oldest first: those of
// the current score model only, so that a trend never mixes two ways of counting.
func (db *DB) ScoreHistory(ctx context.Context, tenantID, targetID int64, kind, key string, since time.Time) ([]posture.ScoreSnapshot, error) {
	var rows []scoreRow
	if err := db.gorm.WithContext(ctx).
		Where("tenant_id = ? AND target_id = ? AND scope_kind = ? AND scope_key = ? AND model = ? AND taken_at >= ?", tenantID, targetID, kind, key, scoring.Model, since.UTC()).
		Order("taken_at, id").Limit(10000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.ScoreSnapshot, len(rows))
	for i, r := range rows {
		out[i] = snapshotFromRow(r)
	}
	return out, nil
}
