package advisories

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/google/osv-scalibr/semantic"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// Version comparison is osv-scalibr's semantic package: Google's OSV team maintains it, and
// osv-scanner compares versions with it, so a verdict here agrees with theirs. It knows
// each ecosystem's ordering: dpkg's for Debian and Ubuntu (epochs, "~" sorting first),
// apk's for Alpine (-rN, _p, _rc), PEP 440 for PyPI, Maven's qualifiers, SemVer 2.0 for
// Go, npm and crates.io.

// Scheme compares the versions of one ecosystem, or SemVer 2.0 for SEMVER ranges.
type Scheme struct {
	ecosystem string // as given to semantic.Parse ("Debian:12" parses as Debian)
	name      string // for messages
}

// Versions returns the version scheme of an OSV ecosystem ("Debian:12", "npm", "Go"); an
// error when semantic cannot order that ecosystem's versions.
func Versions(ecosystem string) (Scheme, error) {
	if _, err := semantic.Parse("0", ecosystem); errors.Is(err, semantic.ErrUnsupportedEcosystem) {
		return Scheme{}, posture.Errorf(posture.EINVALID, "versions of ecosystem %q cannot be compared", ecosystem)
	}
	return Scheme{ecosystem: ecosystem, name: ecosystem}, nil
}

// semverScheme orders SEMVER ranges. semantic parses npm versions as SemVer 2.0.
var semverScheme = Scheme{ecosystem: sbom.EcosystemNPM, name: "SemVer"}

// Parse reads a version. semantic's parsers are lenient (SemVer, dpkg and apk accept any
// text), and reading "latest" or "" as some version would turn into a silent miss, so the
// shape each ecosystem requires is checked too: see wellFormed.
func (s Scheme) Parse(v string) (semantic.Version, error) {
	if err := plausibleVersion(v); err != nil {
		return nil, posture.Errorf(posture.EINVALID, "%s version %q is not valid: %v", s.name, clip(v, 60), err)
	}
	pv, err := semantic.Parse(v, s.ecosystem)
	if err == nil {
		err = wellFormed(pv, v)
	}
	if err != nil {
		return nil, posture.Errorf(posture.EINVALID, "%s version %q is not valid: %v", s.name, clip(v, 60), err)
	}
	return pv, nil
}

// debianVersionChars are the characters deb-version(7) allows.
var debianVersionChars = regexp.MustCompile(`^[A-Za-z0-9.+~:-]+$`)

// wellFormed checks what semantic does not: dpkg versions (after an epoch), apk, SemVer
// and PEP 440 versions start with a digit (SemVer and PEP 440 may have a leading "v",
// PEP 440 an "N!" epoch); any other version holds a digit somewhere.
func wellFormed(pv semantic.Version, v string) error {
	startsWithDigit := func(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
	switch pv.(type) {
	case semantic.DebianVersion:
		if _, upstream, ok := strings.Cut(v, ":"); ok {
			v = upstream
		}
		if !startsWithDigit(v) || !debianVersionChars.MatchString(v) {
			return fmt.Errorf("not a dpkg version")
		}
	case semantic.AlpineVersion:
		if !startsWithDigit(v) {
			return fmt.Errorf("not an apk version")
		}
	case semantic.SemverVersion:
		if !startsWithDigit(strings.TrimPrefix(v, "v")) {
			return fmt.Errorf("does not start with a number")
		}
	case semantic.PyPIVersion:
		if _, release, ok := strings.Cut(v, "!"); ok {
			v = release
		}
		if !startsWithDigit(strings.TrimPrefix(strings.ToLower(v), "v")) {
			return fmt.Errorf("not a PEP 440 version")
		}
	default:
		if !strings.ContainsAny(v, "0123456789") {
			return fmt.Errorf("holds no number")
		}
	}
	return nil
}

// Compare returns -1, 0 or +1 as a is older than, the same as, or newer than b.
func (s Scheme) Compare(a, b string) (int, error) {
	pa, err := s.Parse(a)
	if err != nil {
		return 0, err
	}
	pb, err := s.Parse(b)
	if err != nil {
		return 0, err
	}
	c, err := pa.Compare(pb)
	if err != nil {
		return 0, posture.Errorf(posture.EINVALID, "%s versions %q and %q cannot be compared: %v", s.name, clip(a, 60), clip(b, 60), err)
	}
	return c, nil
}

func plausibleVersion(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("empty")
	case len(v) > maxVersionBytes:
		return fmt.Errorf("longer than %d bytes", maxVersionBytes)
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("holds spaces or control characters")
	}
	return nil
}

// componentVersion is the version of c as OSV writes it: OSV's Go versions have no
// leading "v" ("v1.2.3" is "1.2.3"), and Go's standard library and toolchain are
// versioned "1.21.0" where binaries say "go1.21.0".
func componentVersion(c sbom.Component) string {
	v := strings.TrimSpace(c.MatchVersion())
	if c.Ecosystem != sbom.EcosystemGo {
		return v
	}
	if name := c.MatchName(); name == "stdlib" || name == "toolchain" {
		v = strings.TrimPrefix(v, "go")
	}
	return strings.TrimPrefix(v, "v")
}

// pep503Separators are the runs PEP 503 folds into one "-".
var pep503Separators = regexp.MustCompile(`[-_.]+`)

// namesEqual compares an advisory's package name with a component's as the ecosystem
// does: PyPI names are normalised per PEP 503; NuGet ids are case-insensitive; every other
// ecosystem (Go module paths, npm, Maven group:artifact, distribution packages) is exact.
func namesEqual(ecosystem, advisoryName, componentName string) bool {
	switch ecosystem {
	case sbom.EcosystemPyPI:
		return normalizePyPIName(advisoryName) == normalizePyPIName(componentName)
	case sbom.EcosystemNuGet:
		return strings.EqualFold(advisoryName, componentName)
	}
	return advisoryName == componentName
}

func normalizePyPIName(n string) string {
	return pep503Separators.ReplaceAllString(strings.ToLower(n), "-")
}
