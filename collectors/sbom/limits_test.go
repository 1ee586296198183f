package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// endlessJSON serves a CycloneDX-looking document of size bytes without holding it.
type endlessJSON struct{ size, served int64 }

const (
	endlessHead = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`
	endlessItem = `{"type":"library","name":"x","version":"1"},`
)

func (r *endlessJSON) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.served < r.size {
		var chunk string
		if r.served < int64(len(endlessHead)) {
			chunk = endlessHead[r.served:]
		} else {
			chunk = endlessItem[(r.served-int64(len(endlessHead)))%int64(len(endlessItem)):]
		}
		chunk = chunk[:min(int64(len(chunk)), r.size-r.served)]
		c := copy(p[n:], chunk)
		n += c
		r.served += int64(c)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestParseRefusesHugeStreamWithBoundedMemory streams 1 GB: Parse must stop after the
// limit, quickly, having allocated about the limit and no more.
func TestParseRefusesHugeStreamWithBoundedMemory(t *testing.T) {
	src := &endlessJSON{size: 1 << 30}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Parse(src, 0)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	assertInvalid(t, err, "the document is larger than 64 MiB")
	if src.served > MaxDocumentBytes+1 {
		t.Errorf("read %d bytes of the stream, want at most the limit + 1", src.served)
	}
	t.Logf("allocated %d MiB in %v", (after.TotalAlloc-before.TotalAlloc)>>20, elapsed)
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 100<<20 {
		t.Errorf("allocated %d MiB refusing the stream, want at most 100 MiB", grown>>20)
	}
	if elapsed > 10*time.Second {
		t.Errorf("took %v to refuse the stream", elapsed)
	}
}

func TestParseLimit(t *testing.T) {
	doc := readFixture(t, "debian12-syft.json")
	size := int64(len(doc))
	tests := []struct {
		name    string
		limit   int64
		wantErr string
	}{
		{"exactly the limit", size, ""},
		{"one byte over", size - 1, fmt.Sprintf("the document is larger than %d bytes", size-1)},
		{"KiB limit", 2048, "the document is larger than 2 KiB"},
		{"zero means the default", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// io.MultiReader hides Len(): the limit must hold for plain streams too.
			_, err := Parse(io.MultiReader(bytes.NewReader(doc)), tt.limit)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, tt.wantErr)
		})
	}
}

// manyComponents writes a document of format f listing n packages, distinct or all alike.
func manyComponents(f Format, n int, distinct bool) []byte {
	var b strings.Builder
	switch f {
	case FormatCycloneDX:
		b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[`)
	case FormatSyft:
		b.WriteString(`{"descriptor":{"name":"syft","version":"1.4.1"},"artifacts":[`)
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		id := 0
		if distinct {
			id = i
		}
		fmt.Fprintf(&b, `{"type":"library","name":"p%d","version":"1.0.0","purl":"pkg:npm/p%d@1.0.0"}`, id, id)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func TestParseComponentLimit(t *testing.T) {
	tests := []struct {
		name     string
		format   Format
		n        int
		distinct bool
		want     int // components; -1: refused
	}{
		{"cyclonedx at the limit", FormatCycloneDX, MaxComponents, true, MaxComponents},
		{"cyclonedx over the limit", FormatCycloneDX, MaxComponents + 1, true, -1},
		{"syft over the limit", FormatSyft, MaxComponents + 1, true, -1},
		{"repeats count once", FormatSyft, MaxComponents + 1, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(bytes.NewReader(manyComponents(tt.format, tt.n, tt.distinct)), 0)
			if tt.want < 0 {
				assertInvalid(t, err, "the document lists more than 100000 components")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Components) != tt.want {
				t.Errorf("%d components, want %d", len(s.Components), tt.want)
			}
		})
	}
}

