package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// Vulnerability checks judge an image's SBOM and its matches with the advisory database:
// one verdict per image, whatever its number of vulnerabilities (a thousand CVEs in one
// image are one image's problem, not a thousand findings). The list of vulnerabilities
// itself lives beside the findings (the vulnerabilities API). Missing or stale data is
// never a pass: without an SBOM or with stale advisories the verdict says so.

func vulnerabilityChecks() []*Check {
	return []*Check{
		{
			ID: "image.vulnerabilities", Title: "Image with fixable critical or high vulnerabilities",
			Description: "Packages in the image have known critical or high severity vulnerabilities for which a fixed version is published: rebuilding the image with updated packages removes them. Vulnerabilities a VEX statement declares not affecting the image do not count.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.6.2", "3.1.8.2", "3.1.8.4"}, Applies: posture.AssetImage, Facet: FacetImages,
			References:  []Reference{{NSA, "Supply chain", "Vulnerability scanning"}},
			Remediation: Remediation{Text: "Rebuild the image on an updated base image and upgrade the packages named (apt-get upgrade, apk upgrade, go get -u for Go modules), then redeploy by the new digest. If a vulnerability does not affect the image, record a VEX statement with the reason.", Example: "# Dockerfile\nFROM debian:12-slim\nRUN apt-get update && apt-get upgrade -y && rm -rf /var/lib/apt/lists/*\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				v := sub.image.Vulnerabilities
				if why := vulnDataMissing(s, v); why != "" {
					return na(why)
				}
				fixable := v.FixableCritical + v.FixableHigh
				if fixable == 0 {
					return pass(fmt.Sprintf("no critical or high vulnerability with a fix (%s)", vulnCounts(v)))
				}
				var top []string
				for _, r := range v.Top {
					top = append(top, fmt.Sprintf("%s in %s %s (fixed in %s)", r.ID, r.Package, r.Installed, r.Fixed))
				}
				msg := fmt.Sprintf("%d critical and %d high vulnerabilities have a fix: %s", v.FixableCritical, v.FixableHigh, strings.Join(top, "; "))
				return fail(msg, "fixable_critical", fmt.Sprint(v.FixableCritical), "fixable_high", fmt.Sprint(v.FixableHigh),
					"counts", vulnCounts(v))
			}),
		},
		{
			ID: "image.vulnerability-scan", Title: "Image never scanned, or its scan is partial or out of date",
			Description: "Palisade has no SBOM for the image (no SBOM attestation, no uploaded report, and its layers could not be read), its SBOM is partial, or an uploaded or attested SBOM is older than the allowed age. Without a package list, no vulnerability can be found: that is not a pass. An SBOM Palisade read from the image's layers does not age: the layers of a digest never change, and every advisory refresh matches it again.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.6.2", "3.1.6.5", "3.1.8.2"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Give Palisade a registry target (or credentials) that can read the image's layers, or attach an SBOM attestation in the build, or upload the pipeline's scanner report (CycloneDX, SPDX, Trivy, Grype or Syft JSON) through the API.", Example: "syft registry.example.com/shop/web@sha256:... -o cyclonedx-json > sbom.json\ncurl -H \"Authorization: Bearer $PALISADE_TOKEN\" -H 'Content-Type: application/json' \\\n  --data-binary @sbom.json https://palisade.example.com/api/v1/images/sha256:.../sbom\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				v := sub.image.Vulnerabilities
				if v == nil {
					return na("vulnerabilities were not matched for this image (no advisory database in this scan)")
				}
				if v.SBOM == nil {
					return fail("no SBOM: the image was never scanned, so none of its vulnerabilities can be known")
				}
				sb := v.SBOM
				if len(sb.Problems) > 0 {
					return fail(fmt.Sprintf("the SBOM (%s) is partial: %s", sb.Source, strings.Join(sb.Problems, "; ")), "origin", sb.Origin)
				}
				age := s.Config.Now().Sub(sb.ObservedAt)
				if sb.Source != "extractor" && age > s.Config.SBOMMaxAge {
					return fail(fmt.Sprintf("the %s SBOM was received %s, %s ago (more than %s)", sb.Source, sb.ObservedAt.Format(time.DateOnly),
						durationWords(age), durationWords(s.Config.SBOMMaxAge)), "origin", sb.Origin)
				}
				return pass(fmt.Sprintf("SBOM of %d packages from %s (%s)", sb.Components, sb.Source, sb.ObservedAt.Format(time.DateOnly)))
			}),
		},
		{
			ID: "image.advisory-data", Title: "Vulnerability data missing or out of date",
			Description: "The advisory data an image's packages are matched with is older than the allowed age, or no advisory feed covers an ecosystem the image's SBOM names (its packages of that kind are never checked). New vulnerabilities are published every day: stale advisory data hides them.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.6.5", "3.1.8.4"}, Applies: posture.AssetImage, Facet: FacetImages,
			Remediation: Remediation{Text: "Let Palisade refresh its advisory feeds on schedule (advisories.interval), from osv.dev or an internal mirror (advisories.mirror_url or advisories.files for air-gapped sites), and add a feed for every ecosystem your images use (advisories.ecosystems).", Example: "advisories:\n  interval: 6h\n  ecosystems: [Debian, Alpine, Ubuntu, Go, npm, PyPI, Maven]\n"},
			Eval: perImage(func(s *Snapshot, sub imageSubject) verdict {
				v := sub.image.Vulnerabilities
				if v == nil {
					return na("vulnerabilities were not matched for this image (no advisory database in this scan)")
				}
				if v.SBOM == nil {
					return na("the image has no SBOM: its ecosystems are unknown (see image.vulnerability-scan)")
				}
				if bad := staleFeeds(s, v.Feeds); len(bad) > 0 {
					return fail(strings.Join(bad, "; "))
				}
				if len(v.Feeds) == 0 {
					return pass("the image's SBOM names no package ecosystem advisories cover")
				}
				return pass("advisory data is current for " + feedNames(v.Feeds))
			}),
		},
	}
}

