package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/vulns"
)

// Matching advisories with packages, and the vulnerabilities of images that follow
// (migration 00015). The matcher itself (backend/advisories) is pure; this file reads what
// it needs and writes what it found.

type packageVulnRow struct {
	PackageID     int64  `gorm:"primaryKey;autoIncrement:false"`
	AdvisoryID    string `gorm:"primaryKey"`
	Fixed         string
	AffectedRange string
}

func (packageVulnRow) TableName() string { return "package_vulns" }

// AdvisoryPackageNames lists the package names that advisories affect.
func (db *DB) AdvisoryPackageNames(ctx context.Context, advisoryIDs []string) ([]PackageName, error) {
	seen := map[PackageName]bool{}
	var out []PackageName
	for start := 0; start < len(advisoryIDs); start += 500 {
		var rows []advisoryPackageRow
		if err := db.gorm.WithContext(ctx).Select("ecosystem, name").Where("advisory_id IN ?", advisoryIDs[start:min(start+500, len(advisoryIDs))]).
			Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			if k := (PackageName{Ecosystem: r.Ecosystem, Name: r.Name}); !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out, nil
}

// PackagesNamed returns the stored versions of the named packages.
func (db *DB) PackagesNamed(ctx context.Context, names []PackageName) ([]Package, error) {
	var out []Package
	err := forNameChunks(names, func(chunk []PackageName) error {
		var rows []packageRow
		if err := db.gorm.WithContext(ctx).Where(nameCondition(db.gorm, chunk)).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, Package{ID: r.ID, Ecosystem: r.Ecosystem, Name: r.Name, Version: r.Version})
		}
		return nil
	})
	return out, err
}

// AffectedFor returns every stored advisory's affected entries for the named packages.
func (db *DB) AffectedFor(ctx context.Context, names []PackageName) ([]AffectedPackage, error) {
	var out []AffectedPackage
	err := forNameChunks(names, func(chunk []PackageName) error {
		var rows []advisoryPackageRow
		if err := db.gorm.WithContext(ctx).Where(nameCondition(db.gorm, chunk)).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, AffectedPackage{AdvisoryID: r.AdvisoryID, Ecosystem: r.Ecosystem, Name: r.Name, Affected: json.RawMessage(r.Affected)})
		}
		return nil
	})
	return out, err
}

func forNameChunks(names []PackageName, fn func([]PackageName) error) error {
	for start := 0; start < len(names); start += 200 {
		if err := fn(names[start:min(start+200, len(names))]); err != nil {
			return err
		}
	}
	return nil
}

func nameCondition(g *gorm.DB, names []PackageName) *gorm.DB {
	cond := g.Where("1 = 0")
	for _, n := range names {
		cond = cond.Or("ecosystem = ? AND name = ?", n.Ecosystem, n.Name)
	}
	return cond
}

// UnmatchedPackages returns the packages of an SBOM never matched with the advisories.
func (db *DB) UnmatchedPackages(ctx context.Context, sbomID int64) ([]Package, error) {
	var rows []packageRow
	err := db.gorm.WithContext(ctx).Where("matched_at IS NULL AND id IN (SELECT package_id FROM sbom_components WHERE sbom_id = ?)", sbomID).
		Find(&rows).Error
	out := make([]Package, len(rows))
	for i, r := range rows {
		out[i] = Package{ID: r.ID, Ecosystem: r.Ecosystem, Name: r.Name, Version: r.Version}
	}
	return out, err
}

// ReplacePackageMatches replaces what affects packages with matches (new packages matched
// against every advisory) and marks them matched.
func (db *DB) ReplacePackageMatches(ctx context.Context, packageIDs []int64, matches []PackageMatch) error {
	now := db.now().UTC()
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(packageIDs); start += 500 {
			chunk := packageIDs[start:min(start+500, len(packageIDs))]
			if err := tx.Where("package_id IN ?", chunk).Delete(&packageVulnRow{}).Error; err != nil {
				return err
			}
			if err := tx.Model(&packageRow{}).Where("id IN ?", chunk).Update("matched_at", now).Error; err != nil {
				return err
			}
		}
		return insertMatches(tx, matches)
	})
}

func insertMatches(tx *gorm.DB, matches []PackageMatch) error {
	if len(matches) == 0 {
		return nil
	}
	rows := make([]packageVulnRow, len(matches))
	for i, m := range matches {
		rows[i] = packageVulnRow{PackageID: m.PackageID, AdvisoryID: m.AdvisoryID, Fixed: truncateText(m.Fixed, 200),
			AffectedRange: truncateText(m.Range, 500)}
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, batchSize).Error
}

