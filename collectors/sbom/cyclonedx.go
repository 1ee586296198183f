package sbom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Properties Palisade writes into CycloneDX (WriteCycloneDX) and reads back.
const (
	propEcosystem     = "palisade:ecosystem"
	propSourceName    = "palisade:sourceName"
	propSourceVersion = "palisade:sourceVersion"
	propLocation      = "palisade:location"
	propSource        = "palisade:source"
	propOrigin        = "palisade:origin"
	palisadeTool      = "Palisade"
)

// Properties other generators write that say what the purl does not.
const (
	trivySrcName    = "aquasecurity:trivy:SrcName"
	trivySrcVersion = "aquasecurity:trivy:SrcVersion"
	trivySrcRelease = "aquasecurity:trivy:SrcRelease"
	trivySrcEpoch   = "aquasecurity:trivy:SrcEpoch"
	trivyFilePath   = "aquasecurity:trivy:FilePath"
	syftLocation    = "syft:location:0:path"
	syftDistroID    = "syft:distro:id"
	syftDistroVer   = "syft:distro:versionID"
)

// notPackages are the CycloneDX component types that are not installed packages: the
// operating system (read as the Distro), files, images and hardware. Libraries,
// frameworks and applications (Go binaries, language packages) are kept.
var notPackages = map[cdx.ComponentType]bool{
	cdx.ComponentTypeOS: true, cdx.ComponentTypeFile: true, cdx.ComponentTypeContainer: true,
	cdx.ComponentTypePlatform: true, cdx.ComponentTypeDevice: true, cdx.ComponentTypeDeviceDriver: true,
	cdx.ComponentTypeFirmware: true, cdx.ComponentTypeMachineLearningModel: true,
	cdx.ComponentTypeData: true, cdx.ComponentTypeCryptographicAsset: true,
}

// cdxNode is a component met walking a BOM, with its place in the document.
type cdxNode struct {
	path string
	c    *cdx.Component
}

func (b *builder) readCycloneDX(doc []byte) error {
	var bom cdx.BOM
	// cyclonedx-go's JSON decoder is io.ReadAll then json.Unmarshal into cdx.BOM; the
	// document is in memory already, so it is unmarshalled directly rather than copied.
	if err := json.Unmarshal(doc, &bom); err != nil {
		if errors.Is(err, cdx.ErrInvalidSpecVersion) {
			return posture.Errorf(posture.EINVALID, "the CycloneDX document's specVersion is not one of 1.2 to 1.6")
		}
		return jsonError("CycloneDX", err)
	}
	ours := b.readCycloneDXMetadata(bom.Metadata)
	nodes := b.walkCycloneDX(&bom)
	for _, n := range nodes {
		if n.c.Type == cdx.ComponentTypeOS {
			b.distroFromCycloneDX(n.c)
		}
	}
	for _, n := range nodes {
		// Palisade writes every package as a library, with or without a version.
		if !isCycloneDXPackage(n.c) && !(ours && n.c.Type == cdx.ComponentTypeLibrary) {
			continue
		}
		c, err := b.cycloneDXComponent(n, ours)
		if err != nil {
			return err
		}
		if err := b.add(c); err != nil {
			return err
		}
	}
	return nil
}

// readCycloneDXMetadata reads the timestamp and tool, and tells whether Palisade wrote the
// document (then its palisade:* properties are authoritative).
func (b *builder) readCycloneDXMetadata(m *cdx.Metadata) (ours bool) {
	if m == nil {
		return false
	}
	b.setCreated(m.Timestamp)
	if m.Tools == nil {
		return false
	}
	if m.Tools.Tools != nil { // the array form, before CycloneDX 1.5
		for _, t := range *m.Tools.Tools {
			b.setTool(t.Name, t.Version)
			ours = ours || t.Name == palisadeTool
		}
	}
	if m.Tools.Components != nil {
		for _, t := range *m.Tools.Components {
			b.setTool(t.Name, t.Version)
			ours = ours || t.Name == palisadeTool
		}
	}
	if m.Tools.Services != nil {
		for _, t := range *m.Tools.Services {
			b.setTool(t.Name, t.Version)
		}
	}
	return ours
}