// vulnDataMissing says why vulnerabilities cannot be judged: no matching, no SBOM, or stale
// advisory data; "" when they can.
func vulnDataMissing(s *Snapshot, v *imagefacts.Vulnerabilities) string {
	switch {
	case v == nil:
		return "vulnerabilities were not matched for this image (no advisory database in this scan)"
	case v.SBOM == nil:
		return "the image has no SBOM, so its vulnerabilities are unknown (see image.vulnerability-scan)"
	}
	if bad := staleFeeds(s, v.Feeds); len(bad) > 0 {
		return "advisory data cannot be trusted: " + strings.Join(bad, "; ") + " (see image.advisory-data)"
	}
	return ""
}

// staleFeeds lists, one sentence each, the feeds that are missing or older than allowed.
func staleFeeds(s *Snapshot, feeds []imagefacts.FeedRef) []string {
	var bad []string
	for _, f := range feeds {
		switch {
		case !f.Configured:
			bad = append(bad, "no advisory feed is configured for "+f.Ecosystem+": its packages are not checked")
		case f.RefreshedAt == nil:
			bad = append(bad, "the "+f.Ecosystem+" advisory feed was never loaded")
		case s.Config.Now().Sub(*f.RefreshedAt) > s.Config.AdvisoryMaxAge:
			bad = append(bad, fmt.Sprintf("the %s advisory feed was last loaded %s, more than %s ago", f.Ecosystem,
				f.RefreshedAt.Format(time.DateOnly), durationWords(s.Config.AdvisoryMaxAge)))
		}
	}
	sort.Strings(bad)
	return bad
}

func feedNames(feeds []imagefacts.FeedRef) string {
	names := make([]string, len(feeds))
	for i, f := range feeds {
		names[i] = f.Ecosystem
	}
	return strings.Join(names, ", ")
}

func vulnCounts(v *imagefacts.Vulnerabilities) string {
	s := fmt.Sprintf("%d critical, %d high, %d medium, %d low, %d unknown severity", v.Critical, v.High, v.Medium, v.Low, v.Unknown)
	if v.NotAffected > 0 {
		s += fmt.Sprintf("; %d declared not affecting", v.NotAffected)
	}
	return s
}
