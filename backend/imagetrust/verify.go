package imagetrust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// CosignSignatureType is critical.type of a cosign simple-signing payload.
const CosignSignatureType = "cosign container image signature"

// CosignSignPredicate is the predicate type cosign gives the in-toto statement it signs
// for `cosign sign --new-bundle-format`: a signature of the image, not an attestation.
const CosignSignPredicate = "https://sigstore.dev/cosign/sign/v1"

// keylessClassicReason explains why classic keyless signatures are not verified.
const keylessClassicReason = "classic keyless signature (certificate in the signature image) is not verified: " +
	"its signing time is only proven by its transparency log entry, which Palisade does not verify offline; " +
	"re-sign with `cosign sign --new-bundle-format` (or `cosign attest --new-bundle-format`) so that the proof travels in a Sigstore bundle"

// maxDSSESignatures bounds the signatures of a DSSE envelope that are tried.
const maxDSSESignatures = 16

// Verify judges every material of im under p at time now; it returns one Verification
// per material, in order. With no rule for the image every material gets Verified=false
// and the reason "no trust policy rule covers <registry/repository>".
func Verify(p *Policy, im *imagefacts.Image, now time.Time) []imagefacts.Verification {
	if im == nil {
		return nil
	}
	out := make([]imagefacts.Verification, len(im.Materials))
	for i, m := range im.Materials {
		out[i] = imagefacts.Verification{
			Format:        m.Format,
			Source:        m.Source,
			Attestation:   m.IsAttestation(),
			PredicateType: m.PredicateType,
		}
	}
	fail := func(reason string) []imagefacts.Verification {
		for i := range out {
			out[i].Reason = reason
		}
		return out
	}
	if p == nil || p.RuleFor(im.Registry, im.Repository) == nil {
		return fail(fmt.Sprintf("no trust policy rule covers %s/%s", im.Registry, im.Repository))
	}
	c, err := p.compile()
	if err != nil {
		return fail("the trust policy is invalid: " + err.Error())
	}
	rule := c.ruleFor(p, im.Registry, im.Repository)
	digest, err := parseDigest(im.Digest)
	if err != nil {
		return fail(err.Error())
	}
	for i, m := range im.Materials {
		if m.Stored != "" && len(m.Payload) == 0 {
			out[i] = storedVerdict(im, i, m)
			continue
		}
		verifyMaterial(&out[i], c, rule, im.Digest, digest, m, now)
	}
	return out
}

// storedVerdict is the verdict on a material whose payload is no longer held (an SBOM
// attestation, stored as the image's SBOM): the one given when it was read.
func storedVerdict(im *imagefacts.Image, i int, m imagefacts.Material) imagefacts.Verification {
	if i < len(im.Verifications) {
		if prev := im.Verifications[i]; prev.Source == m.Source && prev.Format == m.Format && prev.PredicateType == m.PredicateType {
			return prev
		}
	}
	return imagefacts.Verification{Format: m.Format, Source: m.Source, Attestation: m.IsAttestation(), PredicateType: m.PredicateType,
		Reason: m.Stored}
}

// payloadLimit is the largest payload verified for a material: SBOM attestations are
// larger than signatures and provenance.
func payloadLimit(m imagefacts.Material) int {
	if imagefacts.IsSBOMPredicate(m.PredicateType) {
		return MaxSBOMPayload
	}
	return MaxPayload
}

