// Package imagetrust verifies container image signatures and attestations against a
// tenant's trust policy. The question it answers is "was this image signed by an identity
// the tenant trusts?", not "does a signature exist?" (which is all a registry such as
// Harbor checks): a signature made with a key, or by a keyless identity, that the
// matching policy rule does not name is not verified.
//
// Verification is pure: no network, no globals. Keyless Sigstore bundles are verified
// against the policy's own trusted_root.json only, so that air-gapped sites work.
package imagetrust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// Policy is a tenant's trust policy (stored as JSON).
type Policy struct {
	Rules []Rule `json:"rules"`
	// TrustedRoot is a Sigstore trusted_root.json, for keyless verification offline
	// (air-gapped sites).
	TrustedRoot json.RawMessage `json:"trustedRoot,omitempty"`
}

// Rule says who is trusted to sign the images it covers.
type Rule struct {
	Name string `json:"name"`
	// Images are path.Match patterns on "registry/repository", e.g.
	// "registry.example.com/team/*" or "*/*"; a "*" does not cross a "/". The first rule
	// with a matching pattern wins.
	Images []string `json:"images"`
	// Keys are trusted public keys (PEM: ECDSA P-256/P-384, RSA, Ed25519).
	Keys []Key `json:"keys,omitempty"`
	// Identities are trusted keyless signers: certificate issuer and subject, checked
	// against the policy's TrustedRoot.
	Identities []Identity `json:"identities,omitempty"`
	// RequireProvenance asks for a verified SLSA provenance attestation as well.
	RequireProvenance bool `json:"requireProvenance,omitempty"`
}

// Key is a trusted public key.
type Key struct {
	Name string `json:"name"`
	PEM  string `json:"pem"`
	// NotAfter, when set, is when the key stops being trusted.
	NotAfter *time.Time `json:"notAfter,omitempty"`
}

// Identity is a trusted keyless signer.
type Identity struct {
	// Issuer is the OIDC issuer recorded in the certificate, compared exactly.
	Issuer string `json:"issuer"`
	// SubjectPattern is a regular expression that must match the certificate's whole
	// subject (SAN); it is anchored at both ends.
	SubjectPattern string `json:"subjectPattern"`
}

// MaxPayload bounds the size of a material's payload that is looked at.
const MaxPayload = 256 << 10

// MaxSBOMPayload bounds an SBOM attestation's payload (the registry collector's SBOM limit).
const MaxSBOMPayload = 32 << 20

// Validate reports the first problem of the policy, as a sentence naming the rule.
func (p *Policy) Validate() error {
	if p == nil {
		return errors.New("trust policy is missing")
	}
	_, err := p.compile()
	return err
}

// RuleFor returns the first rule whose image patterns match "registry/repository", nil
// when no rule covers the image.
func (p *Policy) RuleFor(registry, repository string) *Rule {
	if p == nil {
		return nil
	}
	name := registry + "/" + repository
	for i := range p.Rules {
		for _, pat := range p.Rules[i].Images {
			if ok, err := path.Match(pat, name); err == nil && ok {
				return &p.Rules[i]
			}
		}
	}
	return nil
}

// trustedKey is a parsed Key.
type trustedKey struct {
	name     string
	pub      crypto.PublicKey
	notAfter *time.Time
}

// compiledRule is a Rule with its keys parsed and subject patterns compiled.
type compiledRule struct {
	rule       *Rule
	keys       []trustedKey
	identities []compiledIdentity
}

type compiledIdentity struct {
	issuer  string
	pattern string // anchored
	re      *regexp.Regexp
}

// compiled is a validated policy, ready to verify with.
type compiled struct {
	rules       []compiledRule
	trustedRoot *root.TrustedRoot // nil when the policy has none
}

