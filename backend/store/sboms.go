package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// SBOMs per image digest, the packages they name and the per-layer inventories the
// extractor keeps (migration 00015).

type layerInventoryRow struct {
	TenantID int64  `gorm:"primaryKey;autoIncrement:false"`
	Digest   string `gorm:"primaryKey"`
	Facts    string
	ReadAt   time.Time
}

func (layerInventoryRow) TableName() string { return "layer_inventories" }

type sbomRow struct {
	ID                int64
	TenantID          int64
	Digest            string
	Source            string
	Format            string
	Origin            string
	Tool              string
	DocumentCreatedAt *time.Time
	ObservedAt        time.Time
	Distro            string
	Components        int
	Problems          string
}

func (sbomRow) TableName() string { return "sboms" }

type packageRow struct {
	ID        int64
	Ecosystem string
	Name      string
	Version   string
	MatchedAt *time.Time
}

func (packageRow) TableName() string { return "packages" }

type sbomComponentRow struct {
	SbomID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Ordinal   int   `gorm:"primaryKey;autoIncrement:false"`
	PackageID int64
	Name      string
	Version   string
	Purl      string
	Location  string
}

func (sbomComponentRow) TableName() string { return "sbom_components" }

// maxLayerFacts bounds one layer's stored inventory (the extractor bounds what it keeps;
// this catches anything else).
const maxLayerFacts = 16 << 20

// LayerInventory returns a layer's stored inventory (JSON), false when the layer was never
// read for this tenant.
func (db *DB) LayerInventory(ctx context.Context, tenantID int64, digest string) ([]byte, bool, error) {
	var row layerInventoryRow
	err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND digest = ?", tenantID, digest).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return []byte(row.Facts), true, nil
}

// SaveLayerInventory stores a layer's inventory (JSON).
func (db *DB) SaveLayerInventory(ctx context.Context, tenantID int64, digest string, facts []byte) error {
	if len(facts) > maxLayerFacts {
		return fmt.Errorf("inventory of layer %s: %d bytes, more than %d", digest, len(facts), maxLayerFacts)
	}
	row := layerInventoryRow{TenantID: tenantID, Digest: digest, Facts: string(facts), ReadAt: db.now().UTC()}
	return db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "digest"}},
		DoUpdates: clause.AssignmentColumns([]string{"facts", "read_at"}),
	}).Create(&row).Error
}

// SBOMSaved and SBOMInfo are the vulnerability service's.
type (
	SBOMSaved = vulns.SBOMSaved
	SBOMInfo  = vulns.SBOMInfo
)

// SaveSBOM stores an image's SBOM unless the stored one came from a better source (an
// attestation beats an upload, an upload beats the extractor); of two from the same source
// the newer wins. Its packages are added to the shared package table unmatched.
func (db *DB) SaveSBOM(ctx context.Context, tenantID int64, s *sbom.SBOM) (SBOMSaved, error) {
	var out SBOMSaved
	if s.Digest == "" {
		return out, posture.Errorf(posture.EINVALID, "the SBOM names no image digest")
	}
	distro, problems := "", "[]"
	if s.Distro != nil {
		b, _ := json.Marshal(s.Distro)
		distro = string(b)
	}
	if len(s.Problems) > 0 {
		b, _ := json.Marshal(s.Problems)
		problems = string(b)
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var old sbomRow
		err := tx.Where("tenant_id = ? AND digest = ?", tenantID, s.Digest).Take(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
		case err != nil:
			return err
		default:
			oldSource := sbom.Source(old.Source)
			if oldSource.Rank() > s.Source.Rank() || oldSource == s.Source && old.ObservedAt.After(s.ObservedAt) {
				out = SBOMSaved{ID: old.ID, Kept: oldSource}
				return nil
			}
			if err := tx.Where("sbom_id = ?", old.ID).Delete(&sbomComponentRow{}).Error; err != nil {
				return err
			}
			if err := tx.Delete(&sbomRow{}, old.ID).Error; err != nil {
				return err
			}
		}
		row := sbomRow{TenantID: tenantID, Digest: s.Digest, Source: string(s.Source), Format: string(s.Format),
			Origin: truncateText(s.Origin, 500), Tool: truncateText(s.Tool, 200), DocumentCreatedAt: utcPtr(s.CreatedAt),
			ObservedAt: s.ObservedAt.UTC(), Distro: distro, Components: len(s.Components), Problems: problems}
		if err := tx.Omit("id").Create(&row).Error; err != nil {
			return err
		}
		out.ID = row.ID
		return insertComponents(tx, row.ID, s.Components)
	})
	return out, err
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// packageKey is a package's identity for matching: ecosystem, match name, match version.
type packageKey struct{ Ecosystem, Name, Version string }

func keyOf(c sbom.Component) packageKey {
	return packageKey{c.Ecosystem, c.MatchName(), c.MatchVersion()}
}

