// Package sbom is the domain model of an image's software bill of materials: the packages
// an image holds, each named the way advisory databases (OSV) name it, with where the list
// came from and when. Parsers of the formats pipelines and scanners produce (CycloneDX,
// SPDX, Trivy, Grype, Syft JSON) live here too; the layer extractor (collectors/imagepkgs)
// produces the same shape.
package sbom

import (
	"strings"
	"time"
)

// Source says how Palisade obtained an SBOM. Sources are ranked: an attestation signed by
// the image's builder beats a pipeline's upload, which beats Palisade's own extractor.
type Source string

const (
	SourceAttestation Source = "attestation" // an in-toto SBOM predicate attached to the image
	SourceUpload      Source = "upload"      // uploaded through the API (CI pipelines)
	SourceExtractor   Source = "extractor"   // read from the image's layers by Palisade
)

// Rank orders sources by preference: higher wins.
func (s Source) Rank() int {
	switch s {
	case SourceAttestation:
		return 3
	case SourceUpload:
		return 2
	case SourceExtractor:
		return 1
	}
	return 0
}

// Format names the document format an SBOM was read from.
type Format string

const (
	FormatCycloneDX Format = "cyclonedx-json"
	FormatSPDX      Format = "spdx-json"
	FormatTrivy     Format = "trivy-json"
	FormatGrype     Format = "grype-json"
	FormatSyft      Format = "syft-json"
	FormatLayers    Format = "image-layers" // Palisade's extractor
)

// Formats lists the formats an upload may be in.
var Formats = []Format{FormatCycloneDX, FormatSPDX, FormatTrivy, FormatGrype, FormatSyft}

// OSV ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field). OS
// ecosystems carry their release: "Debian:12", "Alpine:v3.19", "Ubuntu:22.04".
const (
	EcosystemDebian    = "Debian"
	EcosystemUbuntu    = "Ubuntu"
	EcosystemAlpine    = "Alpine"
	EcosystemGo        = "Go"
	EcosystemNPM       = "npm"
	EcosystemPyPI      = "PyPI"
	EcosystemMaven     = "Maven"
	EcosystemRubyGems  = "RubyGems"
	EcosystemCrates    = "crates.io"
	EcosystemNuGet     = "NuGet"
	EcosystemPackagist = "Packagist"
)

// Component is one package in an image.
type Component struct {
	// Ecosystem is the OSV ecosystem, with the release for OS packages ("Debian:12"); ""
	// when the package's ecosystem is not known (it is kept, but matches no advisory).
	Ecosystem string `json:"ecosystem"`
	// Name is the package's name in its ecosystem (Maven: "group:artifact"; Go: the module
	// path).
	Name    string `json:"name"`
	Version string `json:"version"`
	// SourceName and SourceVersion are the source package an OS package was built from
	// (dpkg's Source field, apk's origin). Debian, Ubuntu and Alpine advisories name source
	// packages: "libssl3" is matched as "openssl".
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	PURL          string `json:"purl,omitempty"`
	// Location is where in the image the package was found ("var/lib/dpkg/status",
	// "usr/local/bin/app"), when the source says.
	Location string `json:"location,omitempty"`
}

// MatchName is the name advisories use for the component: the source package of an OS
// package, the package itself otherwise.
func (c Component) MatchName() string {
	if c.SourceName != "" && IsOSEcosystem(c.Ecosystem) {
		return c.SourceName
	}
	return c.Name
}

// MatchVersion is the version compared with advisories' ranges (the source version of an
// OS package when the source says it differs).
func (c Component) MatchVersion() string {
	if c.SourceVersion != "" && IsOSEcosystem(c.Ecosystem) {
		return c.SourceVersion
	}
	return c.Version
}

// Key identifies a component for deduplication.
func (c Component) Key() string {
	return c.Ecosystem + "\x00" + c.Name + "\x00" + c.Version + "\x00" + c.SourceName + "\x00" + c.SourceVersion
}

// IsOSEcosystem reports a distribution ecosystem ("Debian:12", "Alpine:v3.19").
func IsOSEcosystem(ecosystem string) bool {
	base, _, _ := strings.Cut(ecosystem, ":")
	switch base {
	case EcosystemDebian, EcosystemUbuntu, EcosystemAlpine:
		return true
	}
	return false
}

// Distro is the image's operating system as its os-release file says.
type Distro struct {
	ID      string `json:"id"`      // debian, ubuntu, alpine
	Version string `json:"version"` // VERSION_ID: 12, 22.04, 3.19.1
	Name    string `json:"name,omitempty"`
}

// SBOM is the package list of one image digest.
type SBOM struct {
	Digest string `json:"digest"` // the image (or index) digest it describes
	Source Source `json:"source"`
	Format Format `json:"format"`
	// Origin says exactly where it came from: "OCI referrer sha256:…", "upload by token
	// ci-main", "layers of sha256:… (linux/amd64)".
	Origin string `json:"origin"`
	// Tool is the generator the document names ("syft 1.4.1", "trivy 0.50.0"), if any.
	Tool string `json:"tool,omitempty"`
	// CreatedAt is when the document says it was made; ObservedAt when Palisade got it.
	CreatedAt  *time.Time  `json:"createdAt,omitempty"`
	ObservedAt time.Time   `json:"observedAt"`
	Distro     *Distro     `json:"distro,omitempty"`
	Components []Component `json:"components"`
	// Problems are parts that could not be read (a layer too large, an unparsable purl),
	// each a sentence; an SBOM with problems is known in part.
	Problems []string `json:"problems,omitempty"`
}

// Dedupe drops repeated components, keeping the first of each.
func (s *SBOM) Dedupe() {
	seen := make(map[string]bool, len(s.Components))
	out := s.Components[:0]
	for _, c := range s.Components {
		if k := c.Key(); !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	s.Components = out
}
