package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// Image facts by digest per tenant, tag history and trust policies (migration 00013).

type imageFactRow struct {
	TenantID   int64  `gorm:"primaryKey;autoIncrement:false"`
	Digest     string `gorm:"primaryKey"`
	Registry   string
	Repository string
	Facts      string
	ObservedAt time.Time
}

func (imageFactRow) TableName() string { return "image_facts" }

type imageTagRow struct {
	TenantID       int64  `gorm:"primaryKey;autoIncrement:false"`
	Registry       string `gorm:"primaryKey"`
	Repository     string `gorm:"primaryKey"`
	Tag            string `gorm:"primaryKey"`
	Digest         string
	PreviousDigest string
	MovedAt        *time.Time
	SeenAt         time.Time
}

func (imageTagRow) TableName() string { return "image_tags" }

type trustPolicyRow struct {
	TenantID  int64 `gorm:"primaryKey;autoIncrement:false"`
	Policy    string
	Version   int64
	UpdatedBy string
	UpdatedAt time.Time
}

func (trustPolicyRow) TableName() string { return "trust_policies" }

// maxFactsJSON bounds one stored image's facts (signature material is bounded by the
// collector; this catches anything else).
const maxFactsJSON = 8 << 20

// SaveImageFacts stores the facts of images, replacing older facts of the same digests. An
// image observed earlier than what is stored does not replace it.
func (db *DB) SaveImageFacts(ctx context.Context, tenantID int64, images []*imagefacts.Image) error {
	rows := make([]imageFactRow, 0, len(images))
	for _, im := range images {
		if im == nil || im.Digest == "" {
			continue
		}
		b, err := json.Marshal(im)
		if err != nil {
			return err
		}
		if len(b) > maxFactsJSON {
			return fmt.Errorf("facts of %s: %d bytes, more than %d", im.Digest, len(b), maxFactsJSON)
		}
		rows = append(rows, imageFactRow{TenantID: tenantID, Digest: im.Digest, Registry: im.Registry,
			Repository: im.Repository, Facts: string(b), ObservedAt: im.ObservedAt.UTC()})
	}
	if len(rows) == 0 {
		return nil
	}
	return db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "tenant_id"}, {Name: "digest"}},
		DoUpdates: clause.Assignments(map[string]any{
			"registry": gorm.Expr("excluded.registry"), "repository": gorm.Expr("excluded.repository"),
			"facts": gorm.Expr("excluded.facts"), "observed_at": gorm.Expr("excluded.observed_at")}),
		Where: clause.Where{Exprs: []clause.Expression{gorm.Expr("image_facts.observed_at <= excluded.observed_at")}},
	}).CreateInBatches(rows, 100).Error
}

// ImageFacts loads the facts of the digests that are stored.
func (db *DB) ImageFacts(ctx context.Context, tenantID int64, digests []string) (map[string]*imagefacts.Image, error) {
	out := make(map[string]*imagefacts.Image, len(digests))
	for start := 0; start < len(digests); start += 500 {
		var rows []imageFactRow
		chunk := digests[start:min(start+500, len(digests))]
		if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND digest IN ?", tenantID, chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			im, err := decodeImage(r.Facts)
			if err != nil {
				return nil, fmt.Errorf("facts of %s: %w", r.Digest, err)
			}
			out[r.Digest] = im
		}
	}
	return out, nil
}

func decodeImage(s string) (*imagefacts.Image, error) {
	var im imagefacts.Image
	if err := json.Unmarshal([]byte(s), &im); err != nil {
		return nil, err
	}
	return &im, nil
}

// ImageObservedSince lists the digests whose facts were observed at or after since: what
// a collection need not inspect again.
func (db *DB) ImageObservedSince(ctx context.Context, tenantID int64, since time.Time) (map[string]bool, error) {
	var digests []string
	if err := db.gorm.WithContext(ctx).Model(&imageFactRow{}).Where("tenant_id = ? AND observed_at >= ?", tenantID, since.UTC()).
		Pluck("digest", &digests).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(digests))
	for _, d := range digests {
		out[d] = true
	}
	return out, nil
}

