package vulns_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagepkgs"
	"github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// trivyReport is `trivy image -f json --list-all-pkgs` of an image holding comps: Trivy
// splits a Debian version into epoch, version and release, and names the source package.
func trivyReport(t *testing.T, comps []sbom.Component) []byte {
	t.Helper()
	split := func(v string) (epoch int, ver, rel string) {
		if e, rest, ok := strings.Cut(v, ":"); ok {
			fmt.Sscan(e, &epoch)
			v = rest
		}
		if i := strings.LastIndex(v, "-"); i > 0 {
			return epoch, v[:i], v[i+1:]
		}
		return epoch, v, ""
	}
	var pkgs []map[string]any
	for _, c := range comps {
		e, v, r := split(c.Version)
		p := map[string]any{"ID": c.Name + "@" + c.Version, "Name": c.Name, "Version": v, "Release": r, "Arch": "amd64",
			"Identifier": map[string]any{"PURL": c.PURL}, "Layer": map[string]any{"DiffID": "sha256:" + strings.Repeat("a", 64)}}
		if e > 0 {
			p["Epoch"] = e
		}
		src, srcVer := c.SourceName, c.SourceVersion
		if src == "" {
			src = c.Name
		}
		if srcVer == "" {
			srcVer = c.Version
		}
		se, sv, sr := split(srcVer)
		p["SrcName"], p["SrcVersion"], p["SrcRelease"] = src, sv, sr
		if se > 0 {
			p["SrcEpoch"] = se
		}
		pkgs = append(pkgs, p)
	}
	b, err := json.Marshal(map[string]any{"SchemaVersion": 2, "CreatedAt": "2026-06-01T10:00:00Z", "ArtifactName": "registry.example/shop/web:1.0",
		"ArtifactType": "container_image", "Metadata": map[string]any{"OS": map[string]any{"Family": "debian", "Name": "12.4"}},
		"Results": []any{map[string]any{"Target": "registry.example/shop/web:1.0 (debian 12.4)", "Class": "os-pkgs", "Type": "debian", "Packages": pkgs}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syftCycloneDX is `syft -o cyclonedx-json` of an image holding comps: purls with the
// distro and upstream qualifiers, and the operating system as a component.
func syftCycloneDX(t *testing.T, comps []sbom.Component) []byte {
	t.Helper()
	list := []any{map[string]any{"type": "operating-system", "name": "debian", "version": "12", "bom-ref": "os"}}
	for i, c := range comps {
		list = append(list, map[string]any{"type": "library", "bom-ref": fmt.Sprintf("pkg-%d", i), "name": c.Name, "version": c.Version, "purl": c.PURL})
	}
	b, err := json.Marshal(map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
		"metadata": map[string]any{"timestamp": "2026-06-01T10:00:00Z", "tools": map[string]any{"components": []any{
			map[string]any{"type": "application", "author": "anchore", "name": "syft", "version": "1.4.1"}}},
			"component": map[string]any{"type": "container", "name": "registry.example/shop/web", "version": "sha256:" + strings.Repeat("b", 64)}},
		"components": list})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUploadedReportsMatchLikeTheExtractor is the "done when": an uploaded Trivy or
// CycloneDX report gives the same vulnerabilities as the built-in extractor for the same
// packages.
func TestUploadedReportsMatchLikeTheExtractor(t *testing.T) {
	ctx := context.Background()
	extracted, err := imagepkgs.Extract(ctx, imagepkgstest.DebianImage(t, "12"), imagepkgs.Options{Origin: "test"})
	if err != nil || len(extracted.Components) < 5 {
		t.Fatalf("extract = %+v, %v", extracted, err)
	}
	trivy, err := sbom.Parse(bytes.NewReader(trivyReport(t, extracted.Components)), 0)
	if err != nil {
		t.Fatal(err)
	}
	cdx, err := sbom.Parse(bytes.NewReader(syftCycloneDX(t, extracted.Components)), 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true, Now: func() time.Time { return now }})
	ten, _ := storetest.Seed(t, db, "acme", posture.TargetCluster)
	feed := filepath.Join(t.TempDir(), "Debian.zip")
	if err := osvtest.WriteArchive(feed, now,
		osvtest.Advisory{ID: "DEBIAN-CVE-2026-1", Ecosystem: "Debian:12", Package: "openssl", Fixed: "3.0.13-1~deb12u1", Vector: osvtest.Critical, Modified: now},
		// The epoch must count: 1:1.2.13 is later than 1.3 without one.
		osvtest.Advisory{ID: "DEBIAN-CVE-2026-2", Ecosystem: "Debian:12", Package: "zlib", Fixed: "1:1.3.dfsg-1", Vector: osvtest.High, Modified: now},
		osvtest.Advisory{ID: "DEBIAN-CVE-2026-3", Ecosystem: "Debian:12", Package: "zlib", Fixed: "1.3.dfsg-1", Modified: now},
		osvtest.Advisory{ID: "DEBIAN-CVE-2026-4", Ecosystem: "Debian:12", Package: "glibc", Fixed: "2.36-9+deb12u4", Modified: now},
	); err != nil {
		t.Fatal(err)
	}
	svc := vulns.New(vulns.Options{Store: db, Feeds: []advisories.FeedSource{{Ecosystem: "Debian", File: feed}}, Now: func() time.Time { return now }})
	if res := svc.Refresh(ctx); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	sets := map[string][]string{}
	for i, sb := range []struct {
		name string
		doc  *sbom.SBOM
		src  sbom.Source
	}{{"extractor", extracted, sbom.SourceExtractor}, {"trivy", trivy, sbom.SourceUpload}, {"cyclonedx", cdx, sbom.SourceUpload}} {
		digest := fmt.Sprintf("sha256:%064d", i+1)
		sb.doc.Digest, sb.doc.Source = digest, sb.src
		if _, err := svc.Ingest(ctx, ten.ID, sb.doc); err != nil {
			t.Fatalf("%s: %v", sb.name, err)
		}
		page, err := db.ListImageVulns(ctx, ten.ID, store.VulnQuery{Digest: digest})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Items {
			sets[sb.name] = append(sets[sb.name], fmt.Sprintf("%s %s %s -> %s (%s)", v.AdvisoryID, v.Component, v.Installed, v.Fixed, vulns.SeverityName(v.Severity)))
		}
		sort.Strings(sets[sb.name])
	}
	want := []string{
		"DEBIAN-CVE-2026-1 libssl3 3.0.11-1~deb12u1 -> 3.0.13-1~deb12u1 (critical)",
		"DEBIAN-CVE-2026-1 openssl 3.0.11-1~deb12u1 -> 3.0.13-1~deb12u1 (critical)",
		"DEBIAN-CVE-2026-2 zlib1g 1:1.2.13.dfsg-1 -> 1:1.3.dfsg-1 (high)",
		"DEBIAN-CVE-2026-4 libc6 2.36-9+deb12u3 -> 2.36-9+deb12u4 (unknown)",
	}
	for _, name := range []string{"extractor", "trivy", "cyclonedx"} {
		got := sets[name]
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s found:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
