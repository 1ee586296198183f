package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/vulns"
)

// The advisory database (OSV records, global to all tenants) and the state of its feeds
// (migration 00015).

type advisoryRow struct {
	ID         string `gorm:"primaryKey"`
	Feed       string
	Modified   time.Time
	Published  *time.Time
	Withdrawn  *time.Time
	Severity   int
	Cvss       float64
	CvssVector string
	Summary    string
	Details    string
	Aliases    string
	Refs       string
	MatchedAt  *time.Time
}

func (advisoryRow) TableName() string { return "advisories" }

type advisoryPackageRow struct {
	AdvisoryID string `gorm:"primaryKey"`
	Ecosystem  string `gorm:"primaryKey"`
	Name       string `gorm:"primaryKey"`
	Affected   string
}

func (advisoryPackageRow) TableName() string { return "advisory_packages" }

type advisoryAliasRow struct {
	Alias      string `gorm:"primaryKey"`
	AdvisoryID string `gorm:"primaryKey"`
}

func (advisoryAliasRow) TableName() string { return "advisory_aliases" }

// SaveAdvisories stores the records that are new or modified since stored and returns
// their ids: what must be matched again. A withdrawn record is kept, with no affected
// packages, so that it matches nothing.
func (db *DB) SaveAdvisories(ctx context.Context, recs []AdvisoryRecord) ([]string, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	stored := map[string]time.Time{}
	for start := 0; start < len(ids); start += 500 {
		var rows []advisoryRow
		if err := db.gorm.WithContext(ctx).Select("id, modified").Where("id IN ?", ids[start:min(start+500, len(ids))]).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			stored[r.ID] = r.Modified
		}
	}
	var changed []AdvisoryRecord
	seen := map[string]bool{}
	for _, r := range recs {
		if m, ok := stored[r.ID]; (!ok || r.Modified.After(m)) && !seen[r.ID] {
			seen[r.ID] = true
			changed = append(changed, r)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	out := make([]string, len(changed))
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, r := range changed {
			out[i] = r.ID
		}
		for start := 0; start < len(out); start += 500 {
			chunk := out[start:min(start+500, len(out))]
			if err := tx.Where("advisory_id IN ?", chunk).Delete(&advisoryPackageRow{}).Error; err != nil {
				return err
			}
			if err := tx.Where("advisory_id IN ?", chunk).Delete(&advisoryAliasRow{}).Error; err != nil {
				return err
			}
		}
		return insertAdvisories(tx, changed)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func insertAdvisories(tx *gorm.DB, recs []AdvisoryRecord) error {
	rows := make([]advisoryRow, len(recs))
	var pkgs []advisoryPackageRow
	var aliases []advisoryAliasRow
	for i, r := range recs {
		a, _ := json.Marshal(nonNil(r.Aliases))
		refs, _ := json.Marshal(nonNil(r.References))
		rows[i] = advisoryRow{ID: r.ID, Feed: r.Feed, Modified: r.Modified.UTC(), Published: utcPtr(r.Published),
			Withdrawn: utcPtr(r.Withdrawn), Severity: r.Severity, Cvss: r.CVSS, CvssVector: r.CVSSVector,
			Summary: r.Summary, Details: r.Details, Aliases: string(a), Refs: string(refs)}
		seenAlias := map[string]bool{}
		for _, al := range r.Aliases {
			if al != r.ID && !seenAlias[al] {
				seenAlias[al] = true
				aliases = append(aliases, advisoryAliasRow{Alias: al, AdvisoryID: r.ID})
			}
		}
		if r.Withdrawn != nil {
			continue
		}
		for _, p := range r.Packages {
			pkgs = append(pkgs, advisoryPackageRow{AdvisoryID: r.ID, Ecosystem: p.Ecosystem, Name: p.Name, Affected: string(p.Affected)})
		}
	}
	// UpdateAll sets matched_at to NULL too: a changed advisory is pending until matched.
	upsert := clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, UpdateAll: true}
	if err := tx.Clauses(upsert).CreateInBatches(rows, 200).Error; err != nil {
		return err
	}
	if len(pkgs) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(pkgs, 500).Error; err != nil {
			return err
		}
	}
	if len(aliases) > 0 {
		return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(aliases, 500).Error
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Advisory is the vulnerability service's.
type Advisory = vulns.Advisory

// Advisories returns stored advisories by id.
func (db *DB) Advisories(ctx context.Context, ids []string) (map[string]Advisory, error) {
	out := make(map[string]Advisory, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var rows []advisoryRow
		if err := db.gorm.WithContext(ctx).Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			a := Advisory{ID: r.ID, Feed: r.Feed, Modified: r.Modified, Published: r.Published, Withdrawn: r.Withdrawn,
				Severity: r.Severity, CVSS: r.Cvss, CVSSVector: r.CvssVector, Summary: r.Summary, Details: r.Details}
			_ = json.Unmarshal([]byte(r.Aliases), &a.Aliases)
			_ = json.Unmarshal([]byte(r.Refs), &a.References)
			out[r.ID] = a
		}
	}
	return out, nil
}

// ResolveVulnerability returns the advisory ids an id names: itself if stored, and the
// advisories that list it as an alias (CVE-2024-1 names DEBIAN-CVE-2024-1, GHSA-...).
func (db *DB) ResolveVulnerability(ctx context.Context, id string) ([]string, error) {
	var ids []string
	err := db.gorm.WithContext(ctx).Raw(`SELECT id FROM advisories WHERE id = ?
		UNION SELECT advisory_id FROM advisory_aliases WHERE alias = ?`, id, id).Scan(&ids).Error
	return ids, err
}

// AdvisoryRecord and AdvisoryFeed are the vulnerability service's.
type (
	AdvisoryRecord = vulns.AdvisoryRecord
	AdvisoryFeed   = vulns.Feed
)

type advisoryFeedRow struct {
	Ecosystem    string `gorm:"primaryKey"`
	Source       string
	ETag         string `gorm:"column:etag"`
	LastModified string
	FileSize     int64
	FileMtime    *time.Time
	RefreshedAt  *time.Time
	FeedDate     *time.Time
	AttemptedAt  time.Time
	Records      int
	Skipped      int
	Error        string
}

func (advisoryFeedRow) TableName() string { return "advisory_feeds" }

// AdvisoryFeeds returns the state of every feed, by ecosystem.
func (db *DB) AdvisoryFeeds(ctx context.Context) ([]AdvisoryFeed, error) {
	var rows []advisoryFeedRow
	if err := db.gorm.WithContext(ctx).Order("ecosystem").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]AdvisoryFeed, len(rows))
	for i, r := range rows {
		out[i] = AdvisoryFeed(r)
	}
	return out, nil
}

// SaveAdvisoryFeed records a feed's state after an attempt.
func (db *DB) SaveAdvisoryFeed(ctx context.Context, f AdvisoryFeed) error {
	row := advisoryFeedRow(f)
	row.Error = truncateText(row.Error, 1000)
	return db.gorm.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "ecosystem"}}, UpdateAll: true}).
		Create(&row).Error
}
