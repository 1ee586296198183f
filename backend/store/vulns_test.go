package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

func debianSBOM(digest string, src sbom.Source, at time.Time, opensslVersion string) *sbom.SBOM {
	return &sbom.SBOM{Digest: digest, Source: src, Format: sbom.FormatLayers, Origin: "test", ObservedAt: at,
		Distro: &sbom.Distro{ID: "debian", Version: "12"},
		Components: []sbom.Component{
			{Ecosystem: "Debian:12", Name: "libssl3", Version: opensslVersion, SourceName: "openssl", Location: "var/lib/dpkg/status"},
			{Ecosystem: "Debian:12", Name: "openssl", Version: opensslVersion, Location: "var/lib/dpkg/status"},
			{Ecosystem: "Debian:12", Name: "zlib1g", Version: "1:1.2.13.dfsg-1", SourceName: "zlib"},
		}}
}

func TestSBOMSourcesAreRanked(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten := &posture.Tenant{Slug: "a", Name: "A"}
		if err := db.CreateTenant(ctx, ten); err != nil {
			t.Fatal(err)
		}
		saved, err := db.SaveSBOM(ctx, ten.ID, debianSBOM("sha256:aa", sbom.SourceUpload, t0, "3.0.11-1~deb12u1"))
		if err != nil || saved.Kept != "" {
			t.Fatalf("first save = %+v, %v", saved, err)
		}
		// The extractor does not replace an upload, even a newer extraction.
		kept, err := db.SaveSBOM(ctx, ten.ID, debianSBOM("sha256:aa", sbom.SourceExtractor, t0.Add(time.Hour), "3.0.9-1"))
		if err != nil || kept.Kept != sbom.SourceUpload || kept.ID != saved.ID {
			t.Fatalf("extractor over upload = %+v, %v", kept, err)
		}
		// An attestation replaces it.
		att, err := db.SaveSBOM(ctx, ten.ID, debianSBOM("sha256:aa", sbom.SourceAttestation, t0.Add(-time.Hour), "3.0.13-1~deb12u1"))
		if err != nil || att.Kept != "" {
			t.Fatalf("attestation = %+v, %v", att, err)
		}
		got, err := db.SBOM(ctx, ten.ID, "sha256:aa")
		if err != nil {
			t.Fatal(err)
		}
		if got.Source != sbom.SourceAttestation || len(got.Components) != 3 || got.Components[0].Version != "3.0.13-1~deb12u1" ||
			got.Components[0].SourceName != "openssl" || got.Components[1].SourceName != "" || got.Distro.Version != "12" {
			t.Fatalf("stored SBOM = %+v", got)
		}
		// libssl3 and openssl share one package: the source package advisories name.
		pkgs, err := db.PackagesNamed(ctx, []store.PackageName{{Ecosystem: "Debian:12", Name: "openssl"}})
		if err != nil || len(pkgs) != 2 {
			t.Fatalf("openssl packages = %+v, %v (two SBOMs were stored; the kept-out one added nothing)", pkgs, err)
		}
		if _, err := db.SBOM(ctx, ten.ID, "sha256:bb"); posture.ErrorCode(err) != posture.ENOTFOUND {
			t.Fatalf("missing SBOM: %v", err)
		}
	})
}

