package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// Missing or stale image facts are never a pass: every image check answers not applicable
// with the reason, for registry images and running containers alike.
func TestImageChecksWithoutFacts(t *testing.T) {
	cat := Builtin()
	fixture := "testdata/image.signature-trusted/fail-running-unsigned.json"
	for _, tc := range []struct {
		name, want string
		mutate     func(f *imagefacts.Facet)
	}{
		{"no facet", "image facts were not collected", nil},
		{"digest not inspected", "not inspected: no registry credentials", func(f *imagefacts.Facet) {
			for d := range f.Images {
				delete(f.Images, d)
				f.Unknown[d] = "not inspected: no registry credentials for registry.example.com"
			}
		}},
		{"stale facts", "is stale (inspected 2026-04-01", func(f *imagefacts.Facet) {
			for _, im := range f.Images {
				im.ObservedAt = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, ch := range cat.Checks() {
				if ch.Facet != FacetImages || ch.Applies == posture.AssetRegistry || ch.Applies == posture.AssetRepository {
					continue
				}
				snap, subject := loadCheckFixture(t, ch, fixture)
				if tc.mutate == nil {
					snap.SetImages(nil)
				} else {
					if snap.Images.Unknown == nil {
						snap.Images.Unknown = map[string]string{}
					}
					tc.mutate(snap.Images)
				}
				var saw bool
				for _, r := range RunCheck(ch, snap) {
					if r.Asset.Key != subject {
						continue
					}
					saw = true
					if r.Status != posture.NotApplicable || !strings.Contains(r.Message, tc.want) {
						t.Errorf("%s: %s %q, want not applicable saying %q", ch.ID, r.Status, r.Message, tc.want)
					}
				}
				if !saw {
					t.Errorf("%s: no result on %s", ch.ID, subject)
				}
			}
		})
	}
}

// Registry and repository checks judge only registry targets: a cluster snapshot has no
// registry, so they have no subjects rather than a pass.
func TestRegistryChecksOnlyOnRegistryTargets(t *testing.T) {
	for _, ch := range Builtin().Checks() {
		if ch.Applies != posture.AssetRegistry && ch.Applies != posture.AssetRepository {
			continue
		}
		snap, _ := loadCheckFixture(t, ch, "testdata/image.signature-trusted/pass-running-signed.json")
		if rs := RunCheck(ch, snap); len(rs) != 0 {
			t.Errorf("%s judged a cluster snapshot: %+v", ch.ID, rs)
		}
	}
}
