package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Limits on a document's shape. Decoding JSON into a library's model costs far more than
// the text: an empty object "{}" of three bytes becomes a CycloneDX component of 400 bytes
// and more, so 64 MiB of "{}" would need tens of GiB. A document is therefore measured
// first, cheaply, and refused when it holds more than real documents of its size do: real
// SBOMs spend 60 bytes and more per JSON object or array, and far more per package.
const (
	// maxContainers bounds the JSON objects and arrays of a document.
	maxContainers = 1_000_000
	// maxEntries bounds the entries of the arrays each format's model is largest for:
	// components, services and vulnerabilities (CycloneDX), packages, files and snippets
	// (SPDX), packages and vulnerabilities (Trivy), matches (Grype), artifacts (Syft).
	maxEntries = 2 * MaxComponents
)

// census is what one quick pass over a document learns: its format, and the sizes of the
// arrays that cost most to decode. The census decodes into empty structs, which cost
// nothing per element.
type census struct {
	format     Format
	containers int
	entries    int
}

// censusDocument lists the top-level members that tell the formats apart and the arrays
// counted. encoding/json matches member names without regard to case; the names below
// differ in more than case at each level.
type censusDocument struct {
	BOMFormat     any     `json:"bomFormat"`
	SPDXVersion   any     `json:"spdxVersion"`
	SchemaVersion present `json:"SchemaVersion"`
	ArtifactName  present `json:"ArtifactName"`
	InTotoType    any     `json:"_type"`

	Components      []cdxCensus `json:"components"` // CycloneDX
	Metadata        cdxMetadata `json:"metadata"`
	Services        []struct{}  `json:"services"`
	Vulnerabilities []struct{}  `json:"vulnerabilities"`
	Packages        []struct{}  `json:"packages"` // SPDX
	Files           []struct{}  `json:"files"`
	Snippets        []struct{}  `json:"snippets"`
	Results         []struct {  // Trivy
		Packages        []struct{} `json:"Packages"`
		Vulnerabilities []struct{} `json:"Vulnerabilities"`
	} `json:"Results"`
	Matches   []struct{} `json:"matches"`   // Grype
	Artifacts []struct{} `json:"artifacts"` // Syft
}

type cdxCensus struct {
	Components []cdxCensus `json:"components"`
}

type cdxMetadata struct {
	Component *cdxCensus `json:"component"`
}

// present records that a JSON member exists without keeping its value.
type present bool

func (p *present) UnmarshalJSON([]byte) error { *p = true; return nil }

// DetectFormat tells which accepted format doc is in, from its top-level members.
func DetectFormat(doc []byte) (Format, error) {
	c, err := takeCensus(trimBOM(doc))
	if err != nil {
		return "", err
	}
	return c.format, nil
}

// takeCensus measures doc and detects its format.
func takeCensus(doc []byte) (*census, error) {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) == 0 {
		return nil, posture.Errorf(posture.EINVALID, "the document is empty")
	}
	switch trimmed[0] {
	case '<':
		return nil, posture.Errorf(posture.EINVALID, "XML documents are not accepted; accepted: %s", acceptedFormats)
	case '{':
	default:
		return nil, posture.Errorf(posture.EINVALID, "the document is not a JSON object; accepted: %s", acceptedFormats)
	}
	c := &census{containers: countContainers(doc)}
	if c.containers > maxContainers {
		return nil, posture.Errorf(posture.EINVALID, "the document holds more than %d JSON objects and arrays", maxContainers)
	}
	var d censusDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		// A member of an unexpected type is left for the format's reader to judge.
		var typ *json.UnmarshalTypeError
		if !errors.As(err, &typ) {
			return nil, jsonError("", err)
		}
	}
	f, err := d.format()
	if err != nil {
		return nil, err
	}
	c.format, c.entries = f, d.entries(f)
	return c, nil
}

func (d *censusDocument) format() (Format, error) {
	bomFormat, _ := d.BOMFormat.(string)
	spdxVersion, _ := d.SPDXVersion.(string)
	inToto, _ := d.InTotoType.(string)
	switch {
	case bomFormat == "CycloneDX":
		return FormatCycloneDX, nil
	case strings.HasPrefix(spdxVersion, "SPDX-"):
		return FormatSPDX, nil
	case bool(d.SchemaVersion) && (d.Results != nil || bool(d.ArtifactName)):
		return FormatTrivy, nil
	case d.Matches != nil:
		return FormatGrype, nil
	case d.Artifacts != nil:
		return FormatSyft, nil
	case strings.HasPrefix(inToto, "https://in-toto.io/Statement/"):
		return "", posture.Errorf(posture.EINVALID, "the document is an in-toto attestation, not an SBOM; upload the SBOM itself")
	}
	return "", posture.Errorf(posture.EINVALID, "the document is in no known SBOM format; accepted: %s", acceptedFormats)
}

// entries counts the costly entries of a document in format f.
func (d *censusDocument) entries(f Format) int {
	switch f {
	case FormatCycloneDX:
		n := countCycloneDX(d.Components) + len(d.Services) + len(d.Vulnerabilities)
		if d.Metadata.Component != nil {
			n += countCycloneDX(d.Metadata.Component.Components)
		}
		return n
	case FormatSPDX:
		return len(d.Packages) + len(d.Files) + len(d.Snippets)
	case FormatTrivy:
		n := 0
		for _, r := range d.Results {
			n += len(r.Packages) + len(r.Vulnerabilities)
		}
		return n
	case FormatGrype:
		return len(d.Matches)
	case FormatSyft:
		return len(d.Artifacts)
	}
	return 0
}

// countCycloneDX counts components at every depth. JSON decoding allows 10000 levels of
// nesting at most, which bounds the recursion.
func countCycloneDX(list []cdxCensus) int {
	n := len(list)
	for _, c := range list {
		n += countCycloneDX(c.Components)
	}
	return n
}

func (c *census) checkLimits() error {
	if c.entries > maxEntries {
		return posture.Errorf(posture.EINVALID, "the document lists more than %d entries (components, packages, files, vulnerabilities)", maxEntries)
	}
	return nil
}

// countContainers counts the JSON objects and arrays of doc in one pass over its bytes,
// telling structure from string contents and nothing more.
func countContainers(doc []byte) int {
	n := 0
	inString, escaped := false, false
	for _, b := range doc {
		switch {
		case escaped:
			escaped = false
		case inString:
			if b == '\\' {
				escaped = true
			} else if b == '"' {
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			n++
		}
	}
	return n
}
