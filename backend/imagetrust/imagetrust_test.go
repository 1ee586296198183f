package imagetrust

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"google.golang.org/protobuf/encoding/protojson"
)

func one(t *testing.T, p *Policy, m imagefacts.Material, now time.Time) imagefacts.Verification {
	t.Helper()
	vs := Verify(p, testImage(m), now)
	if len(vs) != 1 {
		t.Fatalf("got %d verifications, want 1", len(vs))
	}
	return vs[0]
}

func wantVerdict(t *testing.T, v imagefacts.Verification, verified bool, reason string) {
	t.Helper()
	if v.Verified != verified {
		t.Fatalf("verified = %v, want %v (reason: %s)", v.Verified, verified, v.Reason)
	}
	if !strings.Contains(v.Reason, reason) {
		t.Fatalf("reason = %q, want it to contain %q", v.Reason, reason)
	}
}

func TestClassicSignatureWithKeys(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	k1 := newTestKey(t, "ecdsa")
	k2 := newTestKey(t, "ed25519")
	k3 := newTestKey(t, "rsa")
	k4 := newTestKey(t, "rsa-pss")
	stranger := newTestKey(t, "ecdsa")
	good := simpleSigningPayload(manifestDigest())
	policy := keyPolicy(Key{Name: "k1", PEM: k1.pem}, Key{Name: "k2", PEM: k2.pem}, Key{Name: "k3", PEM: k3.pem}, Key{Name: "k4", PEM: k4.pem})

	tamperedPayload := classicSignature(k1, good)
	tamperedPayload.Payload = simpleSigningPayload(otherDigest())
	tamperedSig := classicSignature(k1, good)
	sig, _ := base64.StdEncoding.DecodeString(tamperedSig.Signature)
	sig[len(sig)-1] ^= 1
	tamperedSig.Signature = base64.StdEncoding.EncodeToString(sig)
	keyless := classicSignature(k1, good)
	keyless.Certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	wrongType := classicSignature(k1, []byte(strings.Replace(string(good), "cosign container image signature", "something else", 1)))

	tests := []struct {
		name     string
		policy   *Policy
		m        imagefacts.Material
		verified bool
		identity string
		reason   string
	}{
		{"ecdsa key verifies", policy, classicSignature(k1, good), true, "k1", `with key "k1" of rule "team"`},
		{"ed25519 key verifies", policy, classicSignature(k2, good), true, "k2", `key "k2"`},
		{"rsa pkcs1v15 key verifies", policy, classicSignature(k3, good), true, "k3", `key "k3"`},
		{"rsa pss key verifies", policy, classicSignature(k4, good), true, "k4", `key "k4"`},
		{"tampered payload", policy, tamperedPayload, false, "", "signature does not verify with any trusted key (k1, k2, k3, k4)"},
		{"tampered signature", policy, tamperedSig, false, "", "signature does not verify with any trusted key"},
		{"signed by a key not in the rule", keyPolicy(Key{Name: "k1", PEM: k1.pem}, Key{Name: "k2", PEM: k2.pem}), classicSignature(stranger, good), false, "", "signature does not verify with any trusted key (k1, k2)"},
		{"trusted key of another rule does not count",
			&Policy{Rules: []Rule{
				{Name: "team", Images: []string{testRegistry + "/team/*"}, Keys: []Key{{Name: "k1", PEM: k1.pem}}},
				{Name: "all", Images: []string{"*/*/*"}, Keys: []Key{{Name: "s", PEM: stranger.pem}}},
			}},
			classicSignature(stranger, good), false, "", "any trusted key (k1)"},
		{"wrong digest", policy, classicSignature(k1, simpleSigningPayload(otherDigest())), false, "", "signed for another image: " + otherDigest()},
		{"wrong type", policy, wrongType, false, "", `type "something else"`},
		{"expired key", keyPolicy(Key{Name: "k1", PEM: k1.pem, NotAfter: ptrTime(now.Add(-48 * time.Hour))}), classicSignature(k1, good), false, "", "key k1 expired on 2026-02-27"},
		{"key before its expiry", keyPolicy(Key{Name: "k1", PEM: k1.pem, NotAfter: ptrTime(now.Add(time.Hour))}), classicSignature(k1, good), true, "k1", "verified"},
		{"classic keyless is not verified offline", policy, keyless, false, "", "--new-bundle-format"},
		{"invalid bundle JSON", policy, bundleMaterial([]byte(`{}`), ""), false, "", "not a valid Sigstore bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := one(t, tt.policy, tt.m, now)
			wantVerdict(t, v, tt.verified, tt.reason)
			if v.Identity != tt.identity {
				t.Errorf("identity = %q, want %q", v.Identity, tt.identity)
			}
			if v.Attestation {
				t.Error("a signature was reported as an attestation")
			}
			if v.Format != tt.m.Format || v.Source != tt.m.Source {
				t.Errorf("format/source = %s/%s, want %s/%s", v.Format, v.Source, tt.m.Format, tt.m.Source)
			}
		})
	}
}

