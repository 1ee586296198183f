package imagetrust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/collectors/imagefacts"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	testRegistry   = "registry.example.com"
	testRepository = "team/app"
	ghIssuer       = "https://token.actions.githubusercontent.com"
	ghSubject      = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
	slsaV1         = "https://slsa.dev/provenance/v1"
)

// testManifest is the image manifest whose digest the test images carry.
var testManifest = []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`)

func manifestDigest() string {
	h := sha256.Sum256(testManifest)
	return "sha256:" + hex.EncodeToString(h[:])
}

func otherDigest() string {
	h := sha256.Sum256([]byte("another image"))
	return "sha256:" + hex.EncodeToString(h[:])
}

func testImage(ms ...imagefacts.Material) *imagefacts.Image {
	return &imagefacts.Image{
		Digest:     manifestDigest(),
		Registry:   testRegistry,
		Repository: testRepository,
		Materials:  ms,
	}
}

// testKey is a signing key made for a test, with its public half as PEM.
type testKey struct {
	kind string
	sign func(msg []byte) []byte // signs the way cosign does
	pem  string
}

func newTestKey(t *testing.T, kind string) testKey {
	t.Helper()
	var pub crypto.PublicKey
	var sign func([]byte) []byte
	switch kind {
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = k.Public()
		sign = func(msg []byte) []byte {
			h := sha256.Sum256(msg)
			sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	case "ed25519":
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = p
		sign = func(msg []byte) []byte { return ed25519.Sign(k, msg) }
	case "rsa", "rsa-pss":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub = k.Public()
		pss := kind == "rsa-pss"
		sign = func(msg []byte) []byte {
			h := sha256.Sum256(msg)
			var sig []byte
			var err error
			if pss {
				sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, h[:], nil)
			} else {
				sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
			}
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kind: kind, sign: sign, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
}

// simpleSigningPayload is what `cosign sign` signs for an image.
func simpleSigningPayload(digest string) []byte {
	return []byte(fmt.Sprintf(`{"critical":{"identity":{"docker-reference":"%s/%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}`,
		testRegistry, testRepository, digest))
}

func classicSignature(k testKey, payload []byte) imagefacts.Material {
	return imagefacts.Material{
		Format:    imagefacts.FormatCosignSimpleSigning,
		Source:    "tag sha256-abc.sig",
		Payload:   payload,
		Signature: base64.StdEncoding.EncodeToString(k.sign(payload)),
	}
}

