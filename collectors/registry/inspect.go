package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// ErrNotImage is returned by Inspect for an OCI artifact that is not a container image (a
// Helm chart, a signature): nothing to judge.
var ErrNotImage = errors.New("not a container image")

// Annotations cosign and Sigstore put on signature layers and referrers.
const (
	annotationSignature   = "dev.cosignproject.cosign/signature"
	annotationCertificate = "dev.sigstore.cosign/certificate"
	annotationChain       = "dev.sigstore.cosign/chain"
	annotationPredicate   = "predicateType"
	annotationBundlePred  = "dev.sigstore.bundle.predicateType"
	sigstoreBundlePrefix  = "application/vnd.dev.sigstore.bundle"
	// maxMaterialBytes bounds one signature payload, envelope or bundle.
	maxMaterialBytes = 256 << 10
)

// Inspect reads one image's facts: its manifest or index, the config of each platform
// (bounded), and the signatures and attestations attached to it. ref may be a tag or a
// digest; a digest is verified against the manifest received.
func (c *Client) Inspect(ctx context.Context, ref name.Reference) (*imagefacts.Image, error) {
	if ref.Context().RegistryStr() != c.reg.RegistryStr() {
		return nil, fmt.Errorf("%s is not in registry %s", ref, c.reg.RegistryStr())
	}
	desc, err := c.puller.Get(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("manifest: %s", describe(err))
	}
	im := &imagefacts.Image{Digest: desc.Digest.String(), Registry: c.reg.RegistryStr(),
		Repository: ref.Context().RepositoryStr(), MediaType: string(desc.MediaType), ObservedAt: c.now().UTC()}
	if t, ok := ref.(name.Tag); ok {
		im.AddTag(t.TagStr())
	}
	switch {
	case desc.MediaType.IsIndex():
		if err := c.indexVariants(desc, im); err != nil {
			return nil, err
		}
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("image: %s", describe(err))
		}
		v, err := c.variant(img, desc.Digest.String(), nil)
		if err != nil {
			return nil, err
		}
		im.Variants = []imagefacts.Variant{v}
	default:
		return nil, fmt.Errorf("%w: media type %q", ErrNotImage, desc.MediaType)
	}
	if len(im.Variants) > 0 && !isArtifactConfig(im) {
		c.collectMaterials(ctx, ref.Context(), desc.Digest, im)
	}
	return im, nil
}

// isArtifactConfig reports an OCI artifact dressed as an image (no platform in its config).
func isArtifactConfig(im *imagefacts.Image) bool {
	for _, v := range im.Variants {
		if v.Platform.OS != "" {
			return false
		}
	}
	return true
}

func (c *Client) indexVariants(desc *remote.Descriptor, im *imagefacts.Image) error {
	idx, err := desc.ImageIndex()
	if err != nil {
		return fmt.Errorf("index: %s", describe(err))
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return fmt.Errorf("index: %s", describe(err))
	}
	for _, child := range m.Manifests {
		// buildx stores provenance as manifests of platform unknown/unknown in the index.
		if !child.MediaType.IsImage() || (child.Platform != nil && child.Platform.OS == "unknown") {
			continue
		}
		if len(im.Variants) >= c.limits.Platforms {
			im.Problems = append(im.Problems, fmt.Sprintf("more than %d platforms: the first %d were inspected", c.limits.Platforms, c.limits.Platforms))
			break
		}
		img, err := idx.Image(child.Digest)
		if err != nil {
			im.Problems = append(im.Problems, fmt.Sprintf("platform %s: %s", child.Digest, describe(err)))
			continue
		}
		v, err := c.variant(img, child.Digest.String(), child.Platform)
		if err != nil {
			im.Problems = append(im.Problems, fmt.Sprintf("platform %s: %s", child.Digest, err))
			continue
		}
		im.Variants = append(im.Variants, v)
	}
	if len(im.Variants) == 0 && len(im.Problems) > 0 {
		return fmt.Errorf("no platform of the index could be read: %s", im.Problems[0])
	}
	return nil
}

// variant reads one platform's manifest and config (the config's digest is verified).
func (c *Client) variant(img v1.Image, digest string, p *v1.Platform) (imagefacts.Variant, error) {
	v := imagefacts.Variant{Digest: digest}
	mf, err := img.Manifest()
	if err != nil {
		return v, fmt.Errorf("manifest: %s", describe(err))
	}
	v.Layers = len(mf.Layers)
	v.Size = mf.Config.Size
	for _, l := range mf.Layers {
		v.Size += l.Size
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return v, fmt.Errorf("config: %s", describe(err))
	}
	v.Platform = imagefacts.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
	if p != nil && v.Platform.OS == "" {
		v.Platform = imagefacts.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
	}
	if !cf.Created.IsZero() {
		t := cf.Created.UTC()
		v.Created = &t
	}
	cfg := cf.Config
	v.User = posture.CleanText(cfg.User)
	for port := range cfg.ExposedPorts {
		v.ExposedPorts = append(v.ExposedPorts, posture.CleanText(port))
	}
	sort.Strings(v.ExposedPorts)
	for _, kv := range cfg.Env {
		k, val, _ := strings.Cut(kv, "=")
		k = posture.CleanText(k)
		v.EnvNames = append(v.EnvNames, k)
		if ok, why := posture.LooksSecret(k, val); ok {
			v.SecretEnv = append(v.SecretEnv, imagefacts.SecretEnv{Name: k, Reason: why})
		}
	}
	if len(cfg.Labels) > 0 {
		v.Labels = make(map[string]string, len(cfg.Labels))
		for k, l := range cfg.Labels {
			v.Labels[posture.CleanText(k)] = posture.CleanText(truncate(l, 1024))
		}
		v.BaseImage = v.Labels[imagefacts.LabelBaseName]
	}
	for _, e := range append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...) {
		v.Entrypoint = append(v.Entrypoint, posture.CleanText(truncate(e, 256)))
	}
	if len(v.Entrypoint) > 8 {
		v.Entrypoint = v.Entrypoint[:8]
	}
	v.Shell, v.PackageManagers = buildHints(cf)
	return v, nil
}