// RecordTags stores where each listed tag points and returns the repositories with each
// tag's history filled in: the digest before its last move and when the move was first seen.
func (db *DB) RecordTags(ctx context.Context, tenantID int64, registryHost string, repos []imagefacts.Repository, now time.Time) ([]imagefacts.Repository, error) {
	now = now.UTC()
	out := make([]imagefacts.Repository, len(repos))
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, repo := range repos {
			var stored []imageTagRow
			if err := tx.Where("tenant_id = ? AND registry = ? AND repository = ?", tenantID, registryHost, repo.Name).Find(&stored).Error; err != nil {
				return err
			}
			prev := make(map[string]imageTagRow, len(stored))
			for _, r := range stored {
				prev[r.Tag] = r
			}
			out[i] = repo
			out[i].Tags = make([]imagefacts.Tag, len(repo.Tags))
			rows := make([]imageTagRow, 0, len(repo.Tags))
			for j, tg := range repo.Tags {
				row := imageTagRow{TenantID: tenantID, Registry: registryHost, Repository: repo.Name, Tag: tg.Name, Digest: tg.Digest, SeenAt: now}
				if p, ok := prev[tg.Name]; ok {
					row.PreviousDigest, row.MovedAt = p.PreviousDigest, p.MovedAt
					if p.Digest != tg.Digest {
						moved := now
						row.PreviousDigest, row.MovedAt = p.Digest, &moved
					}
				}
				rows = append(rows, row)
				out[i].Tags[j] = imagefacts.Tag{Name: tg.Name, Digest: tg.Digest, PreviousDigest: row.PreviousDigest, MovedAt: row.MovedAt}
			}
			if len(rows) == 0 {
				continue
			}
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "registry"}, {Name: "repository"}, {Name: "tag"}},
				DoUpdates: clause.AssignmentColumns([]string{"digest", "previous_digest", "moved_at", "seen_at"}),
			}).CreateInBatches(rows, 200).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// ImageListing is one image in a tenant's image list with the tags pointing at it now.
type ImageListing = imagefacts.Record

// ImageFilter narrows ListImages.
type ImageFilter struct {
	Registry, Repository string
	// Workload (an asset key, optionally in TargetID) keeps the images it runs.
	Workload string
	TargetID int64
	Limit    int
	// After is the keyset cursor: the last (registry, repository, digest) of the previous page.
	AfterRegistry, AfterRepository, AfterDigest string
}

// ListImages lists a tenant's images by registry, repository and digest.
func (db *DB) ListImages(ctx context.Context, tenantID int64, f ImageFilter) ([]ImageListing, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.Registry != "" {
		q = q.Where("registry = ?", f.Registry)
	}
	if f.Repository != "" {
		q = q.Where("repository = ?", f.Repository)
	}
	if f.Workload != "" {
		sub := db.gorm.Model(&imageUsageRow{}).Select("digest").Where("tenant_id = ? AND workload = ?", tenantID, f.Workload)
		if f.TargetID != 0 {
			sub = sub.Where("target_id = ?", f.TargetID)
		}
		q = q.Where("digest IN (?)", sub)
	}
	if f.AfterDigest != "" {
		q = q.Where("((registry > ?) OR (registry = ? AND repository > ?) OR (registry = ? AND repository = ? AND digest > ?))",
			f.AfterRegistry, f.AfterRegistry, f.AfterRepository, f.AfterRegistry, f.AfterRepository, f.AfterDigest)
	}
	var rows []imageFactRow
	if err := q.Order("registry, repository, digest").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]ImageListing, 0, len(rows))
	digests := make([]string, 0, len(rows))
	for _, r := range rows {
		im, err := decodeImage(r.Facts)
		if err != nil {
			return nil, fmt.Errorf("facts of %s: %w", r.Digest, err)
		}
		out = append(out, ImageListing{Image: im})
		digests = append(digests, r.Digest)
	}
	tags, err := db.tagsOf(ctx, tenantID, digests)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Tags = tags[out[i].Image.Digest]
	}
	return out, nil
}

// Image returns one image's facts and current tags.
func (db *DB) Image(ctx context.Context, tenantID int64, digest string) (*ImageListing, error) {
	var row imageFactRow
	err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND digest = ?", tenantID, digest).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return nil, posture.Errorf(posture.ENOTFOUND, "no image %s", digest)
	}
	if err != nil {
		return nil, err
	}
	im, err := decodeImage(row.Facts)
	if err != nil {
		return nil, err
	}
	tags, err := db.tagsOf(ctx, tenantID, []string{digest})
	if err != nil {
		return nil, err
	}
	return &ImageListing{Image: im, Tags: tags[digest]}, nil
}

func (db *DB) tagsOf(ctx context.Context, tenantID int64, digests []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(digests) == 0 {
		return out, nil
	}
	var rows []imageTagRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND digest IN ?", tenantID, digests).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Digest] = append(out[r.Digest], r.Repository+":"+r.Tag)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out, nil
}

// TrustPolicy returns a tenant's trust policy JSON and its version; "" and 0 when none is set.
func (db *DB) TrustPolicy(ctx context.Context, tenantID int64) (string, int64, error) {
	var row trustPolicyRow
	err := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	return row.Policy, row.Version, nil
}