func TestParseRefusesMalformedPURL(t *testing.T) {
	longName := "bad\x00name-" + strings.Repeat("n", 5000)
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"cyclonedx", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
			{"type":"library","name":"ok","version":"1","purl":"pkg:npm/ok@1"},
			{"type":"library","name":"libssl3","version":"1","purl":"pkg:deb"}]}`,
			`the package URL of components[1] ("libssl3") is malformed: purl is missing type or name`},
		{"cyclonedx nested", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
			{"type":"application","name":"app","version":"1","components":[
			{"type":"library","name":"x","version":"1","purl":"npm/x@1"}]}]}`,
			`components[0].components[0] ("x") is malformed: purl scheme is not`},
		{"spdx", `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
			"documentNamespace":"https://example.com/x","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x-1"]},
			"packages":[{"name":"zlib","SPDXID":"SPDXRef-p","versionInfo":"1","downloadLocation":"NONE",
			"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:/@1"}]}]}`,
			`the package URL of packages[0] ("zlib") is malformed`},
		{"trivy", `{"SchemaVersion":2,"Results":[{"Target":"t","Class":"lang-pkgs","Type":"npm",
			"Packages":[{"Name":"a","Version":"1"},{"Name":"left-pad","Version":"1","Identifier":{"PURL":"pkg:npm/@1"}}]}]}`,
			`Results[0].Packages[1] ("left-pad")`},
		{"grype", `{"matches":[{"artifact":{"name":"x","version":"1","purl":"pkg:a;b/x@1"}}],"descriptor":{"name":"grype"}}`,
			`matches[0].artifact ("x")`},
		{"syft with a hostile name", `{"artifacts":[{"name":` + quote(longName) + `,"version":"1","purl":"pkg:"}]}`,
			`artifacts[0] ("bad` + "\uFFFD" + `name-nnnn`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.doc), 0)
			assertInvalid(t, err, tt.want)
			assertBoundedError(t, err)
		})
	}
}

// quote writes s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// assertBoundedError checks an error neither echoes much of the document nor holds
// unclean text.
func assertBoundedError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if msg := posture.ErrorMessage(err); len(msg) > 400 || !posture.TextIsClean(msg) {
		t.Errorf("message of %d bytes (clean: %v): %.100q", len(msg), posture.TextIsClean(msg), msg)
	}
	if len(err.Error()) > 700 {
		t.Errorf("error of %d bytes: %.100q", len(err.Error()), err.Error())
	}
}

func TestParseTruncatedDocuments(t *testing.T) {
	for _, name := range []string{
		"debian12-syft.cdx.json", "debian12-trivy.cdx.json", "debian12-trivy.spdx.json", "debian12-trivy.json",
		"debian12-grype.json", "debian12-syft.json", "alpine319-syft.spdx22.json",
	} {
		t.Run(name, func(t *testing.T) {
			doc := readFixture(t, name)
			_, err := Parse(bytes.NewReader(doc[:len(doc)*3/5]), 0)
			assertInvalid(t, err, "is not valid JSON: it ends early")
		})
	}
}

func TestParseRejectsWhatIsNotAnSBOM(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown JSON", `{"apiVersion":"v1","kind":"Pod"}`, "accepted: CycloneDX JSON (1.2 to 1.6), SPDX JSON (2.2, 2.3), Trivy JSON"},
		{"SPDX 3", `{"spdxVersion":"SPDX-3.0"}`, `SPDX version "SPDX-3.0" is not accepted`},
		{"CycloneDX 2.0", `{"bomFormat":"CycloneDX","specVersion":"2.0"}`, "specVersion is not one of 1.2 to 1.6"},
		{"Trivy schema 1", `{"SchemaVersion":1,"Results":[]}`, "Trivy report schema version 1 is not accepted"},
		{"wrong member type", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":{"name":"x"}}`,
			"the CycloneDX document has a member of the wrong type"},
		{"huge string then a syntax error", `{"bomFormat":"CycloneDX","x":"` + strings.Repeat("A", 1<<20) + `"]`,
			"syntax error at byte"},
		{"hostile SPDX identifier", `{"spdxVersion":"SPDX-2.3","SPDXID":"` + strings.Repeat("B", 1<<20) + `"}`,
			"the SPDX document could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.doc), 0)
			assertInvalid(t, err, tt.want)
			assertBoundedError(t, err)
		})
	}
}

// nestedCycloneDX nests depth library components, each in the one before.
func nestedCycloneDX(depth int) string {
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":`)
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, `[{"type":"library","name":"p%d","version":"1","purl":"pkg:npm/p%d@1","components":`, i, i)
	}
	b.WriteString("[]")
	b.WriteString(strings.Repeat("}]", depth))
	b.WriteString("}")
	return b.String()
}

