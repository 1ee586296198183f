package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// handmadeSBOM holds what no fixture has: components without purls in every ecosystem,
// names a purl must escape, source fields alone, one purl at two locations.
func handmadeSBOM() *SBOM {
	return &SBOM{
		Distro: &Distro{ID: "debian", Version: "12", Name: "Debian GNU/Linux 12 (bookworm)"},
		Components: []Component{
			{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u2", SourceName: "openssl"},
			{Ecosystem: "Debian:12", Name: "libc-bin", Version: "2.36-9+deb12u4b1", SourceVersion: "2.36-9+deb12u4"},
			{Ecosystem: "Debian:12", Name: "bsdutils", Version: "1:2.38.1-5+deb12u1", SourceName: "util-linux",
				SourceVersion: "2.38.1-5+deb12u1", Location: "var/lib/dpkg/status"},
			{Ecosystem: "Ubuntu:22.04", Name: "libssl3", Version: "3.0.2-0ubuntu1.10"},
			{Ecosystem: "Alpine:v3.19", Name: "libcrypto3", Version: "3.1.4-r5", SourceName: "openssl"},
			{Ecosystem: "Go", Name: "github.com/BurntSushi/toml", Version: "v1.3.2", Location: "usr/local/bin/app"},
			{Ecosystem: "Go", Name: "stdlib", Version: "1.21.5", Location: "usr/local/bin/app"},
			{Ecosystem: "npm", Name: "@babel/core", Version: "7.23.0"},
			{Ecosystem: "npm", Name: "left-pad", Version: "1.3.0"},
			{Ecosystem: "PyPI", Name: "requests", Version: "2.31.0"},
			{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Location: "opt/app/lib/log4j-core-2.14.1.jar"},
			{Ecosystem: "RubyGems", Name: "rack", Version: "3.0.8"},
			{Ecosystem: "crates.io", Name: "serde", Version: "1.0.193"},
			{Ecosystem: "NuGet", Name: "Newtonsoft.Json", Version: "13.0.3"},
			{Ecosystem: "Packagist", Name: "symfony/http-kernel", Version: "v6.4.0"},
			{Ecosystem: "npm", Name: "odd name?#&@", Version: "1.0.0 beta"},
			{Name: "busybox-static", Version: "1.36.1"},
			{Name: "no-version"},
			{Ecosystem: "npm", Name: "dup", Version: "1.0.0", PURL: "pkg:npm/dup@1.0.0", Location: "a/package.json"},
			{Ecosystem: "npm", Name: "dup", Version: "1.0.0", PURL: "pkg:npm/dup@1.0.0", SourceName: "x", Location: "b/package.json"},
		},
	}
}

// TestWriteCycloneDXRoundTrip writes SBOMs, checks the output against the official
// CycloneDX 1.6 schema, and parses it back: the same components, distribution and times.
func TestWriteCycloneDXRoundTrip(t *testing.T) {
	observed := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	inputs := map[string]func(t *testing.T) *SBOM{
		"handmade": func(*testing.T) *SBOM { return handmadeSBOM() },
		"empty":    func(*testing.T) *SBOM { return &SBOM{Components: []Component{}} },
	}
	for _, name := range []string{"debian12-trivy.json", "debian12-syft.cdx.json", "alpine319-syft.json",
		"ubuntu2204-trivy-vulnerable-only.json", "debian12-trivy.spdx.json"} {
		inputs[name] = func(t *testing.T) *SBOM { return parseFixture(t, name) }
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			s := input(t)
			s.Digest, s.Source, s.Origin, s.ObservedAt = "sha256:9f1c0c8a3c2f", SourceUpload, "upload by token ci-main", observed
			var buf bytes.Buffer
			if err := WriteCycloneDX(&buf, s, "registry.example/app"); err != nil {
				t.Fatal(err)
			}
			validateCycloneDX(t, buf.Bytes())
			checkWrittenDocument(t, buf.Bytes(), s)
			back, err := Parse(bytes.NewReader(buf.Bytes()), 0)
			if err != nil {
				t.Fatal(err)
			}
			if back.Format != FormatCycloneDX || back.Tool != "Palisade" || back.CreatedAt == nil || !back.CreatedAt.Equal(observed) {
				t.Errorf("Format %q, Tool %q, CreatedAt %v", back.Format, back.Tool, back.CreatedAt)
			}
			if !reflect.DeepEqual(back.Distro, s.Distro) {
				t.Errorf("Distro = %+v, want %+v", back.Distro, s.Distro)
			}
			want := withWrittenPURLs(s.Components)
			if !reflect.DeepEqual(back.Components, want) {
				t.Errorf("components differ\n got: %+v\nwant: %+v", back.Components, want)
			}
		})
	}
}