func (p *Policy) compile() (*compiled, error) {
	c := &compiled{}
	if len(p.TrustedRoot) > 0 && string(p.TrustedRoot) != "null" {
		tr, err := root.NewTrustedRootFromJSON(p.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("trustedRoot is not a valid Sigstore trusted_root.json: %v", err)
		}
		if len(tr.FulcioCertificateAuthorities()) == 0 {
			return nil, errors.New("trustedRoot has no certificate authority, so no keyless signature could verify against it")
		}
		c.trustedRoot = tr
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		label := fmt.Sprintf("rule %d", i+1)
		if strings.TrimSpace(r.Name) == "" {
			return nil, fmt.Errorf("%s has no name", label)
		}
		label = fmt.Sprintf("rule %q", r.Name)
		for j := 0; j < i; j++ {
			if p.Rules[j].Name == r.Name {
				return nil, fmt.Errorf("%s is defined twice", label)
			}
		}
		if len(r.Images) == 0 {
			return nil, fmt.Errorf("%s covers no images: give at least one pattern such as \"registry.example.com/team/*\"", label)
		}
		for _, pat := range r.Images {
			if strings.TrimSpace(pat) == "" {
				return nil, fmt.Errorf("%s has an empty image pattern", label)
			}
			if _, err := path.Match(pat, ""); err != nil {
				return nil, fmt.Errorf("%s has a bad image pattern %q: %v", label, pat, err)
			}
		}
		if len(r.Keys) == 0 && len(r.Identities) == 0 {
			return nil, fmt.Errorf("%s trusts nobody: give it keys or identities", label)
		}
		cr := compiledRule{rule: r}
		seen := map[string]bool{}
		for k, key := range r.Keys {
			if strings.TrimSpace(key.Name) == "" {
				return nil, fmt.Errorf("%s: key %d has no name", label, k+1)
			}
			if seen[key.Name] {
				return nil, fmt.Errorf("%s: key %q is listed twice", label, key.Name)
			}
			seen[key.Name] = true
			pub, err := parsePublicKey(key.PEM)
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %v", label, key.Name, err)
			}
			cr.keys = append(cr.keys, trustedKey{name: key.Name, pub: pub, notAfter: key.NotAfter})
		}
		if len(r.Identities) > 0 && c.trustedRoot == nil {
			return nil, fmt.Errorf("%s has keyless identities but the policy has no trustedRoot to verify their certificates against", label)
		}
		for k, id := range r.Identities {
			if strings.TrimSpace(id.Issuer) == "" {
				return nil, fmt.Errorf("%s: identity %d has no issuer", label, k+1)
			}
			if strings.TrimSpace(id.SubjectPattern) == "" {
				return nil, fmt.Errorf("%s: identity %d has no subjectPattern", label, k+1)
			}
			anchored := "^(?:" + id.SubjectPattern + ")$"
			re, err := regexp.Compile(anchored)
			if err != nil {
				return nil, fmt.Errorf("%s: identity %d has a bad subjectPattern %q: %v", label, k+1, id.SubjectPattern, err)
			}
			cr.identities = append(cr.identities, compiledIdentity{issuer: id.Issuer, pattern: anchored, re: re})
		}
		c.rules = append(c.rules, cr)
	}
	return c, nil
}

// parsePublicKey reads one PEM public key: ECDSA P-256/P-384, RSA (2048 bits or more) or
// Ed25519.
func parsePublicKey(s string) (crypto.PublicKey, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("pem is not a PEM-encoded public key")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errors.New("pem holds more than one PEM block; give one public key per key")
	}
	var pub crypto.PublicKey
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("pem is a %q block, not a PUBLIC KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("public key does not parse: %v", err)
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, fmt.Errorf("ECDSA curve %s is not supported (use P-256 or P-384)", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits is too short (2048 at least)", k.N.BitLen())
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("key type %T is not supported (ECDSA P-256/P-384, RSA or Ed25519)", pub)
	}
	return pub, nil
}

// ruleFor is RuleFor on the compiled policy.
func (c *compiled) ruleFor(p *Policy, registry, repository string) *compiledRule {
	r := p.RuleFor(registry, repository)
	if r == nil {
		return nil
	}
	for i := range c.rules {
		if c.rules[i].rule == r {
			return &c.rules[i]
		}
	}
	return nil
}
