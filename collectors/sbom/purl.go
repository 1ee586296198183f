package sbom

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// debianCodenames maps Debian release codenames (in purls' distro qualifier) to versions.
var debianCodenames = map[string]string{
	"stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}

// EcosystemFor is the OSV ecosystem of a distribution's packages: "Debian:12",
// "Ubuntu:22.04", "Alpine:v3.19"; "" for a distribution without one, or without a release.
func EcosystemFor(d *Distro) string {
	if d == nil || d.Version == "" {
		return ""
	}
	v := d.Version
	switch strings.ToLower(d.ID) {
	case "debian":
		if n, ok := debianCodenames[v]; ok {
			v = n
		}
		major, _, _ := strings.Cut(v, ".")
		return EcosystemDebian + ":" + major
	case "ubuntu":
		return EcosystemUbuntu + ":" + v
	case "alpine":
		v = strings.TrimPrefix(v, "v")
		parts := strings.SplitN(v, ".", 3)
		if len(parts) < 2 {
			return ""
		}
		return EcosystemAlpine + ":v" + parts[0] + "." + parts[1]
	}
	return ""
}

// NormalizeEcosystem maps an OSV record's ecosystem to the form components carry:
// "Ubuntu:22.04:LTS" is "Ubuntu:22.04"; Ubuntu Pro releases, which no public image runs,
// are "" (skipped).
func NormalizeEcosystem(e string) string {
	parts := strings.Split(e, ":")
	if parts[0] == EcosystemUbuntu {
		if len(parts) < 2 || parts[1] == "Pro" || parts[1] == "FIPS" {
			return ""
		}
		return EcosystemUbuntu + ":" + parts[1]
	}
	return e
}

// distroFromQualifier reads a purl's distro qualifier: "debian-12", "bookworm",
// "alpine-3.19.1", "ubuntu-22.04", "3.19.1".
func distroFromQualifier(id, q string) *Distro {
	if q == "" {
		return nil
	}
	if d, v, ok := strings.Cut(q, "-"); ok && strings.EqualFold(d, id) {
		return &Distro{ID: id, Version: v}
	}
	return &Distro{ID: id, Version: q}
}

// FromPURL makes a component of a package URL. OS packages take their release from the
// purl's distro qualifier, else from d (the document's operating system). An unknown purl
// type gives a component without ecosystem; a malformed purl is an error.
func FromPURL(s string, d *Distro) (Component, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		msg := err.Error()
		if len(msg) > 200 { // packageurl-go quotes the whole input
			msg = msg[:200] + "…"
		}
		return Component{}, fmt.Errorf("malformed package URL: %s", msg)
	}
	c := Component{Name: p.Name, Version: p.Version, PURL: p.ToString()}
	q := p.Qualifiers.Map()
	switch p.Type {
	case packageurl.TypeDebian, packageurl.TypeApk:
		id := strings.ToLower(p.Namespace)
		if dq := distroFromQualifier(id, q["distro"]); dq != nil {
			d = dq
		} else if d != nil && !strings.EqualFold(d.ID, id) {
			d = nil
		}
		if d != nil {
			c.Ecosystem = EcosystemFor(&Distro{ID: id, Version: d.Version})
		}
		// Debian's purls carry a non-zero epoch as a qualifier; advisories compare it.
		if e := q["epoch"]; e != "" && e != "0" && !strings.Contains(c.Version, ":") {
			c.Version = e + ":" + c.Version
		}
		if up := q["upstream"]; up != "" {
			name, ver, _ := strings.Cut(up, "@")
			c.SourceName, c.SourceVersion = name, ver
		}
		if c.SourceName == c.Name {
			c.SourceName = ""
		}
	case packageurl.TypeGolang:
		c.Ecosystem = EcosystemGo
		if p.Namespace != "" {
			c.Name = p.Namespace + "/" + p.Name
		}
	case packageurl.TypeNPM:
		c.Ecosystem = EcosystemNPM
		if p.Namespace != "" {
			c.Name = p.Namespace + "/" + p.Name
		}
	case packageurl.TypePyPi:
		c.Ecosystem = EcosystemPyPI
	case packageurl.TypeMaven:
		c.Ecosystem = EcosystemMaven
		if p.Namespace != "" {
			c.Name = p.Namespace + ":" + p.Name
		}
	case packageurl.TypeGem:
		c.Ecosystem = EcosystemRubyGems
	case packageurl.TypeCargo:
		c.Ecosystem = EcosystemCrates
	case packageurl.TypeNuget:
		c.Ecosystem = EcosystemNuGet
	case packageurl.TypeComposer:
		c.Ecosystem = EcosystemPackagist
		if p.Namespace != "" {
			c.Name = p.Namespace + "/" + p.Name
		}
	}
	return c, nil
}