var (
	shellPaths     = regexp.MustCompile(`(^|[\s"'\[])/bin/(ba|a|da)?sh\b`)
	packageManager = regexp.MustCompile(`\b(apt-get|apt|dpkg|apk|yum|dnf|microdnf|zypper|rpm)\b\s`)
)

// buildHints reads, from the entrypoint and the build history, whether a shell and OS
// package managers are in the image. History lines are read here and never kept.
func buildHints(cf *v1.ConfigFile) (string, []string) {
	shell := ""
	if ep := strings.Join(append(append([]string{}, cf.Config.Entrypoint...), cf.Config.Cmd...), " "); shellPaths.MatchString(ep) {
		shell = "the entrypoint or command runs a shell"
	}
	seen := map[string]bool{}
	var pms []string
	for _, h := range cf.History {
		line := h.CreatedBy
		if shell == "" && strings.Contains(line, "RUN") && shellPaths.MatchString(line) ||
			shell == "" && strings.HasPrefix(line, "/bin/sh -c ") && !strings.Contains(line, "#(nop)") {
			shell = "a build step ran /bin/sh"
		}
		if strings.Contains(line, "#(nop)") {
			continue // metadata steps (ENV, LABEL) quote values, not commands
		}
		for _, m := range packageManager.FindAllStringSubmatch(line, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				pms = append(pms, m[1])
			}
		}
	}
	sort.Strings(pms)
	return shell, pms
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// collectMaterials finds the signatures and attestations of an image: OCI referrers (the
// API, or go-containerregistry's fallback to the sha256-<hex> tag), and cosign's classic
// sha256-<hex>.sig and .att tags. What cannot be read is a problem on the image, not an
// error of the run: the image is known, its signatures are not.
func (c *Client) collectMaterials(ctx context.Context, repo name.Repository, d v1.Hash, im *imagefacts.Image) {
	dig := repo.Digest(d.String())
	// Reuse the puller: a new one would ping the registry again for every image.
	idx, err := remote.Referrers(dig, append(c.remote, remote.WithContext(ctx), remote.Reuse(c.puller))...)
	if err != nil {
		im.Problems = append(im.Problems, "referrers: "+describe(err))
	} else if m, err := idx.IndexManifest(); err != nil {
		im.Problems = append(im.Problems, "referrers: "+describe(err))
	} else {
		for _, r := range m.Manifests {
			if len(im.Materials) >= c.limits.Materials {
				im.Problems = append(im.Problems, fmt.Sprintf("more than %d attached artifacts: the first %d were read", c.limits.Materials, c.limits.Materials))
				break
			}
			im.Materials = append(im.Materials, c.referrer(ctx, repo, r))
		}
	}
	tagBase := strings.Replace(d.String(), ":", "-", 1)
	for _, suffix := range []string{".sig", ".att"} {
		c.cosignTag(ctx, repo.Tag(tagBase+suffix), im)
	}
}

// referrer reads one artifact that refers to the image.
func (c *Client) referrer(ctx context.Context, repo name.Repository, r v1.Descriptor) imagefacts.Material {
	mat := imagefacts.Material{Format: imagefacts.FormatUnknown, Source: "OCI referrers", ManifestDigest: r.Digest.String(),
		ArtifactType: posture.CleanText(r.ArtifactType)}
	if !strings.HasPrefix(r.ArtifactType, sigstoreBundlePrefix) {
		return mat
	}
	mat.Format = imagefacts.FormatSigstoreBundle
	mat.PredicateType = posture.CleanText(r.Annotations[annotationBundlePred])
	desc, err := c.puller.Get(context.WithValue(ctx, sbomRead{}, true), repo.Digest(r.Digest.String()))
	if err != nil {
		mat.Problem = "manifest: " + describe(err)
		return mat
	}
	img, err := desc.Image()
	if err != nil {
		mat.Problem = "manifest: " + describe(err)
		return mat
	}
	mf, err := img.Manifest()
	if err != nil || len(mf.Layers) == 0 {
		mat.Problem = "the bundle's manifest has no layer"
		return mat
	}
	if mat.PredicateType == "" {
		mat.PredicateType = posture.CleanText(mf.Annotations[annotationBundlePred])
	}
	mat.Payload, err = c.blob(img, mf.Layers[0], c.materialLimit(mat.PredicateType))
	if err != nil {
		mat.Problem = err.Error()
	}
	return mat
}