// SaveTrustPolicy replaces a tenant's trust policy (validated by the caller) and returns
// its new version.
func (db *DB) SaveTrustPolicy(ctx context.Context, tenantID int64, policyJSON, by string) (int64, error) {
	var version int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row trustPolicyRow
		err := tx.Where("tenant_id = ?", tenantID).Take(&row).Error
		switch {
		case err == gorm.ErrRecordNotFound:
			row = trustPolicyRow{TenantID: tenantID, Version: 0}
		case err != nil:
			return err
		}
		row.Policy, row.Version, row.UpdatedBy, row.UpdatedAt = policyJSON, row.Version+1, by, db.now().UTC()
		version = row.Version
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		posture.AuditIntentOf(ctx).SetResult(&version)
		return nil
	})
	return version, err
}

type imageUsageRow struct {
	TenantID  int64  `gorm:"primaryKey;autoIncrement:false"`
	TargetID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Workload  string `gorm:"primaryKey"`
	Container string `gorm:"primaryKey"`
	Digest    string `gorm:"primaryKey"`
	Namespace string
	Image     string
	SeenAt    time.Time
}

func (imageUsageRow) TableName() string { return "image_usages" }

// ImageUsage is one container of a cluster target that ran an image.
type ImageUsage = imagefacts.Usage

// RecordImageUsages stores which containers of a target ran which digests. A complete
// collection replaces the target's usages; a partial one only adds (it may not have seen
// every pod).
func (db *DB) RecordImageUsages(ctx context.Context, tenantID, targetID int64, usages []ImageUsage, complete bool) error {
	now := db.now().UTC()
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if complete {
			if err := tx.Where("tenant_id = ? AND target_id = ?", tenantID, targetID).Delete(&imageUsageRow{}).Error; err != nil {
				return err
			}
		}
		if len(usages) == 0 {
			return nil
		}
		rows := make([]imageUsageRow, 0, len(usages))
		for _, u := range usages {
			rows = append(rows, imageUsageRow{TenantID: tenantID, TargetID: targetID, Workload: u.Workload, Container: u.Container,
				Digest: u.Digest, Namespace: u.Namespace, Image: u.Image, SeenAt: now})
		}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "target_id"}, {Name: "workload"}, {Name: "container"}, {Name: "digest"}},
			DoUpdates: clause.AssignmentColumns([]string{"namespace", "image", "seen_at"}),
		}).CreateInBatches(rows, 200).Error
	})
}

// ImageUsages lists where an image runs: targets, namespaces, workloads and containers.
func (db *DB) ImageUsages(ctx context.Context, tenantID int64, digest string, limit int) ([]ImageUsage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	var out []ImageUsage
	err := db.gorm.WithContext(ctx).Table("image_usages u").
		Select("u.target_id, t.name AS target_name, u.digest, u.namespace, u.workload, u.container, u.image, u.seen_at").
		Joins("JOIN targets t ON t.tenant_id = u.tenant_id AND t.id = u.target_id").
		Where("u.tenant_id = ? AND u.digest = ?", tenantID, digest).
		Order("t.name, u.namespace, u.workload, u.container").Limit(limit).Scan(&out).Error
	return out, err
}

// ImageUsageCounts counts the containers running each digest.
func (db *DB) ImageUsageCounts(ctx context.Context, tenantID int64, digests []string) (map[string]int, error) {
	out := map[string]int{}
	if len(digests) == 0 {
		return out, nil
	}
	var rows []struct {
		Digest string
		N      int
	}
	if err := db.gorm.WithContext(ctx).Model(&imageUsageRow{}).Select("digest, COUNT(*) AS n").
		Where("tenant_id = ? AND digest IN ?", tenantID, digests).Group("digest").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Digest] = r.N
	}
	return out, nil
}

// ListImageFacts is ListImages for the API: the cursor is "registry|repository|digest" of
// the last image of the previous page.
func (db *DB) ListImageFacts(ctx context.Context, tenantID int64, q imagefacts.Query) ([]imagefacts.Record, error) {
	f := ImageFilter{Registry: q.Registry, Repository: q.Repository, Workload: q.Workload, TargetID: q.TargetID, Limit: q.Limit}
	if q.Cursor != "" {
		parts := strings.SplitN(q.Cursor, "|", 3)
		if len(parts) != 3 {
			return nil, posture.Errorf(posture.EINVALID, "cursor is not one this API returned")
		}
		f.AfterRegistry, f.AfterRepository, f.AfterDigest = parts[0], parts[1], parts[2]
	}
	return db.ListImages(ctx, tenantID, f)
}

// ImageRecord is Image for the API.
func (db *DB) ImageRecord(ctx context.Context, tenantID int64, digest string) (*imagefacts.Record, error) {
	return db.Image(ctx, tenantID, digest)
}