// imageVulnSelect derives image vulnerabilities from SBOM components and package matches;
// one row per image, advisory and component name (a module in two binaries is one row).
const imageVulnSelect = `SELECT s.tenant_id, s.digest, pv.advisory_id, c.name AS component, MIN(c.package_id) AS package_id,
	MIN(c.version) AS installed, MIN(pv.fixed) AS fixed, MAX(a.severity) AS severity, MAX(a.cvss) AS cvss, %s AS first_seen_at
	FROM package_vulns pv
	JOIN sbom_components c ON c.package_id = pv.package_id
	JOIN sboms s ON s.id = c.sbom_id
	JOIN advisories a ON a.id = pv.advisory_id
	WHERE %s
	GROUP BY s.tenant_id, s.digest, pv.advisory_id, c.name`

const imageVulnUpsert = `INSERT INTO image_vulns (tenant_id, digest, advisory_id, component, package_id, installed, fixed, severity, cvss, first_seen_at) ` +
	imageVulnSelect + `
	ON CONFLICT (tenant_id, digest, advisory_id, component) DO UPDATE SET package_id = excluded.package_id,
	installed = excluded.installed, fixed = excluded.fixed, severity = excluded.severity, cvss = excluded.cvss`

// imageVulnStale deletes image vulnerabilities (of the rows selected by %s) that the
// components and matches no longer support.
const imageVulnStale = `DELETE FROM image_vulns WHERE %s AND NOT EXISTS (
	SELECT 1 FROM sboms s JOIN sbom_components c ON c.sbom_id = s.id
	JOIN package_vulns pv ON pv.package_id = c.package_id
	WHERE s.tenant_id = image_vulns.tenant_id AND s.digest = image_vulns.digest
	AND pv.advisory_id = image_vulns.advisory_id AND c.name = image_vulns.component)`

// Types shared with the vulnerability service.
type (
	PackageName     = vulns.PackageName
	Package         = vulns.Package
	AffectedPackage = vulns.AffectedPackage
	PackageMatch    = vulns.PackageMatch
	NewImageVuln    = vulns.NewImageVuln
	VulnCount       = vulns.VulnCount
	ImageVuln       = vulns.ImageVuln
)

// stamp is the first-seen time of the image vulnerabilities one refresh writes: rows
// carrying it were new in that refresh. It is strictly later than every stamp this process
// gave before, so two refreshes within a clock tick (or under a test's stopped clock) never
// take each other's rows for new.
func (db *DB) stamp() time.Time {
	now := db.now().UTC().Truncate(time.Microsecond).UnixMicro()
	for {
		last := db.lastStamp.Load()
		next := max(now, last+1)
		if db.lastStamp.CompareAndSwap(last, next) {
			return time.UnixMicro(next).UTC()
		}
	}
}

// upsertImageVulns is imageVulnUpsert for the dialect: PostgreSQL must be told the type of
// the timestamp parameter in a select list.
func (db *DB) upsertImageVulns() string {
	param := "?"
	if db.dialect == Postgres {
		param = "CAST(? AS TIMESTAMPTZ)"
	}
	return strings.Replace(imageVulnUpsert, "%s AS first_seen_at", param+" AS first_seen_at", 1)
}

// ApplyAdvisoryMatches replaces what advisories affect with matches (a refresh matched
// the packages they name again), brings their image vulnerabilities up to date in every
// tenant, marks them matched and, unless this is a feed's baseline, raises drift events
// for vulnerabilities new to running images: all in one transaction, so that a crash
// loses no event and leaves the advisories pending.
func (db *DB) ApplyAdvisoryMatches(ctx context.Context, advisoryIDs []string, matches []PackageMatch, raise bool) ([]NewImageVuln, int, error) {
	now := db.stamp()
	var found []NewImageVuln
	events := 0
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		found, events = nil, 0
		for start := 0; start < len(advisoryIDs); start += 500 {
			chunk := advisoryIDs[start:min(start+500, len(advisoryIDs))]
			if err := tx.Where("advisory_id IN ?", chunk).Delete(&packageVulnRow{}).Error; err != nil {
				return err
			}
		}
		if err := insertMatches(tx, matches); err != nil {
			return err
		}
		for start := 0; start < len(advisoryIDs); start += 500 {
			chunk := advisoryIDs[start:min(start+500, len(advisoryIDs))]
			if err := tx.Exec(fmt.Sprintf(imageVulnStale, "advisory_id IN ?"), chunk).Error; err != nil {
				return err
			}
			if err := tx.Exec(fmt.Sprintf(db.upsertImageVulns(), "pv.advisory_id IN ?"), now, chunk).Error; err != nil {
				return err
			}
			var rows []NewImageVuln
			if err := tx.Table("image_vulns").Select("tenant_id, digest, advisory_id, component, installed, fixed, severity").
				Where("advisory_id IN ? AND first_seen_at = ?", chunk, now).Order("tenant_id, digest, advisory_id, component").
				Scan(&rows).Error; err != nil {
				return err
			}
			found = append(found, rows...)
			if err := tx.Model(&advisoryRow{}).Where("id IN ?", chunk).Update("matched_at", now).Error; err != nil {
				return err
			}
		}
		if !raise || len(found) == 0 {
			return nil
		}
		n, err := raiseNewVulnerabilities(tx, found, now)
		events = n
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return found, events, nil
}