func TestImageVulnsFollowMatches(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, b := &posture.Tenant{Slug: "a", Name: "A"}, &posture.Tenant{Slug: "b", Name: "B"}
		for _, ten := range []*posture.Tenant{a, b} {
			if err := db.CreateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
		}
		sa, err := db.SaveSBOM(ctx, a.ID, debianSBOM("sha256:aa", sbom.SourceExtractor, t0, "3.0.11-1~deb12u1"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveSBOM(ctx, b.ID, debianSBOM("sha256:bb", sbom.SourceExtractor, t0, "3.0.11-1~deb12u1")); err != nil {
			t.Fatal(err)
		}
		pending, err := db.UnmatchedPackages(ctx, sa.ID)
		if err != nil || len(pending) != 2 {
			t.Fatalf("unmatched = %+v, %v", pending, err)
		}
		affected := json.RawMessage(`[{"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]}]}]`)
		changed, err := db.SaveAdvisories(ctx, []store.AdvisoryRecord{{ID: "DEBIAN-CVE-2024-0001", Feed: "Debian", Modified: t0,
			Severity: int(posture.SeverityCritical), CVSS: 9.8, Aliases: []string{"CVE-2024-0001"},
			Packages: []store.AffectedPackage{{Ecosystem: "Debian:12", Name: "openssl", Affected: affected}}}})
		if err != nil || len(changed) != 1 {
			t.Fatalf("save advisories = %v, %v", changed, err)
		}
		// Saving the same record again changes nothing.
		if again, err := db.SaveAdvisories(ctx, []store.AdvisoryRecord{{ID: "DEBIAN-CVE-2024-0001", Feed: "Debian", Modified: t0}}); err != nil || len(again) != 0 {
			t.Fatalf("unchanged record saved again: %v, %v", again, err)
		}
		names, err := db.AdvisoryPackageNames(ctx, changed)
		if err != nil || len(names) != 1 || names[0].Name != "openssl" {
			t.Fatalf("names = %+v, %v", names, err)
		}
		pkgs, err := db.PackagesNamed(ctx, names)
		if err != nil || len(pkgs) != 1 {
			t.Fatalf("packages = %+v, %v", pkgs, err)
		}
		if pending, err := db.PendingAdvisories(ctx, 10); err != nil || len(pending) != 1 {
			t.Fatalf("pending = %v, %v", pending, err)
		}
		match := []store.PackageMatch{{PackageID: pkgs[0].ID, AdvisoryID: changed[0], Fixed: "3.0.13-1~deb12u1"}}
		fresh, events, err := db.ApplyAdvisoryMatches(ctx, changed, match, true)
		if err != nil || events != 0 {
			t.Fatalf("apply = %v events, %v (no image runs anywhere: no event)", events, err)
		}
		if pending, err := db.PendingAdvisories(ctx, 10); err != nil || len(pending) != 0 {
			t.Fatalf("pending after matching = %v, %v", pending, err)
		}
		// Both tenants' images, both binary packages of the source package.
		if len(fresh) != 4 {
			t.Fatalf("new image vulnerabilities = %+v, want 4", fresh)
		}
		for _, v := range fresh {
			if v.Fixed != "3.0.13-1~deb12u1" || v.Severity != int(posture.SeverityCritical) || v.Installed != "3.0.11-1~deb12u1" {
				t.Fatalf("vulnerability = %+v", v)
			}
		}
		// A second refresh finds nothing new; first-seen dates are kept.
		clock.Advance(time.Hour)
		if again, _, err := db.ApplyAdvisoryMatches(ctx, changed, match, true); err != nil || len(again) != 0 {
			t.Fatalf("second refresh = %+v, %v", again, err)
		}
		ids, err := db.ResolveVulnerability(ctx, "CVE-2024-0001")
		if err != nil || len(ids) != 1 || ids[0] != "DEBIAN-CVE-2024-0001" {
			t.Fatalf("alias = %v, %v", ids, err)
		}
		// The image is rebuilt with the fix: its SBOM replaced, its vulnerabilities gone.
		clock.Advance(time.Hour)
		if _, err := db.SaveSBOM(ctx, a.ID, debianSBOM("sha256:aa", sbom.SourceExtractor, t0.Add(2*time.Hour), "3.0.13-1~deb12u1")); err != nil {
			t.Fatal(err)
		}
		if err := db.RefreshImageVulnsForImage(ctx, a.ID, "sha256:aa"); err != nil {
			t.Fatal(err)
		}
		// The advisory is withdrawn: tenant b's image is no longer affected.
		if _, err := db.SaveAdvisories(ctx, []store.AdvisoryRecord{{ID: "DEBIAN-CVE-2024-0001", Feed: "Debian", Modified: t0.Add(time.Hour),
			Withdrawn: ptr(t0.Add(time.Hour))}}); err != nil {
			t.Fatal(err)
		}
		if again, _, err := db.ApplyAdvisoryMatches(ctx, changed, nil, true); err != nil || len(again) != 0 {
			t.Fatalf("after withdrawal = %+v, %v", again, err)
		}
		counts, err := db.ImageVulnCounts(ctx, b.ID, []string{"sha256:bb"})
		if err != nil || len(counts) != 0 {
			t.Fatalf("tenant b's counts after withdrawal = %+v, %v", counts, err)
		}
		adv, err := db.Advisories(ctx, changed)
		if err != nil || adv[changed[0]].Withdrawn == nil {
			t.Fatalf("withdrawn advisory = %+v, %v", adv, err)
		}
	})
}

