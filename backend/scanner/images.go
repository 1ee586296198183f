package scanner

import (
	"strings"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/report"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// imageSet is the snapshots of the image facets of a scan, one per facet.
type imageSet []*checks.Snapshot

func imageSnapshots(facets []*imagefacts.Facet, cfg checks.Config) imageSet {
	out := make(imageSet, 0, len(facets))
	for _, f := range facets {
		if f == nil {
			continue
		}
		s := checks.NewSnapshot(nil, cfg)
		s.SetImages(f)
		out = append(out, s)
	}
	return out
}

// run evaluates an image check on every facet. A result about an asset an earlier facet
// already answered for (the registry of two images, an image given twice) is dropped, so
// that each asset counts once in the report and the score.
func (set imageSet) run(ch *checks.Check) []posture.Result {
	var out []posture.Result
	seen := map[string]bool{}
	for _, s := range set {
		for _, r := range checks.RunCheck(ch, s) {
			key := r.SubKey
			if r.Asset != nil {
				key = r.Asset.Key + "\x00" + r.SubKey
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}

// imageResource names the registry, repository or image a finding is about, as a reader
// would write it ("Image registry.example.com/shop/web@sha256:..."); false for any other
// asset.
func imageResource(a *posture.Asset) (report.Resource, bool) {
	if a == nil {
		return report.Resource{}, false
	}
	switch a.Kind {
	case posture.AssetImage:
		return report.Resource{Kind: "Image", Name: strings.TrimPrefix(a.Key, "image/")}, true
	case posture.AssetRepository:
		return report.Resource{Kind: "Repository", Name: strings.TrimPrefix(a.Key, "repository/")}, true
	case posture.AssetRegistry:
		return report.Resource{Kind: "Registry", Name: strings.TrimPrefix(a.Key, "registry/")}, true
	}
	return report.Resource{}, false
}
