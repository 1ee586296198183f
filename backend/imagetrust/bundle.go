package imagetrust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// verifyBundle verifies a Sigstore bundle (v0.1 to v0.3): a message signature over the
// image manifest, or a DSSE envelope holding an in-toto statement about the image.
func verifyBundle(v *imagefacts.Verification, c *compiled, r *compiledRule, digest []byte, m imagefacts.Material, now time.Time) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(m.Payload); err != nil {
		v.Reason = "payload is not a valid Sigstore bundle: " + err.Error()
		return
	}
	sc, err := b.SignatureContent()
	if err != nil {
		v.Reason = "Sigstore bundle has no signature: " + err.Error()
		return
	}
	env := sc.EnvelopeContent()
	if env != nil {
		v.Attestation = true
	}
	vc, err := b.VerificationContent()
	if err != nil {
		v.Reason = "Sigstore bundle has no certificate or public key: " + err.Error()
		return
	}
	artifact := verify.WithArtifactDigest("sha256", digest)

	var res *verify.VerificationResult
	switch {
	case vc.Certificate() != nil:
		res = verifyKeylessBundle(v, c, r, &b, vc.Certificate(), sc, artifact)
	case vc.PublicKey() != nil:
		res = verifyKeyedBundle(v, r, &b, sc, artifact, now)
	default:
		v.Reason = "Sigstore bundle has no certificate or public key"
		return
	}
	if res == nil {
		return
	}
	if res.Statement != nil {
		v.PredicateType = res.Statement.GetPredicateType()
		// cosign's new bundle format signs images with an in-toto statement of its own
		// predicate type: that is a signature, not an attestation.
		v.Attestation = v.PredicateType != CosignSignPredicate
	} else {
		v.Attestation = false
		v.PredicateType = ""
	}
	v.Verified = true
	what := "signature"
	if v.Attestation {
		what = "attestation (" + v.PredicateType + ")"
	}
	v.Reason = fmt.Sprintf("Sigstore bundle %s verified: signed by %s, trusted by rule %q", what, v.Identity, r.rule.Name)
}

// verifyKeylessBundle verifies a bundle signed with a Fulcio certificate against the
// policy's trusted root and the rule's identities.
func verifyKeylessBundle(v *imagefacts.Verification, c *compiled, r *compiledRule, b *bundle.Bundle, cert *x509.Certificate, sc verify.SignatureContent, artifact verify.ArtifactPolicyOption) *verify.VerificationResult {
	claimed := "an unknown identity"
	if sum, err := certificate.SummarizeCertificate(cert); err == nil {
		claimed = sum.Issuer + " / " + sum.SubjectAlternativeName
	}
	if len(r.identities) == 0 || c.trustedRoot == nil {
		v.Reason = fmt.Sprintf("signed keylessly (certificate for %s), but rule %q trusts no keyless identity", claimed, r.rule.Name)
		return nil
	}
	tr := c.trustedRoot
	opts := []verify.VerifierOption{verify.WithObserverTimestamps(1), verify.WithoutStatementPredicate()}
	if len(tr.RekorLogs()) > 0 {
		opts = append(opts, verify.WithTransparencyLog(1))
	}
	if len(tr.CTLogs()) > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	vf, err := verify.NewVerifier(tr, opts...)
	if err != nil {
		v.Reason = "cannot set up keyless verification: " + err.Error()
		return nil
	}
	var pol []verify.PolicyOption
	for _, id := range r.identities {
		ci, err := verify.NewShortCertificateIdentity(id.issuer, "", "", id.pattern)
		if err != nil {
			v.Reason = "cannot use identity of rule " + r.rule.Name + ": " + err.Error()
			return nil
		}
		pol = append(pol, verify.WithCertificateIdentity(ci))
	}
	res, err := vf.Verify(b, verify.NewPolicy(artifact, pol...))
	if err != nil {
		var idErr *verify.ErrNoMatchingCertificateIdentity
		if errors.As(err, &idErr) {
			v.Reason = fmt.Sprintf("signed by %s, an identity rule %q does not trust", claimed, r.rule.Name)
			return nil
		}
		v.Reason = bundleFailure(err, sc)
		return nil
	}
	if res.Signature == nil || res.Signature.Certificate == nil {
		v.Reason = "Sigstore bundle verified without a certificate summary"
		return nil
	}
	v.Identity = res.Signature.Certificate.Issuer + " / " + res.Signature.Certificate.SubjectAlternativeName
	return res
}

