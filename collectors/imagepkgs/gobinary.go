package imagepkgs

import (
	"bytes"
	"debug/buildinfo"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

var elfMagic = []byte{0x7f, 'E', 'L', 'F'}

// executable examines a regular file with an executable bit: an ELF file within the size
// limit is spooled to disk (debug/buildinfo needs random access; a large binary is never
// held in memory) and its Go build information read. Anything else only replaces what an
// earlier layer had at the path.
func (r *layerReader) executable(name string, size int64, body io.Reader) error {
	if size < int64(len(elfMagic)) {
		r.replace(name)
		return nil
	}
	magic := make([]byte, len(elfMagic))
	if _, err := io.ReadFull(body, magic); err != nil {
		return err // the entry is size bytes long: a short read is a broken stream
	}
	switch {
	case !bytes.Equal(magic, elfMagic):
		r.replace(name)
		return nil
	case size > r.lim.BinaryBytes:
		r.problemf("%s in layer %s is larger than %s: it was not examined for Go modules", name, r.digest, formatBytes(r.lim.BinaryBytes))
		r.complete = false
		r.replace(name)
		return nil
	case len(r.goIndex) >= r.lim.Binaries:
		if !r.tooManyBinaries {
			r.problemf("layer %s holds more than %d Go executables: the others were not examined", r.digest, r.lim.Binaries)
			r.complete = false
			r.tooManyBinaries = true
		}
		r.replace(name)
		return nil
	}
	info, err := r.spoolBuildInfo(magic, size, body)
	if err != nil {
		return err
	}
	if info == nil { // an ELF file that is not a Go program (or whose build info is damaged)
		r.replace(name)
		return nil
	}
	mods, complete := goModules(info, name, r.lim.Packages)
	if !complete {
		r.problemf("%s in layer %s lists more than %d modules: the rest were not read", name, r.digest, r.lim.Packages)
		r.complete = false
	}
	r.addGoBinary(GoBinary{Path: name, Modules: mods})
	return nil
}

func (r *layerReader) addGoBinary(b GoBinary) {
	if i, ok := r.goIndex[b.Path]; ok { // written twice in one layer: the later wins
		r.facts.GoBinaries[i] = b
		return
	}
	r.goIndex[b.Path] = len(r.facts.GoBinaries)
	r.facts.GoBinaries = append(r.facts.GoBinaries, b)
}

// hardLink makes a second name of a Go executable of the same layer a Go executable too.
func (r *layerReader) hardLink(name, target string) {
	i, ok := r.goIndex[target]
	if !ok {
		r.replace(name)
		return
	}
	src := r.facts.GoBinaries[i].Modules
	mods := make([]sbom.Component, len(src))
	for j, m := range src {
		m.Location = name
		mods[j] = m
	}
	r.addGoBinary(GoBinary{Path: name, Modules: mods})
}

// spoolBuildInfo writes the executable to the layer's spool file and reads its build
// information; nil without error when it is not a Go program. An error is the stream's or
// the disk's.
func (r *layerReader) spoolBuildInfo(magic []byte, size int64, body io.Reader) (*buildinfo.BuildInfo, error) {
	if r.spool == nil {
		f, err := os.CreateTemp("", "palisade-gobin-*")
		if err != nil {
			return nil, err
		}
		r.spool = f
	}
	if err := r.spool.Truncate(0); err != nil {
		return nil, err
	}
	if _, err := r.spool.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if _, err := r.spool.Write(magic); err != nil {
		return nil, err
	}
	if _, err := io.Copy(r.spool, body); err != nil {
		return nil, err
	}
	info, err := buildinfo.Read(io.NewSectionReader(r.spool, 0, size))
	if err != nil {
		return nil, nil
	}
	return info, nil
}

// closeSpool removes the layer's spool file: binaries never outlive the layer's read.
func (r *layerReader) closeSpool() {
	if r.spool != nil {
		r.spool.Close()
		os.Remove(r.spool.Name())
		r.spool = nil
	}
}

// goModules lists what a Go executable was built from: the standard library ("stdlib" at
// the toolchain's version), the main module when it has a real version, and every
// dependency (its replacement when replaced by another module version). At most max.
func goModules(info *buildinfo.BuildInfo, location string, max int) ([]sbom.Component, bool) {
	var mods []sbom.Component
	add := func(name, version string) bool {
		if len(mods) == max {
			return false
		}
		name, version = field(name), field(version)
		mods = append(mods, sbom.Component{Ecosystem: sbom.EcosystemGo, Name: name, Version: version,
			PURL: goPURL(name, version), Location: location})
		return true
	}
	if v := stdlibVersion(info.GoVersion); v != "" && !add("stdlib", v) {
		return mods, false
	}
	if m := info.Main; m.Path != "" && m.Version != "" && m.Version != "(devel)" && !add(m.Path, m.Version) {
		return mods, false
	}
	for _, d := range info.Deps {
		p, v := depModule(d)
		if !add(p, v) {
			return mods, false
		}
	}
	return mods, true
}

// depModule is the module a dependency really is: its replacement when the replacement is
// another module version; a replacement by a local directory (no version) keeps the
// original path without a version, since what was built is not known.
func depModule(d *debug.Module) (path, version string) {
	if d.Replace == nil {
		return d.Path, d.Version
	}
	if d.Replace.Version == "" {
		return d.Path, ""
	}
	return d.Replace.Path, d.Replace.Version
}

// stdlibVersion is the toolchain version a Go executable names, as OSV's Go ecosystem
// spells it: "go1.22.1 X:nocoverageredesign" and "go1.23.0+auto" are "1.22.1" and
// "1.23.0"; a development toolchain ("devel go1.23-…") gives "".
func stdlibVersion(goVersion string) string {
	v, ok := strings.CutPrefix(goVersion, "go")
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, " ")
	v, _, _ = strings.Cut(v, "+")
	return v
}