// walkCycloneDX lists the BOM's components, nested ones included down to maxNesting
// levels. metadata.component is the image itself and is not listed; components nested in
// it are. The census has bounded how many there are.
func (b *builder) walkCycloneDX(bom *cdx.BOM) []cdxNode {
	var nodes []cdxNode
	tooDeep := false
	var walk func(list *[]cdx.Component, prefix string, depth int)
	walk = func(list *[]cdx.Component, prefix string, depth int) {
		if list == nil {
			return
		}
		if depth > maxNesting {
			tooDeep = true
			return
		}
		for i := range *list {
			c := &(*list)[i]
			path := fmt.Sprintf("%s[%d]", prefix, i)
			nodes = append(nodes, cdxNode{path: path, c: c})
			walk(c.Components, path+".components", depth+1)
		}
	}
	walk(bom.Components, "components", 1)
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk(bom.Metadata.Component.Components, "metadata.component.components", 1)
	}
	if tooDeep {
		b.problem("components nested more than %d levels deep were not read", maxNesting)
	}
	return nodes
}

// isCycloneDXPackage tells an installed package from the other things a BOM lists. A
// component with neither purl nor version (Trivy's node for a binary or lock file that
// holds packages) can match nothing and is not one.
func isCycloneDXPackage(c *cdx.Component) bool {
	if notPackages[c.Type] {
		return false
	}
	return c.PackageURL != "" || c.Version != ""
}

// distroFromCycloneDX reads an operating-system component: name "debian", version "12".
func (b *builder) distroFromCycloneDX(c *cdx.Component) {
	props := cdxProperties(c.Properties)
	id, version := c.Name, c.Version
	if v := props[syftDistroID]; v != "" {
		id = v
	}
	if v := props[syftDistroVer]; v != "" {
		version = v
	}
	b.setDistro(id, version, c.Description)
}

// cycloneDXComponent makes a component of a CycloneDX package.
func (b *builder) cycloneDXComponent(n cdxNode, ours bool) (Component, error) {
	c := n.c
	props := cdxProperties(c.Properties)
	if ours {
		return palisadeComponent(n, props)
	}
	r := pkgRecord{path: n.path, name: c.Name, version: c.Version, purl: c.PackageURL}
	r.location = props[trivyFilePath]
	if r.location == "" {
		r.location = props[syftLocation]
	}
	if src := props[trivySrcName]; src != "" {
		r.sourceName = src
		r.sourceVersion = osVersion(props[trivySrcEpoch], props[trivySrcVersion], props[trivySrcRelease])
	}
	return b.fromRecord(r)
}

// palisadeComponent reads back a component WriteCycloneDX wrote: the palisade:*
// properties hold exactly what the component was, absent ones being empty.
func palisadeComponent(n cdxNode, props map[string]string) (Component, error) {
	c := Component{
		Ecosystem:     props[propEcosystem],
		Name:          joinGroup(props[propEcosystem], n.c.Group, n.c.Name),
		Version:       n.c.Version,
		SourceName:    props[propSourceName],
		SourceVersion: props[propSourceVersion],
		PURL:          n.c.PackageURL,
		Location:      props[propLocation],
	}
	if c.PURL != "" {
		if _, err := FromPURL(clean(c.PURL), nil); err != nil {
			return Component{}, malformedPURL(n.path, c.Name, err)
		}
	}
	return c, nil
}

// joinGroup makes the ecosystem's name of a CycloneDX group and name: Maven's
// "group:artifact", npm's "@scope/name", Packagist's "vendor/name".
func joinGroup(ecosystem, group, name string) string {
	switch {
	case group == "":
		return name
	case ecosystem == EcosystemMaven:
		return group + ":" + name
	}
	return group + "/" + name
}

// splitGroup is joinGroup's inverse, for the ecosystems whose names have a group.
func splitGroup(ecosystem, name string) (group, rest string) {
	switch ecosystem {
	case EcosystemMaven:
		if g, n, ok := strings.Cut(name, ":"); ok && g != "" && n != "" {
			return g, n
		}
	case EcosystemNPM, EcosystemPackagist:
		if i := strings.LastIndexByte(name, '/'); i > 0 && i < len(name)-1 {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

// cdxProperties maps property names to their first value.
func cdxProperties(props *[]cdx.Property) map[string]string {
	m := map[string]string{}
	if props == nil {
		return m
	}
	for _, p := range *props {
		if _, seen := m[p.Name]; !seen {
			m[p.Name] = p.Value
		}
	}
	return m
}
