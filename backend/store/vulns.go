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
		join, args := namesJoin("p", chunk)
		if err := db.gorm.WithContext(ctx).Raw("SELECT p.* FROM packages p "+join, args...).Scan(&rows).Error; err != nil {
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
		join, args := namesJoin("ap", chunk)
		if err := db.gorm.WithContext(ctx).Raw("SELECT ap.* FROM advisory_packages ap "+join, args...).Scan(&rows).Error; err != nil {
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

// namesJoin joins table alias t with a VALUES list of the names. Written as one
// "ecosystem = ? AND name = ?" per name OR-ed together, PostgreSQL planned one index probe
// per name, and planning a few hundred of them (once per image stored) took longer than
// running them; a VALUES list is one join.
func namesJoin(t string, names []PackageName) (string, []any) {
	rows := make([]string, len(names))
	args := make([]any, 0, 2*len(names))
	for i, n := range names {
		rows[i] = "(?, ?)"
		args = append(args, n.Ecosystem, n.Name)
	}
	return "JOIN (VALUES " + strings.Join(rows, ", ") + ") v ON " + t + ".ecosystem = v.column1 AND " + t + ".name = v.column2", args
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

// imageVulnUpsert writes them; a row that is already as derived is left alone (not
// rewritten with the same values, with a new version of it in every index).
const imageVulnUpsert = `INSERT INTO image_vulns (tenant_id, digest, advisory_id, component, package_id, installed, fixed, severity, cvss, first_seen_at) ` +
	imageVulnSelect + `
	ON CONFLICT (tenant_id, digest, advisory_id, component) DO UPDATE SET package_id = excluded.package_id,
	installed = excluded.installed, fixed = excluded.fixed, severity = excluded.severity, cvss = excluded.cvss
	WHERE image_vulns.package_id <> excluded.package_id OR image_vulns.installed <> excluded.installed
	OR image_vulns.fixed <> excluded.fixed OR image_vulns.severity <> excluded.severity OR image_vulns.cvss <> excluded.cvss`

// imageVulnStale deletes image vulnerabilities (of the rows selected by the first %s) that
// the components and matches no longer support; the second %s may narrow the matches
// looked at to the same advisories, so that PostgreSQL can hash them once rather than
// probe an image's components for every row.
const imageVulnStale = `DELETE FROM image_vulns WHERE %s AND NOT EXISTS (
	SELECT 1 FROM sboms s JOIN sbom_components c ON c.sbom_id = s.id
	JOIN package_vulns pv ON pv.package_id = c.package_id
	WHERE s.tenant_id = image_vulns.tenant_id AND s.digest = image_vulns.digest
	AND pv.advisory_id = image_vulns.advisory_id AND c.name = image_vulns.component%s)`

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
	byAdvisory := map[string][]PackageMatch{}
	for _, m := range matches {
		byAdvisory[m.AdvisoryID] = append(byAdvisory[m.AdvisoryID], m)
	}
	var found []NewImageVuln
	events := 0
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		found, events = nil, 0
		for start := 0; start < len(advisoryIDs); start += 500 {
			chunk := advisoryIDs[start:min(start+500, len(advisoryIDs))]
			var chunkMatches []PackageMatch
			for _, id := range chunk {
				chunkMatches = append(chunkMatches, byAdvisory[id]...)
				delete(byAdvisory, id)
			}
			rows, err := db.applyAdvisoryChunk(tx, chunk, chunkMatches, now)
			if err != nil {
				return err
			}
			found = append(found, rows...)
		}
		for _, rest := range byAdvisory { // matches of advisories not listed: stored, as given
			if err := insertMatches(tx, rest); err != nil {
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

// applyAdvisoryChunk replaces what up to 500 advisories affect and brings their image
// vulnerabilities up to date; it returns those first seen now.
//
// Most of a refresh's changed advisories change in their text or references only, and
// affect the same packages as before: their image vulnerabilities, derived from the
// package matches, the SBOMs and the advisory's severity, can only differ in severity.
// So image_vulns, which holds what the matches derived when they were stored, is brought
// up to date in two parts: severity and CVSS for all of the chunk, one indexed pass that
// writes only rows that differ; and, for the advisories whose matches changed (a package
// or a fixed version gained or lost), the stale rows deleted and the rows derived again.
// Deriving and re-writing every advisory's rows took 160 s for 10,000 changed advisories.
func (db *DB) applyAdvisoryChunk(tx *gorm.DB, chunk []string, matches []PackageMatch, now time.Time) ([]NewImageVuln, error) {
	var old []packageVulnRow
	if err := tx.Select("package_id, advisory_id, fixed").Where("advisory_id IN ?", chunk).Find(&old).Error; err != nil {
		return nil, err
	}
	if err := tx.Where("advisory_id IN ?", chunk).Delete(&packageVulnRow{}).Error; err != nil {
		return nil, err
	}
	if err := insertMatches(tx, matches); err != nil {
		return nil, err
	}
	if err := tx.Exec(imageVulnSeverity, chunk, chunk).Error; err != nil {
		return nil, err
	}
	changed := changedAdvisories(old, matches)
	var rows []NewImageVuln
	if len(changed) > 0 {
		if err := tx.Exec(fmt.Sprintf(imageVulnStale, "advisory_id IN ?", " AND pv.advisory_id IN ?"), changed, changed).Error; err != nil {
			return nil, err
		}
		if err := tx.Exec(fmt.Sprintf(db.upsertImageVulns(), "pv.advisory_id IN ?"), now, changed).Error; err != nil {
			return nil, err
		}
		if err := tx.Table("image_vulns").Select("tenant_id, digest, advisory_id, component, installed, fixed, severity").
			Where("advisory_id IN ? AND first_seen_at = ?", changed, now).Order("tenant_id, digest, advisory_id, component").
			Scan(&rows).Error; err != nil {
			return nil, err
		}
	}
	return rows, tx.Model(&advisoryRow{}).Where("id IN ?", chunk).Update("matched_at", now).Error
}

// imageVulnSeverity gives the image vulnerabilities of advisories (both ? lists: the same)
// their advisory's severity and CVSS score, writing only the rows that differ. The second
// list keeps PostgreSQL from hashing the whole advisories table for the semi-join (most of
// the statement's time, for every chunk).
const imageVulnSeverity = `UPDATE image_vulns SET
	severity = (SELECT a.severity FROM advisories a WHERE a.id = image_vulns.advisory_id),
	cvss = (SELECT a.cvss FROM advisories a WHERE a.id = image_vulns.advisory_id)
	WHERE advisory_id IN ? AND EXISTS (SELECT 1 FROM advisories a WHERE a.id = image_vulns.advisory_id AND a.id IN ?
	AND (a.severity <> image_vulns.severity OR a.cvss <> image_vulns.cvss))`

// changedAdvisories lists the advisories whose matches differ between old and now: a
// package gained or lost, or another fixed version (the first match of a package wins,
// as insertMatches keeps it).
func changedAdvisories(old []packageVulnRow, now []PackageMatch) []string {
	type pair struct {
		pkg      int64
		advisory string
	}
	before := make(map[pair]string, len(old))
	for _, r := range old {
		before[pair{r.PackageID, r.AdvisoryID}] = r.Fixed
	}
	changed := map[string]bool{}
	after := make(map[pair]bool, len(now))
	for _, m := range now {
		k := pair{m.PackageID, m.AdvisoryID}
		if after[k] {
			continue
		}
		after[k] = true
		if fixed, ok := before[k]; !ok || fixed != truncateText(m.Fixed, 200) {
			changed[m.AdvisoryID] = true
		}
	}
	for k := range before {
		if !after[k] {
			changed[k.advisory] = true
		}
	}
	out := make([]string, 0, len(changed))
	for id := range changed {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
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
		if err := tx.Exec(fmt.Sprintf(imageVulnStale, "tenant_id = ? AND digest = ?", ""), tenantID, digest).Error; err != nil {
			return err
		}
		return tx.Exec(fmt.Sprintf(db.upsertImageVulns(), "s.tenant_id = ? AND s.digest = ?"), now, tenantID, digest).Error
	})
}

// notAffectedExpr is SQL true for an image vulnerability (alias iv) that the tenant's VEX
// statements in force declare not affecting the image ("0 = 1" when there are none).
func (db *DB) notAffectedExpr(ctx context.Context, tenantID int64) (string, []any, error) {
	vex, err := db.vexScopeOf(ctx, tenantID, db.now().UTC())
	if err != nil {
		return "", nil, err
	}
	cond, args := vex.condition()
	if cond == "" {
		return "0 = 1", nil, nil
	}
	return cond, args, nil
}

// ImageVulnCounts counts the vulnerabilities of images by severity, fix and VEX status.
func (db *DB) ImageVulnCounts(ctx context.Context, tenantID int64, digests []string) ([]VulnCount, error) {
	notAffected, vexArgs, err := db.notAffectedExpr(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var out []VulnCount
	for start := 0; start < len(digests); start += 500 {
		var rows []VulnCount
		args := append(append([]any{}, vexArgs...), tenantID, digests[start:min(start+500, len(digests))])
		err := db.gorm.WithContext(ctx).Raw(`SELECT digest, severity, fixable, not_affected, COUNT(*) AS count FROM (
			SELECT iv.digest, iv.severity, iv.fixed <> '' AS fixable, CASE WHEN `+notAffected+` THEN 1 ELSE 0 END AS not_affected
			FROM image_vulns iv WHERE iv.tenant_id = ? AND iv.digest IN ?) x
			GROUP BY digest, severity, fixable, not_affected`, args...).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// WorstFixable returns, per image, up to n of its worst vulnerabilities with a fix at or
// above minSeverity that no VEX statement covers. The n are picked per image (a window),
// not by one LIMIT over all images of the chunk, which left images past the first few
// without any.
func (db *DB) WorstFixable(ctx context.Context, tenantID int64, digests []string, minSeverity, n int) (map[string][]ImageVuln, error) {
	notAffected, vexArgs, err := db.notAffectedExpr(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := map[string][]ImageVuln{}
	for start := 0; start < len(digests); start += 100 {
		var rows []ImageVuln
		args := append([]any{tenantID, digests[start:min(start+100, len(digests))], minSeverity}, vexArgs...)
		err := db.gorm.WithContext(ctx).Raw(`SELECT digest, advisory_id, component, installed, fixed, severity, cvss, first_seen_at FROM (
			SELECT iv.digest, iv.advisory_id, iv.component, iv.installed, iv.fixed, iv.severity, iv.cvss, iv.first_seen_at,
				ROW_NUMBER() OVER (PARTITION BY iv.digest ORDER BY iv.severity DESC, iv.cvss DESC, iv.advisory_id, iv.component) AS n
			FROM image_vulns iv WHERE iv.tenant_id = ? AND iv.digest IN ? AND iv.severity >= ? AND iv.fixed <> '' AND NOT `+notAffected+`) x
			WHERE n <= ? ORDER BY digest, n`, append(args, n)...).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Digest] = append(out[r.Digest], r)
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
