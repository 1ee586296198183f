package imagefacts

import "time"

// Registry is what a collection learnt about a registry itself.
type Registry struct {
	Host   string `json:"host"`
	Scheme string `json:"scheme"` // https or http
	// TLSError is set when the registry's certificate did not verify.
	TLSError string `json:"tlsError,omitempty"`
	// Catalog: "listed", "explicit list", or why the catalog could not be used.
	Catalog string `json:"catalog"`
	// Private: the target says the registry must not serve anonymous pulls.
	Private bool `json:"private,omitempty"`
	// AnonymousPull is whether an unauthenticated client could list or pull; nil when not
	// probed.
	AnonymousPull *bool `json:"anonymousPull,omitempty"`
}

// Repository is one repository and its tags.
type Repository struct {
	Name string `json:"name"`
	Tags []Tag  `json:"tags"`
	// Truncated: more tags than the collector's limit.
	Truncated bool `json:"truncated,omitempty"`
}

// Tag is a tag and the digest it pointed to when listed. PreviousDigest and MovedAt are
// filled from history: the digest the tag pointed to before it last moved, and when that
// move was first seen.
type Tag struct {
	Name           string     `json:"name"`
	Digest         string     `json:"digest"`
	PreviousDigest string     `json:"previousDigest,omitempty"`
	MovedAt        *time.Time `json:"movedAt,omitempty"`
}

// Facet is the images part of a snapshot: for a registry target, the registry, its
// repositories and the facts of their images; for a cluster target, the facts of the digests
// its pods run. Images hold what is known by digest; Unknown says, per digest, why nothing is.
type Facet struct {
	Registry     *Registry         `json:"registry,omitempty"`
	Repositories []Repository      `json:"repositories,omitempty"`
	Images       map[string]*Image `json:"images"`
	Unknown      map[string]string `json:"unknown,omitempty"`
}

// NewFacet is an empty facet.
func NewFacet() *Facet {
	return &Facet{Images: map[string]*Image{}, Unknown: map[string]string{}}
}

// Lookup returns the facts of a digest, or why there are none.
func (f *Facet) Lookup(digest string) (*Image, string) {
	if f == nil {
		return nil, "image facts were not collected for this target"
	}
	if im := f.Images[digest]; im != nil {
		return im, ""
	}
	if why := f.Unknown[digest]; why != "" {
		return nil, why
	}
	return nil, "no image data for " + digest
}

// Trust is the trust policy's summary of an image's signatures and attestations.
type Trust struct {
	// Rule is the policy rule that covers the image; "" when none does.
	Rule       string   `json:"rule,omitempty"`
	Signed     bool     `json:"signed"`
	SignedBy   string   `json:"signedBy,omitempty"`
	Provenance bool     `json:"provenance"`
	Reasons    []string `json:"reasons,omitempty"`
}

// Usage is one container of a cluster target that ran an image: where the image runs.
type Usage struct {
	TargetID   int64     `json:"targetId"`
	TargetName string    `json:"targetName,omitempty"`
	Digest     string    `json:"digest"`
	Namespace  string    `json:"namespace"`
	Workload   string    `json:"workload"`  // workload asset key
	Container  string    `json:"container"` // e.g. container:web
	Image      string    `json:"image"`     // the reference the pod spec names
	SeenAt     time.Time `json:"seenAt"`
}

// Record is an image's stored facts with the tags ("repository:tag") that point at it now.
type Record struct {
	Image *Image
	Tags  []string
}

// Query selects stored images: by registry and repository, or the images a workload (an
// asset key, optionally of one target) runs; Cursor continues a listing.
type Query struct {
	Registry, Repository string
	Workload             string
	TargetID             int64
	Cursor               string
	Limit                int
}