func TestParseBoundsNestedCycloneDX(t *testing.T) {
	t.Run("read down to the bound", func(t *testing.T) {
		s, err := Parse(strings.NewReader(nestedCycloneDX(maxNesting+8)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Components) != maxNesting {
			t.Errorf("%d components, want %d", len(s.Components), maxNesting)
		}
		if len(s.Problems) != 1 || !strings.Contains(s.Problems[0], "nested more than 32 levels") {
			t.Errorf("Problems = %q", s.Problems)
		}
	})
	t.Run("deeper than JSON decoding allows", func(t *testing.T) {
		_, err := Parse(strings.NewReader(nestedCycloneDX(5000)), 0)
		assertInvalid(t, err, "is not valid JSON")
	})
}

// TestParseCleansText feeds NUL characters and invalid UTF-8: every string of the SBOM
// comes out storable.
func TestParseCleansText(t *testing.T) {
	doc := "{\"artifacts\":[{\"name\":\"a\\u0000b\",\"version\":\"1\xff\xfe\",\"type\":\"npm\"," +
		"\"locations\":[{\"path\":\"/x\\u0000y\"}]}],\"descriptor\":{\"name\":\"sy\\u0000ft\",\"version\":\"\xc3\"}," +
		"\"distro\":{\"id\":\"deb\\u0000ian\",\"versionID\":\"12\"}}"
	s, err := Parse(strings.NewReader(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, s)
	c := s.Components[0]
	if c.Name != "a\uFFFDb" || c.Version != "1\uFFFD\uFFFD" || c.Location != "x\uFFFDy" {
		t.Errorf("component = %+v", c)
	}
}

// assertClean checks every string of s is valid UTF-8 without NUL.
func assertClean(t testing.TB, s *SBOM) {
	t.Helper()
	strs := []string{s.Tool, s.Origin, s.Digest}
	if d := s.Distro; d != nil {
		strs = append(strs, d.ID, d.Version, d.Name)
	}
	strs = append(strs, s.Problems...)
	for _, c := range s.Components {
		strs = append(strs, c.Ecosystem, c.Name, c.Version, c.SourceName, c.SourceVersion, c.PURL, c.Location)
	}
	for _, str := range strs {
		if !posture.TextIsClean(str) {
			t.Errorf("unclean text %q", str)
		}
	}
}

// TestParseBoundsDocumentShape feeds documents whose decoding would cost far more memory
// than their size (empty objects by the million): the census refuses them before any
// model is built, within a bounded allocation.
func TestParseBoundsDocumentShape(t *testing.T) {
	repeat := func(item string, n int) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	tests := []struct{ name, doc, want string }{
		{"cyclonedx files", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[` +
			repeat(`{"type":"file","name":"f"}`, maxEntries+1) + `]}`, "the document lists more than 200000 entries"},
		{"cyclonedx nested in metadata", `{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"type":"container","name":"i","components":[` +
			repeat(`{}`, maxEntries+1) + `]}}}`, "the document lists more than 200000 entries"},
		{"spdx packages", `{"spdxVersion":"SPDX-2.3","packages":[` + repeat(`{}`, maxEntries+1) + `]}`,
			"the document lists more than 200000 entries"},
		{"trivy packages", `{"SchemaVersion":2,"Results":[{"Class":"os-pkgs","Packages":[` + repeat(`{}`, maxEntries/2) +
			`]},{"Class":"lang-pkgs","Vulnerabilities":[` + repeat(`{}`, maxEntries/2+1) + `]}]}`,
			"the document lists more than 200000 entries"},
		{"grype matches", `{"matches":[` + repeat(`{}`, maxEntries+1) + `]}`, "the document lists more than 200000 entries"},
		{"syft artifacts", `{"artifacts":[` + repeat(`{}`, maxEntries+1) + `]}`, "the document lists more than 200000 entries"},
		{"empty objects anywhere", `{"spdxVersion":"SPDX-2.3","x":[` + repeat(`{}`, maxContainers) + `]}`,
			"the document holds more than 1000000 JSON objects and arrays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse(strings.NewReader(tt.doc), 0)
			runtime.ReadMemStats(&after)
			assertInvalid(t, err, tt.want)
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
				t.Errorf("allocated %d MiB refusing a %d KiB document", grown>>20, len(tt.doc)>>10)
			}
		})
	}
}

func TestParseSaysWhenOSPackagesHaveNoRelease(t *testing.T) {
	doc := `{"artifacts":[
		{"name":"libssl3","version":"3.0.11-1~deb12u2","type":"deb","purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?upstream=openssl"},
		{"name":"zlib","version":"1.3-r2","type":"apk","purl":"pkg:apk/alpine/zlib@1.3-r2"},
		{"name":"left-pad","version":"1.3.0","type":"npm","purl":"pkg:npm/left-pad@1.3.0"}],
		"descriptor":{"name":"syft","version":"1.4.1"}}`
	s, err := Parse(strings.NewReader(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2 OS package(s) name no distribution release, so they match no advisory"}
	if !slices.Equal(s.Problems, want) {
		t.Errorf("Problems = %q, want %q", s.Problems, want)
	}
	if s.Components[0].Ecosystem != "" || s.Components[0].MatchName() != "libssl3" || s.Components[2].Ecosystem != "npm" {
		t.Errorf("Components = %+v", s.Components)
	}
}
