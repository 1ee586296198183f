package sbom

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// readFixture returns a file of testdata/.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseFixture(t testing.TB, name string) *SBOM {
	t.Helper()
	s, err := Parse(bytes.NewReader(readFixture(t, name)), 0)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return s
}

// matchKey is what advisory matching sees of a component.
type matchKey struct {
	Ecosystem, Name, Version, MatchName, MatchVersion string
}

func matchKeys(cs []Component) []matchKey {
	keys := make([]matchKey, 0, len(cs))
	for _, c := range cs {
		keys = append(keys, matchKey{c.Ecosystem, c.Name, c.Version, c.MatchName(), c.MatchVersion()})
	}
	slices.SortFunc(keys, func(a, b matchKey) int {
		return strings.Compare(a.Ecosystem+"\x00"+a.Name+"\x00"+a.Version, b.Ecosystem+"\x00"+b.Name+"\x00"+b.Version)
	})
	return keys
}

// The packages of registry.example/app:1.0 (Debian 12 and a Go binary) and of
// registry.example/edge:2.3 (Alpine 3.19), as advisories must see them.
var (
	debian12Packages = []matchKey{
		{"Debian:12", "bsdutils", "1:2.38.1-5+deb12u1", "util-linux", "2.38.1-5+deb12u1"},
		{"Debian:12", "libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4"},
		{"Debian:12", "libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2"},
		{"Debian:12", "openssl", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2"},
		{"Go", "github.com/BurntSushi/toml", "v1.3.2", "github.com/BurntSushi/toml", "v1.3.2"},
		{"Go", "golang.org/x/net", "v0.17.0", "golang.org/x/net", "v0.17.0"},
		{"Go", "stdlib", "1.21.5", "stdlib", "1.21.5"},
	}
	alpine319Packages = []matchKey{
		{"Alpine:v3.19", "busybox", "1.36.1-r15", "busybox", "1.36.1-r15"},
		{"Alpine:v3.19", "libcrypto3", "3.1.4-r5", "openssl", "3.1.4-r5"},
		{"Alpine:v3.19", "libssl3", "3.1.4-r5", "openssl", "3.1.4-r5"},
	}
)

// subset keeps the keys whose names are listed.
func subset(keys []matchKey, names ...string) []matchKey {
	var out []matchKey
	for _, k := range keys {
		if slices.Contains(names, k.Name) {
			out = append(out, k)
		}
	}
	return out
}

// TestSameComponentsAcrossFormats is the key property: one image described by any
// generator in any format gives the same components to match.
func TestSameComponentsAcrossFormats(t *testing.T) {
	tests := []struct {
		fixture string
		format  Format
		want    []matchKey
	}{
		{"debian12-syft.cdx.json", FormatCycloneDX, debian12Packages},
		{"debian12-trivy.cdx.json", FormatCycloneDX, debian12Packages},
		{"debian12-trivy.spdx.json", FormatSPDX, debian12Packages},
		{"debian12-trivy.json", FormatTrivy, debian12Packages},
		{"debian12-syft.json", FormatSyft, debian12Packages},
		{"debian12-grype.json", FormatGrype, subset(debian12Packages, "libssl3", "openssl", "golang.org/x/net", "stdlib")},
		{"alpine319-trivy.json", FormatTrivy, alpine319Packages},
		{"alpine319-syft.json", FormatSyft, alpine319Packages},
		{"alpine319-syft.spdx22.json", FormatSPDX, alpine319Packages},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s := parseFixture(t, tt.fixture)
			if s.Format != tt.format {
				t.Errorf("Format = %q, want %q", s.Format, tt.format)
			}
			if got := matchKeys(s.Components); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("components differ\n got: %v\nwant: %v", got, tt.want)
			}
		})
	}
}

