package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
)

// FuzzParse feeds Parse arbitrary documents, starting from the fixtures: it must not
// panic, must refuse with a user-facing EINVALID error of bounded, clean text, and what it
// accepts must be clean text that WriteCycloneDX can write and Parse read back.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, doc := range []string{
		`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","purl":"pkg:npm/a@1"}]}`,
		`{"spdxVersion":"SPDX-2.3"}`,
		`{"SchemaVersion":2,"Results":[{"Class":"os-pkgs","Type":"debian","Vulnerabilities":[{"PkgName":"x"}]}]}`,
		`{"matches":[{"artifact":{"name":"x","purl":"pkg:deb/debian/x@1?distro=debian-12"}}]}`,
		`{"artifacts":[{"name":"x","type":"apk","metadata":{"originPackage":"y"}}],"distro":{"id":"alpine","versionID":"3.19"}}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := Parse(bytes.NewReader(doc), 1<<20)
		if err != nil {
			if code := posture.ErrorCode(err); code != posture.EINVALID {
				t.Fatalf("error code %q: %v", code, err)
			}
			if msg := posture.ErrorMessage(err); len(msg) > 1000 || !posture.TextIsClean(msg) {
				t.Fatalf("message %.200q", msg)
			}
			return
		}
		assertClean(t, s)
		var buf bytes.Buffer
		if err := WriteCycloneDX(&buf, s, "registry.example/fuzz"); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(&buf, 0)
		if err != nil {
			t.Fatalf("the written SBOM does not parse: %v", err)
		}
		if len(back.Components) != len(s.Components) {
			t.Fatalf("%d components written, %d read back", len(s.Components), len(back.Components))
		}
	})
}

// FuzzComponentFields puts arbitrary strings where documents name a package, so that the
// purl reader, the normalisation and the writer meet them in well-formed documents.
func FuzzComponentFields(f *testing.F) {
	f.Add("libssl3", "3.0.11-1~deb12u2", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12&upstream=openssl", "openssl")
	f.Add("github.com/BurntSushi/toml", "v1.3.2", "pkg:golang/github.com/burntsushi/toml@v1.3.2", "")
	f.Add("stdlib", "go1.21.5", "pkg:golang/stdlib@1.21.5", "")
	f.Add("@babel/core", "7.23.0", "pkg:npm/%40babel/core@7.23.0", "")
	f.Add("x", "1", "", "y")
	f.Fuzz(func(t *testing.T, name, version, purl, source string) {
		docs := []map[string]any{
			{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []any{
				map[string]any{"type": "library", "name": name, "version": version, "purl": purl,
					"properties": []any{map[string]any{"name": trivySrcName, "value": source}}},
				map[string]any{"type": "operating-system", "name": "debian", "version": "12"},
			}},
			{"artifacts": []any{map[string]any{"name": name, "version": version, "purl": purl, "type": "deb",
				"metadata": map[string]any{"source": source}}},
				"distro": map[string]any{"id": "debian", "versionID": "12"}},
		}
		for _, d := range docs {
			doc, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(bytes.NewReader(doc), 0)
			if err != nil {
				if msg := posture.ErrorMessage(err); posture.ErrorCode(err) != posture.EINVALID || len(msg) > 1000 || !posture.TextIsClean(msg) {
					t.Fatalf("error %v", err)
				}
				continue
			}
			assertClean(t, s)
			var buf bytes.Buffer
			if err := WriteCycloneDX(&buf, s, "registry.example/fuzz"); err != nil {
				t.Fatal(err)
			}
			back, err := Parse(&buf, 0)
			if err != nil {
				t.Fatalf("the written SBOM does not parse: %v\n%s", err, buf.Bytes())
			}
			if !reflect.DeepEqual(back.Components, withWrittenPURLs(s.Components)) {
				t.Fatalf("round trip\n got %+v\nwant %+v", back.Components, s.Components)
			}
		}
	})
}

// withWrittenPURLs is what WriteCycloneDX says of components: the purl filled in where
// one can be built.
func withWrittenPURLs(cs []Component) []Component {
	out := make([]Component, len(cs))
	for i, c := range cs {
		if c.PURL == "" {
			c.PURL = purlFor(c)
		}
		out[i] = c
	}
	return out
}
