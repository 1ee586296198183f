package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/palisade-dev/palisade/backend/posture"
)

// SPDX primary package purposes that are not installed packages.
var spdxNotPackages = map[string]bool{
	"OPERATING-SYSTEM": true, "CONTAINER": true, "FILE": true, "DEVICE": true, "ARCHIVE": true,
}

// sourceInfoPrefix starts the sourceInfo Trivy writes for a package built from a source
// package: "built package from: openssl 3.0.11-1~deb12u2".
const sourceInfoPrefix = "built package from: "

func (b *builder) readSPDX(doc []byte) error {
	var head struct {
		SPDXVersion any `json:"spdxVersion"`
	}
	_ = json.Unmarshal(doc, &head) // DetectFormat has checked the JSON
	version, _ := head.SPDXVersion.(string)
	if version != "SPDX-2.2" && version != "SPDX-2.3" {
		return posture.Errorf(posture.EINVALID, "SPDX version %q is not accepted (SPDX-2.2 or SPDX-2.3)", truncate(clean(version), 20))
	}
	// tools-golang reads 2.2 and 2.3 alike into its latest (2.3) model.
	d, err := spdxjson.Read(bytes.NewReader(doc))
	if err != nil {
		return jsonError("SPDX", err)
	}
	if ci := d.CreationInfo; ci != nil {
		b.setCreated(ci.Created)
		for _, c := range ci.Creators {
			if c.CreatorType == "Tool" {
				b.setTool(splitToolVersion(c.Creator))
			}
		}
	}
	for _, p := range d.Packages {
		if p != nil && p.PrimaryPackagePurpose == "OPERATING-SYSTEM" {
			b.setDistro(p.PackageName, spdxValue(p.PackageVersion), "")
		}
	}
	described := spdxDescribed(d)
	for i, p := range d.Packages {
		if p == nil || !isSPDXPackage(p, described[p.PackageSPDXIdentifier]) {
			continue
		}
		r := pkgRecord{path: fmt.Sprintf("packages[%d]", i), name: p.PackageName,
			version: spdxValue(p.PackageVersion), purl: spdxPURL(p)}
		r.sourceName, r.sourceVersion = spdxSourceInfo(p.PackageSourceInfo)
		if err := b.addRecord(r); err != nil {
			return err
		}
	}
	return nil
}

// isSPDXPackage tells an installed package from the other packages a document lists: the
// operating system, files, and the image the document describes. A described package is
// the image itself unless its purl names a package of a known ecosystem.
func isSPDXPackage(p *spdx.Package, described bool) bool {
	if spdxNotPackages[p.PrimaryPackagePurpose] {
		return false
	}
	purl := spdxPURL(p)
	if purl == "" && spdxValue(p.PackageVersion) == "" {
		return false // a node for a binary or lock file (Trivy), matching nothing
	}
	if described {
		c, err := FromPURL(purl, nil)
		return err == nil && purl != "" && c.Ecosystem != ""
	}
	return true
}

// spdxDescribed lists the elements the document describes (DESCRIBES relationships, and
// documentDescribes, which tools-golang turns into them).
func spdxDescribed(d *spdx.Document) map[common.ElementID]bool {
	described := map[common.ElementID]bool{}
	doc := d.SPDXIdentifier
	for _, r := range d.Relationships {
		if r == nil {
			continue
		}
		switch strings.ToUpper(r.Relationship) {
		case common.TypeRelationshipDescribe:
			if r.RefA.ElementRefID == doc && r.RefA.DocumentRefID == "" {
				described[r.RefB.ElementRefID] = true
			}
		case common.TypeRelationshipDescribeBy:
			if r.RefB.ElementRefID == doc && r.RefB.DocumentRefID == "" {
				described[r.RefA.ElementRefID] = true
			}
		}
	}
	return described
}

// spdxPURL is the package's purl external reference (category PACKAGE-MANAGER, written
// PACKAGE_MANAGER by SPDX 2.2 tools).
func spdxPURL(p *spdx.Package) string {
	for _, ref := range p.PackageExternalReferences {
		if ref == nil {
			continue
		}
		category := strings.ReplaceAll(strings.ToUpper(ref.Category), "_", "-")
		if category == "PACKAGE-MANAGER" && ref.RefType == "purl" {
			return ref.Locator
		}
	}
	return ""
}

// spdxSourceInfo reads Trivy's "built package from: NAME VERSION".
func spdxSourceInfo(info string) (name, version string) {
	rest, ok := strings.CutPrefix(info, sourceInfoPrefix)
	if !ok {
		return "", ""
	}
	name, version, _ = strings.Cut(strings.TrimSpace(rest), " ")
	return name, strings.TrimSpace(version)
}

// spdxValue is "" for SPDX's NOASSERTION and NONE.
func spdxValue(s string) string {
	if s == "NOASSERTION" || s == "NONE" {
		return ""
	}
	return s
}

// splitToolVersion reads an SPDX tool creator, "syft-1.4.1" or "trivy-0.58.0", as name
// and version.
func splitToolVersion(s string) (name, version string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || i == len(s)-1 {
		return s, ""
	}
	v := strings.TrimPrefix(s[i+1:], "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return s, ""
	}
	return s[:i], s[i+1:]
}
