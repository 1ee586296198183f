package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/registry"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// Debian's docker-registry (CNCF Distribution 2.8) over TLS with htpasswd: the registry most
// self-hosted sites run. It has no referrers API, so referrers come from the sha256-<hex>
// fallback tag; its catalog pages with Link headers.
func TestDistributionRegistryWithTLSAndBasicAuth(t *testing.T) {
	srv := rt.Distribution(t, "palisade", "registry-pass")
	web1, web2, multi := seed(t, srv.Pusher)
	img := rt.Image(t, rt.Spec{User: "app"})
	for i := range 130 {
		srv.Pusher.Push(t, fmt.Sprintf("many/r%03d:t", i), img)
	}
	for i := range 120 {
		srv.Pusher.Push(t, fmt.Sprintf("many/r000:v%03d", i), img)
	}
	creds := registry.Credentials{Username: "palisade", Password: "registry-pass"}

	res := collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Credentials: creds, Limits: registry.Limits{RequestsPerSecond: 1000}})
	if res.Status != posture.RunComplete || len(res.Errors) > 0 {
		t.Fatalf("status %s, errors %+v", res.Status, res.Errors)
	}
	if len(res.Repositories) != 132 {
		t.Fatalf("repositories = %d, want 132 across catalog pages", len(res.Repositories))
	}
	for _, r := range res.Repositories {
		if r.Name == "many/r000" && len(r.Tags) != 121 {
			t.Errorf("many/r000 has %d tags, want 121", len(r.Tags))
		}
	}
	// 130 repositories share one image: inspected once per repository it is in.
	if im := imageByDigest(res, web1); im == nil || len(im.Materials) != 1 || im.Materials[0].Format != imagefacts.FormatCosignSimpleSigning {
		t.Fatalf("web 1.0 signature not found: %+v", im)
	}
	im2 := imageByDigest(res, web2)
	if im2 == nil || len(im2.Materials) != 1 || im2.Materials[0].Format != imagefacts.FormatSigstoreBundle || len(im2.Materials[0].Payload) == 0 {
		t.Fatalf("web 2.0 referrer (through the fallback tag) not found: %+v", im2)
	}
	if mi := imageByDigest(res, multi); mi == nil || len(mi.Variants) != 2 {
		t.Fatalf("multi-arch image: %+v", mi)
	}

	// The explicit list is how a registry with a closed catalog is read.
	res = collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Credentials: creds, Repositories: []string{"shop/web"}})
	if len(res.Images) != 2 || res.Registry.Catalog != "explicit list" {
		t.Fatalf("explicit list: %d images, %+v", len(res.Images), res.Registry)
	}
	_, err := registry.Collect(context.Background(), registry.Options{URL: srv.URL, CABundle: srv.CAPEM,
		Credentials: registry.Credentials{Username: "palisade", Password: "not-it"}})
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "not-it") {
		t.Fatalf("wrong password: %v", err)
	}
	res, err = registry.Collect(context.Background(), registry.Options{URL: srv.URL, Credentials: creds})
	if err == nil || res.Registry.TLSError == "" {
		t.Fatalf("a certificate from an unknown CA was accepted: %v", err)
	}
}
