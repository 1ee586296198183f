package sbom

import (
	"encoding/json"
	"fmt"
)

// The parts of Anchore's Syft (syft -o json) and Grype (grype -o json) documents read
// here. Both describe a package the same way (Grype's artifact is Syft's package); the
// tools are not imported, for the hundreds of modules they would bring.
type anchoreArtifact struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Type      string            `json:"type"`
	PURL      string            `json:"purl"`
	Locations []anchoreLocation `json:"locations"`
	Upstreams []anchoreUpstream `json:"upstreams"` // Grype: the source package
	Metadata  anchoreMetadata   `json:"metadata"`
}

type anchoreLocation struct {
	Path string `json:"path"`
}

type anchoreUpstream struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// anchoreMetadata holds the source package fields of Syft's dpkg-db-entry (source,
// sourceVersion) and apk-db-entry (originPackage) metadata. Other metadata types have
// other shapes: what does not fit is ignored, not an error.
type anchoreMetadata struct {
	Source        string `json:"source"`
	SourceVersion string `json:"sourceVersion"`
	OriginPackage string `json:"originPackage"`
}

func (m *anchoreMetadata) UnmarshalJSON(data []byte) error {
	type fields anchoreMetadata
	var f fields
	if json.Unmarshal(data, &f) == nil {
		*m = anchoreMetadata(f)
	}
	return nil
}

type anchoreDescriptor struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Timestamp string `json:"timestamp"` // Grype only
}

type grypeReport struct {
	Matches []struct {
		Artifact anchoreArtifact `json:"artifact"`
	} `json:"matches"`
	Distro struct {
		Name    string `json:"name"` // the os-release ID: debian, alpine
		Version string `json:"version"`
	} `json:"distro"`
	Descriptor anchoreDescriptor `json:"descriptor"`
}

type syftDocument struct {
	Artifacts []anchoreArtifact `json:"artifacts"`
	Distro    struct {
		ID         string `json:"id"`
		VersionID  string `json:"versionID"`
		PrettyName string `json:"prettyName"`
	} `json:"distro"`
	Descriptor anchoreDescriptor `json:"descriptor"`
}

// anchoreEcosystems maps Syft's package types to OSV ecosystems, for packages without a
// purl. java-archive is absent: its name lacks the Maven group.
var anchoreEcosystems = map[string]string{
	"go-module": EcosystemGo, "npm": EcosystemNPM, "python": EcosystemPyPI, "gem": EcosystemRubyGems,
	"rust-crate": EcosystemCrates, "dotnet": EcosystemNuGet, "php-composer": EcosystemPackagist,
}

func (b *builder) readGrype(doc []byte) error {
	var rep grypeReport
	if err := json.Unmarshal(doc, &rep); err != nil {
		return jsonError("Grype", err)
	}
	b.setCreated(rep.Descriptor.Timestamp)
	b.setTool(rep.Descriptor.Name, rep.Descriptor.Version)
	b.setDistro(rep.Distro.Name, rep.Distro.Version, "")
	seen := map[string]bool{}
	for i, m := range rep.Matches {
		a := m.Artifact
		// Grype repeats an artifact for each of its vulnerabilities.
		key := a.ID
		if key == "" {
			key = a.Name + "\x00" + a.Version + "\x00" + a.PURL + "\x00" + a.Type
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := b.addRecord(b.anchoreRecord(fmt.Sprintf("matches[%d].artifact", i), a)); err != nil {
			return err
		}
	}
	b.onlyVulnerable("upload an SBOM of the image (syft -o cyclonedx-json) to list all")
	return nil
}

func (b *builder) readSyft(doc []byte) error {
	var d syftDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		return jsonError("Syft", err)
	}
	b.setTool(d.Descriptor.Name, d.Descriptor.Version)
	b.setDistro(d.Distro.ID, d.Distro.VersionID, d.Distro.PrettyName)
	for i, a := range d.Artifacts {
		if err := b.addRecord(b.anchoreRecord(fmt.Sprintf("artifacts[%d]", i), a)); err != nil {
			return err
		}
	}
	return nil
}

// anchoreRecord reads a Syft package. The purl's upstream qualifier names the source
// package; Grype's upstreams and Syft's dpkg and apk metadata say it when the purl does not.
func (b *builder) anchoreRecord(path string, a anchoreArtifact) pkgRecord {
	r := pkgRecord{path: path, name: a.Name, version: a.Version, purl: a.PURL, ecosystem: b.anchoreEcosystem(a.Type)}
	if len(a.Locations) > 0 {
		r.location = a.Locations[0].Path
	}
	switch {
	case len(a.Upstreams) > 0:
		r.sourceName, r.sourceVersion = a.Upstreams[0].Name, a.Upstreams[0].Version
	case a.Type == "deb":
		r.sourceName, r.sourceVersion = a.Metadata.Source, a.Metadata.SourceVersion
	case a.Type == "apk":
		r.sourceName = a.Metadata.OriginPackage
	}
	return r
}

// anchoreEcosystem is the ecosystem of a Syft package type, for packages without a purl.
func (b *builder) anchoreEcosystem(typ string) string {
	d := b.sbom.Distro
	switch {
	case typ == "deb" && d != nil && (d.ID == "debian" || d.ID == "ubuntu"),
		typ == "apk" && d != nil && d.ID == "alpine":
		return EcosystemFor(d)
	}
	return anchoreEcosystems[typ]
}
