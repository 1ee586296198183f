package sources_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

func writeOSV(t *testing.T, path string, at time.Time, advisories ...osvtest.Advisory) {
	t.Helper()
	if err := osvtest.WriteArchive(path, at, advisories...); err != nil {
		t.Fatal(err)
	}
}

func debianAdvisory(id, pkg, fixed string, modified time.Time) osvtest.Advisory {
	return osvtest.Advisory{ID: id, Alias: strings.TrimPrefix(id, "DEBIAN-"), Ecosystem: "Debian:12", Package: pkg, Fixed: fixed,
		Vector: osvtest.Critical, Modified: modified}
}

// TestRegistryImagesGetPackagesOnceAndVulnerabilitiesOnRefresh: a registry run reads an
// image's packages from its layers once; an advisory published later makes the image
// vulnerable after a feed refresh alone, and the next run fails image.vulnerabilities
// without downloading a layer again.
func TestRegistryImagesGetPackagesOnceAndVulnerabilitiesOnRefresh(t *testing.T) {
	ctx := context.Background()
	var layerReads atomic.Int64
	var layerDigests []string
	srv := rt.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
				for _, d := range layerDigests {
					if strings.HasSuffix(r.URL.Path, d) {
						layerReads.Add(1)
					}
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	img := imagepkgstest.DebianImage(t, "12")
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, _ := l.Digest()
		layerDigests = append(layerDigests, d.String())
	}
	digest := srv.Pusher.Push(t, "shop/web:1.0", img)

	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true, Now: clock})
	ten := &posture.Tenant{Slug: "a", Name: "A"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	feed := filepath.Join(t.TempDir(), "Debian.zip")
	writeOSV(t, feed, t0, debianAdvisory("DEBIAN-CVE-2020-0001", "zlib", "1:1.2.11.dfsg-1", t0.Add(-24*time.Hour)))
	svc := vulns.New(vulns.Options{Store: db, Feeds: []advisories.FeedSource{{Ecosystem: "Debian", File: feed}}, Now: clock})
	if res := svc.Refresh(ctx); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	o := sources.RegistryOptions{Images: db, Outbound: egress.Policy{}.WithLoopback(), Now: clock, Vulns: svc, Reinspect: time.Hour}
	src := sources.Registry(o)
	target := registryTarget(t, srv, ten.ID)

	col, err := src.Collect(ctx, target)
	if err != nil || col.Status != posture.RunComplete {
		t.Fatalf("first run: %v %+v", err, col)
	}
	if layerReads.Load() == 0 {
		t.Fatal("the image's layers were never read")
	}
	v := col.Images.Images[digest].Vulnerabilities
	if v == nil || v.SBOM == nil || v.SBOM.Source != "extractor" || v.SBOM.Components < 5 || v.Critical != 0 {
		t.Fatalf("vulnerabilities after the first run = %+v", v)
	}
	if got := vulnVerdict(t, col, digest, clock); got.Status != posture.Pass {
		t.Fatalf("image.vulnerabilities before the advisory = %+v", got)
	}

	// Published today: openssl before 3.0.13-1~deb12u1 is critical. A refresh alone.
	now = now.Add(2 * time.Hour)
	writeOSV(t, feed, now, debianAdvisory("DEBIAN-CVE-2020-0001", "zlib", "1:1.2.11.dfsg-1", t0.Add(-24*time.Hour)),
		debianAdvisory("DEBIAN-CVE-2026-0042", "openssl", "3.0.13-1~deb12u1", now))
	read := layerReads.Load()
	if res := svc.Refresh(ctx); res[0].Err != nil || res[0].NewVulns == 0 {
		t.Fatalf("refresh = %+v", res[0])
	}
	page, err := db.ListImageVulns(ctx, ten.ID, store.VulnQuery{Digest: digest, MinSeverity: int(posture.SeverityCritical)})
	if err != nil || len(page.Items) == 0 || page.Items[0].AdvisoryID != "DEBIAN-CVE-2026-0042" {
		t.Fatalf("vulnerabilities after the refresh = %+v, %v", page, err)
	}

	// The next run (facts older than Reinspect: the manifest is read again) fails the check
	// and downloads no layer: the image's SBOM is already stored.
	col, err = src.Collect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if layerReads.Load() != read {
		t.Fatalf("a later run read %d layers again", layerReads.Load()-read)
	}
	got := vulnVerdict(t, col, digest, clock)
	if got.Status != posture.Fail || !strings.Contains(got.Message, "DEBIAN-CVE-2026-0042") || !strings.Contains(got.Message, "3.0.13-1~deb12u1") {
		t.Fatalf("image.vulnerabilities after the advisory = %+v", got)
	}
}

