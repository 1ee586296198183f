package imagepkgs

import (
	"path"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// osPURL is a dpkg or apk package's URL the way syft writes it:
// pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl.
// upstream names the source package (with "@version" when it differs from the binary
// package's). Without a distribution there is no namespace: "".
func osPURL(purlType string, d *sbom.Distro, p OSPackage) string {
	if d == nil || d.ID == "" {
		return ""
	}
	q := map[string]string{"arch": p.Arch}
	if d.Version != "" {
		q["distro"] = d.ID + "-" + d.Version
	}
	if p.SourceName != "" && (p.SourceName != p.Name || (p.SourceVersion != "" && p.SourceVersion != p.Version)) {
		q["upstream"] = p.SourceName
		if p.SourceVersion != "" && p.SourceVersion != p.Version {
			q["upstream"] += "@" + p.SourceVersion
		}
	}
	return packageurl.NewPackageURL(purlType, strings.ToLower(d.ID), p.Name, p.Version, qualifiers(q), "").ToString()
}

// goPURL is pkg:golang/<module path>@<version>; the standard library is pkg:golang/stdlib.
func goPURL(module, version string) string {
	ns, name := path.Split(module)
	return packageurl.NewPackageURL(packageurl.TypeGolang, strings.TrimSuffix(ns, "/"), name, version, nil, "").ToString()
}

// qualifiers drops empty values (a package without an architecture).
func qualifiers(m map[string]string) packageurl.Qualifiers {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return packageurl.QualifiersFromMap(m)
}