// verifyMaterial fills in the verdict on one material.
func verifyMaterial(v *imagefacts.Verification, c *compiled, r *compiledRule, imageDigest string, digest []byte, m imagefacts.Material, now time.Time) {
	switch {
	case m.Problem != "":
		v.Reason = m.Problem
		return
	case len(m.Payload) > payloadLimit(m):
		v.Reason = fmt.Sprintf("payload of %d bytes is larger than the %d bytes Palisade verifies", len(m.Payload), payloadLimit(m))
		return
	case len(m.Payload) == 0 && m.Format != imagefacts.FormatUnknown:
		v.Reason = "material has no payload to verify"
		return
	}
	switch m.Format {
	case imagefacts.FormatCosignSimpleSigning:
		verifySimpleSigning(v, r, imageDigest, m, now)
	case imagefacts.FormatDSSE:
		verifyDSSE(v, r, imageDigest, m, now)
	case imagefacts.FormatSigstoreBundle:
		verifyBundle(v, c, r, digest, m, now)
	case imagefacts.FormatUnknown:
		at := m.ArtifactType
		if at == "" {
			at = "unknown artifact type"
		}
		v.Reason = "format not supported: " + at
	default:
		v.Reason = fmt.Sprintf("format not supported: %s", m.Format)
	}
}

// parseDigest reads "sha256:<64 hex>".
func parseDigest(d string) ([]byte, error) {
	hexd, ok := strings.CutPrefix(d, "sha256:")
	if !ok {
		return nil, fmt.Errorf("image digest %q is not a sha256 digest", d)
	}
	b, err := hex.DecodeString(hexd)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("image digest %q is not a valid sha256 digest", d)
	}
	return b, nil
}

// simpleSigning is the part of a cosign simple-signing payload that is checked.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

func verifySimpleSigning(v *imagefacts.Verification, r *compiledRule, imageDigest string, m imagefacts.Material, now time.Time) {
	if strings.TrimSpace(m.Certificate) != "" {
		v.Reason = keylessClassicReason
		return
	}
	if len(r.keys) == 0 {
		v.Reason = fmt.Sprintf("signed with a key, but rule %q trusts no keys", r.rule.Name)
		return
	}
	sig, err := decodeSig(m.Signature)
	if err != nil {
		v.Reason = "signature is not valid base64: " + err.Error()
		return
	}
	key, reason := verifyWithKeys(r, m.Payload, sig, now)
	if key == nil {
		v.Reason = reason
		return
	}
	// The payload is authentic from here on.
	var ss simpleSigning
	if err := json.Unmarshal(m.Payload, &ss); err != nil {
		v.Reason = "signed payload is not simple-signing JSON: " + err.Error()
		return
	}
	if ss.Critical.Type != CosignSignatureType {
		v.Reason = fmt.Sprintf("signed payload has type %q, not %q", ss.Critical.Type, CosignSignatureType)
		return
	}
	if got := ss.Critical.Image.DockerManifestDigest; got != imageDigest {
		if got == "" {
			got = "(no digest)"
		}
		v.Reason = "signed for another image: " + got
		return
	}
	v.Verified = true
	v.Identity = key.name
	v.Reason = fmt.Sprintf("signature verified with key %q of rule %q", key.name, r.rule.Name)
}

// dsseEnvelope is a DSSE envelope as JSON.
type dsseEnvelope struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