// vulnVerdict evaluates image.vulnerabilities on a collection's image, as a run would.
func vulnVerdict(t *testing.T, col *runner.Collection, digest string, now func() time.Time) posture.Result {
	t.Helper()
	ch, ok := checks.Builtin().Get("image.vulnerabilities")
	if !ok {
		t.Fatal("image.vulnerabilities is not in the catalog")
	}
	cfg := checks.DefaultConfig()
	cfg.Now = now
	snap := checks.NewSnapshot(col.Inventory, cfg)
	snap.SetImages(col.Images)
	for _, r := range checks.RunCheck(ch, snap) {
		if strings.HasSuffix(r.Asset.Key, "@"+digest) {
			return r
		}
	}
	t.Fatalf("no image.vulnerabilities result for %s", digest)
	return posture.Result{}
}

// TestVerifiedSBOMAttestationIsTheImagesSBOM: an SBOM attestation signed by the key the
// trust policy trusts becomes the image's SBOM (its packages, not the layers', are
// matched); one signed by another key is never used, and the extractor reads the layers.
func TestVerifiedSBOMAttestationIsTheImagesSBOM(t *testing.T) {
	ctx := context.Background()
	srv := rt.InProcess(t, nil)
	trusted, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	// The attested SBOM says openssl 3.0.13 (fixed); the layers say 3.0.11: which one is
	// used shows in the match.
	bom := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{"tools":{"components":[{"type":"application","name":"syft","version":"1.4.1"}]}},
"components":[{"type":"operating-system","name":"debian","version":"12"},
{"type":"library","name":"libssl3","version":"3.0.13-1~deb12u1","purl":"pkg:deb/debian/libssl3@3.0.13-1~deb12u1?distro=debian-12&upstream=openssl"}]}`)
	good := srv.Pusher.Push(t, "shop/good:1", imagepkgstest.DebianImage(t, "12"))
	srv.Pusher.AttestCosign(t, "shop/good", good, trusted, "https://cyclonedx.org/bom", bom)
	bad := srv.Pusher.Push(t, "shop/bad:1", imagepkgstest.WithFiles(t, imagepkgstest.DebianImage(t, "12"), "COPY x", imagepkgstest.File{Path: "x", Body: []byte("x")}))
	srv.Pusher.AttestCosign(t, "shop/bad", bad, stranger, "https://cyclonedx.org/bom", bom)

	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true, Now: clock})
	ten := &posture.Tenant{Slug: "a", Name: "A"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	policy, _ := json.Marshal(imagetrust.Policy{Rules: []imagetrust.Rule{{Name: "shop", Images: []string{srv.Host + "/shop/*"},
		Keys: []imagetrust.Key{{Name: "release", PEM: rt.PublicKeyPEM(t, trusted)}}}}})
	if _, err := db.SaveTrustPolicy(ctx, ten.ID, string(policy), "test"); err != nil {
		t.Fatal(err)
	}
	feed := filepath.Join(t.TempDir(), "Debian.zip")
	writeOSV(t, feed, now, debianAdvisory("DEBIAN-CVE-2026-0042", "openssl", "3.0.13-1~deb12u1", now))
	svc := vulns.New(vulns.Options{Store: db, Feeds: []advisories.FeedSource{{Ecosystem: "Debian", File: feed}}, Now: clock})
	if res := svc.Refresh(ctx); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	o := sources.RegistryOptions{Images: db, Outbound: egress.Policy{}.WithLoopback(), Now: clock, Vulns: svc,
		Judge: sources.TrustJudge(db.TrustPolicy, clock)}
	col, err := sources.Registry(o).Collect(ctx, registryTarget(t, srv, ten.ID))
	if err != nil || col.Status != posture.RunComplete {
		t.Fatalf("run: %v %+v", err, col)
	}
	infos, err := db.SBOMInfos(ctx, ten.ID, []string{good, bad})
	if err != nil {
		t.Fatal(err)
	}
	if in := infos[good]; in.Source != "attestation" || in.Components != 1 || !strings.Contains(in.Origin, "signed by release") {
		t.Fatalf("the trusted attestation's SBOM = %+v", in)
	}
	if in := infos[bad]; in.Source != "extractor" {
		t.Fatalf("an attestation by an untrusted key was used: %+v", in)
	}
	if v := col.Images.Images[good].Vulnerabilities; v.Critical != 0 {
		t.Fatalf("the attested (fixed) openssl should not match: %+v", v)
	}
	if v := col.Images.Images[bad].Vulnerabilities; v.FixableCritical == 0 {
		t.Fatalf("the extracted (old) openssl should match: %+v", v)
	}
}
