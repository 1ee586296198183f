package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories/osvtest"
	"github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// `palisade scan --image REF --advisories DIR` in CI: the image's packages are read from its
// layers and matched with local OSV files; a fixable critical vulnerability fails
// image.vulnerabilities and --fail-on high exits 1; a fixed image passes.
func TestScanImageWithAdvisories(t *testing.T) {
	srv := rt.InProcess(t, nil)
	old := srv.Pusher.Push(t, "team/api:1.0", imagepkgstest.DebianImage(t, "12"))
	fixed := srv.Pusher.Push(t, "team/api:1.1", imagepkgstest.DebianUpgradedImage(t, "3.0.13-1~deb12u1"))
	dir := t.TempDir()
	now := time.Now()
	if err := osvtest.WriteArchive(filepath.Join(dir, "Debian-all.zip"), now, osvtest.Advisory{ID: "DEBIAN-CVE-2026-7", Alias: "CVE-2026-7",
		Ecosystem: "Debian:12", Package: "openssl", Fixed: "3.0.13-1~deb12u1", Vector: osvtest.Critical, Modified: now}); err != nil {
		t.Fatal(err)
	}
	ca := (&imageFixture{dir: dir}).write(t, "ca.pem", srv.CAPEM)
	scan := func(ref string) result {
		return palisade(t, sqliteEnv(t), "scan", "--image", srv.Host+"/team/api@"+ref, "--registry-ca", ca, "--advisories", dir,
			"--fail-on", "high", "-o", "json")
	}
	r := scan(old)
	if r.code != exitFailure || !strings.Contains(r.stderr, "1 critical (1 fixable)") && !strings.Contains(r.stderr, "2 critical (2 fixable)") {
		t.Fatalf("old openssl: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Findings []struct {
			CheckID string `json:"check_id"`
			Message string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%.300s", err, r.stdout)
	}
	hit := false
	for _, f := range rep.Findings {
		hit = hit || f.CheckID == "image.vulnerabilities" && strings.Contains(f.Message, "DEBIAN-CVE-2026-7")
	}
	if !hit {
		t.Fatalf("no image.vulnerabilities finding naming the advisory: %.600s", r.stdout)
	}
	if r := scan(fixed); strings.Contains(r.stdout, "DEBIAN-CVE-2026-7") {
		t.Fatalf("fixed openssl still reported: exit %d %s", r.code, r.stderr)
	}
	if r := palisade(t, sqliteEnv(t), "scan", "--path", dir, "--advisories", dir); r.code != exitError || !strings.Contains(r.stderr, "--advisories needs --image") {
		t.Fatalf("--advisories without --image: %d %s", r.code, r.stderr)
	}
	if r := palisade(t, sqliteEnv(t), "scan", "--image", srv.Host+"/team/api:1.0", "--registry-ca", ca, "--advisories", t.TempDir()); r.code != exitError {
		t.Fatalf("an empty advisories directory: %d %s", r.code, r.stderr)
	}
}
