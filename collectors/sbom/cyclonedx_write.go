package sbom

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"

	"github.com/palisade-dev/palisade/backend/posture"
)

const cycloneDX16Schema = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// WriteCycloneDX writes s as a CycloneDX 1.6 JSON document: the image (subject, e.g.
// "registry.example/app", at s.Digest) is metadata.component, the distribution an
// operating-system component, each package a library with its purl. What a purl cannot
// say (the OSV ecosystem, the source package, the location) is in palisade:* properties,
// which Parse reads back: Parse(WriteCycloneDX(s)) gives s's components again.
func WriteCycloneDX(w io.Writer, s *SBOM, subject string) error {
	if s == nil {
		return posture.Errorf(posture.EINVALID, "there is no SBOM to write")
	}
	components := make([]cdx.Component, 0, len(s.Components)+1)
	if d := s.Distro; d != nil && d.ID != "" {
		components = append(components, cdx.Component{BOMRef: "operating-system", Type: cdx.ComponentTypeOS,
			Name: d.ID, Version: d.Version, Description: d.Name})
	}
	refs := map[string]bool{}
	for i, c := range s.Components {
		components = append(components, cycloneDXLibrary(i, c, refs))
	}
	// Built as 1.6 directly: EncodeVersion would convert through a gob copy of the BOM.
	bom := &cdx.BOM{
		JSONSchema:   cycloneDX16Schema,
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: newSerialNumber(),
		Version:      1,
		Metadata:     cycloneDXMetadata(s, subject),
		Components:   &components,
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetEscapeHTML(false) // purls hold '&'
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("writing the CycloneDX document: %w", err)
	}
	return nil
}

func cycloneDXMetadata(s *SBOM, subject string) *cdx.Metadata {
	if subject == "" {
		subject = "image"
	}
	m := &cdx.Metadata{
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{
			{Type: cdx.ComponentTypeApplication, Name: palisadeTool},
		}},
		Component: &cdx.Component{BOMRef: "image", Type: cdx.ComponentTypeContainer, Name: subject, Version: s.Digest},
	}
	if !s.ObservedAt.IsZero() {
		m.Timestamp = s.ObservedAt.UTC().Format(time.RFC3339Nano)
	}
	props := appendProperty(nil, propSource, string(s.Source))
	props = appendProperty(props, propOrigin, s.Origin)
	if len(props) > 0 {
		m.Properties = &props
	}
	return m
}

// cycloneDXLibrary writes component number i. Its bom-ref is its purl, unless another
// component has that purl already.
func cycloneDXLibrary(i int, c Component, refs map[string]bool) cdx.Component {
	purl := c.PURL
	if purl == "" {
		purl = purlFor(c)
	}
	group, name := "", c.Name
	if purl != "" {
		group, name = splitGroup(c.Ecosystem, c.Name)
	}
	ref := purl
	if ref == "" || refs[ref] {
		ref = fmt.Sprintf("component-%d", i+1)
	}
	refs[ref] = true
	props := appendProperty(nil, propEcosystem, c.Ecosystem)
	props = appendProperty(props, propSourceName, c.SourceName)
	props = appendProperty(props, propSourceVersion, c.SourceVersion)
	props = appendProperty(props, propLocation, c.Location)
	out := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Group: group, Name: name,
		Version: c.Version, PackageURL: purl}
	if len(props) > 0 {
		out.Properties = &props
	}
	return out
}

func appendProperty(props []cdx.Property, name, value string) []cdx.Property {
	if value == "" {
		return props
	}
	return append(props, cdx.Property{Name: name, Value: value})
}

// purlFor builds the purl of a component that came without one, from its ecosystem; ""
// when the ecosystem has no purl type known here.
func purlFor(c Component) string {
	if c.Name == "" {
		return ""
	}
	base, release, _ := strings.Cut(c.Ecosystem, ":")
	var p *packageurl.PackageURL
	switch base {
	case EcosystemDebian, EcosystemUbuntu:
		p = osPURL(packageurl.TypeDebian, strings.ToLower(base), release, c)
	case EcosystemAlpine:
		p = osPURL(packageurl.TypeApk, "alpine", strings.TrimPrefix(release, "v"), c)
	case EcosystemGo:
		p = pathPURL(packageurl.TypeGolang, c)
	case EcosystemNPM:
		p = pathPURL(packageurl.TypeNPM, c)
	case EcosystemPackagist:
		p = pathPURL(packageurl.TypeComposer, c)
	case EcosystemMaven:
		group, artifact := splitGroup(EcosystemMaven, c.Name)
		p = packageurl.NewPackageURL(packageurl.TypeMaven, group, artifact, c.Version, nil, "")
	case EcosystemPyPI:
		p = packageurl.NewPackageURL(packageurl.TypePyPi, "", c.Name, c.Version, nil, "")
	case EcosystemRubyGems:
		p = packageurl.NewPackageURL(packageurl.TypeGem, "", c.Name, c.Version, nil, "")
	case EcosystemCrates:
		p = packageurl.NewPackageURL(packageurl.TypeCargo, "", c.Name, c.Version, nil, "")
	case EcosystemNuGet:
		p = packageurl.NewPackageURL(packageurl.TypeNuget, "", c.Name, c.Version, nil, "")
	default:
		return ""
	}
	return p.ToString()
}

// osPURL is a distribution package's purl, with the release in the distro qualifier and
// the source package in upstream (as Syft writes them).
func osPURL(typ, distro, release string, c Component) *packageurl.PackageURL {
	var q packageurl.Qualifiers
	if release != "" {
		q = append(q, packageurl.Qualifier{Key: "distro", Value: distro + "-" + release})
	}
	if c.SourceName != "" || c.SourceVersion != "" {
		upstream := firstOf(c.SourceName, c.Name)
		if c.SourceVersion != "" {
			upstream += "@" + c.SourceVersion
		}
		q = append(q, packageurl.Qualifier{Key: "upstream", Value: upstream})
	}
	return packageurl.NewPackageURL(typ, distro, c.Name, c.Version, q, "")
}

// pathPURL is the purl of a package named by a path: a Go module, a scoped npm package,
// a Packagist vendor/name. The last segment is the purl's name, the rest its namespace.
func pathPURL(typ string, c Component) *packageurl.PackageURL {
	ns, name := "", c.Name
	if i := strings.LastIndexByte(c.Name, '/'); i > 0 && i < len(c.Name)-1 {
		ns, name = c.Name[:i], c.Name[i+1:]
	}
	return packageurl.NewPackageURL(typ, ns, name, c.Version, nil, "")
}

// newSerialNumber is a random (version 4) UUID URN, as CycloneDX serial numbers are.
func newSerialNumber() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails (crypto/rand crashes the program instead)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}