// cosignTag reads cosign's classic signature (.sig) or attestation (.att) image, one
// material per layer.
func (c *Client) cosignTag(ctx context.Context, tag name.Tag, im *imagefacts.Image) {
	desc, err := c.puller.Get(context.WithValue(ctx, sbomRead{}, true), tag)
	if err != nil {
		if !isStatus(err, http.StatusNotFound) && !isUnknownManifest(err) {
			im.Problems = append(im.Problems, "tag "+tag.TagStr()+": "+describe(err))
		}
		return
	}
	img, err := desc.Image()
	if err != nil {
		im.Problems = append(im.Problems, "tag "+tag.TagStr()+": "+describe(err))
		return
	}
	mf, err := img.Manifest()
	if err != nil {
		im.Problems = append(im.Problems, "tag "+tag.TagStr()+": "+describe(err))
		return
	}
	att := strings.HasSuffix(tag.TagStr(), ".att")
	for _, l := range mf.Layers {
		if len(im.Materials) >= c.limits.Materials {
			im.Problems = append(im.Problems, fmt.Sprintf("more than %d signatures and attestations: the first %d were read", c.limits.Materials, c.limits.Materials))
			return
		}
		mat := imagefacts.Material{Format: imagefacts.FormatCosignSimpleSigning, Source: "tag " + tag.TagStr(),
			ManifestDigest: desc.Digest.String(), Signature: l.Annotations[annotationSignature],
			Certificate: l.Annotations[annotationCertificate], Chain: l.Annotations[annotationChain]}
		if att {
			mat.Format, mat.PredicateType = imagefacts.FormatDSSE, posture.CleanText(l.Annotations[annotationPredicate])
		}
		if mat.Payload, err = c.blob(img, l, c.materialLimit(mat.PredicateType)); err != nil {
			mat.Problem = err.Error()
		}
		im.Materials = append(im.Materials, mat)
	}
}

// materialLimit is the size allowed for a material of a predicate type: SBOM attestations
// are larger than signatures.
func (c *Client) materialLimit(predicateType string) int64 {
	if imagefacts.IsSBOMPredicate(predicateType) {
		return c.limits.SBOMBytes
	}
	return maxMaterialBytes
}

// blob reads a small blob, verified against its digest; too large is an error.
func (c *Client) blob(img v1.Image, d v1.Descriptor, limit int64) ([]byte, error) {
	if d.Size > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed for a signature", d.Digest, d.Size, limit)
	}
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", d.Digest, describe(err))
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("%s: %s", d.Digest, describe(err))
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %s", d.Digest, describe(err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes allowed for a signature", d.Digest, limit)
	}
	return b, nil
}

func isUnknownManifest(err error) bool {
	return strings.Contains(err.Error(), "MANIFEST_UNKNOWN") || strings.Contains(err.Error(), "NAME_UNKNOWN")
}

// PlatformImage returns the image whose layers hold an image digest's packages: the image
// itself, or for an index its linux/amd64 platform (else its first platform), with the
// platform it chose. Its layers are read under the layer limits.
func (c *Client) PlatformImage(ctx context.Context, repository, digest string) (v1.Image, string, error) {
	if _, err := name.NewRepository(c.reg.RegistryStr()+"/"+repository, name.StrictValidation); err != nil {
		return nil, "", fmt.Errorf("repository %q: %v", repository, err)
	}
	repo := c.reg.Repo(repository) // keeps the registry's scheme
	ctx = withLayerLimits(ctx)
	desc, err := c.puller.Get(ctx, repo.Digest(digest))
	if err != nil {
		return nil, "", fmt.Errorf("manifest: %s", describe(err))
	}
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return nil, "", fmt.Errorf("image: %s", describe(err))
		}
		return img, "", nil
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, "", fmt.Errorf("index: %s", describe(err))
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, "", fmt.Errorf("index: %s", describe(err))
	}
	var chosen *v1.Descriptor
	for i, child := range m.Manifests {
		if !child.MediaType.IsImage() || child.Platform == nil || child.Platform.OS == "unknown" {
			continue
		}
		if chosen == nil || child.Platform.OS == "linux" && child.Platform.Architecture == "amd64" {
			chosen = &m.Manifests[i]
		}
		if chosen.Platform.OS == "linux" && chosen.Platform.Architecture == "amd64" {
			break
		}
	}
	if chosen == nil {
		return nil, "", fmt.Errorf("%w: the index lists no platform image", ErrNotImage)
	}
	img, err := idx.Image(chosen.Digest)
	if err != nil {
		return nil, "", fmt.Errorf("platform %s: %s", chosen.Digest, describe(err))
	}
	p := chosen.Platform.OS + "/" + chosen.Platform.Architecture
	if chosen.Platform.Variant != "" {
		p += "/" + chosen.Platform.Variant
	}
	return img, p, nil
}
