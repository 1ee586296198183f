package scanner

import (
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// imageFacet is one image of registry.example.com, as `scan --image` builds it.
func imageFacet(scheme, repo, digest string, v imagefacts.Variant) *imagefacts.Facet {
	f := imagefacts.NewFacet()
	f.Registry = &imagefacts.Registry{Host: "registry.example.com", Scheme: scheme}
	f.Repositories = []imagefacts.Repository{{Name: repo, Tags: []imagefacts.Tag{{Name: "1.0", Digest: digest}}}}
	f.Images[digest] = &imagefacts.Image{Digest: digest, Registry: "registry.example.com", Repository: repo,
		Variants: []imagefacts.Variant{v}, ObservedAt: time.Now()}
	return f
}

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// Images alone: only image checks run; a registry two images share is judged once; the
// findings name the image, not the asset key's first segments.
func TestRunJudgesImagesAlone(t *testing.T) {
	root := imagefacts.Variant{Platform: imagefacts.Platform{OS: "linux", Architecture: "amd64"}} // no user: root
	in := Input{Images: []*imagefacts.Facet{
		imageFacet("http", "shop/web", digestA, root),
		imageFacet("http", "shop/api", digestB, root),
		imageFacet("http", "shop/web", digestA, root), // given twice
	}}
	rec := &recorder{}
	out, err := Run(in, Options{Catalog: checks.Builtin(), Config: checks.DefaultConfig(), Score: scoring.Options{IgnoreAttestations: true}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range rec.findings {
		count[f.Result.CheckID]++
		ch, _ := checks.Builtin().Get(f.Result.CheckID)
		if ch == nil || ch.Facet != checks.FacetImages {
			t.Errorf("a non-image check ran on images alone: %s", f.Result.CheckID)
		}
	}
	if count["registry.insecure-transport"] != 1 || count["image.config-root-user"] != 2 || count["image.version-label"] != 2 {
		t.Fatalf("findings per check %v", count)
	}
	for _, f := range rec.findings {
		res := f.Resource
		switch f.Result.CheckID {
		case "registry.insecure-transport":
			if res.Kind != "Registry" || res.Name != "registry.example.com" {
				t.Errorf("registry finding resource %+v", res)
			}
		case "image.config-root-user":
			if res.Kind != "Image" || (res.Name != "registry.example.com/shop/web@"+digestA && res.Name != "registry.example.com/shop/api@"+digestB) {
				t.Errorf("image finding resource %+v", res)
			}
		}
	}
	if out.Worst != posture.SeverityHigh || out.Summary.Objects != nil {
		t.Fatalf("worst %v, accounting %+v", out.Worst, out.Summary.Objects)
	}
}

// Manifests and images: both judged, into one report.
func TestRunJudgesManifestsAndImages(t *testing.T) {
	res := manifests.NewResult()
	manifests.DecodeBytes([]byte(wide), "wide.yaml", manifests.Options{}, res)
	user := imagefacts.Variant{Platform: imagefacts.Platform{OS: "linux", Architecture: "amd64"}, User: "10001"}
	rec := &recorder{}
	_, err := Run(Input{Inventory: res.Inventory, Manifests: res, Images: []*imagefacts.Facet{imageFacet("https", "shop/web", digestA, user)}},
		Options{Catalog: checks.Builtin(), Config: checks.DefaultConfig(), Score: scoring.Options{IgnoreAttestations: true}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	var pod, image bool
	for _, f := range rec.findings {
		pod = pod || f.Result.CheckID == "k8s.privileged-container"
		image = image || (f.Result.CheckID == "image.version-label" && f.Result.Asset.Kind == posture.AssetImage)
		if f.Result.CheckID == "registry.insecure-transport" || f.Result.CheckID == "image.config-root-user" {
			t.Errorf("unexpected finding %s: %s", f.Result.CheckID, f.Result.Message)
		}
	}
	if !pod || !image {
		t.Fatalf("manifest finding %v, image finding %v", pod, image)
	}
}
