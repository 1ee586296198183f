package vulns_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

func osvRecord(id, cve, pkg, fixed, vector string, modified time.Time) osvtest.Advisory {
	return osvtest.Advisory{ID: id, Alias: cve, Ecosystem: "Debian:12", Package: pkg, Fixed: fixed, Vector: vector,
		Summary: "flaw in " + pkg, Modified: modified}
}

// writeArchive writes an OSV all.zip of the advisories, dated now.
func writeArchive(t *testing.T, path string, advisories ...osvtest.Advisory) {
	t.Helper()
	if err := osvtest.WriteArchive(path, time.Now(), advisories...); err != nil {
		t.Fatal(err)
	}
}

func debianImageSBOM(digest string) *sbom.SBOM {
	return &sbom.SBOM{Digest: digest, Source: sbom.SourceExtractor, Format: sbom.FormatLayers, Origin: "layers of " + digest,
		Distro: &sbom.Distro{ID: "debian", Version: "12"},
		Components: []sbom.Component{
			{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u1", SourceName: "openssl"},
			{Ecosystem: "Debian:12", Name: "openssl", Version: "3.0.11-1~deb12u1"},
			{Ecosystem: "Debian:12", Name: "zlib1g", Version: "1:1.2.13.dfsg-1", SourceName: "zlib"},
			{Ecosystem: "Go", Name: "stdlib", Version: "1.26.8", Location: "usr/local/bin/app"},
		}}
}

const critical = osvtest.Critical

// TestIntegrationAdvisoryRefreshRematchesStoredImages is the promise: a CVE
// published after an image was inventoried shows on it after a feed refresh alone, with the
// workloads that run it, and raises a drift event; nothing is downloaded from a registry.
func TestIntegrationAdvisoryRefreshRematchesStoredImages(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			now := t0
			clock := func() time.Time { return now }
			db := storetest.OpenWith(t, d, storetest.Options{Migrate: true, Now: clock})
			ten, target := storetest.Seed(t, db, "acme", posture.TargetCluster)
			run, err := db.StartRun(ctx, ten.ID, target.ID, "schedule", t0)
			if err != nil {
				t.Fatal(err)
			}
			const digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
			if err := db.RecordImageUsages(ctx, ten.ID, target.ID, []imagefacts.Usage{{TargetID: target.ID, Digest: digest,
				Namespace: "prod", Workload: "apps/Deployment/prod/web", Container: "container:web", Image: "r.example/web:1"}}, true); err != nil {
				t.Fatal(err)
			}
			_ = run
			feed := filepath.Join(t.TempDir(), "Debian-all.zip")
			writeArchive(t, feed, osvRecord("DEBIAN-CVE-2024-0001", "CVE-2024-0001", "zlib", "1:1.3.dfsg-1", "", t0.Add(-48*time.Hour)))
			svc := vulns.New(vulns.Options{Store: db, Feeds: []advisories.FeedSource{{Ecosystem: "Debian", File: feed}}, Now: clock})

			// The image's SBOM first, then the feed's baseline: zlib matches, no event.
			if _, err := svc.Ingest(ctx, ten.ID, debianImageSBOM(digest)); err != nil {
				t.Fatal(err)
			}
			res := svc.Refresh(ctx)
			if len(res) != 1 || res[0].Err != nil || !res[0].Baseline || res[0].Records != 1 || res[0].NewVulns != 1 || res[0].Events != 0 {
				t.Fatalf("baseline refresh = %+v", res)
			}
			sums, err := svc.Summaries(ctx, ten.ID, []string{digest})
			if err != nil {
				t.Fatal(err)
			}
			v := sums[digest]
			if v.SBOM == nil || v.SBOM.Components != 4 || v.Unknown != 1 || v.Critical != 0 {
				t.Fatalf("summary after baseline = %+v", v)
			}
			// Go packages are in the image but no Go feed is configured: said, not hidden.
			if len(v.Feeds) != 2 || v.Feeds[0].Ecosystem != "Debian" || v.Feeds[0].RefreshedAt == nil || v.Feeds[1].Ecosystem != "Go" || v.Feeds[1].Configured {
				t.Fatalf("feeds = %+v", v.Feeds)
			}

			// Unchanged archive: not modified, nothing re-matched.
			now = now.Add(time.Hour)
			if res := svc.Refresh(ctx); res[0].Err != nil || !res[0].NotModified {
				t.Fatalf("unchanged refresh = %+v", res)
			}

			// Published today: a critical openssl flaw. The image is matched again without
			// any new SBOM or registry access, and the workload that runs it is named.
			now = now.Add(time.Hour)
			writeArchive(t, feed,
				osvRecord("DEBIAN-CVE-2024-0001", "CVE-2024-0001", "zlib", "1:1.3.dfsg-1", "", t0.Add(-48*time.Hour)),
				osvRecord("DEBIAN-CVE-2026-9999", "CVE-2026-9999", "openssl", "3.0.17-1~deb12u1", critical, now))
			if err := os.Chtimes(feed, now, now); err != nil {
				t.Fatal(err)
			}
			res = svc.Refresh(ctx)
			if res[0].Err != nil || res[0].Baseline || res[0].Changed != 1 || res[0].NewVulns != 2 || res[0].Events != 2 {
				t.Fatalf("refresh with a new advisory = %+v", res[0])
			}
			page, err := db.ListImageVulns(ctx, ten.ID, store.VulnQuery{MinSeverity: int(posture.SeverityCritical)})
			if err != nil || len(page.Items) != 2 {
				t.Fatalf("critical vulnerabilities = %+v, %v", page, err)
			}
			got := page.Items[0]
			if got.AdvisoryID != "DEBIAN-CVE-2026-9999" || got.Component != "libssl3" || got.Installed != "3.0.11-1~deb12u1" ||
				got.Fixed != "3.0.17-1~deb12u1" || got.CVSS < 9.7 || got.RunningIn != 1 {
				t.Fatalf("vulnerability = %+v", got)
			}
			drift, err := db.ListDriftEvents(ctx, ten.ID, alerting.DriftFilter{Limit: 10, Kinds: []string{alerting.KindNewVulnerability}})
			if err != nil || len(drift) != 2 {
				t.Fatalf("drift = %+v, %v", drift, err)
			}
			if e := drift[0]; e.Severity != posture.SeverityCritical || !strings.Contains(e.Summary, "DEBIAN-CVE-2026-9999") ||
				!strings.Contains(e.Summary, "apps/Deployment/prod/web") || e.Details["fixed"] != "3.0.17-1~deb12u1" {
				t.Fatalf("event = %+v", e)
			}
			sums, err = svc.Summaries(ctx, ten.ID, []string{digest})
			if err != nil {
				t.Fatal(err)
			}
			if v := sums[digest]; v.Critical != 2 || v.FixableCritical != 2 || len(v.Top) != 2 || v.Top[0].ID != "DEBIAN-CVE-2026-9999" {
				t.Fatalf("summary after refresh = %+v", v)
			}

			// The advisory is withdrawn: the vulnerability goes, no new event.
			now = now.Add(time.Hour)
			withdrawn := osvRecord("DEBIAN-CVE-2026-9999", "CVE-2026-9999", "openssl", "3.0.17-1~deb12u1", critical, now)
			withdrawn.Withdrawn = &now
			writeArchive(t, feed, osvRecord("DEBIAN-CVE-2024-0001", "CVE-2024-0001", "zlib", "1:1.3.dfsg-1", "", t0.Add(-48*time.Hour)), withdrawn)
			if err := os.Chtimes(feed, now, now); err != nil {
				t.Fatal(err)
			}
			if res := svc.Refresh(ctx); res[0].Err != nil || res[0].Changed != 1 || res[0].NewVulns != 0 {
				t.Fatalf("withdrawal = %+v", res[0])
			}
			if page, err := db.ListImageVulns(ctx, ten.ID, store.VulnQuery{}); err != nil || len(page.Items) != 1 || page.Items[0].Component != "zlib1g" {
				t.Fatalf("after withdrawal = %+v, %v", page, err)
			}
		})
	}
}

