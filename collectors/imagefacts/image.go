// Package imagefacts is the domain model of what Palisade knows about container images,
// beside the Kubernetes inventory (collectors/kubeinv): facts keyed by digest, gathered by
// the registry collector from a registry target, for a running image, or for
// `palisade scan --image`, and read by checks. Environment variable values are never held
// here: names only, and a secret-looking value is kept as the fact that it exists.
package imagefacts

import (
	"sort"
	"strings"
	"time"
)

// Platform is an image's operating system and CPU architecture.
type Platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
}

func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// SecretEnv is an environment variable of an image config whose value looks like a
// credential. The value is not kept.
type SecretEnv struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Variant is one runnable image: the only one of a single-platform manifest, or one
// platform of an index.
type Variant struct {
	Digest       string            `json:"digest"` // of the platform's manifest
	Platform     Platform          `json:"platform"`
	Created      *time.Time        `json:"created,omitempty"`
	Size         int64             `json:"size"` // config and compressed layers, bytes
	Layers       int               `json:"layers"`
	User         string            `json:"user"` // config User; "" runs as root
	ExposedPorts []string          `json:"exposedPorts,omitempty"`
	EnvNames     []string          `json:"envNames,omitempty"`
	SecretEnv    []SecretEnv       `json:"secretEnv,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	// Shell says why a shell is believed present ("build step ran /bin/sh -c", "entrypoint
	// is /bin/sh"); "" when nothing in the config or history shows one. Build history
	// itself is not kept: its lines may quote secrets.
	Shell string `json:"shell,omitempty"`
	// PackageManagers are the OS package managers the build history ran (apt-get, apk, ...).
	PackageManagers []string `json:"packageManagers,omitempty"`
	// BaseImage is the base image the labels name (org.opencontainers.image.base.name).
	BaseImage string `json:"baseImage,omitempty"`
}

// RunsAsRoot reports whether the config's user is root (empty, "root", "0", "0:..." or "root:...").
func (v Variant) RunsAsRoot() bool {
	u := strings.TrimSpace(v.User)
	if i := strings.IndexByte(u, ':'); i >= 0 {
		u = u[:i]
	}
	return u == "" || u == "root" || u == "0"
}

// SignatureFormat names how a signature or attestation is encoded.
type SignatureFormat string

const (
	// FormatCosignSimpleSigning: cosign's classic signature, an image tagged
	// sha256-<hex>.sig whose layers are simple-signing payloads with the signature in an
	// annotation.
	FormatCosignSimpleSigning SignatureFormat = "cosign-simplesigning"
	// FormatDSSE: an in-toto statement in a DSSE envelope (cosign's classic attestations,
	// tag sha256-<hex>.att).
	FormatDSSE SignatureFormat = "dsse"
	// FormatSigstoreBundle: a Sigstore bundle attached as an OCI referrer (cosign
	// --new-bundle-format, GitHub artifact attestations).
	FormatSigstoreBundle SignatureFormat = "sigstore-bundle"
	// FormatUnknown: an attached artifact Palisade does not verify (Notary v2, ...).
	FormatUnknown SignatureFormat = "unknown"
)

// Material is one signature or attestation as found, kept (bounded) so that it can be
// verified again when the trust policy changes, without asking the registry.
type Material struct {
	Format SignatureFormat `json:"format"`
	// Source says where it was found: "referrers API", "referrers tag sha256-<hex>",
	// "tag sha256-<hex>.sig".
	Source         string `json:"source"`
	ManifestDigest string `json:"manifestDigest"` // of the manifest that carried it
	ArtifactType   string `json:"artifactType,omitempty"`
	// Payload is what was signed (simple-signing JSON) or the DSSE envelope / bundle JSON.
	Payload       []byte `json:"payload,omitempty"`
	Signature     string `json:"signature,omitempty"`   // base64, cosign classic
	Certificate   string `json:"certificate,omitempty"` // PEM, cosign classic keyless
	Chain         string `json:"chain,omitempty"`       // PEM
	PredicateType string `json:"predicateType,omitempty"`
	// Problem is set when the material could not be read in full (too large, digest
	// mismatch); such material never verifies.
	Problem string `json:"problem,omitempty"`
	// Stored says the payload (an SBOM attestation, too large for the facts) is not kept
	// here: it was verified when read and stored as the image's SBOM.
	Stored string `json:"stored,omitempty"`
}

// IsAttestation reports whether the material is an attestation (a statement about the
// image) rather than a plain signature.
func (m Material) IsAttestation() bool {
	return m.Format == FormatDSSE || m.PredicateType != ""
}

// Verification is the verdict of the tenant's trust policy on one material.
type Verification struct {
	Format        SignatureFormat `json:"format"`
	Source        string          `json:"source"`
	Attestation   bool            `json:"attestation"`
	PredicateType string          `json:"predicateType,omitempty"`
	Verified      bool            `json:"verified"`
	// Identity is who signed: a key's name, or "issuer / subject" for keyless.
	Identity string `json:"identity,omitempty"`
	Reason   string `json:"reason"` // why it verified or not
}

// Image is what is known of one image, keyed by the digest its tags point to (an index's
// digest for multi-platform images).
type Image struct {
	Digest     string    `json:"digest"`
	Registry   string    `json:"registry"`   // host[:port]
	Repository string    `json:"repository"` // path within the registry
	Tags       []string  `json:"tags,omitempty"`
	MediaType  string    `json:"mediaType"`
	Variants   []Variant `json:"variants"`
	// Materials are the signatures and attestations found; Verifications their verdicts
	// against the trust policy in force when they were last verified.
	Materials     []Material     `json:"materials,omitempty"`
	Verifications []Verification `json:"verifications,omitempty"`
	// Trust summarises Verifications under the policy; nil when no policy judged them.
	Trust      *Trust    `json:"trust,omitempty"`
	ObservedAt time.Time `json:"observedAt"`
	// Problems are facts that could not be read (a platform's config, the referrers), each
	// a sentence; an image with problems is known in part.
	Problems []string `json:"problems,omitempty"`
	// Vulnerabilities are filled on each run from the SBOM and advisory database; nil when
	// vulnerabilities were not matched (no database: a scan without one).
	Vulnerabilities *Vulnerabilities `json:"vulnerabilities,omitempty"`
}

// Ref is the image's repository with its digest, e.g. "registry.example/app@sha256:...".
func (im *Image) Ref() string {
	return im.Registry + "/" + im.Repository + "@" + im.Digest
}

// AddTag records a tag once, keeping tags sorted.
func (im *Image) AddTag(tag string) {
	i := sort.SearchStrings(im.Tags, tag)
	if i < len(im.Tags) && im.Tags[i] == tag {
		return
	}
	im.Tags = append(im.Tags, "")
	copy(im.Tags[i+1:], im.Tags[i:])
	im.Tags[i] = tag
}

// Label returns a label of the first variant that has it.
func (im *Image) Label(key string) string {
	for _, v := range im.Variants {
		if l, ok := v.Labels[key]; ok {
			return l
		}
	}
	return ""
}

// Created is the newest creation date of the image's variants, nil when none says.
func (im *Image) Created() *time.Time {
	var newest *time.Time
	for _, v := range im.Variants {
		if v.Created != nil && (newest == nil || v.Created.After(*newest)) {
			newest = v.Created
		}
	}
	return newest
}

// OCI annotation and label keys Palisade reads.
const (
	LabelVersion   = "org.opencontainers.image.version"
	LabelSource    = "org.opencontainers.image.source"
	LabelRevision  = "org.opencontainers.image.revision"
	LabelBaseName  = "org.opencontainers.image.base.name"
	LabelBaseDigst = "org.opencontainers.image.base.digest"
)

// SLSA provenance predicate types.
var ProvenancePredicates = []string{
	"https://slsa.dev/provenance/v1",
	"https://slsa.dev/provenance/v0.2",
	"https://slsa.dev/provenance/v0.1",
}

// IsProvenance reports whether an in-toto predicate type is SLSA provenance.
func IsProvenance(predicateType string) bool {
	for _, p := range ProvenancePredicates {
		if predicateType == p {
			return true
		}
	}
	return false
}

// IsSBOMPredicate reports whether an in-toto predicate type is an SBOM: CycloneDX
// ("https://cyclonedx.org/bom", versioned "…/bom/v1.5") or SPDX ("https://spdx.dev/Document",
// versioned "…/Document/v2.3").
func IsSBOMPredicate(predicateType string) bool {
	for _, p := range []string{"https://cyclonedx.org/bom", "https://spdx.dev/Document"} {
		if predicateType == p || strings.HasPrefix(predicateType, p+"/") {
			return true
		}
	}
	return false
}
