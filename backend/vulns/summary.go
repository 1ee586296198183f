package vulns

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// topFixable is how many of an image's worst fixable vulnerabilities its summary names.
const topFixable = 5

// Summaries returns, per digest, what is known of the image's vulnerabilities: its SBOM,
// counts by severity and fix, its worst fixable vulnerabilities and the freshness of the
// advisory feeds its packages need. A digest without an SBOM gets a summary without one.
func (s *Service) Summaries(ctx context.Context, tenantID int64, digests []string) (map[string]*imagefacts.Vulnerabilities, error) {
	out := make(map[string]*imagefacts.Vulnerabilities, len(digests))
	if len(digests) == 0 {
		return out, nil
	}
	infos, err := s.o.Store.SBOMInfos(ctx, tenantID, digests)
	if err != nil {
		return nil, fmt.Errorf("SBOMs: %w", err)
	}
	counts, err := s.o.Store.ImageVulnCounts(ctx, tenantID, digests)
	if err != nil {
		return nil, fmt.Errorf("vulnerability counts: %w", err)
	}
	worst, err := s.o.Store.WorstFixable(ctx, tenantID, digests, int(posture.SeverityHigh), topFixable)
	if err != nil {
		return nil, fmt.Errorf("fixable vulnerabilities: %w", err)
	}
	ecosystems, err := s.o.Store.ImageEcosystems(ctx, tenantID, digests)
	if err != nil {
		return nil, fmt.Errorf("image ecosystems: %w", err)
	}
	feeds, err := s.o.Store.AdvisoryFeeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("advisory feeds: %w", err)
	}
	for _, d := range digests {
		v := &imagefacts.Vulnerabilities{}
		if in, ok := infos[d]; ok {
			v.SBOM = &imagefacts.SBOMRef{Source: string(in.Source), Format: string(in.Format), Origin: in.Origin,
				ObservedAt: in.ObservedAt, Components: in.Components, Problems: in.Problems}
		}
		for _, r := range worst[d] {
			v.Top = append(v.Top, imagefacts.VulnRef{ID: r.AdvisoryID, Severity: SeverityName(r.Severity), CVSS: r.CVSS,
				Package: r.Component, Installed: r.Installed, Fixed: r.Fixed})
		}
		v.Feeds = s.feedRefs(ecosystems[d], feeds)
		out[d] = v
	}
	for _, c := range counts {
		if v := out[c.Digest]; v != nil {
			addCount(v, c)
		}
	}
	return out, nil
}

func addCount(v *imagefacts.Vulnerabilities, c VulnCount) {
	if c.NotAffected {
		v.NotAffected += c.Count
		return
	}
	switch posture.Severity(c.Severity) {
	case posture.SeverityCritical:
		v.Critical += c.Count
		if c.Fixable {
			v.FixableCritical += c.Count
		}
	case posture.SeverityHigh:
		v.High += c.Count
		if c.Fixable {
			v.FixableHigh += c.Count
		}
	case posture.SeverityMedium:
		v.Medium += c.Count
	case posture.SeverityLow:
		v.Low += c.Count
	default:
		v.Unknown += c.Count
	}
}

// feedRefs are the feeds an image's ecosystems ("Debian:12", "Go") need, one per OSV
// export ("Debian", "Go").
func (s *Service) feedRefs(ecosystems []string, feeds []Feed) []imagefacts.FeedRef {
	seen := map[string]bool{}
	var out []imagefacts.FeedRef
	for _, e := range ecosystems {
		base, _, _ := strings.Cut(e, ":")
		if seen[base] {
			continue
		}
		seen[base] = true
		ref := imagefacts.FeedRef{Ecosystem: base, Configured: s.Configured(base)}
		for _, f := range feeds {
			if f.Ecosystem == base {
				ref.RefreshedAt, ref.FeedDate, ref.Error = f.RefreshedAt, f.FeedDate, f.Error
			}
		}
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out
}

// Fill sets the vulnerability summary of every image of a facet.
func (s *Service) Fill(ctx context.Context, tenantID int64, f *imagefacts.Facet) error {
	if f == nil || len(f.Images) == 0 {
		return nil
	}
	digests := make([]string, 0, len(f.Images))
	for d := range f.Images {
		digests = append(digests, d)
	}
	sort.Strings(digests)
	sums, err := s.Summaries(ctx, tenantID, digests)
	if err != nil {
		return err
	}
	for d, im := range f.Images {
		im.Vulnerabilities = sums[d]
	}
	return nil
}

// SeverityName is the word for a stored severity (0 unknown .. 4 critical).
func SeverityName(sev int) string {
	if sev <= 0 || sev > int(posture.SeverityCritical) {
		return "unknown"
	}
	return posture.Severity(sev).String()
}

// FeedStatus is a feed as shown with results: configured here or only stored.
type FeedStatus struct {
	Feed
	Configured bool
}

// Feeds returns every configured feed (loaded or not) and every stored one, by ecosystem.
func (s *Service) Feeds(ctx context.Context) ([]FeedStatus, error) {
	stored, err := s.o.Store.AdvisoryFeeds(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]FeedStatus, 0, len(stored)+len(s.o.Feeds))
	for _, f := range stored {
		seen[f.Ecosystem] = true
		out = append(out, FeedStatus{Feed: f, Configured: s.Configured(f.Ecosystem)})
	}
	for _, src := range s.o.Feeds {
		if !seen[src.Ecosystem] {
			out = append(out, FeedStatus{Feed: Feed{Ecosystem: src.Ecosystem, Source: SourceText(src)}, Configured: true})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out, nil
}
