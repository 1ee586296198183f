// Package registrytest builds container images in Go, pushes them to a registry and
// attaches cosign-style signatures and Sigstore-bundle referrers, for tests of the registry
// collector, the trust policy and the scanner. It also runs registries: go-containerregistry's
// in-process registry (with the referrers API) and Debian's docker-registry (without it).
package registrytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// T is the part of testing.TB the image helpers use, so that the demo seeder (not a test)
// can build and push images too.
type T interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// Spec describes an image to build.
type Spec struct {
	OS, Arch   string // default linux/amd64
	User       string
	Env        []string // NAME=value
	Labels     map[string]string
	Ports      []string // "8080/tcp"
	Entrypoint []string
	Created    time.Time
	History    []string // created_by lines
	Layers     int64    // random layers (default 1)
	LayerBytes int64    // bytes per layer (default 256)
}

// Image builds a random image with spec's config.
func Image(t T, s Spec) v1.Image {
	t.Helper()
	if s.Layers == 0 {
		s.Layers = 1
	}
	if s.LayerBytes == 0 {
		s.LayerBytes = 256
	}
	img, err := random.Image(s.LayerBytes, s.Layers)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if s.OS != "" {
		cf.OS = s.OS
	}
	if s.Arch != "" {
		cf.Architecture = s.Arch
	}
	cf.Config.User = s.User
	cf.Config.Env = s.Env
	cf.Config.Labels = s.Labels
	cf.Config.Entrypoint = s.Entrypoint
	if len(s.Ports) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range s.Ports {
			cf.Config.ExposedPorts[p] = struct{}{}
		}
	}
	if !s.Created.IsZero() {
		cf.Created = v1.Time{Time: s.Created}
	}
	for _, h := range s.History {
		cf.History = append(cf.History, v1.History{CreatedBy: h})
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Index makes a multi-platform index of imgs, with a buildx-style attestation manifest
// (platform unknown/unknown) that the collector must not count as a platform.
func Index(t T, imgs ...v1.Image) v1.ImageIndex {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture}}})
	}
	att, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att,
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}})
}

// Pusher writes to one registry.
type Pusher struct {
	Host      string // host:port
	Auth      authn.Authenticator
	Transport http.RoundTripper
	Insecure  bool // plain HTTP
}

func (p Pusher) opts() []remote.Option {
	o := []remote.Option{remote.WithAuth(p.auth())}
	if p.Transport != nil {
		o = append(o, remote.WithTransport(p.Transport))
	}
	return o
}

func (p Pusher) auth() authn.Authenticator {
	if p.Auth == nil {
		return authn.Anonymous
	}
	return p.Auth
}

// Ref parses repo:tag or repo@digest within the pusher's registry.
func (p Pusher) Ref(t T, ref string) name.Reference {
	t.Helper()
	var o []name.Option
	if p.Insecure {
		o = append(o, name.Insecure)
	}
	r, err := name.ParseReference(p.Host+"/"+ref, o...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Push writes img as repo:tag and returns its digest.
func (p Pusher) Push(t T, ref string, img v1.Image) string {
	t.Helper()
	if err := remote.Write(p.Ref(t, ref), img, p.opts()...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// PushIndex writes idx as repo:tag and returns its digest.
func (p Pusher) PushIndex(t T, ref string, idx v1.ImageIndex) string {
	t.Helper()
	if err := remote.WriteIndex(p.Ref(t, ref), idx, p.opts()...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// SimpleSigningPayload is cosign's classic signed payload for an image digest.
func SimpleSigningPayload(t T, dockerRef, digest string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": dockerRef},
			"image":    map[string]string{"docker-manifest-digest": digest},
			"type":     "cosign container image signature",
		},
		"optional": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CosignSignature is one layer of a cosign .sig image.
type CosignSignature struct {
	Payload     []byte
	Signature   string // base64
	Certificate string // PEM, keyless
	Chain       string
}

// AttachCosignSignatures writes cosign's classic signature image, tagged
// sha256-<hex>.sig in repo, for the image with the digest.
func (p Pusher) AttachCosignSignatures(t T, repo, digest string, sigs ...CosignSignature) {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, s := range sigs {
		ann := map[string]string{"dev.cosignproject.cosign/signature": s.Signature}
		if s.Certificate != "" {
			ann["dev.sigstore.cosign/certificate"] = s.Certificate
			ann["dev.sigstore.cosign/chain"] = s.Chain
		}
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(s.Payload, "application/vnd.dev.cosign.simplesigning.v1+json"), Annotations: ann})
		if err != nil {
			t.Fatal(err)
		}
	}
	p.Push(t, repo+":"+strings.Replace(digest, ":", "-", 1)+".sig", img)
}

// AttachReferrer writes an artifact whose subject is the image with the digest: a single
// layer of content with the media type, and artifactType as its config media type (how
// cosign --new-bundle-format stores Sigstore bundles). On a registry without the referrers
// API, go-containerregistry updates the sha256-<hex> fallback tag.
func (p Pusher) AttachReferrer(t T, repo, digest, artifactType string, content []byte, annotations map[string]string) string {
	t.Helper()
	subjectRef := p.Ref(t, repo+"@"+digest)
	desc, err := remote.Head(subjectRef, p.opts()...)
	if err != nil {
		t.Fatalf("head subject: %v", err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.MediaType(artifactType))
	img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(content, types.MediaType(artifactType))})
	if err != nil {
		t.Fatal(err)
	}
	if len(annotations) > 0 { // before the subject: mutate.Annotations drops a subject
		img = mutate.Annotations(img, annotations).(v1.Image)
	}
	withSubject := mutate.Subject(img, v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}).(v1.Image)
	d, err := withSubject.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(p.Ref(t, repo+"@"+d.String()), withSubject, p.opts()...); err != nil {
		t.Fatalf("push referrer: %v", err)
	}
	return d.String()
}

// MustDigest is a digest reference's string, for messages.
func MustDigest(t T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(fmt.Errorf("digest: %w", err))
	}
	return d.String()
}