// PendingAdvisories lists up to limit advisories stored but not yet matched (a refresh
// that stopped between storing and matching leaves them).
func (db *DB) PendingAdvisories(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	err := db.gorm.WithContext(ctx).Model(&advisoryRow{}).Where("matched_at IS NULL").Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// RefreshImageVulnsForImage brings one image's vulnerabilities up to date with its SBOM.
func (db *DB) RefreshImageVulnsForImage(ctx context.Context, tenantID int64, digest string) error {
	now := db.stamp()
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(fmt.Sprintf(imageVulnStale, "tenant_id = ? AND digest = ?"), tenantID, digest).Error; err != nil {
			return err
		}
		return tx.Exec(fmt.Sprintf(db.upsertImageVulns(), "s.tenant_id = ? AND s.digest = ?"), now, tenantID, digest).Error
	})
}

// vexNotAffected is true for an image vulnerability (alias iv) that a VEX statement in
// force declares not affecting the image: by advisory id or alias, for every image or
// this digest, for every component or this one.
const vexNotAffected = `EXISTS (SELECT 1 FROM vex_statements v WHERE v.tenant_id = iv.tenant_id AND v.expires_at > ?
	AND (v.digest = '' OR v.digest = iv.digest) AND (v.component = '' OR v.component = iv.component)
	AND (v.vulnerability = iv.advisory_id OR EXISTS (SELECT 1 FROM advisory_aliases aa
		WHERE aa.advisory_id = iv.advisory_id AND aa.alias = v.vulnerability)))`

// ImageVulnCounts counts the vulnerabilities of images by severity, fix and VEX status.
func (db *DB) ImageVulnCounts(ctx context.Context, tenantID int64, digests []string) ([]VulnCount, error) {
	now := db.now().UTC()
	var out []VulnCount
	for start := 0; start < len(digests); start += 500 {
		var rows []VulnCount
		err := db.gorm.WithContext(ctx).Raw(`SELECT digest, severity, fixable, not_affected, COUNT(*) AS count FROM (
			SELECT iv.digest, iv.severity, iv.fixed <> '' AS fixable, `+vexNotAffected+` AS not_affected
			FROM image_vulns iv WHERE iv.tenant_id = ? AND iv.digest IN ?) x
			GROUP BY digest, severity, fixable, not_affected`, now, tenantID, digests[start:min(start+500, len(digests))]).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// WorstFixable returns, per image, up to n of its worst vulnerabilities with a fix at or
// above minSeverity that no VEX statement covers.
func (db *DB) WorstFixable(ctx context.Context, tenantID int64, digests []string, minSeverity, n int) (map[string][]ImageVuln, error) {
	now := db.now().UTC()
	out := map[string][]ImageVuln{}
	for start := 0; start < len(digests); start += 100 {
		var rows []ImageVuln
		err := db.gorm.WithContext(ctx).Raw(`SELECT iv.digest, iv.advisory_id, iv.component, iv.installed, iv.fixed, iv.severity, iv.cvss, iv.first_seen_at
			FROM image_vulns iv WHERE iv.tenant_id = ? AND iv.digest IN ? AND iv.severity >= ? AND iv.fixed <> '' AND NOT `+vexNotAffected+`
			ORDER BY iv.digest, iv.severity DESC, iv.cvss DESC, iv.advisory_id, iv.component LIMIT ?`,
			tenantID, digests[start:min(start+100, len(digests))], minSeverity, now, 100*n).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(out[r.Digest]) < n {
				out[r.Digest] = append(out[r.Digest], r)
			}
		}
	}
	return out, nil
}

// ImageEcosystems lists, per image, the package ecosystems its SBOM names ("Debian:12",
// "Go"); packages without an ecosystem are left out.
func (db *DB) ImageEcosystems(ctx context.Context, tenantID int64, digests []string) (map[string][]string, error) {
	out := map[string][]string{}
	for start := 0; start < len(digests); start += 500 {
		var rows []struct{ Digest, Ecosystem string }
		err := db.gorm.WithContext(ctx).Raw(`SELECT DISTINCT s.digest, p.ecosystem FROM sboms s
			JOIN sbom_components c ON c.sbom_id = s.id JOIN packages p ON p.id = c.package_id
			WHERE s.tenant_id = ? AND s.digest IN ? AND p.ecosystem <> '' ORDER BY s.digest, p.ecosystem`,
			tenantID, digests[start:min(start+500, len(digests))]).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Digest] = append(out[r.Digest], r.Ecosystem)
		}
	}
	return out, nil
}