func TestParseFixtureDetails(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	tests := []struct {
		fixture   string
		tool      string
		createdAt *time.Time
		distro    *Distro
		problems  int
		locations map[string]string // component name → location
	}{
		{"debian12-syft.cdx.json", "syft 1.4.1", at("2024-01-15T10:21:00Z"),
			&Distro{ID: "debian", Version: "12", Name: "Debian GNU/Linux 12 (bookworm)"}, 0,
			map[string]string{"libssl3": "var/lib/dpkg/status", "stdlib": "usr/local/bin/app"}},
		{"debian12-trivy.cdx.json", "trivy 0.50.1", at("2024-01-15T10:20:30Z"),
			&Distro{ID: "debian", Version: "12.4"}, 0, map[string]string{"libssl3": ""}},
		{"debian12-trivy.spdx.json", "trivy 0.50.1", at("2024-01-15T10:20:30Z"),
			&Distro{ID: "debian", Version: "12.4"}, 0, nil},
		{"debian12-trivy.json", "trivy", at("2024-01-15T10:20:30.123456789Z"),
			&Distro{ID: "debian", Version: "12.4"}, 0,
			map[string]string{"golang.org/x/net": "usr/local/bin/app", "libc6": ""}},
		{"debian12-syft.json", "syft 1.4.1", nil,
			&Distro{ID: "debian", Version: "12", Name: "Debian GNU/Linux 12 (bookworm)"}, 0,
			map[string]string{"bsdutils": "var/lib/dpkg/status"}},
		{"debian12-grype.json", "grype 0.74.0", at("2024-01-15T10:22:00.987654321Z"),
			&Distro{ID: "debian", Version: "12"}, 1, map[string]string{"stdlib": "usr/local/bin/app"}},
		{"alpine319-trivy.json", "trivy", at("2024-02-01T09:00:00.5Z"), &Distro{ID: "alpine", Version: "3.19.1"}, 0, nil},
		{"alpine319-syft.json", "syft 1.4.1", nil, &Distro{ID: "alpine", Version: "3.19.1", Name: "Alpine Linux v3.19"}, 0,
			map[string]string{"busybox": "lib/apk/db/installed"}},
		{"alpine319-syft.spdx22.json", "syft 0.105.0", at("2024-02-01T09:05:00Z"), nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s := parseFixture(t, tt.fixture)
			if s.Tool != tt.tool {
				t.Errorf("Tool = %q, want %q", s.Tool, tt.tool)
			}
			if !reflect.DeepEqual(s.CreatedAt, tt.createdAt) {
				t.Errorf("CreatedAt = %v, want %v", s.CreatedAt, tt.createdAt)
			}
			if !reflect.DeepEqual(s.Distro, tt.distro) {
				t.Errorf("Distro = %+v, want %+v", s.Distro, tt.distro)
			}
			if len(s.Problems) != tt.problems {
				t.Errorf("Problems = %q, want %d", s.Problems, tt.problems)
			}
			if s.Source != "" || s.Digest != "" || !s.ObservedAt.IsZero() {
				t.Errorf("Source, Digest, ObservedAt are the caller's: %q %q %v", s.Source, s.Digest, s.ObservedAt)
			}
			for name, want := range tt.locations {
				c := findComponent(t, s, name)
				if c.Location != want {
					t.Errorf("%s: Location = %q, want %q", name, c.Location, want)
				}
			}
		})
	}
}

func findComponent(t *testing.T, s *SBOM, name string) Component {
	t.Helper()
	for _, c := range s.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %q in %v", name, s.Components)
	return Component{}
}

func TestTrivyVulnerableOnlyReport(t *testing.T) {
	s := parseFixture(t, "ubuntu2204-trivy-vulnerable-only.json")
	want := []Component{
		{Ecosystem: "Ubuntu:22.04", Name: "libssl3", Version: "3.0.2-0ubuntu1.10",
			PURL: "pkg:deb/ubuntu/libssl3@3.0.2-0ubuntu1.10?arch=amd64&distro=ubuntu-22.04"},
		{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1",
			PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Location: "opt/app/lib/log4j-core-2.14.1.jar"},
	}
	if !reflect.DeepEqual(s.Components, want) {
		t.Errorf("Components =\n%+v\nwant\n%+v", s.Components, want)
	}
	wantProblem := "the report lists only vulnerable packages; run trivy with --list-all-pkgs to list all"
	if !slices.Contains(s.Problems, wantProblem) {
		t.Errorf("Problems = %q, want %q", s.Problems, wantProblem)
	}
	if s.CreatedAt == nil || !s.CreatedAt.Equal(time.Date(2024, 3, 4, 14, 16, 17, 181920212, time.UTC)) {
		t.Errorf("CreatedAt = %v", s.CreatedAt)
	}
}