// insertComponents adds an SBOM's components, creating the packages they name.
func insertComponents(tx *gorm.DB, sbomID int64, comps []sbom.Component) error {
	ids, err := packageIDs(tx, comps)
	if err != nil {
		return err
	}
	rows := make([]sbomComponentRow, len(comps))
	for i, c := range comps {
		rows[i] = sbomComponentRow{SbomID: sbomID, Ordinal: i, PackageID: ids[keyOf(c)], Name: truncateText(c.Name, 500),
			Version: truncateText(c.Version, 200), Purl: truncateText(c.PURL, 1000), Location: truncateText(c.Location, 1000)}
	}
	return tx.CreateInBatches(rows, batchSize).Error
}

// packageIDs creates the packages comps name (if new) and returns their ids.
func packageIDs(tx *gorm.DB, comps []sbom.Component) (map[packageKey]int64, error) {
	want := map[packageKey]bool{}
	var rows []packageRow
	for _, c := range comps {
		k := keyOf(c)
		if !want[k] {
			want[k] = true
			rows = append(rows, packageRow{Ecosystem: k.Ecosystem, Name: k.Name, Version: k.Version})
		}
	}
	if len(rows) == 0 {
		return map[packageKey]int64{}, nil
	}
	if err := tx.Omit("id").Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, batchSize).Error; err != nil {
		return nil, fmt.Errorf("packages: %w", err)
	}
	ids := make(map[packageKey]int64, len(want))
	for start := 0; start < len(rows); start += 300 {
		// A join with a VALUES list: as 300 OR-ed conditions, planning the query (an index
		// probe per package) took longer than running it, for every SBOM stored.
		chunk := rows[start:min(start+300, len(rows))]
		values := make([]string, len(chunk))
		args := make([]any, 0, 3*len(chunk))
		for i, r := range chunk {
			values[i] = "(?, ?, ?)"
			args = append(args, r.Ecosystem, r.Name, r.Version)
		}
		var found []packageRow
		if err := tx.Raw(`SELECT p.id, p.ecosystem, p.name, p.version FROM packages p JOIN (VALUES `+strings.Join(values, ", ")+`) v
			ON p.ecosystem = v.column1 AND p.name = v.column2 AND p.version = v.column3`, args...).Scan(&found).Error; err != nil {
			return nil, fmt.Errorf("packages: %w", err)
		}
		for _, f := range found {
			ids[packageKey{f.Ecosystem, f.Name, f.Version}] = f.ID
		}
	}
	if len(ids) != len(want) {
		return nil, fmt.Errorf("packages: %d of %d found after insert", len(ids), len(want))
	}
	return ids, nil
}

func (r sbomRow) info() SBOMInfo {
	in := SBOMInfo{ID: r.ID, Digest: r.Digest, Source: sbom.Source(r.Source), Format: sbom.Format(r.Format), Origin: r.Origin,
		Tool: r.Tool, CreatedAt: r.DocumentCreatedAt, ObservedAt: r.ObservedAt, Components: r.Components}
	if r.Distro != "" {
		in.Distro = &sbom.Distro{}
		_ = json.Unmarshal([]byte(r.Distro), in.Distro)
	}
	_ = json.Unmarshal([]byte(r.Problems), &in.Problems)
	return in
}

// SBOMInfos returns the stored SBOMs of digests (without components), by digest.
func (db *DB) SBOMInfos(ctx context.Context, tenantID int64, digests []string) (map[string]SBOMInfo, error) {
	out := make(map[string]SBOMInfo, len(digests))
	for start := 0; start < len(digests); start += 500 {
		var rows []sbomRow
		chunk := digests[start:min(start+500, len(digests))]
		if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND digest IN ?", tenantID, chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Digest] = r.info()
		}
	}
	return out, nil
}

// SBOM returns an image's stored SBOM with its components; ENOTFOUND when there is none.
func (db *DB) SBOM(ctx context.Context, tenantID int64, digest string) (*sbom.SBOM, error) {
	var row sbomRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND digest = ?", tenantID, digest).Take(&row).Error; err != nil {
		return nil, notFound(err, "SBOM")
	}
	in := row.info()
	s := &sbom.SBOM{Digest: in.Digest, Source: in.Source, Format: in.Format, Origin: in.Origin, Tool: in.Tool,
		CreatedAt: in.CreatedAt, ObservedAt: in.ObservedAt, Distro: in.Distro, Problems: in.Problems}
	type compRow struct {
		Name, Version, Purl, Location string
		Ecosystem                     string
		MatchName                     string
		MatchVer                      string
	}
	var rows []compRow
	err := db.gorm.WithContext(ctx).Table("sbom_components c").
		Select("c.name, c.version, c.purl, c.location, p.ecosystem, p.name AS match_name, p.version AS match_ver").
		Joins("JOIN packages p ON p.id = c.package_id").Where("c.sbom_id = ?", row.ID).Order("c.ordinal").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	s.Components = make([]sbom.Component, len(rows))
	for i, r := range rows {
		c := sbom.Component{Ecosystem: r.Ecosystem, Name: r.Name, Version: r.Version, PURL: r.Purl, Location: r.Location}
		if r.MatchName != r.Name {
			c.SourceName = r.MatchName
		}
		if r.MatchVer != r.Version {
			c.SourceVersion = r.MatchVer
		}
		s.Components[i] = c
	}
	return s, nil
}
