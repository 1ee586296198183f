package sbom

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// statement wraps a predicate in an in-toto Statement v1 about one image.
func statement(t *testing.T, predicateType string, predicate any) []byte {
	t.Helper()
	st := map[string]any{
		"_type": "https://in-toto.io/Statement/v1",
		"subject": []map[string]any{{
			"name":   "registry.example/app",
			"digest": map[string]string{"sha256": "9f1c0c8a3c2f4d0e7b6a5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"},
		}},
		"predicateType": predicateType,
		"predicate":     predicate,
	}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestFromAttestation(t *testing.T) {
	cdxDoc := json.RawMessage(readFixture(t, "debian12-syft.cdx.json"))
	spdxDoc := json.RawMessage(readFixture(t, "debian12-trivy.spdx.json"))
	tests := []struct {
		name      string
		statement []byte
		want      Format
	}{
		{"cyclonedx", statement(t, "https://cyclonedx.org/bom", cdxDoc), FormatCycloneDX},
		{"cyclonedx versioned", statement(t, "https://cyclonedx.org/bom/v1.5", cdxDoc), FormatCycloneDX},
		{"spdx", statement(t, "https://spdx.dev/Document", spdxDoc), FormatSPDX},
		{"spdx versioned", statement(t, "https://spdx.dev/Document/v2.3", spdxDoc), FormatSPDX},
		{"predicate as a JSON string", statement(t, "https://cyclonedx.org/bom", string(cdxDoc)), FormatCycloneDX},
		{"statement v0.1", []byte(strings.Replace(string(statement(t, "https://spdx.dev/Document", spdxDoc)),
			"https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1", 1)), FormatSPDX},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := FromAttestation(tt.statement, 0)
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != tt.want {
				t.Errorf("Format = %q, want %q", s.Format, tt.want)
			}
			if got := matchKeys(s.Components); !reflect.DeepEqual(got, debian12Packages) {
				t.Errorf("components differ\n got: %v\nwant: %v", got, debian12Packages)
			}
		})
	}
}

func TestFromAttestationRefuses(t *testing.T) {
	cdxDoc := json.RawMessage(readFixture(t, "debian12-syft.cdx.json"))
	spdxDoc := json.RawMessage(readFixture(t, "debian12-trivy.spdx.json"))
	provenance := map[string]any{"buildDefinition": map[string]any{"buildType": "https://example.com/build"}}
	tests := []struct {
		name      string
		statement []byte
		limit     int64
		want      string
		notSBOM   bool
	}{
		{"SLSA provenance", statement(t, "https://slsa.dev/provenance/v1", provenance), 0,
			`predicate type "https://slsa.dev/provenance/v1" is not an SBOM`, true},
		{"CycloneDX VEX", statement(t, "https://cyclonedx.org/vex", cdxDoc), 0, "is not an SBOM", true},
		{"predicate of another format", statement(t, "https://cyclonedx.org/bom", spdxDoc), 0,
			"the document is not cyclonedx-json: it looks like spdx-json", false},
		{"no predicate", statement(t, "https://spdx.dev/Document", nil), 0, "the attestation has no predicate", false},
		{"not a statement", cdxDoc, 0, "the document is not an in-toto statement", false},
		{"not JSON", []byte("eyJfdHlwZSI6"), 0, "the in-toto statement document is not valid JSON", false},
		{"too large", statement(t, "https://cyclonedx.org/bom", cdxDoc), 4096, "the document is larger than 4 KiB", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromAttestation(tt.statement, tt.limit)
			assertInvalid(t, err, tt.want)
			if errors.Is(err, ErrNotSBOM) != tt.notSBOM {
				t.Errorf("errors.Is(err, ErrNotSBOM) = %v, want %v", !tt.notSBOM, tt.notSBOM)
			}
		})
	}
}

func TestIsSBOMPredicate(t *testing.T) {
	tests := map[string]bool{
		"https://cyclonedx.org/bom":                  true,
		"https://cyclonedx.org/bom/":                 true,
		"https://cyclonedx.org/bom/v1.4":             true,
		"https://cyclonedx.org/bom/v1.6":             true,
		"https://spdx.dev/Document":                  true,
		"https://spdx.dev/Document/v2.3":             true,
		"https://cyclonedx.org/vex":                  false,
		"https://cyclonedx.org/bomb":                 false,
		"https://slsa.dev/provenance/v1":             false,
		"https://cosign.sigstore.dev/attestation/v1": false,
		"https://in-toto.io/attestation/vulns/v0.1":  false,
		"http://cyclonedx.org/bom":                   false,
		"":                                           false,
	}
	for predicateType, want := range tests {
		t.Run(predicateType, func(t *testing.T) {
			if got := IsSBOMPredicate(predicateType); got != want {
				t.Errorf("IsSBOMPredicate(%q) = %v, want %v", predicateType, got, want)
			}
		})
	}
}