// verifyKeyedBundle verifies a bundle signed with a public key (hint) using the rule's
// keys as the trusted public key material. The hint in the bundle is not trusted: every
// key of the rule is tried.
func verifyKeyedBundle(v *imagefacts.Verification, r *compiledRule, b *bundle.Bundle, sc verify.SignatureContent, artifact verify.ArtifactPolicyOption, now time.Time) *verify.VerificationResult {
	if len(r.keys) == 0 {
		v.Reason = fmt.Sprintf("signed with a key, but rule %q trusts no keys", r.rule.Name)
		return nil
	}
	names := make([]string, 0, len(r.keys))
	var expired *trustedKey
	var digestErr error
	for i := range r.keys {
		k := &r.keys[i]
		names = append(names, k.name)
		for _, sv := range bundleVerifiers(k.pub) {
			tc := root.NewExpiringKey(sv, time.Time{}, time.Time{})
			tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return tc, nil })
			vf, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps(), verify.WithoutStatementPredicate())
			if err != nil {
				v.Reason = "cannot set up key verification: " + err.Error()
				return nil
			}
			res, err := vf.Verify(b, verify.NewPolicy(artifact, verify.WithKey()))
			if err != nil {
				if isDigestMismatch(err) {
					digestErr = err
				}
				continue
			}
			if k.notAfter != nil && now.After(*k.notAfter) {
				expired = k
				break
			}
			v.Identity = k.name
			return res
		}
	}
	switch {
	case expired != nil:
		v.Reason = fmt.Sprintf("key %s expired on %s", expired.name, expired.notAfter.UTC().Format(time.DateOnly))
	case digestErr != nil:
		v.Reason = bundleFailure(digestErr, sc)
	default:
		v.Reason = fmt.Sprintf("signature does not verify with any trusted key (%s)", strings.Join(names, ", "))
	}
	return nil
}

// bundleVerifiers are the ways a key may have signed a bundle.
func bundleVerifiers(pub crypto.PublicKey) []signature.Verifier {
	var out []signature.Verifier
	add := func(sv signature.Verifier, err error) {
		if err == nil {
			out = append(out, sv)
		}
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		add(signature.LoadECDSAVerifier(k, crypto.SHA256))
		if k.Curve == elliptic.P384() {
			add(signature.LoadECDSAVerifier(k, crypto.SHA384))
		}
	case *rsa.PublicKey:
		add(signature.LoadRSAPKCS1v15Verifier(k, crypto.SHA256))
		add(signature.LoadRSAPSSVerifier(k, crypto.SHA256, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}))
	case ed25519.PublicKey:
		add(signature.LoadED25519Verifier(k))
	}
	return out
}

func isDigestMismatch(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "artifact does not match digest") ||
		strings.Contains(msg, "does not match any digest in statement") ||
		strings.Contains(msg, "does not match digests in statement")
}

// bundleFailure rewords sigstore-go's verification error as a sentence saying what failed.
func bundleFailure(err error, sc verify.SignatureContent) string {
	msg := err.Error()
	detail := func(prefix string) string {
		if i := strings.Index(msg, prefix); i >= 0 {
			return strings.TrimPrefix(msg[i+len(prefix):], ": ")
		}
		return msg
	}
	switch {
	case isDigestMismatch(err):
		return "signed for another image: " + signedDigests(sc)
	case strings.Contains(msg, "integrated time outside certificate validity"):
		return "the signing certificate was not valid when the transparency log recorded the signature (expired certificate)"
	case strings.Contains(msg, "failed to verify log inclusion"):
		return "the transparency log entry does not verify against the trusted root: " + detail("failed to verify log inclusion")
	case strings.Contains(msg, "failed to verify timestamps"):
		return "no trusted timestamp (transparency log or timestamp authority) proves when it was signed: " + detail("failed to verify timestamps")
	case strings.Contains(msg, "failed to verify leaf certificate"):
		return "the signing certificate does not chain to a certificate authority of the trusted root, or was not valid at signing time (expired certificate)"
	case strings.Contains(msg, "failed to verify signed certificate timestamp"):
		return "the signing certificate has no valid certificate transparency timestamp (SCT) from a log of the trusted root"
	case strings.Contains(msg, "failed to verify signature"):
		return "the signature does not verify with the signing certificate: the bundle was altered or signed something else"
	default:
		return "Sigstore bundle does not verify: " + msg
	}
}

// signedDigests says what a bundle claims to be signed for (not authenticated: for
// messages only).
func signedDigests(sc verify.SignatureContent) string {
	if ms := sc.MessageSignatureContent(); ms != nil {
		alg := ms.DigestAlgorithm()
		switch alg {
		case "SHA2_256":
			alg = "sha256"
		case "SHA2_384":
			alg = "sha384"
		case "SHA2_512":
			alg = "sha512"
		}
		return strings.ToLower(alg) + ":" + hex.EncodeToString(ms.Digest())
	}
	if env := sc.EnvelopeContent(); env != nil {
		if raw := env.RawEnvelope(); raw != nil {
			if body, err := raw.DecodeB64Payload(); err == nil {
				st, _ := checkStatement(body, "")
				if st != nil {
					var ds []string
					for _, s := range st.Subject {
						if d, ok := s.Digest["sha256"]; ok && len(ds) < 3 {
							ds = append(ds, "sha256:"+d)
						}
					}
					if len(ds) > 0 {
						return strings.Join(ds, ", ")
					}
				}
			}
		}
	}
	return "(unknown digest)"
}
