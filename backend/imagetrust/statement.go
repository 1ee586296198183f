package imagetrust

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// Statement returns the in-toto statement an attestation carries (the DSSE payload of a
// cosign attestation or of a Sigstore bundle), for reading its predicate once the
// material verified. It does not verify anything.
func Statement(m imagefacts.Material) ([]byte, error) {
	if len(m.Payload) == 0 {
		return nil, errors.New("the attestation's payload is not held")
	}
	switch m.Format {
	case imagefacts.FormatDSSE:
		var env dsseEnvelope
		if err := json.Unmarshal(m.Payload, &env); err != nil {
			return nil, fmt.Errorf("payload is not a DSSE envelope: %w", err)
		}
		if env.PayloadType != inTotoPayloadType {
			return nil, fmt.Errorf("DSSE envelope carries %q, not an in-toto statement", env.PayloadType)
		}
		return base64.StdEncoding.DecodeString(env.Payload)
	case imagefacts.FormatSigstoreBundle:
		var b bundle.Bundle
		if err := b.UnmarshalJSON(m.Payload); err != nil {
			return nil, fmt.Errorf("payload is not a valid Sigstore bundle: %w", err)
		}
		sc, err := b.SignatureContent()
		if err != nil {
			return nil, fmt.Errorf("Sigstore bundle has no signature: %w", err)
		}
		env := sc.EnvelopeContent()
		if env == nil {
			return nil, errors.New("the Sigstore bundle signs no in-toto statement")
		}
		raw := env.RawEnvelope()
		if raw.PayloadType != inTotoPayloadType {
			return nil, fmt.Errorf("the Sigstore bundle carries %q, not an in-toto statement", raw.PayloadType)
		}
		return raw.DecodeB64Payload()
	}
	return nil, fmt.Errorf("format %s carries no in-toto statement", m.Format)
}
