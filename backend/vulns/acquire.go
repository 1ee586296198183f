package vulns

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/imagepkgs"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// ImageOpener opens the image whose layers hold an image's packages (for an index, one of
// its platforms) and names the platform it chose.
type ImageOpener func(ctx context.Context, im *imagefacts.Image) (v1.Image, string, error)

// AcquireOptions bound the SBOM work of one run.
type AcquireOptions struct {
	// MaxExtractions bounds the images whose layers one run reads (default 20); Budget the
	// time it spends reading them (default 5m). What is left waits for the next run.
	MaxExtractions int
	Budget         time.Duration
	Limits         imagepkgs.Limits
}

// AcquireReport says what Acquire did.
type AcquireReport struct {
	FromAttestations int
	Extracted        int
	Waiting          int // images without an SBOM left for a later run
	Failed           int
}

// Acquire gives images an SBOM: a verified SBOM attestation first (it replaces an upload or
// an extraction); else, for an image with no SBOM at all, Palisade's extractor reading its
// layers (layers already read for this tenant are not downloaded again). Attestations must
// have been judged (imagetrust) before: an unverified one is never used. SBOM attestations
// too large for the image's facts lose their payload here, once read.
func (s *Service) Acquire(ctx context.Context, tenantID int64, images []*imagefacts.Image, open ImageOpener, o AcquireOptions) (AcquireReport, error) {
	var rep AcquireReport
	if o.MaxExtractions <= 0 {
		o.MaxExtractions = 20
	}
	if o.Budget <= 0 {
		o.Budget = 5 * time.Minute
	}
	digests := make([]string, 0, len(images))
	for _, im := range images {
		digests = append(digests, im.Digest)
	}
	have, err := s.o.Store.SBOMInfos(ctx, tenantID, digests)
	if err != nil {
		return rep, fmt.Errorf("stored SBOMs: %w", err)
	}
	deadline := s.o.Now().Add(o.Budget)
	for _, im := range images {
		attested, err := s.fromAttestation(ctx, tenantID, im, have[im.Digest])
		if err != nil {
			return rep, err
		}
		if attested {
			rep.FromAttestations++
			continue
		}
		if _, ok := have[im.Digest]; ok || open == nil {
			continue
		}
		if rep.Extracted+rep.Failed >= o.MaxExtractions || s.o.Now().After(deadline) || ctx.Err() != nil {
			rep.Waiting++
			continue
		}
		if err := s.extract(ctx, tenantID, im, open, o.Limits); err != nil {
			if posture.ErrorCode(err) == posture.EUNAVAILABLE {
				return rep, err
			}
			im.Problems = append(im.Problems, "packages: "+posture.ErrorMessage(err))
			rep.Failed++
			continue
		}
		rep.Extracted++
	}
	return rep, nil
}

// fromAttestation stores the image's verified SBOM attestation, if it has one not stored
// yet, and drops large SBOM payloads from the facts.
func (s *Service) fromAttestation(ctx context.Context, tenantID int64, im *imagefacts.Image, stored SBOMInfo) (bool, error) {
	used := false
	for i := range im.Materials {
		m := &im.Materials[i]
		if !imagefacts.IsSBOMPredicate(m.PredicateType) || len(m.Payload) == 0 {
			continue
		}
		var v imagefacts.Verification
		if i < len(im.Verifications) {
			v = im.Verifications[i]
		}
		if !used && v.Verified && stored.Source != sbom.SourceAttestation {
			sb, err := attestedSBOM(im, *m, v)
			if err != nil {
				im.Problems = append(im.Problems, "SBOM attestation "+m.Source+": "+posture.ErrorMessage(err))
			} else {
				sb.ObservedAt = s.o.Now().UTC()
				if _, err := s.Ingest(ctx, tenantID, sb); err != nil {
					return false, fmt.Errorf("store the SBOM attestation of %s: %w", im.Digest, err)
				}
				used = true
			}
		}
		if len(m.Payload) > imagetrust.MaxPayload {
			why := "SBOM attestation not verified: " + v.Reason
			if v.Verified {
				why = "SBOM attestation verified when read and stored as the image's SBOM"
			}
			m.Payload, m.Stored = nil, why
		}
	}
	return used, nil
}

func attestedSBOM(im *imagefacts.Image, m imagefacts.Material, v imagefacts.Verification) (*sbom.SBOM, error) {
	stmt, err := imagetrust.Statement(m)
	if err != nil {
		return nil, err
	}
	sb, err := sbom.FromAttestation(stmt, imagetrust.MaxSBOMPayload)
	if err != nil {
		return nil, err
	}
	sb.Digest, sb.Source = im.Digest, sbom.SourceAttestation
	sb.Origin = fmt.Sprintf("attestation (%s, %s) signed by %s", m.Source, shortDigest(m.ManifestDigest), v.Identity)
	return sb, nil
}

// extract reads the image's packages from its layers and stores them.
func (s *Service) extract(ctx context.Context, tenantID int64, im *imagefacts.Image, open ImageOpener, lim imagepkgs.Limits) error {
	img, platform, err := open(ctx, im)
	if err != nil {
		return err
	}
	origin := "layers of " + shortDigest(im.Digest)
	if platform != "" {
		origin += " (" + platform + ")"
	}
	sb, err := imagepkgs.Extract(ctx, img, imagepkgs.Options{Cache: layerCache{s.o.Store, tenantID}, Limits: lim, Origin: origin,
		Now: s.o.Now, Log: s.o.Log})
	if err != nil {
		return err
	}
	sb.Digest = im.Digest
	_, err = s.Ingest(ctx, tenantID, sb)
	return err
}

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// layerCache is the extractor's cache of layer inventories in the tenant's table.
type layerCache struct {
	store    LayerStore
	tenantID int64
}

func (c layerCache) Layer(ctx context.Context, digest string) (*imagepkgs.LayerFacts, bool, error) {
	raw, found, err := c.store.LayerInventory(ctx, c.tenantID, digest)
	if err != nil || !found {
		return nil, false, err
	}
	var f imagepkgs.LayerFacts
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, false, nil // unreadable (an older format): read the layer again
	}
	return &f, true, nil
}

func (c layerCache) SaveLayer(ctx context.Context, digest string, f *imagepkgs.LayerFacts) error {
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.store.SaveLayerInventory(ctx, c.tenantID, digest, raw)
}