// TestDocumentFieldsFillPURLGaps covers the document fields read when a purl is missing
// or says less: Syft's dpkg and apk metadata, Grype's upstreams, a report's package type.
func TestDocumentFieldsFillPURLGaps(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Component
	}{
		{"syft dpkg metadata without upstream qualifier",
			`{"artifacts":[{"name":"libssl3","version":"3.0.11-1~deb12u2","type":"deb",
			"purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
			"metadataType":"dpkg-db-entry","metadata":{"package":"libssl3","source":"openssl","sourceVersion":""}}],
			"distro":{"id":"debian","versionID":"12"},"descriptor":{"name":"syft","version":"1.0.0"},"schema":{"version":"16.0.0"}}`,
			Component{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u2", SourceName: "openssl",
				PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"}},
		{"syft apk origin without purl",
			`{"artifacts":[{"name":"libcrypto3","version":"3.1.4-r5","type":"apk","purl":"",
			"locations":[{"path":"/lib/apk/db/installed"}],
			"metadataType":"apk-db-entry","metadata":{"package":"libcrypto3","originPackage":"openssl"}}],
			"distro":{"id":"alpine","versionID":"3.19.1"},"descriptor":{"name":"syft","version":"1.0.0"}}`,
			Component{Ecosystem: "Alpine:v3.19", Name: "libcrypto3", Version: "3.1.4-r5", SourceName: "openssl",
				Location: "lib/apk/db/installed"}},
		{"syft metadata of another shape is ignored",
			`{"artifacts":[{"name":"flask","version":"3.0.0","type":"python","purl":"",
			"metadataType":"python-package","metadata":{"source":{"url":"x"},"files":[1,2]}}],
			"descriptor":{"name":"syft","version":"1.0.0"}}`,
			Component{Ecosystem: "PyPI", Name: "flask", Version: "3.0.0"}},
		{"grype upstream with version",
			`{"matches":[{"artifact":{"id":"a","name":"libc-bin","version":"2.36-9+deb12u4b1","type":"deb",
			"purl":"pkg:deb/debian/libc-bin@2.36-9%2Bdeb12u4b1?distro=debian-12",
			"upstreams":[{"name":"glibc","version":"2.36-9+deb12u4"}]}}],
			"distro":{"name":"debian","version":"12"},"descriptor":{"name":"grype","version":"0.74.0"}}`,
			Component{Ecosystem: "Debian:12", Name: "libc-bin", Version: "2.36-9+deb12u4b1", SourceName: "glibc",
				SourceVersion: "2.36-9+deb12u4", PURL: "pkg:deb/debian/libc-bin@2.36-9%2Bdeb12u4b1?distro=debian-12"}},
		{"trivy package without purl takes the result's type",
			`{"SchemaVersion":2,"Metadata":{"OS":{"Family":"debian","Name":"11.9"}},"Results":[
			{"Target":"app/package-lock.json","Class":"lang-pkgs","Type":"npm","Packages":[{"Name":"@babel/core","Version":"7.23.0"}]},
			{"Target":"x (debian 11.9)","Class":"os-pkgs","Type":"debian","Packages":[
			{"Name":"tar","Version":"1.34+dfsg","Release":"1.2+deb11u1","Epoch":0,"SrcName":"tar","SrcVersion":"1.34+dfsg","SrcRelease":"1.2+deb11u1"}]}]}`,
			Component{Ecosystem: "npm", Name: "@babel/core", Version: "7.23.0", Location: "app/package-lock.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.doc), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Components) == 0 || !reflect.DeepEqual(s.Components[0], tt.want) {
				t.Errorf("Components = %+v, want first %+v", s.Components, tt.want)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    Format
		wantErr string
	}{
		{"cyclonedx", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`, FormatCycloneDX, ""},
		{"spdx", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}`, FormatSPDX, ""},
		{"trivy", `{"SchemaVersion":2,"ArtifactName":"x","Results":[]}`, FormatTrivy, ""},
		{"grype", `{"matches":[],"descriptor":{"name":"grype"}}`, FormatGrype, ""},
		{"syft", `{"artifacts":[],"descriptor":{"name":"syft"}}`, FormatSyft, ""},
		{"byte order mark", "\xef\xbb\xbf" + `{"bomFormat":"CycloneDX"}`, FormatCycloneDX, ""},
		{"unknown JSON", `{"name":"x","packages":7}`, "", "no known SBOM format; accepted: CycloneDX JSON"},
		{"wrong bomFormat type", `{"bomFormat":7}`, "", "no known SBOM format"},
		{"XML", `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>`, "", "XML documents are not accepted"},
		{"tag-value SPDX", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "", "not a JSON object"},
		{"array", `[{"bomFormat":"CycloneDX"}]`, "", "not a JSON object"},
		{"empty", "  \n", "", "the document is empty"},
		{"truncated", `{"bomFormat":"CycloneDX","components":[{"name":`, "", "ends early"},
		{"syntax error", `{"bomFormat":"CycloneDX",,}`, "", "syntax error at byte"},
		{"in-toto statement", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://cyclonedx.org/bom"}`,
			"", "in-toto attestation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat([]byte(tt.doc))
			if tt.wantErr != "" {
				assertInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DetectFormat = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// assertInvalid checks err is a user-facing EINVALID error saying want.
func assertInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", want)
	}
	if code := posture.ErrorCode(err); code != posture.EINVALID {
		t.Errorf("code = %q, want %q (%v)", code, posture.EINVALID, err)
	}
	if msg := posture.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}
}

func TestParseFormat(t *testing.T) {
	doc := readFixture(t, "debian12-syft.json")
	if s, err := ParseFormat(bytes.NewReader(doc), FormatSyft, 0); err != nil || len(s.Components) != 7 {
		t.Errorf("ParseFormat(syft) = %v, %v", s, err)
	}
	_, err := ParseFormat(bytes.NewReader(doc), FormatCycloneDX, 0)
	assertInvalid(t, err, "the document is not cyclonedx-json: it looks like syft-json")
	_, err = ParseFormat(bytes.NewReader(doc), "image-layers", 0)
	assertInvalid(t, err, `unknown SBOM format "image-layers"`)
}

func TestSplitToolVersion(t *testing.T) {
	tests := []struct{ in, name, version string }{
		{"syft-1.4.1", "syft", "1.4.1"},
		{"trivy-0.58.0", "trivy", "0.58.0"},
		{"spdx-sbom-generator-v0.0.15", "spdx-sbom-generator", "v0.0.15"},
		{"my-tool", "my-tool", ""},
		{"tool-", "tool-", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, version := splitToolVersion(tt.in)
			if name != tt.name || version != tt.version {
				t.Errorf("splitToolVersion(%q) = %q, %q; want %q, %q", tt.in, name, version, tt.name, tt.version)
			}
		})
	}
}

// TestCycloneDXShapes covers what the fixtures do not: the tools array of CycloneDX 1.4,
// nested components, components nested in the described image, what is not a package.
func TestCycloneDXShapes(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,
	"metadata":{"timestamp":"2023-06-01T12:00:00Z",
		"tools":[{"vendor":"CycloneDX","name":"cyclonedx-gomod","version":"v1.4.1"}],
		"component":{"type":"container","name":"registry.example/app","version":"1.0","components":[
			{"type":"library","name":"github.com/google/uuid","version":"v1.6.0","purl":"pkg:golang/github.com/google/uuid@v1.6.0"}]}},
	"components":[
		{"type":"application","name":"app","version":"1.2.3","components":[
			{"type":"library","name":"golang.org/x/text","version":"v0.14.0","purl":"pkg:golang/golang.org/x/text@v0.14.0"},
			{"type":"framework","group":"org.springframework","name":"spring-core","version":"6.1.1",
				"purl":"pkg:maven/org.springframework/spring-core@6.1.1"}]},
		{"type":"container","name":"base","version":"sha256:abc","purl":"pkg:oci/base@sha256%3Aabc"},
		{"type":"file","name":"/etc/passwd","version":"1"},
		{"type":"firmware","name":"microcode","version":"2"},
		{"type":"library","name":"no-version-no-purl"},
		{"type":"library","name":"golang.org/x/text","version":"v0.14.0","purl":"pkg:golang/golang.org/x/text@v0.14.0"}]}`
	s, err := Parse(strings.NewReader(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Component{
		{Name: "app", Version: "1.2.3"},
		{Ecosystem: "Go", Name: "golang.org/x/text", Version: "v0.14.0", PURL: "pkg:golang/golang.org/x/text@v0.14.0"},
		{Ecosystem: "Maven", Name: "org.springframework:spring-core", Version: "6.1.1",
			PURL: "pkg:maven/org.springframework/spring-core@6.1.1"},
		{Ecosystem: "Go", Name: "github.com/google/uuid", Version: "v1.6.0", PURL: "pkg:golang/github.com/google/uuid@v1.6.0"},
	}
	if !reflect.DeepEqual(s.Components, want) {
		t.Errorf("Components =\n%+v\nwant\n%+v", s.Components, want)
	}
	if s.Tool != "cyclonedx-gomod v1.4.1" || s.Distro != nil || len(s.Problems) != 0 {
		t.Errorf("Tool %q, Distro %+v, Problems %q", s.Tool, s.Distro, s.Problems)
	}
}

// TestReleaseFromTheDocument gives OS packages purls without a distro qualifier: the
// release comes from the distribution the document names, in each format's way.
func TestReleaseFromTheDocument(t *testing.T) {
	const purl = "pkg:apk/alpine/musl@1.2.4-r2"
	tests := []struct{ name, doc string }{
		{"cyclonedx", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
			{"type":"library","name":"musl","version":"1.2.4-r2","purl":"` + purl + `"},
			{"type":"operating-system","name":"alpine","version":"3.19.1"}]}`},
		{"spdx", `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
			"documentNamespace":"https://example.com/x","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x-1"]},
			"packages":[{"name":"musl","SPDXID":"SPDXRef-a","versionInfo":"1.2.4-r2","downloadLocation":"NONE",
			"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"` + purl + `"}]},
			{"name":"alpine","SPDXID":"SPDXRef-os","versionInfo":"3.19.1","downloadLocation":"NONE","primaryPackagePurpose":"OPERATING-SYSTEM"}]}`},
		{"trivy", `{"SchemaVersion":2,"Metadata":{"OS":{"Family":"alpine","Name":"3.19.1"}},"Results":[
			{"Target":"x","Class":"os-pkgs","Type":"alpine","Packages":[{"Name":"musl","Version":"1.2.4-r2","Identifier":{"PURL":"` + purl + `"}}]}]}`},
		{"grype", `{"matches":[{"artifact":{"name":"musl","version":"1.2.4-r2","type":"apk","purl":"` + purl + `"}}],
			"distro":{"name":"alpine","version":"3.19.1"},"descriptor":{"name":"grype","version":"0.74.0"}}`},
		{"syft", `{"artifacts":[{"name":"musl","version":"1.2.4-r2","type":"apk","purl":"` + purl + `"}],
			"distro":{"id":"alpine","versionID":"3.19.1"},"descriptor":{"name":"syft","version":"1.4.1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.doc), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Components) != 1 || s.Components[0].Ecosystem != "Alpine:v3.19" {
				t.Errorf("Components = %+v, want one of Alpine:v3.19", s.Components)
			}
			if s.Distro == nil || s.Distro.ID != "alpine" || s.Distro.Version != "3.19.1" {
				t.Errorf("Distro = %+v", s.Distro)
			}
		})
	}
}