func TestNoRuleCoversImage(t *testing.T) {
	k1 := newTestKey(t, "ecdsa")
	m := classicSignature(k1, simpleSigningPayload(manifestDigest()))
	other := &Policy{Rules: []Rule{{Name: "other", Images: []string{"registry.example.com/other/*"}, Keys: []Key{{Name: "k1", PEM: k1.pem}}}}}
	for name, p := range map[string]*Policy{"other images": other, "nil policy": nil, "empty policy": {}} {
		t.Run(name, func(t *testing.T) {
			vs := Verify(p, testImage(m, m), time.Now())
			if len(vs) != 2 {
				t.Fatalf("got %d verifications, want 2", len(vs))
			}
			for _, v := range vs {
				wantVerdict(t, v, false, "no trust policy rule covers registry.example.com/team/app")
			}
		})
	}
}

func TestMaterialLimitsAndProblems(t *testing.T) {
	k1 := newTestKey(t, "ecdsa")
	p := keyPolicy(Key{Name: "k1", PEM: k1.pem})
	big := classicSignature(k1, append(simpleSigningPayload(manifestDigest()), make([]byte, MaxPayload)...))
	problem := classicSignature(k1, simpleSigningPayload(manifestDigest()))
	problem.Problem = "signature layer digest mismatch"
	unknown := imagefacts.Material{Format: imagefacts.FormatUnknown, ArtifactType: "application/vnd.cncf.notary.signature"}
	good := classicSignature(k1, simpleSigningPayload(manifestDigest()))

	vs := Verify(p, testImage(big, problem, unknown, good), time.Now())
	if len(vs) != 4 {
		t.Fatalf("got %d verifications, want 4", len(vs))
	}
	wantVerdict(t, vs[0], false, "larger than the 262144 bytes")
	wantVerdict(t, vs[1], false, "signature layer digest mismatch")
	wantVerdict(t, vs[2], false, "format not supported: application/vnd.cncf.notary.signature")
	wantVerdict(t, vs[3], true, "verified")
}

func TestClassicAttestationWithKeys(t *testing.T) {
	k1 := newTestKey(t, "ecdsa")
	stranger := newTestKey(t, "ecdsa")
	p := keyPolicy(Key{Name: "k1", PEM: k1.pem})

	tests := []struct {
		name     string
		m        imagefacts.Material
		verified bool
		reason   string
	}{
		{"slsa provenance verifies", classicAttestation(k1, statement(manifestDigest(), slsaV1)), true, "attestation (https://slsa.dev/provenance/v1) verified with key \"k1\""},
		{"subject digest mismatch", classicAttestation(k1, statement(otherDigest(), slsaV1)), false, "attestation is for another image: " + otherDigest()},
		{"signed by a key not in the rule", classicAttestation(stranger, statement(manifestDigest(), slsaV1)), false, "signature does not verify with any trusted key (k1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := one(t, p, tt.m, time.Now())
			wantVerdict(t, v, tt.verified, tt.reason)
			if !v.Attestation || v.PredicateType != slsaV1 {
				t.Errorf("attestation = %v, predicate = %q; want true, %q", v.Attestation, v.PredicateType, slsaV1)
			}
		})
	}

	// A tampered statement (subject swapped after signing) does not verify.
	m := classicAttestation(k1, statement(otherDigest(), slsaV1))
	var env map[string]any
	if err := json.Unmarshal(m.Payload, &env); err != nil {
		t.Fatal(err)
	}
	env["payload"] = base64.StdEncoding.EncodeToString(statement(manifestDigest(), slsaV1))
	m.Payload, _ = json.Marshal(env)
	wantVerdict(t, one(t, p, m, time.Now()), false, "signature does not verify with any trusted key (k1)")
}

