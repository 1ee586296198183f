package registry_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/registry"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

const secretValue = "hunter2-very-secret"

var created = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seed pushes: shop/web tags 1.0 and latest (one digest) and 2.0, a cosign signature on
// 1.0 and a Sigstore bundle referrer on 2.0; base/multi:v1, a two-platform index.
func seed(t *testing.T, p rt.Pusher) (web1, web2, multi string) {
	web1 = p.Push(t, "shop/web:1.0", rt.Image(t, rt.Spec{User: "", Env: []string{"PATH=/usr/bin", "DB_PASSWORD=" + secretValue},
		Labels: map[string]string{imagefacts.LabelVersion: "1.0", imagefacts.LabelBaseName: "docker.io/library/debian:12"},
		Ports:  []string{"8080/tcp"}, Created: created, Layers: 2,
		History: []string{"/bin/sh -c #(nop) ENV DB_PASSWORD=" + secretValue, "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"}}))
	web2 = p.Push(t, "shop/web:2.0", rt.Image(t, rt.Spec{User: "10001:10001", Entrypoint: []string{"/app"}, Created: created.Add(24 * time.Hour)}))
	multi = p.PushIndex(t, "base/multi:v1", rt.Index(t, rt.Image(t, rt.Spec{Arch: "amd64", User: "app"}), rt.Image(t, rt.Spec{Arch: "arm64", User: "app"})))
	payload := rt.SimpleSigningPayload(t, p.Host+"/shop/web", web1)
	p.AttachCosignSignatures(t, "shop/web", web1, rt.CosignSignature{Payload: payload, Signature: base64.StdEncoding.EncodeToString([]byte("sig"))})
	p.AttachReferrer(t, "shop/web", web2, "application/vnd.dev.sigstore.bundle.v0.3+json", []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`),
		map[string]string{"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"})
	return web1, web2, multi
}

func collect(t *testing.T, o registry.Options) *registry.Result {
	t.Helper()
	res, err := registry.Collect(context.Background(), o)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return res
}

func imageByDigest(res *registry.Result, d string) *imagefacts.Image {
	for _, im := range res.Images {
		if im.Digest == d {
			return im
		}
	}
	return nil
}

func TestCollectInventoriesRepositoriesTagsAndImageFacts(t *testing.T) {
	srv := rt.InProcess(t, nil)
	web1, web2, multi := seed(t, srv.Pusher)
	// latest points at the 1.0 digest: two tags, one image.
	retag(t, srv, "shop/web", web1, "latest")

	res := collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Now: func() time.Time { return created }})
	if res.Status != posture.RunComplete || len(res.Errors) > 0 {
		t.Fatalf("status %s, errors %+v", res.Status, res.Errors)
	}
	if res.Registry.Catalog != "listed" || res.Registry.Scheme != "https" || res.Registry.TLSError != "" {
		t.Errorf("registry facts = %+v", res.Registry)
	}
	repos := map[string][]registry.Tag{}
	for _, r := range res.Repositories {
		repos[r.Name] = r.Tags
	}
	if len(repos) != 2 || len(repos["shop/web"]) != 3 || len(repos["base/multi"]) != 1 {
		t.Fatalf("repositories = %+v (attachment tags must not count as tags)", res.Repositories)
	}
	if len(res.Images) != 3 {
		t.Fatalf("images = %d, want 3 (two tags of one digest are one image)", len(res.Images))
	}

	im := imageByDigest(res, web1)
	if im == nil || strings.Join(im.Tags, ",") != "1.0,latest" || im.Repository != "shop/web" || im.Registry != srv.Host {
		t.Fatalf("web 1.0 = %+v", im)
	}
	v := im.Variants[0]
	if !v.RunsAsRoot() || v.Platform.String() != "linux/amd64" || v.Layers != 2 || v.Size <= 512 ||
		v.Created == nil || !v.Created.Equal(created) || strings.Join(v.ExposedPorts, ",") != "8080/tcp" {
		t.Errorf("variant = %+v", v)
	}
	if strings.Join(v.EnvNames, ",") != "PATH,DB_PASSWORD" || len(v.SecretEnv) != 1 || v.SecretEnv[0].Name != "DB_PASSWORD" {
		t.Errorf("env = %v, secret env = %+v", v.EnvNames, v.SecretEnv)
	}
	if v.Shell == "" || strings.Join(v.PackageManagers, ",") != "apt-get" || v.BaseImage != "docker.io/library/debian:12" || im.Label(imagefacts.LabelVersion) != "1.0" {
		t.Errorf("hints: shell %q, package managers %v, base %q", v.Shell, v.PackageManagers, v.BaseImage)
	}
	if len(im.Materials) != 1 || im.Materials[0].Format != imagefacts.FormatCosignSimpleSigning || im.Materials[0].Signature == "" ||
		!strings.Contains(string(im.Materials[0].Payload), web1) || !strings.HasPrefix(im.Materials[0].Source, "tag sha256-") {
		t.Errorf("web 1.0 materials = %+v", im.Materials)
	}
	// The secret's value is nowhere in what the collector returns.
	if b, _ := json.Marshal(res); strings.Contains(string(b), secretValue) {
		t.Fatal("the secret env value leaked into the result")
	}

	im2 := imageByDigest(res, web2)
	if im2 == nil || im2.Variants[0].RunsAsRoot() || im2.Variants[0].Shell != "" || len(im2.Materials) != 1 {
		t.Fatalf("web 2.0 = %+v", im2)
	}
	if m := im2.Materials[0]; m.Format != imagefacts.FormatSigstoreBundle || m.PredicateType != "https://slsa.dev/provenance/v1" || len(m.Payload) == 0 || !m.IsAttestation() {
		t.Errorf("web 2.0 referrer = %+v", m)
	}

	mi := imageByDigest(res, multi)
	if mi == nil || len(mi.Variants) != 2 || mi.Variants[0].Platform.Architecture != "amd64" || mi.Variants[1].Platform.Architecture != "arm64" || len(mi.Materials) != 0 {
		t.Fatalf("multi-arch = %+v (the unknown/unknown attestation manifest is not a platform)", mi)
	}
	if res.Requests == 0 || res.Bytes == 0 {
		t.Errorf("requests %d, bytes %d", res.Requests, res.Bytes)
	}
}

func retag(t *testing.T, srv *rt.Server, repo, digest, tag string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/"+repo+"/manifests/"+digest, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json")
	c := &http.Client{Transport: srv.Pusher.Transport}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	put, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2/"+repo+"/manifests/"+tag, resp.Body)
	put.Header.Set("Content-Type", resp.Header.Get("Content-Type"))
	if r, err := c.Do(put); err != nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("retag: %v %v", err, r)
	}
}

func TestCollectSelectsRepositoriesAndReportsMissingOnes(t *testing.T) {
	srv := rt.InProcess(t, nil)
	seed(t, srv.Pusher)
	res := collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Include: []string{"shop/*"}})
	if len(res.Repositories) != 1 || res.Repositories[0].Name != "shop/web" {
		t.Fatalf("include shop/*: %+v", res.Repositories)
	}
	res = collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Exclude: []string{"shop/*"}})
	if len(res.Repositories) != 1 || res.Repositories[0].Name != "base/multi" {
		t.Fatalf("exclude shop/*: %+v", res.Repositories)
	}
	// An explicit list is used as given; a repository that does not exist makes the run partial.
	res = collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Repositories: []string{"base/multi", "gone/away"}})
	if res.Registry.Catalog != "explicit list" || res.Status != posture.RunPartial || len(res.Errors) != 1 ||
		res.Errors[0].Source != "registry/gone/away" || len(res.Images) != 1 {
		t.Fatalf("explicit list: status %s errors %+v images %d", res.Status, res.Errors, len(res.Images))
	}
	if _, err := registry.NewClient(registry.Options{URL: srv.URL, Include: []string{"["}}); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

func TestCollectKeepsFreshImagesWithoutInspectingThem(t *testing.T) {
	srv := rt.InProcess(t, nil)
	web1, _, _ := seed(t, srv.Pusher)
	res := collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Fresh: func(d string) bool { return d == web1 }})
	if imageByDigest(res, web1) != nil || len(res.Images) != 2 {
		t.Fatalf("a fresh image was inspected again: %d images", len(res.Images))
	}
	var tagged bool
	for _, r := range res.Repositories {
		for _, tg := range r.Tags {
			tagged = tagged || (tg.Name == "1.0" && tg.Digest == web1)
		}
	}
	if !tagged {
		t.Error("the fresh image's tag was not recorded")
	}
}

func TestCollectAuthentication(t *testing.T) {
	srv := rt.InProcess(t, rt.BasicAuth("ci", "s3cret-pass"))
	srv.Pusher.Auth = &authn.Basic{Username: "ci", Password: "s3cret-pass"}
	seed(t, srv.Pusher)

	res := collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Credentials: registry.Credentials{Username: "ci", Password: "s3cret-pass"}, Private: true})
	if len(res.Images) != 3 {
		t.Fatalf("basic auth: %d images, errors %v", len(res.Images), res.Errors)
	}
	if a := res.Registry.AnonymousPull; a == nil || *a {
		t.Errorf("anonymous pull on a registry with authentication = %v, want probed and false", a)
	}
	open := rt.InProcess(t, nil)
	seed(t, open.Pusher)
	res = collect(t, registry.Options{URL: open.URL, CABundle: open.CAPEM, Private: true})
	if a := res.Registry.AnonymousPull; a == nil || !*a || !res.Registry.Private {
		t.Errorf("anonymous pull on an open registry = %v, want probed and true", a)
	}
	cfg := fmt.Sprintf(`{"auths":{"https://%s":{"auth":"%s"}}}`, srv.Host, base64.StdEncoding.EncodeToString([]byte("ci:s3cret-pass")))
	res = collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Credentials: registry.Credentials{DockerConfig: cfg}})
	if len(res.Images) != 3 {
		t.Fatalf("docker config auth: %d images, errors %v", len(res.Images), res.Errors)
	}

	_, err := registry.Collect(context.Background(), registry.Options{URL: srv.URL, CABundle: srv.CAPEM,
		Credentials: registry.Credentials{Username: "ci", Password: "wrong-pass"}})
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-pass") {
		t.Fatalf("wrong password: %v", err)
	}
	for _, bad := range []string{`{"credsStore":"desktop"}`, `{"auths":{"other.example":{"auth":"eDp5"}}}`, `not json`} {
		if _, err := registry.NewClient(registry.Options{URL: srv.URL, Credentials: registry.Credentials{DockerConfig: bad}}); err == nil {
			t.Errorf("docker config %q accepted", bad)
		}
	}
}

func TestCollectTLSAndScheme(t *testing.T) {
	srv := rt.InProcess(t, nil)
	seed(t, srv.Pusher)
	// No CA bundle: the self-signed certificate fails, with the reason, and nothing is read.
	res, err := registry.Collect(context.Background(), registry.Options{URL: srv.URL})
	if err == nil || res == nil || !strings.Contains(res.Registry.TLSError, "unknown authority") {
		t.Fatalf("untrusted certificate: err %v, facts %+v", err, res)
	}
	// An https:// URL never falls back to plain HTTP, even on loopback where
	// go-containerregistry would guess HTTP.
	plain := rt.InProcessHTTP(t)
	_, err = registry.Collect(context.Background(), registry.Options{URL: "https://" + plain.Host})
	if err == nil {
		t.Fatal("an https:// target was read over plain HTTP")
	}
	// http:// is used only when asked for, and recorded.
	seed(t, plain.Pusher)
	res = collect(t, registry.Options{URL: plain.URL})
	if res.Registry.Scheme != "http" || len(res.Images) != 3 {
		t.Fatalf("http target: %+v, %d images", res.Registry, len(res.Images))
	}
	for _, bad := range []string{"ftp://x", "registry.example", "https://r.example/path", "https://u:p@r.example"} {
		if _, err := registry.NewClient(registry.Options{URL: bad}); err == nil {
			t.Errorf("URL %q accepted", bad)
		}
	}
}

func TestCatalogRefusedAsksForAnExplicitList(t *testing.T) {
	srv := rt.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/_catalog") {
				http.Error(w, `{"errors":[{"code":"DENIED","message":"catalog disabled"}]}`, http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	seed(t, srv.Pusher)
	res, err := registry.Collect(context.Background(), registry.Options{URL: srv.URL, CABundle: srv.CAPEM})
	if err == nil || !strings.Contains(err.Error(), "explicit repository list") || !strings.HasPrefix(res.Registry.Catalog, "refused") {
		t.Fatalf("refused catalog: %v", err)
	}
	res = collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM, Repositories: []string{"shop/web"}})
	if len(res.Images) != 2 {
		t.Fatalf("explicit list: %d images", len(res.Images))
	}
}

func TestPartialWhenARepositoryIsForbidden(t *testing.T) {
	var deny atomic.Bool
	srv := rt.InProcess(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if deny.Load() && strings.HasPrefix(r.URL.Path, "/v2/base/") {
				http.Error(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`, http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	seed(t, srv.Pusher)
	deny.Store(true)
	res := collect(t, registry.Options{URL: srv.URL, CABundle: srv.CAPEM})
	if res.Status != posture.RunPartial || len(res.Errors) != 1 || res.Errors[0].Source != "registry/base/multi" ||
		!strings.Contains(res.Errors[0].Message, "403") || len(res.Images) != 2 {
		t.Fatalf("status %s errors %+v images %d", res.Status, res.Errors, len(res.Images))
	}
}
