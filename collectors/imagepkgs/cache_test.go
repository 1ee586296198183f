package imagepkgs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-dev/palisade/collectors/imagepkgs"
	ipt "github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
	"github.com/palisade-dev/palisade/collectors/registry/registrytest"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// A cached layer is not read again, and an image sharing a base layer reads only its own.
func TestLayerCacheHitDoesNotReadTheLayer(t *testing.T) {
	cache := imagepkgs.NewMemoryCache()
	first := counting(ipt.DebianImage(t, "12"))
	s1, _ := extract(t, first, imagepkgs.Options{Cache: cache})
	if n := first.reads.Load(); n != 1 || cache.Len() != 1 {
		t.Fatalf("first extraction: %d layer reads, %d cached (want 1, 1)", n, cache.Len())
	}
	again := counting(ipt.DebianImage(t, "12"))
	s2, h := extract(t, again, imagepkgs.Options{Cache: cache})
	if n := again.reads.Load(); n != 0 || h.reads != 0 {
		t.Errorf("cached layer read again: %d reads", n)
	}
	if !reflect.DeepEqual(s1, s2) {
		t.Errorf("cached extraction differs:\n%+v\n%+v", s1, s2)
	}
	upgraded := counting(ipt.DebianUpgradedImage(t, "3.0.13-1~deb12u1"))
	s3, _ := extract(t, upgraded, imagepkgs.Options{Cache: cache})
	if n := upgraded.reads.Load(); n != 1 || cache.Len() != 2 {
		t.Errorf("image on a cached base: %d layer reads, %d cached (want 1, 2)", n, cache.Len())
	}
	if s3.Components[2].Version != "3.0.13-1~deb12u1" {
		t.Errorf("merge over a cached base: %+v", s3.Components[2])
	}
}

// Facts cached by an older extractor are read again (a new detector must see old layers).
func TestStaleCachedFactsAreReadAgain(t *testing.T) {
	cache := imagepkgs.NewMemoryCache()
	img := counting(ipt.DebianImage(t, "12"))
	d := layerDigests(t, img)[0]
	if err := cache.SaveLayer(context.Background(), d, &imagepkgs.LayerFacts{Version: 0}); err != nil {
		t.Fatal(err)
	}
	s, _ := extract(t, img, imagepkgs.Options{Cache: cache})
	if img.reads.Load() != 1 || len(s.Components) != 5 {
		t.Errorf("%d reads, %d components", img.reads.Load(), len(s.Components))
	}
	f, ok, _ := cache.Layer(context.Background(), d)
	if !ok || f.Version == 0 || f.Dpkg == nil || len(f.Dpkg.Packages) != 5 || f.BytesRead == 0 {
		t.Errorf("cache not refreshed: %+v", f)
	}
}

// Every component's purl says what the component says, read back the way uploaded SBOMs
// are (sbom.FromPURL): an extracted and an uploaded SBOM of one image match alike.
func TestPURLsReadBackAsTheirComponents(t *testing.T) {
	img := ipt.WithGoApp(t, ipt.DebianImage(t, "12", append(ipt.DefaultDebPackages(),
		ipt.DebPackage{Name: "libfoo1", Version: "1.0-1+b1", Source: "foo (1.0-1)"})...), "app")
	for _, s := range []*sbom.SBOM{
		func() *sbom.SBOM { s, _ := extract(t, img, imagepkgs.Options{}); return s }(),
		func() *sbom.SBOM { s, _ := extract(t, ipt.AlpineImage(t, "3.19.1"), imagepkgs.Options{}); return s }(),
	} {
		for _, c := range s.Components {
			back, err := sbom.FromPURL(c.PURL, s.Distro)
			if err != nil {
				t.Fatalf("%s: %v", c.PURL, err)
			}
			if back.Ecosystem != c.Ecosystem || back.Name != c.Name || back.Version != c.Version ||
				back.MatchName() != c.MatchName() || back.MatchVersion() != c.MatchVersion() {
				t.Errorf("%s reads back as %+v, component is %+v", c.PURL, back, c)
			}
		}
	}
}

// Pushed to a registry and read back through remote.Image, an image gives the same SBOM,
// and a second extraction over the wire downloads no layer.
func TestPushAndExtractOverTheWire(t *testing.T) {
	srv := registrytest.InProcess(t, nil)
	img := ipt.WithGoApp(t, ipt.DebianImage(t, "12"), "usr/local/bin/app")
	digest := srv.Pusher.Push(t, "library/app:1", img)
	local, _ := extract(t, img, imagepkgs.Options{})

	cache := imagepkgs.NewMemoryCache()
	pull := func() countingImage {
		r, err := remote.Image(srv.Pusher.Ref(t, "library/app@"+digest), remote.WithTransport(srv.Pusher.Transport))
		if err != nil {
			t.Fatal(err)
		}
		return counting(r)
	}
	remoteImg := pull()
	s, h := extract(t, remoteImg, imagepkgs.Options{Cache: cache, Origin: "layers of " + digest + " (linux/amd64)"})
	wantNoProblems(t, s)
	if s.Digest != digest || remoteImg.reads.Load() != 2 || h.bytes == 0 {
		t.Errorf("digest %s (want %s), %d layer reads", s.Digest, digest, remoteImg.reads.Load())
	}
	wantComponents(t, s.Components, local.Components)

	again := pull()
	s2, _ := extract(t, again, imagepkgs.Options{Cache: cache})
	if again.reads.Load() != 0 || len(s2.Components) != len(local.Components) {
		t.Errorf("second extraction: %d layer reads, %d components", again.reads.Load(), len(s2.Components))
	}
}

// A layer blob whose bytes do not match its digest is reported and not cached. The
// corruption (the gzip header's MTIME) leaves the stream readable: only go-containerregistry's
// digest check at the end of the stream catches it, which the extractor must reach.
func TestCorruptedBlobIsReportedAndNotCached(t *testing.T) {
	img := ipt.DebianImage(t, "12")
	layer := layerDigests(t, img)[0]
	srv := registrytest.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+layer) {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if len(body) > 8 {
				body[4] ^= 0xff
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	})
	digest := srv.Pusher.Push(t, "library/debian:12", img)
	r, err := remote.Image(srv.Pusher.Ref(t, "library/debian@"+digest), remote.WithTransport(srv.Pusher.Transport))
	if err != nil {
		t.Fatal(err)
	}
	cache := imagepkgs.NewMemoryCache()
	s, _ := extract(t, r, imagepkgs.Options{Cache: cache})
	wantProblem(t, s, "layer "+layer+" could not be read")
	if cache.Len() != 0 {
		t.Errorf("unverified layer cached")
	}
}
