// Package imagepkgs is Palisade's own package extractor: it reads a container image's
// layers (through go-containerregistry) and lists the packages the image holds as an
// sbom.SBOM — Debian/Ubuntu dpkg databases (with distroless status.d), Alpine's apk
// database and the module lists of Go executables. What one layer holds is kept per layer
// digest (LayerCache), so a base layer shared by many images is downloaded and read once;
// the per-image result is a merge of the layers in order, honouring whiteouts.
package imagepkgs

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// factsVersion is the version of the LayerFacts format and of the readers that fill it:
// cached facts of another version are read again (a new detector must see old layers).
const factsVersion = 1

// LayerFacts is what one layer holds that matters for packages. Nothing in it depends on
// other layers: OS packages are kept raw (name, version, source, arch) and get their
// ecosystem and purl in the merge, from whichever layer's os-release wins.
type LayerFacts struct {
	Version int `json:"version"` // factsVersion when written
	// OSRelease is the distribution an os-release file of this layer names, by path
	// ("etc/os-release", "usr/lib/os-release").
	OSRelease map[string]*sbom.Distro `json:"osRelease,omitempty"`
	Dpkg      *DBFile                 `json:"dpkg,omitempty"`      // var/lib/dpkg/status
	DpkgParts []DBFile                `json:"dpkgParts,omitempty"` // var/lib/dpkg/status.d/* (distroless)
	Apk       *DBFile                 `json:"apk,omitempty"`       // lib/apk/db/installed
	// GoBinaries are the Go executables of this layer, with their modules.
	GoBinaries []GoBinary `json:"goBinaries,omitempty"`
	// Whiteouts are paths this layer deletes (.wh.<name>); Opaque are directories whose
	// earlier content it hides (.wh..wh..opq).
	Whiteouts []string `json:"whiteouts,omitempty"`
	Opaque    []string `json:"opaque,omitempty"`
	// Replaced are paths this layer writes with something that is not a package source
	// (a script, a symlink, a non-Go executable, a database it could not read): whatever an
	// earlier layer had there is gone.
	Replaced []string `json:"replaced,omitempty"`
	// Problems are parts of the layer that could not be understood (an unreadable Go
	// executable); they hold for every read of the layer, so they are cached too.
	Problems []string `json:"problems,omitempty"`
	// BytesRead and Entries say how much the layer was (uncompressed bytes, tar entries).
	BytesRead int64 `json:"bytesRead"`
	Entries   int   `json:"entries"`
}

// DBFile is one package database file as found in a layer.
type DBFile struct {
	Path     string      `json:"path"`
	Packages []OSPackage `json:"packages"`
}

// OSPackage is a package of a dpkg or apk database, before the distribution is known.
type OSPackage struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	SourceName    string `json:"sourceName,omitempty"`    // dpkg Source, apk origin
	SourceVersion string `json:"sourceVersion,omitempty"` // dpkg Source's "(version)", else the binary version
	Arch          string `json:"arch,omitempty"`
}

// GoBinary is a Go executable and the modules its build information lists.
type GoBinary struct {
	Path    string           `json:"path"`
	Modules []sbom.Component `json:"modules"`
}

// LayerCache keeps LayerFacts by layer digest (the compressed digest the manifest names).
// Facts are written only for layers read completely, within the limits.
type LayerCache interface {
	Layer(ctx context.Context, digest string) (*LayerFacts, bool, error)
	SaveLayer(ctx context.Context, digest string, f *LayerFacts) error
}

// MemoryCache is a LayerCache in memory. It keeps facts as JSON, as a database would:
// what is read back is a copy, and whatever does not serialise is caught here too.
type MemoryCache struct {
	mu     sync.Mutex
	layers map[string][]byte
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache {
	return &MemoryCache{layers: map[string][]byte{}}
}

// Layer returns the facts saved for the digest.
func (c *MemoryCache) Layer(_ context.Context, digest string) (*LayerFacts, bool, error) {
	c.mu.Lock()
	b, ok := c.layers[digest]
	c.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	var f LayerFacts
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, false, err
	}
	return &f, true, nil
}

// SaveLayer keeps the facts of the digest.
func (c *MemoryCache) SaveLayer(_ context.Context, digest string, f *LayerFacts) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.layers[digest] = b
	c.mu.Unlock()
	return nil
}

// Len is the number of layers cached.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.layers)
}