// keylessPolicy trusts identities against the virtual Sigstore's trusted root.
func keylessPolicy(t *testing.T, vs *ca.VirtualSigstore, ids ...Identity) *Policy {
	return &Policy{
		TrustedRoot: virtualTrustedRoot(t, vs),
		Rules:       []Rule{{Name: "ci", Images: []string{testRegistry + "/team/*"}, Identities: ids}},
	}
}

func TestKeylessBundles(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := vs.Sign(ghSubject, ghIssuer, testManifest)
	if err != nil {
		t.Fatal(err)
	}
	good := bundleJSON(t, vs, signed)

	expiredEntity, err := vs.SignAtTime(ghSubject, ghIssuer, testManifest, time.Now().Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	expired := bundleJSON(t, vs, expiredEntity)

	otherArtifact, err := vs.Sign(ghSubject, ghIssuer, []byte("another manifest"))
	if err != nil {
		t.Fatal(err)
	}

	// Flip a bit of the message signature.
	var raw map[string]any
	if err := json.Unmarshal(good, &raw); err != nil {
		t.Fatal(err)
	}
	ms := raw["messageSignature"].(map[string]any)
	sig, _ := base64.StdEncoding.DecodeString(ms["signature"].(string))
	sig[10] ^= 1
	ms["signature"] = base64.StdEncoding.EncodeToString(sig)
	tampered, _ := json.Marshal(raw)

	otherSigstore, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}

	// Trusted roots without the transparency log (like GitHub's private Sigstore), and
	// with another Fulcio CA but the right log and TSA.
	tsaOnly := func(id Identity) *Policy {
		return &Policy{TrustedRoot: trustedRootOf(t, vs, vs, false), Rules: []Rule{{Name: "ci", Images: []string{"*/*/*"}, Identities: []Identity{id}}}}
	}
	mixedRoot := trustedRootOf(t, otherSigstore, vs, true)

	trusted := Identity{Issuer: ghIssuer, SubjectPattern: `https://github\.com/acme/app/\.github/workflows/release\.yml@refs/heads/main`}
	tests := []struct {
		name     string
		policy   *Policy
		payload  []byte
		verified bool
		reason   string
	}{
		{"trusted identity verifies", keylessPolicy(t, vs, trusted), good, true, `signed by ` + ghIssuer + ` / ` + ghSubject + `, trusted by rule "ci"`},
		{"second identity of the rule verifies", keylessPolicy(t, vs, Identity{Issuer: "https://accounts.google.com", SubjectPattern: ".*"}, Identity{Issuer: ghIssuer, SubjectPattern: `https://github\.com/acme/.*`}), good, true, "verified"},
		{"wrong subject", keylessPolicy(t, vs, Identity{Issuer: ghIssuer, SubjectPattern: `https://github\.com/acme/other/.*`}), good, false, `an identity rule "ci" does not trust`},
		{"subject pattern is anchored", keylessPolicy(t, vs, Identity{Issuer: ghIssuer, SubjectPattern: `https://github\.com/acme/app`}), good, false, "does not trust"},
		{"wrong issuer", keylessPolicy(t, vs, Identity{Issuer: "https://accounts.google.com", SubjectPattern: ".*"}), good, false, "does not trust"},
		{"wrong artifact digest", keylessPolicy(t, vs, trusted), bundleJSON(t, vs, otherArtifact), false, "signed for another image: sha256:"},
		{"tampered bundle", keylessPolicy(t, vs, trusted), tampered, false, "transparency log"},
		{"expired certificate", keylessPolicy(t, vs, trusted), expired, false, "expired certificate"},
		{"another Sigstore's trusted root", keylessPolicy(t, otherSigstore, trusted), good, false, "does not verify against the trusted root"},
		{"TSA-only trusted root verifies", tsaOnly(trusted), good, true, "verified"},
		{"tampered signature, TSA-only trusted root", tsaOnly(trusted), tampered, false, "no trusted timestamp (transparency log or timestamp authority) proves when it was signed"},
		{"certificate from an untrusted CA", &Policy{TrustedRoot: mixedRoot, Rules: []Rule{{Name: "ci", Images: []string{"*/*/*"}, Identities: []Identity{trusted}}}}, good, false, "does not chain to a certificate authority of the trusted root"},
		{"keyless bundle under a keys-only rule", keyPolicy(Key{Name: "k1", PEM: newTestKey(t, "ecdsa").pem}), good, false, `rule "team" trusts no keyless identity`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := one(t, tt.policy, bundleMaterial(tt.payload, ""), time.Now())
			wantVerdict(t, v, tt.verified, tt.reason)
			if tt.verified && v.Identity != ghIssuer+" / "+ghSubject {
				t.Errorf("identity = %q, want %q", v.Identity, ghIssuer+" / "+ghSubject)
			}
			if !tt.verified && v.Identity != "" {
				t.Errorf("unverified material has identity %q", v.Identity)
			}
			if v.Attestation {
				t.Error("a message signature was reported as an attestation")
			}
		})
	}
}