// checkWrittenDocument checks what the schema cannot: the image, the tool, the
// properties, bom-refs unique and every written purl readable.
func checkWrittenDocument(t *testing.T, doc []byte, s *SBOM) {
	t.Helper()
	type property struct{ Name, Value string }
	type component struct {
		BOMRef     string     `json:"bom-ref"`
		Type       string     `json:"type"`
		Name       string     `json:"name"`
		Version    string     `json:"version"`
		PURL       string     `json:"purl"`
		Properties []property `json:"properties"`
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Timestamp  string                           `json:"timestamp"`
			Tools      struct{ Components []component } `json:"tools"`
			Component  component                        `json:"component"`
			Properties []property                       `json:"properties"`
		} `json:"metadata"`
		Components []component `json:"components"`
	}
	if err := json.Unmarshal(doc, &bom); err != nil {
		t.Fatal(err)
	}
	m := bom.Metadata
	if bom.SpecVersion != "1.6" || m.Component.Type != "container" || m.Component.Name != "registry.example/app" ||
		m.Component.Version != s.Digest || len(m.Tools.Components) != 1 || m.Tools.Components[0].Name != "Palisade" {
		t.Errorf("metadata = %+v", m)
	}
	wantProps := []property{{"palisade:source", "upload"}, {"palisade:origin", "upload by token ci-main"}}
	if !reflect.DeepEqual(m.Properties, wantProps) {
		t.Errorf("metadata properties = %+v, want %+v", m.Properties, wantProps)
	}
	refs := map[string]bool{m.Component.BOMRef: true}
	for _, c := range bom.Components {
		if refs[c.BOMRef] {
			t.Errorf("bom-ref %q repeated", c.BOMRef)
		}
		refs[c.BOMRef] = true
		if c.PURL != "" {
			if _, err := FromPURL(c.PURL, nil); err != nil {
				t.Errorf("written purl %q: %v", c.PURL, err)
			}
		}
	}
}

func TestWriteCycloneDXBuildsPURLs(t *testing.T) {
	tests := []struct {
		c    Component
		want string
	}{
		{Component{Ecosystem: "Debian:12", Name: "libssl3", Version: "3.0.11-1~deb12u2", SourceName: "openssl"},
			"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12&upstream=openssl"},
		{Component{Ecosystem: "Ubuntu:22.04", Name: "libc6", Version: "2.35-0ubuntu3.6", SourceName: "glibc", SourceVersion: "2.35-0ubuntu3"},
			"pkg:deb/ubuntu/libc6@2.35-0ubuntu3.6?distro=ubuntu-22.04&upstream=glibc%402.35-0ubuntu3"},
		{Component{Ecosystem: "Alpine:v3.19", Name: "libssl3", Version: "3.1.4-r5"},
			"pkg:apk/alpine/libssl3@3.1.4-r5?distro=alpine-3.19"},
		{Component{Ecosystem: "Go", Name: "golang.org/x/net", Version: "v0.17.0"}, "pkg:golang/golang.org/x/net@v0.17.0"},
		{Component{Ecosystem: "npm", Name: "@babel/core", Version: "7.23.0"}, "pkg:npm/%40babel/core@7.23.0"},
		{Component{Ecosystem: "Maven", Name: "org.example:lib", Version: "1.0"}, "pkg:maven/org.example/lib@1.0"},
		{Component{Ecosystem: "Packagist", Name: "symfony/console", Version: "v6.4.0"}, "pkg:composer/symfony/console@v6.4.0"},
		{Component{Ecosystem: "crates.io", Name: "serde", Version: "1.0.193"}, "pkg:cargo/serde@1.0.193"},
		{Component{Ecosystem: "Hex", Name: "phoenix", Version: "1.7.0"}, ""},
		{Component{Ecosystem: "", Name: "x", Version: "1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.c.Ecosystem+"/"+tt.c.Name, func(t *testing.T) {
			got := purlFor(tt.c)
			if got != tt.want {
				t.Errorf("purlFor = %q, want %q", got, tt.want)
			}
			if got == "" {
				return
			}
			back, err := FromPURL(got, nil)
			if err != nil {
				t.Fatal(err)
			}
			if back.Ecosystem != tt.c.Ecosystem || back.Name != tt.c.Name || back.Version != tt.c.Version {
				t.Errorf("FromPURL(%q) = %+v, want %+v", got, back, tt.c)
			}
		})
	}
}

// TestCycloneDXSchemaCatchesInvalidDocuments shows the schema check is not vacuous.
func TestCycloneDXSchemaCatchesInvalidDocuments(t *testing.T) {
	tests := map[string]string{
		"unknown component type": `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"spaceship","name":"x"}]}`,
		"bad timestamp":          `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"timestamp":"yesterday"}}`,
		"missing name":           `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library"}]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
			if err != nil {
				t.Fatal(err)
			}
			var verr *jsonschema.ValidationError
			if err := cycloneDXSchema(t, "1.6").Validate(inst); !errors.As(err, &verr) {
				t.Errorf("Validate = %v, want a validation error", err)
			}
		})
	}
}

func TestWriteCycloneDXNil(t *testing.T) {
	assertInvalid(t, WriteCycloneDX(&bytes.Buffer{}, nil, "x"), "there is no SBOM to write")
}
