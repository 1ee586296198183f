package sbom

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// builder collects what one document says into an SBOM: every reader feeds it records and
// it makes them components the same way, so that one package described in any format comes
// out the same.
type builder struct {
	sbom     *SBOM
	distinct map[string]struct{}
	// noRelease counts OS packages whose distribution release is unknown: they get no
	// ecosystem and match no advisory, which the SBOM's problems must say.
	noRelease int
}

func newBuilder(f Format) *builder {
	return &builder{sbom: &SBOM{Format: f, Components: []Component{}}, distinct: map[string]struct{}{}}
}

// pkgRecord is what a document says about one package, before it becomes a component.
type pkgRecord struct {
	path          string // where the package is in the document ("components[3]"), for errors
	name, version string
	purl          string
	ecosystem     string // the ecosystem when no purl gives one (a report's package type)
	// sourceName and sourceVersion are the document's own source package fields, used when
	// the purl has no upstream qualifier.
	sourceName, sourceVersion string
	location                  string
}

// fromRecord makes a component of r: the purl gives ecosystem and name, the document's
// own fields give the version and fill in what the purl lacks.
func (b *builder) fromRecord(r pkgRecord) (Component, error) {
	c := Component{Ecosystem: r.ecosystem, Name: clean(r.name), Version: clean(r.version)}
	if r.purl != "" {
		p, err := FromPURL(clean(r.purl), b.sbom.Distro)
		if err != nil {
			return Component{}, malformedPURL(r.path, r.name, err)
		}
		c = mergePURL(c, p)
	}
	if c.SourceName == "" && c.SourceVersion == "" {
		c.SourceName, c.SourceVersion = clean(r.sourceName), clean(r.sourceVersion)
	}
	c.Location = clean(r.location)
	return normalize(c), nil
}

// mergePURL combines the component a purl gives with the document's fields in doc.
func mergePURL(doc, p Component) Component {
	c := p
	if c.Ecosystem == "" {
		// An unknown purl type: the document's ecosystem and full name say more.
		c.Ecosystem = doc.Ecosystem
		if doc.Name != "" {
			c.Name = doc.Name
		}
	}
	// The document's version is what the tool saw installed; a purl may carry the epoch
	// in a qualifier or not at all.
	if doc.Version != "" {
		c.Version = doc.Version
	}
	// packageurl-go lowercases Go module paths, which are case-sensitive (advisories name
	// github.com/BurntSushi/toml): the document's own spelling wins when it is the same path.
	if c.Ecosystem == EcosystemGo && strings.EqualFold(doc.Name, c.Name) {
		c.Name = doc.Name
	}
	return c
}

// normalize gives one package one form whatever the format said: source fields only when
// they differ from the binary's, Go's stdlib version without "go"/"v", relative locations.
func normalize(c Component) Component {
	c.Location = strings.TrimLeft(c.Location, "/")
	if c.Ecosystem == EcosystemGo && c.Name == "stdlib" {
		c.Version = strings.TrimPrefix(strings.TrimPrefix(c.Version, "go"), "v")
	}
	if c.SourceName == c.Name {
		c.SourceName = ""
	}
	// A source version may differ from the binary's by the epoch alone (bsdutils
	// 1:2.38.1-5 is built from util-linux 2.38.1-5): it is kept, advisories use it.
	if c.SourceVersion == c.Version {
		c.SourceVersion = ""
	}
	return c
}

// osVersion writes a package version the way Trivy prints installed versions:
// [epoch:]version[-release].
func osVersion(epoch, version, release string) string {
	if version == "" {
		return ""
	}
	if release != "" {
		version += "-" + release
	}
	if epoch != "" && epoch != "0" {
		version = epoch + ":" + version
	}
	return version
}

// add appends c, refusing the document once it holds more than MaxComponents distinct
// components.
func (b *builder) add(c Component) error {
	c = cleanComponent(c)
	k := c.Key()
	if _, seen := b.distinct[k]; !seen {
		if len(b.distinct) >= MaxComponents {
			return posture.Errorf(posture.EINVALID, "the document lists more than %d components", MaxComponents)
		}
		b.distinct[k] = struct{}{}
	}
	if c.Ecosystem == "" && (strings.HasPrefix(c.PURL, "pkg:deb/") || strings.HasPrefix(c.PURL, "pkg:apk/")) {
		b.noRelease++
	}
	b.sbom.Components = append(b.sbom.Components, c)
	return nil
}

// addRecord makes a component of r and adds it.
func (b *builder) addRecord(r pkgRecord) error {
	c, err := b.fromRecord(r)
	if err != nil {
		return err
	}
	return b.add(c)
}

func cleanComponent(c Component) Component {
	c.Ecosystem, c.Name, c.Version = clean(c.Ecosystem), clean(c.Name), clean(c.Version)
	c.SourceName, c.SourceVersion = clean(c.SourceName), clean(c.SourceVersion)
	c.PURL, c.Location = clean(c.PURL), clean(c.Location)
	return c
}

func clean(s string) string { return posture.CleanText(s) }

func malformedPURL(path, name string, err error) error {
	reason := strings.TrimPrefix(err.Error(), "malformed package URL: ")
	return posture.WrapError(posture.EINVALID, shortError(err), "the package URL of %s is malformed: %s",
		describe(path, name), truncate(clean(reason), 100))
}

// problem records a part of the document that could not be read.
func (b *builder) problem(format string, args ...any) {
	b.sbom.Problems = append(b.sbom.Problems, fmt.Sprintf(format, args...))
}

// setCreated records when the document says it was made (RFC 3339).
func (b *builder) setCreated(s string) {
	if s == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		b.problem("the document's creation time is not an RFC 3339 time; it was ignored")
		return
	}
	t = t.UTC()
	b.sbom.CreatedAt = &t
}

// setTool records the generator as "name version", the first one named.
func (b *builder) setTool(name, version string) {
	if b.sbom.Tool != "" || name == "" {
		return
	}
	b.sbom.Tool = truncate(clean(strings.TrimSpace(name+" "+version)), 200)
}

// setDistro records the image's operating system, the first one named.
func (b *builder) setDistro(id, version, name string) {
	if b.sbom.Distro != nil || id == "" {
		return
	}
	b.sbom.Distro = &Distro{ID: strings.ToLower(clean(id)), Version: clean(version), Name: clean(name)}
}

// finish says what is incomplete and drops repeated components.
func (b *builder) finish() *SBOM {
	if b.noRelease > 0 {
		b.problem("%d OS package(s) name no distribution release, so they match no advisory", b.noRelease)
	}
	b.sbom.Dedupe()
	return b.sbom
}

// onlyVulnerable is the problem of a report that lists only vulnerable packages.
func (b *builder) onlyVulnerable(how string) {
	b.problem("the report lists only vulnerable packages; %s", how)
}

// epoch writes a report's numeric epoch; 0 (none) is "".
func epoch(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