func TestKeylessAttestationBundleIsProvenance(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	att, err := vs.AttestAtTime(ghSubject, ghIssuer, statement(manifestDigest(), slsaV1), time.Now().Add(5*time.Minute), true)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := vs.Sign(ghSubject, ghIssuer, testManifest)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := vs.AttestAtTime(ghSubject, ghIssuer, statement(otherDigest(), slsaV1), time.Now().Add(5*time.Minute), true)
	if err != nil {
		t.Fatal(err)
	}
	p := keylessPolicy(t, vs, Identity{Issuer: ghIssuer, SubjectPattern: `https://github\.com/acme/app/.*`})
	p.Rules[0].RequireProvenance = true

	// Only the attestation: provenance, but not signed.
	im := testImage(bundleMaterial(bundleJSON(t, vs, att), slsaV1), bundleMaterial(bundleJSON(t, vs, wrong), slsaV1))
	vsAtt := Verify(p, im, time.Now())
	wantVerdict(t, vsAtt[0], true, "attestation (https://slsa.dev/provenance/v1) verified")
	if !vsAtt[0].Attestation || vsAtt[0].PredicateType != slsaV1 || vsAtt[0].Identity != ghIssuer+" / "+ghSubject {
		t.Errorf("attestation verdict = %+v", vsAtt[0])
	}
	wantVerdict(t, vsAtt[1], false, "signed for another image: "+otherDigest())
	s := Summarize(p, im, vsAtt)
	if !s.Provenance || s.Signed || s.Rule != "ci" {
		t.Errorf("summary = %+v, want provenance, not signed, rule ci", s)
	}

	// A statement altered after signing: with a TSA-only trusted root (no log entry to
	// disagree first), the DSSE signature check itself catches it.
	var raw map[string]any
	if err := json.Unmarshal(bundleJSON(t, vs, wrong), &raw); err != nil {
		t.Fatal(err)
	}
	raw["dsseEnvelope"].(map[string]any)["payload"] = base64.StdEncoding.EncodeToString(statement(manifestDigest(), slsaV1))
	tampered, _ := json.Marshal(raw)
	tsaOnly := &Policy{TrustedRoot: trustedRootOf(t, vs, vs, false), Rules: p.Rules}
	wantVerdict(t, one(t, tsaOnly, bundleMaterial(tampered, slsaV1), time.Now()), false, "the signature does not verify with the signing certificate")
	wantVerdict(t, one(t, tsaOnly, bundleMaterial(bundleJSON(t, vs, att), slsaV1), time.Now()), true, "verified")

	// With a signature as well: signed by the workflow identity.
	im.Materials = append(im.Materials, bundleMaterial(bundleJSON(t, vs, sig), ""))
	s = Summarize(p, im, Verify(p, im, time.Now()))
	if !s.Provenance || !s.Signed || s.SignedBy != ghIssuer+" / "+ghSubject || len(s.Reasons) != 0 {
		t.Errorf("summary = %+v, want signed and provenance without reasons", s)
	}
}