// inTotoStatement is the part of an in-toto statement that is checked.
type inTotoStatement struct {
	Type          string `json:"_type"`
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

const inTotoPayloadType = "application/vnd.in-toto+json"

// pae is DSSE's pre-authentication encoding.
func pae(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

func verifyDSSE(v *imagefacts.Verification, r *compiledRule, imageDigest string, m imagefacts.Material, now time.Time) {
	v.Attestation = true
	if strings.TrimSpace(m.Certificate) != "" {
		v.Reason = keylessClassicReason
		return
	}
	if len(r.keys) == 0 {
		v.Reason = fmt.Sprintf("attestation is signed with a key, but rule %q trusts no keys", r.rule.Name)
		return
	}
	var env dsseEnvelope
	if err := json.Unmarshal(m.Payload, &env); err != nil {
		v.Reason = "payload is not a DSSE envelope: " + err.Error()
		return
	}
	if env.PayloadType != inTotoPayloadType {
		v.Reason = fmt.Sprintf("DSSE envelope carries %q, not an in-toto statement", env.PayloadType)
		return
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		v.Reason = "DSSE payload is not valid base64: " + err.Error()
		return
	}
	if len(env.Signatures) == 0 {
		v.Reason = "DSSE envelope has no signature"
		return
	}
	if len(env.Signatures) > maxDSSESignatures {
		v.Reason = fmt.Sprintf("DSSE envelope has %d signatures, more than the %d Palisade tries", len(env.Signatures), maxDSSESignatures)
		return
	}
	msg := pae(env.PayloadType, body)
	var key *trustedKey
	var reason string
	for _, s := range env.Signatures {
		sig, err := decodeSig(s.Sig)
		if err != nil {
			continue
		}
		var k *trustedKey
		k, reason = verifyWithKeys(r, msg, sig, now)
		if k != nil {
			key = k
			break
		}
	}
	if key == nil {
		if reason == "" {
			reason = "no DSSE signature is valid base64"
		}
		v.Reason = reason
		return
	}
	st, reason := checkStatement(body, imageDigest)
	if st != nil {
		v.PredicateType = st.PredicateType
	}
	if reason != "" {
		v.Reason = reason
		return
	}
	v.Verified = true
	v.Identity = key.name
	v.Reason = fmt.Sprintf("attestation (%s) verified with key %q of rule %q", st.PredicateType, key.name, r.rule.Name)
}

// checkStatement parses an authenticated in-toto statement and checks that one of its
// subjects is the image. It returns the statement (when it parses) and a reason when the
// check fails.
func checkStatement(body []byte, imageDigest string) (*inTotoStatement, string) {
	var st inTotoStatement
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, "signed payload is not an in-toto statement: " + err.Error()
	}
	switch st.Type {
	case "https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1":
	default:
		return &st, fmt.Sprintf("signed payload has in-toto type %q, not an in-toto statement", st.Type)
	}
	want := strings.TrimPrefix(imageDigest, "sha256:")
	var others []string
	for _, s := range st.Subject {
		d, ok := s.Digest["sha256"]
		if !ok {
			continue
		}
		if strings.EqualFold(d, want) {
			return &st, ""
		}
		if len(others) < 3 {
			others = append(others, "sha256:"+d)
		}
	}
	if len(others) == 0 {
		return &st, "attestation names no sha256 subject, so it is not about this image"
	}
	return &st, "attestation is for another image: " + strings.Join(others, ", ")
}

func decodeSig(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("signature is empty")
	}
	return base64.StdEncoding.DecodeString(s)
}

// verifyWithKeys checks sig over msg with each key of the rule. It returns the key that
// verifies and is still trusted at now, or nil and a reason.
func verifyWithKeys(r *compiledRule, msg, sig []byte, now time.Time) (*trustedKey, string) {
	names := make([]string, 0, len(r.keys))
	var expired *trustedKey
	for i := range r.keys {
		k := &r.keys[i]
		names = append(names, k.name)
		if !verifyRaw(k.pub, msg, sig) {
			continue
		}
		if k.notAfter != nil && now.After(*k.notAfter) {
			expired = k
			continue
		}
		return k, ""
	}
	if expired != nil {
		return nil, fmt.Sprintf("key %s expired on %s", expired.name, expired.notAfter.UTC().Format(time.DateOnly))
	}
	return nil, fmt.Sprintf("signature does not verify with any trusted key (%s)", strings.Join(names, ", "))
}

// verifyRaw verifies a signature the way cosign makes them: SHA-256 of the message for
// ECDSA (ASN.1; SHA-384 is also accepted on P-384) and RSA (PKCS#1 v1.5 or PSS), the
// message itself for Ed25519.
func verifyRaw(pub crypto.PublicKey, msg, sig []byte) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		h := sha256.Sum256(msg)
		if ecdsa.VerifyASN1(k, h[:], sig) {
			return true
		}
		if k.Curve == elliptic.P384() {
			h := sha512.Sum384(msg)
			return ecdsa.VerifyASN1(k, h[:], sig)
		}
	case *rsa.PublicKey:
		h := sha256.Sum256(msg)
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil {
			return true
		}
		return rsa.VerifyPSS(k, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	}
	return false
}
