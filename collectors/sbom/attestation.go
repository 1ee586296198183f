package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

// ErrNotSBOM is wrapped by FromAttestation's error for a statement whose predicate is not
// an SBOM (a SLSA provenance, a vulnerability scan): callers skip such attestations.
var ErrNotSBOM = errors.New("the attestation's predicate is not an SBOM")

// Predicate types of SBOM attestations; versioned forms append "/v1.5", "/v2.3".
const (
	predicateCycloneDX = "https://cyclonedx.org/bom"
	predicateSPDX      = "https://spdx.dev/Document"
)

// IsSBOMPredicate tells whether an in-toto predicate type is a CycloneDX or SPDX document.
func IsSBOMPredicate(predicateType string) bool {
	return predicateFormat(predicateType) != ""
}

func predicateFormat(predicateType string) Format {
	t := strings.TrimSuffix(predicateType, "/")
	for prefix, f := range map[string]Format{predicateCycloneDX: FormatCycloneDX, predicateSPDX: FormatSPDX} {
		if t == prefix || strings.HasPrefix(t, prefix+"/v") {
			return f
		}
	}
	return ""
}

// inTotoStatement is the part of an in-toto Statement (v0.1 or v1) read here.
type inTotoStatement struct {
	Type          string          `json:"_type"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// FromAttestation reads the SBOM in an in-toto statement (the JSON inside a DSSE
// envelope, which the caller has verified and unwrapped). A statement of another
// predicate type gives an error wrapping ErrNotSBOM.
func FromAttestation(statement []byte, limit int64) (*SBOM, error) {
	if limit <= 0 {
		limit = MaxDocumentBytes
	}
	if int64(len(statement)) > limit {
		return nil, tooLarge(limit)
	}
	var st inTotoStatement
	if err := json.Unmarshal(trimBOM(statement), &st); err != nil {
		return nil, jsonError("in-toto statement", err)
	}
	if !strings.HasPrefix(st.Type, "https://in-toto.io/Statement/") {
		return nil, posture.Errorf(posture.EINVALID, "the document is not an in-toto statement")
	}
	f := predicateFormat(st.PredicateType)
	if f == "" {
		return nil, posture.WrapError(posture.EINVALID, ErrNotSBOM, "the attestation's predicate type %q is not an SBOM",
			truncate(clean(st.PredicateType), 100))
	}
	predicate := bytes.TrimSpace(st.Predicate)
	// Some signers store the document as a JSON string rather than an object.
	if len(predicate) > 0 && predicate[0] == '"' {
		var inner string
		if err := json.Unmarshal(predicate, &inner); err != nil {
			return nil, jsonError("SBOM predicate", err)
		}
		predicate = []byte(inner)
	}
	if len(predicate) == 0 || bytes.Equal(predicate, []byte("null")) {
		return nil, posture.Errorf(posture.EINVALID, "the attestation has no predicate")
	}
	return ParseFormat(bytes.NewReader(predicate), f, limit)
}