func TestKeyedBundles(t *testing.T) {
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := kp.GetPublicKeyPem()
	if err != nil {
		t.Fatal(err)
	}
	mk := func(c sign.Content) []byte {
		pb, err := sign.Bundle(c, kp, sign.BundleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := protojson.Marshal(pb)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	msg := mk(&sign.PlainData{Data: testManifest})
	att := mk(&sign.DSSEData{Data: statement(manifestDigest(), slsaV1), PayloadType: "application/vnd.in-toto+json"})
	cosignSig := mk(&sign.DSSEData{Data: statement(manifestDigest(), CosignSignPredicate), PayloadType: "application/vnd.in-toto+json"})
	other := mk(&sign.PlainData{Data: []byte("another manifest")})
	now := time.Now()

	trusted := keyPolicy(Key{Name: "release", PEM: pemKey})
	untrusted := keyPolicy(Key{Name: "k1", PEM: newTestKey(t, "ecdsa").pem}, Key{Name: "k2", PEM: newTestKey(t, "rsa").pem})
	expired := keyPolicy(Key{Name: "release", PEM: pemKey, NotAfter: ptrTime(now.Add(-time.Hour))})

	tests := []struct {
		name        string
		policy      *Policy
		payload     []byte
		verified    bool
		attestation bool
		reason      string
	}{
		{"message signature verifies", trusted, msg, true, false, `signed by release, trusted by rule "team"`},
		{"attestation verifies", trusted, att, true, true, "attestation (https://slsa.dev/provenance/v1) verified"},
		{"cosign sign statement is a signature", trusted, cosignSig, true, false, "signature verified"},
		{"key not in the rule", untrusted, msg, false, false, "signature does not verify with any trusted key (k1, k2)"},
		{"expired key", expired, msg, false, false, "key release expired on"},
		{"wrong digest", trusted, other, false, false, "signed for another image: sha256:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := one(t, tt.policy, bundleMaterial(tt.payload, ""), now)
			wantVerdict(t, v, tt.verified, tt.reason)
			if tt.verified && (v.Identity != "release" || v.Attestation != tt.attestation) {
				t.Errorf("identity = %q attestation = %v, want release %v", v.Identity, v.Attestation, tt.attestation)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	k := newTestKey(t, "ecdsa")
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	tr := virtualTrustedRoot(t, vs)
	id := Identity{Issuer: ghIssuer, SubjectPattern: "https://github.com/acme/.*"}
	rule := func(mod func(*Rule)) *Policy {
		r := Rule{Name: "r", Images: []string{"*/*"}, Keys: []Key{{Name: "k", PEM: k.pem}}}
		mod(&r)
		return &Policy{Rules: []Rule{r}, TrustedRoot: tr}
	}
	tests := []struct {
		name string
		p    *Policy
		err  string // "" for valid
	}{
		{"keys rule is valid", rule(func(*Rule) {}), ""},
		{"identities rule is valid", rule(func(r *Rule) { r.Keys = nil; r.Identities = []Identity{id} }), ""},
		{"bad PEM", rule(func(r *Rule) { r.Keys[0].PEM = "not a key" }), `rule "r": key "k": pem is not a PEM-encoded public key`},
		{"PEM of a private key", rule(func(r *Rule) { r.Keys[0].PEM = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }), `not a PUBLIC KEY`},
		{"garbled key bytes", rule(func(r *Rule) { r.Keys[0].PEM = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n" }), "public key does not parse"},
		{"bad regexp", rule(func(r *Rule) { r.Identities = []Identity{{Issuer: ghIssuer, SubjectPattern: "(unclosed"}} }), `bad subjectPattern "(unclosed"`},
		{"identity without issuer", rule(func(r *Rule) { r.Identities = []Identity{{SubjectPattern: ".*"}} }), "identity 1 has no issuer"},
		{"bad image pattern", rule(func(r *Rule) { r.Images = []string{"registry.example.com/[team"} }), `bad image pattern "registry.example.com/[team"`},
		{"no image pattern", rule(func(r *Rule) { r.Images = nil }), `rule "r" covers no images`},
		{"rule without keys or identities", rule(func(r *Rule) { r.Keys = nil }), `rule "r" trusts nobody`},
		{"rule without name", rule(func(r *Rule) { r.Name = "" }), "rule 1 has no name"},
		{"identities without trusted root", &Policy{Rules: []Rule{{Name: "r", Images: []string{"*/*"}, Identities: []Identity{id}}}}, `rule "r" has keyless identities but the policy has no trustedRoot`},
		{"invalid trusted root JSON", &Policy{TrustedRoot: json.RawMessage(`{"mediaType":"nope"}`), Rules: []Rule{{Name: "r", Images: []string{"*/*"}, Identities: []Identity{id}}}}, "trustedRoot is not a valid Sigstore trusted_root.json"},
		{"duplicate rule", &Policy{Rules: []Rule{{Name: "r", Images: []string{"*/*"}, Keys: []Key{{Name: "k", PEM: k.pem}}}, {Name: "r", Images: []string{"*/*"}, Keys: []Key{{Name: "k", PEM: k.pem}}}}}, `rule "r" is defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.err)
			}
		})
	}

	// An invalid policy verifies nothing, and says why.
	bad := rule(func(r *Rule) { r.Images = []string{"*/*/*"}; r.Keys[0].PEM = "not a key" })
	wantVerdict(t, one(t, bad, classicSignature(k, simpleSigningPayload(manifestDigest())), time.Now()), false, "the trust policy is invalid")
}

func TestRuleFor(t *testing.T) {
	p := &Policy{Rules: []Rule{
		{Name: "team", Images: []string{"registry.example.com/team/*"}},
		{Name: "exact", Images: []string{"registry.example.com/app", "registry.example.com:5000/app"}},
		{Name: "team-shadowed", Images: []string{"registry.example.com/team/app"}},
		{Name: "two-levels", Images: []string{"*/*"}},
	}}
	tests := []struct {
		registry, repository, want string
	}{
		{"registry.example.com", "team/app", "team"}, // first matching rule wins over team-shadowed
		{"registry.example.com", "app", "exact"},
		{"registry.example.com:5000", "app", "exact"},
		{"docker.io", "nginx", "two-levels"},
		{"registry.example.com", "team/sub/app", ""}, // "*" does not cross "/"
		{"other.example.com", "team/app", ""},
	}
	for _, tt := range tests {
		r := p.RuleFor(tt.registry, tt.repository)
		got := ""
		if r != nil {
			got = r.Name
		}
		if got != tt.want {
			t.Errorf("RuleFor(%q, %q) = %q, want %q", tt.registry, tt.repository, got, tt.want)
		}
	}
	if (*Policy)(nil).RuleFor("a", "b") != nil {
		t.Error("nil policy has a rule")
	}
}

func TestSummarize(t *testing.T) {
	k1 := newTestKey(t, "ecdsa")
	p := keyPolicy(Key{Name: "k1", PEM: k1.pem})
	p.Rules[0].RequireProvenance = true
	sig := classicSignature(k1, simpleSigningPayload(manifestDigest()))
	wrong := classicSignature(k1, simpleSigningPayload(otherDigest()))
	prov := classicAttestation(k1, statement(manifestDigest(), slsaV1))
	sbom := classicAttestation(k1, statement(manifestDigest(), "https://spdx.dev/Document"))
	sbom.PredicateType = "https://spdx.dev/Document"

	t.Run("signed with provenance", func(t *testing.T) {
		im := testImage(wrong, sig, prov)
		s := Summarize(p, im, Verify(p, im, time.Now()))
		if !s.Signed || s.SignedBy != "k1" || !s.Provenance || s.Rule != "team" || len(s.Reasons) != 0 {
			t.Errorf("summary = %+v", s)
		}
	})
	t.Run("verified attestation is not a signature, and not provenance unless SLSA", func(t *testing.T) {
		im := testImage(wrong, sbom)
		s := Summarize(p, im, Verify(p, im, time.Now()))
		if s.Signed || s.Provenance {
			t.Fatalf("summary = %+v, want neither signed nor provenance", s)
		}
		joined := strings.Join(s.Reasons, "\n")
		for _, want := range []string{"signed for another image", `rule "team" requires a verified SLSA provenance attestation`} {
			if !strings.Contains(joined, want) {
				t.Errorf("reasons %q lack %q", joined, want)
			}
		}
	})
	t.Run("nothing found", func(t *testing.T) {
		im := testImage()
		s := Summarize(p, im, Verify(p, im, time.Now()))
		if s.Signed || len(s.Reasons) != 2 || !strings.Contains(s.Reasons[0], "no signature found") {
			t.Errorf("summary = %+v", s)
		}
	})
	t.Run("no rule", func(t *testing.T) {
		im := testImage(sig)
		im.Registry = "elsewhere.example.com"
		s := Summarize(p, im, Verify(p, im, time.Now()))
		if s.Signed || s.Rule != "" || len(s.Reasons) != 1 || !strings.Contains(s.Reasons[0], "no trust policy rule covers elsewhere.example.com/team/app") {
			t.Errorf("summary = %+v", s)
		}
	})
}