func TestVulnerabilityListEventsAndVEX(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, ta := seedTenant(t, db, "alpha")
		b, tb := seedTenant(t, db, "beta")
		finishRun(t, db, a.ID, ta.ID, posture.RunComplete, t0.Add(-time.Hour))
		finishRun(t, db, b.ID, tb.ID, posture.RunComplete, t0.Add(-time.Hour))
		for _, x := range []struct {
			tenant, target int64
			digest         string
		}{{a.ID, ta.ID, "sha256:aa"}, {b.ID, tb.ID, "sha256:bb"}} {
			if _, err := db.SaveSBOM(ctx, x.tenant, debianSBOM(x.digest, sbom.SourceExtractor, t0, "3.0.11-1~deb12u1")); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordImageUsages(ctx, x.tenant, x.target, []imagefacts.Usage{{Digest: x.digest, Namespace: "prod",
				Workload: "apps/Deployment/prod/web", Container: "container:web", Image: "r.example/web:1"}}, true); err != nil {
				t.Fatal(err)
			}
		}
		// A rule for critical new vulnerabilities only: the medium zlib one is not sent.
		ch := &alerting.Channel{TenantID: a.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": "https://soc.example/hook"}}
		if err := db.CreateChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateRule(ctx, &alerting.Rule{TenantID: a.ID, Name: "new critical in prod", MinSeverity: posture.SeverityCritical,
			Kinds: []string{alerting.KindNewVulnerability}, ChannelID: ch.ID}); err != nil {
			t.Fatal(err)
		}
		aff := json.RawMessage(`[]`)
		ids, err := db.SaveAdvisories(ctx, []store.AdvisoryRecord{
			{ID: "DEBIAN-CVE-2024-0001", Feed: "Debian", Modified: t0, Severity: 4, CVSS: 9.8, Aliases: []string{"CVE-2024-0001"},
				Packages: []store.AffectedPackage{{Ecosystem: "Debian:12", Name: "openssl", Affected: aff}}},
			{ID: "DEBIAN-CVE-2024-0002", Feed: "Debian", Modified: t0, Severity: 2,
				Packages: []store.AffectedPackage{{Ecosystem: "Debian:12", Name: "zlib", Affected: aff}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		pkgs, err := db.PackagesNamed(ctx, []store.PackageName{{Ecosystem: "Debian:12", Name: "openssl"}, {Ecosystem: "Debian:12", Name: "zlib"}})
		if err != nil || len(pkgs) != 2 {
			t.Fatalf("packages = %+v, %v", pkgs, err)
		}
		var matches []store.PackageMatch
		for _, p := range pkgs {
			m := store.PackageMatch{PackageID: p.ID, AdvisoryID: "DEBIAN-CVE-2024-0002"}
			if p.Name == "openssl" {
				m = store.PackageMatch{PackageID: p.ID, AdvisoryID: "DEBIAN-CVE-2024-0001", Fixed: "3.0.13-1~deb12u1"}
			}
			matches = append(matches, m)
		}
		found, events, err := db.ApplyAdvisoryMatches(ctx, ids, matches, true)
		// Per tenant: libssl3 and openssl (critical), zlib1g (medium); each runs in one workload.
		if err != nil || len(found) != 6 || events != 6 {
			t.Fatalf("apply = %d found, %d events, %v", len(found), events, err)
		}
		drift, err := db.ListDriftEvents(ctx, a.ID, alerting.DriftFilter{Limit: 50})
		if err != nil || len(drift) != 3 {
			t.Fatalf("tenant a drift = %+v, %v", drift, err)
		}
		for _, e := range drift {
			if e.Kind != alerting.KindNewVulnerability || e.TargetID != ta.ID || !strings.Contains(e.Summary, "apps/Deployment/prod/web") {
				t.Fatalf("drift event = %+v", e)
			}
		}
		deliveries, err := db.ListDeliveries(ctx, a.ID, 50)
		if err != nil || len(deliveries) != 2 {
			t.Fatalf("deliveries = %+v, %v (libssl3 and openssl are critical; zlib1g is not)", deliveries, err)
		}
		for _, d := range deliveries {
			if d.ChannelID != ch.ID || !strings.HasPrefix(d.DedupKey, "new_vulnerability:DEBIAN-CVE-2024-0001:sha256:aa:") {
				t.Fatalf("delivery = %+v", d)
			}
		}
		// Matching the same advisories again queues nothing twice.
		if _, events, err := db.ApplyAdvisoryMatches(ctx, ids, matches, true); err != nil || events != 0 {
			t.Fatalf("again = %d events, %v", events, err)
		}
		page, err := db.ListImageVulns(ctx, a.ID, store.VulnQuery{Limit: 2})
		if err != nil || len(page.Items) != 2 || page.NextCursor == "" {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		first := page.Items[0]
		if first.AdvisoryID != "DEBIAN-CVE-2024-0001" || first.Component != "libssl3" || first.Fixed != "3.0.13-1~deb12u1" ||
			first.RunningIn != 1 || len(first.Aliases) != 1 || first.Digest != "sha256:aa" {
			t.Fatalf("first row = %+v", first)
		}
		next, err := db.ListImageVulns(ctx, a.ID, store.VulnQuery{Limit: 2, Cursor: page.NextCursor})
		if err != nil || len(next.Items) != 1 || next.Items[0].Component != "zlib1g" || next.NextCursor != "" {
			t.Fatalf("second page = %+v, %v", next, err)
		}
		fixable := true
		crit, err := db.ListImageVulns(ctx, a.ID, store.VulnQuery{MinSeverity: 4, Fixable: &fixable, Namespace: "prod"})
		if err != nil || len(crit.Items) != 2 {
			t.Fatalf("critical fixable in prod = %+v, %v", crit, err)
		}
		if none, err := db.ListImageVulns(ctx, a.ID, store.VulnQuery{Namespace: "staging"}); err != nil || len(none.Items) != 0 {
			t.Fatalf("staging = %+v, %v", none, err)
		}
		// VEX by CVE alias, for this image's openssl only.
		if err := db.CreateVEX(ctx, a.ID, &store.VEXStatement{Vulnerability: "CVE-2024-0001", Digest: "sha256:aa", Component: "openssl",
			Justification: "vulnerable_code_not_in_execute_path", Reason: "the CLI is never run", ExpiresAt: t0.Add(24 * time.Hour), CreatedBy: "sec"}); err != nil {
			t.Fatal(err)
		}
		after, err := db.ListImageVulns(ctx, a.ID, store.VulnQuery{})
		if err != nil || len(after.Items) != 2 || after.Items[0].Component != "libssl3" {
			t.Fatalf("after VEX = %+v, %v", after, err)
		}
		counts, err := db.ImageVulnCounts(ctx, a.ID, []string{"sha256:aa"})
		if err != nil {
			t.Fatal(err)
		}
		notAffected := 0
		for _, c := range counts {
			if c.NotAffected {
				notAffected += c.Count
			}
		}
		if notAffected != 1 {
			t.Fatalf("counts = %+v", counts)
		}
		// Tenant b is not covered by tenant a's statement, and never sees a's rows.
		if bl, err := db.ListImageVulns(ctx, b.ID, store.VulnQuery{}); err != nil || len(bl.Items) != 3 || bl.Items[0].Digest != "sha256:bb" {
			t.Fatalf("tenant b = %+v, %v", bl, err)
		}
		// The statement expires: the match is back.
		clock.Advance(25 * time.Hour)
		if back, err := db.ListImageVulns(ctx, a.ID, store.VulnQuery{}); err != nil || len(back.Items) != 3 {
			t.Fatalf("after expiry = %+v, %v", back, err)
		}
	})
}
