package imagepkgs

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// imageFS is what the image's layers, merged in order, hold at each path that matters
// for packages: the union filesystem reduced to its package sources.
type imageFS struct {
	osRelease map[string]*sbom.Distro
	dpkg      map[string]DBFile // var/lib/dpkg/status and status.d parts
	apk       map[string]DBFile
	goBins    map[string][]sbom.Component
}

func newImageFS() *imageFS {
	return &imageFS{osRelease: map[string]*sbom.Distro{}, dpkg: map[string]DBFile{},
		apk: map[string]DBFile{}, goBins: map[string][]sbom.Component{}}
}

// apply lays a layer over the earlier ones: its deletions apply to what is below it (OCI
// image spec, "whiteouts"), then its own files are added, replacing any at the same path.
func (fs *imageFS) apply(f *LayerFacts) {
	for _, dir := range f.Opaque {
		fs.remove(func(p string) bool { return below(p, dir) })
	}
	for _, w := range f.Whiteouts {
		fs.remove(func(p string) bool { return p == w || below(p, w) })
	}
	for _, r := range f.Replaced {
		fs.remove(func(p string) bool { return p == r })
	}
	for p, d := range f.OSRelease {
		fs.osRelease[p] = d
	}
	if f.Dpkg != nil {
		fs.dpkg[f.Dpkg.Path] = *f.Dpkg
	}
	for _, part := range f.DpkgParts {
		fs.dpkg[part.Path] = part
	}
	if f.Apk != nil {
		fs.apk[f.Apk.Path] = *f.Apk
	}
	for _, b := range f.GoBinaries {
		fs.goBins[b.Path] = b.Modules
	}
}

func (fs *imageFS) remove(match func(string) bool) {
	maps.DeleteFunc(fs.osRelease, func(p string, _ *sbom.Distro) bool { return match(p) })
	maps.DeleteFunc(fs.dpkg, func(p string, _ DBFile) bool { return match(p) })
	maps.DeleteFunc(fs.apk, func(p string, _ DBFile) bool { return match(p) })
	maps.DeleteFunc(fs.goBins, func(p string, _ []sbom.Component) bool { return match(p) })
}

// below reports p inside dir ("" is the root).
func below(p, dir string) bool {
	return dir == "" || strings.HasPrefix(p, dir+"/")
}

// distro is the os-release that wins: /etc/os-release, else /usr/lib/os-release (which
// /etc/os-release is usually a symlink to).
func (fs *imageFS) distro() *sbom.Distro {
	if d := fs.osRelease[osReleaseEtc]; d != nil {
		return d
	}
	return fs.osRelease[osReleaseLib]
}

// fill writes the distribution, the components and their problems into s, within the
// image's package and binary limits.
func (fs *imageFS) fill(s *sbom.SBOM, lim Limits) {
	d := fs.distro()
	if d != nil {
		c := *d
		s.Distro = &c
	}
	s.Components = append(s.Components, fs.osComponents(s, d, "deb", fs.dpkg, "debian", "ubuntu")...)
	s.Components = append(s.Components, fs.osComponents(s, d, "apk", fs.apk, "alpine")...)
	s.Components = append(s.Components, fs.goComponents(s, lim.Binaries)...)
	if len(s.Components) > lim.Packages {
		s.Problems = append(s.Problems, fmt.Sprintf("the image holds more than %d packages: only the first %d are listed", lim.Packages, lim.Packages))
		s.Components = s.Components[:lim.Packages]
	}
}

// osComponents makes components of a database kind's packages; the ecosystem and purl
// come from the image's distribution, when it is one of ids.
func (fs *imageFS) osComponents(s *sbom.SBOM, d *sbom.Distro, purlType string, dbs map[string]DBFile, ids ...string) []sbom.Component {
	var out []sbom.Component
	eco := ""
	if d != nil && slices.Contains(ids, d.ID) {
		eco = sbom.EcosystemFor(d)
	}
	for _, p := range slices.Sorted(maps.Keys(dbs)) {
		for _, pkg := range dbs[p].Packages {
			out = append(out, sbom.Component{Ecosystem: eco, Name: pkg.Name, Version: pkg.Version,
				SourceName: pkg.SourceName, SourceVersion: pkg.SourceVersion, PURL: osPURL(purlType, d, pkg), Location: p})
			sourceIsSelf(&out[len(out)-1])
		}
	}
	if len(out) > 0 && eco == "" {
		s.Problems = append(s.Problems, noEcosystemProblem(d, purlType, len(out)))
	}
	return out
}

// sourceIsSelf drops a source that is the package itself (apk's origin of musl is musl),
// as sbom.FromPURL does, so that the same package read from a layer or from an uploaded
// SBOM has the same Key.
func sourceIsSelf(c *sbom.Component) {
	if c.SourceName == "" || (c.SourceName == c.Name && (c.SourceVersion == "" || c.SourceVersion == c.Version)) {
		c.SourceName, c.SourceVersion = "", ""
	}
}

func noEcosystemProblem(d *sbom.Distro, purlType string, n int) string {
	what := fmt.Sprintf("advisories cannot be matched for its %d %s packages", n, purlType)
	switch {
	case d == nil:
		return "the image has no os-release file: " + what
	case d.Version == "":
		return fmt.Sprintf("os-release names %s without a VERSION_ID (a testing or rolling release): %s", d.ID, what)
	}
	return fmt.Sprintf("os-release names %s %s, which has no advisory ecosystem for %s packages: %s", d.ID, d.Version, purlType, what)
}

// goComponents lists the Go executables' modules, by path, at most max executables.
func (fs *imageFS) goComponents(s *sbom.SBOM, max int) []sbom.Component {
	var out []sbom.Component
	paths := slices.Sorted(maps.Keys(fs.goBins))
	if len(paths) > max {
		s.Problems = append(s.Problems, fmt.Sprintf("the image holds more than %d Go executables: only the modules of the first %d are listed", max, max))
		paths = paths[:max]
	}
	for _, p := range paths {
		out = append(out, fs.goBins[p]...)
	}
	return out
}