// TestIntegrationBrokenFeedKeepsState: a feed that cannot be read leaves the stored
// advisories and the feed's last good date alone, and records the error.
func TestIntegrationBrokenFeedKeepsState(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.OpenWith(t, d, storetest.Options{Migrate: true})
			feed := filepath.Join(t.TempDir(), "all.zip")
			writeArchive(t, feed, osvRecord("DEBIAN-CVE-2024-0001", "CVE-2024-0001", "zlib", "1:1.3.dfsg-1", "", time.Now().Add(-time.Hour)))
			svc := vulns.New(vulns.Options{Store: db, Feeds: []advisories.FeedSource{{Ecosystem: "Debian", File: feed}}})
			if res := svc.Refresh(ctx); res[0].Err != nil {
				t.Fatal(res[0].Err)
			}
			if err := os.WriteFile(feed, []byte("not a zip"), 0o600); err != nil {
				t.Fatal(err)
			}
			res := svc.Refresh(ctx)
			if res[0].Err == nil {
				t.Fatal("a broken archive was accepted")
			}
			feeds, err := db.AdvisoryFeeds(ctx)
			if err != nil || len(feeds) != 1 || feeds[0].Error == "" || feeds[0].RefreshedAt == nil || feeds[0].Records != 1 {
				t.Fatalf("feed state = %+v, %v", feeds, err)
			}
		})
	}
}