// statement is an in-toto statement about digest.
func statement(digest, predicateType string) []byte {
	return []byte(fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"%s/%s","digest":{"sha256":"%s"}}],"predicateType":"%s","predicate":{"buildDefinition":{"buildType":"https://example.com/build"}}}`,
		testRegistry, testRepository, strings.TrimPrefix(digest, "sha256:"), predicateType))
}

// classicAttestation is a cosign classic attestation: a DSSE envelope signed with k.
func classicAttestation(k testKey, stmt []byte) imagefacts.Material {
	const pt = "application/vnd.in-toto+json"
	env := map[string]any{
		"payloadType": pt,
		"payload":     base64.StdEncoding.EncodeToString(stmt),
		"signatures":  []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString(k.sign(pae(pt, stmt)))}},
	}
	b, _ := json.Marshal(env)
	return imagefacts.Material{
		Format:        imagefacts.FormatDSSE,
		Source:        "tag sha256-abc.att",
		Payload:       b,
		PredicateType: slsaV1,
	}
}

func keyPolicy(keys ...Key) *Policy {
	return &Policy{Rules: []Rule{{Name: "team", Images: []string{testRegistry + "/team/*"}, Keys: keys}}}
}

// virtualTrustedRoot serializes the virtual Sigstore's trust material to a
// trusted_root.json, the way a tenant would paste it in its policy. The virtual Sigstore
// keeps a transparency log's ID as hex text; a trusted root keeps the raw key ID. Its CT
// log is left out: the virtual Fulcio does not embed SCTs.
func virtualTrustedRoot(t *testing.T, vs *ca.VirtualSigstore) json.RawMessage {
	t.Helper()
	return trustedRootOf(t, vs, vs, true)
}

// trustedRootOf takes the Fulcio CA from fulcio, the TSA (and the Rekor log when withLog)
// from rest.
func trustedRootOf(t *testing.T, fulcio, rest *ca.VirtualSigstore, withLog bool) json.RawMessage {
	t.Helper()
	logs := map[string]*root.TransparencyLog{}
	for id, tl := range rest.RekorLogs() {
		if !withLog {
			break
		}
		c := *tl
		raw, err := hex.DecodeString(string(tl.ID))
		if err != nil {
			t.Fatal(err)
		}
		c.ID = raw
		logs[id] = &c
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, fulcio.FulcioCertificateAuthorities(), nil, rest.TimestampingAuthorities(), logs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bundleJSON serializes a virtual Sigstore test entity to a v0.3 Sigstore bundle, as the
// registry collector delivers them: leaf certificate, RFC 3161 timestamps, and tlog
// entries with both an inclusion promise (SET) and an inclusion proof.
func bundleJSON(t *testing.T, vs *ca.VirtualSigstore, e *ca.TestEntity) []byte {
	t.Helper()
	vc, err := e.VerificationContent()
	if err != nil {
		t.Fatal(err)
	}
	b := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: vc.Certificate().Raw},
			},
			TimestampVerificationData: &protobundle.TimestampVerificationData{},
		},
	}
	sc, err := e.SignatureContent()
	if err != nil {
		t.Fatal(err)
	}
	if env := sc.EnvelopeContent(); env != nil {
		raw := env.RawEnvelope()
		payload, err := base64.StdEncoding.DecodeString(raw.Payload)
		if err != nil {
			t.Fatal(err)
		}
		pe := &protodsse.Envelope{Payload: payload, PayloadType: raw.PayloadType}
		for _, s := range raw.Signatures {
			sig, err := base64.StdEncoding.DecodeString(s.Sig)
			if err != nil {
				t.Fatal(err)
			}
			pe.Signatures = append(pe.Signatures, &protodsse.Signature{Sig: sig, Keyid: s.KeyID})
		}
		b.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: pe}
	} else {
		ms := sc.MessageSignatureContent()
		b.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: ms.Digest()},
			Signature:     ms.Signature(),
		}}
	}
	tss, err := e.Timestamps()
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range tss {
		b.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps = append(
			b.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps, &protocommon.RFC3161SignedTimestamp{SignedTimestamp: ts})
	}
	entries, err := e.TlogEntries()
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		tle := proto.Clone(entry.TransparencyLogEntry()).(*protorekor.TransparencyLogEntry)
		var kv struct {
			Kind       string `json:"kind"`
			APIVersion string `json:"apiVersion"`
		}
		if err := json.Unmarshal(tle.CanonicalizedBody, &kv); err != nil {
			t.Fatal(err)
		}
		tle.KindVersion = &protorekor.KindVersion{Kind: kv.Kind, Version: kv.APIVersion}
		set, err := vs.RekorSignPayload(tlog.RekorPayload{
			Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
			IntegratedTime: tle.IntegratedTime,
			LogIndex:       tle.LogIndex,
			LogID:          hex.EncodeToString(tle.LogId.KeyId),
		})
		if err != nil {
			t.Fatal(err)
		}
		tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
		if tle.InclusionProof == nil {
			ip, err := vs.GetInclusionProof(tle.CanonicalizedBody)
			if err != nil {
				t.Fatal(err)
			}
			rootHash, err := hex.DecodeString(*ip.RootHash)
			if err != nil {
				t.Fatal(err)
			}
			var hashes [][]byte
			for _, h := range ip.Hashes {
				hb, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				hashes = append(hashes, hb)
			}
			tle.InclusionProof = &protorekor.InclusionProof{
				LogIndex:   *ip.LogIndex,
				RootHash:   rootHash,
				TreeSize:   *ip.TreeSize,
				Hashes:     hashes,
				Checkpoint: &protorekor.Checkpoint{Envelope: *ip.Checkpoint},
			}
		}
		b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func bundleMaterial(payload []byte, predicateType string) imagefacts.Material {
	return imagefacts.Material{
		Format:        imagefacts.FormatSigstoreBundle,
		Source:        "referrers API",
		ArtifactType:  "application/vnd.dev.sigstore.bundle.v0.3+json",
		Payload:       payload,
		PredicateType: predicateType,
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
