package registrytest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// SignClassic is cosign's classic key signature of payload: ECDSA over its SHA-256, base64.
func SignClassic(t T, key *ecdsa.PrivateKey, payload []byte) string {
	t.Helper()
	h := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// PublicKeyPEM is key's public half as PEM, as a trust policy holds it.
func PublicKeyPEM(t T, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// SignCosign signs the image with the digest in repo as `cosign sign --key` does (a
// sha256-<hex>.sig image with a simple-signing payload).
func (p Pusher) SignCosign(t T, repo, digest string, key *ecdsa.PrivateKey) {
	t.Helper()
	payload := SimpleSigningPayload(t, p.Host+"/"+repo, digest)
	p.AttachCosignSignatures(t, repo, digest, CosignSignature{Payload: payload, Signature: SignClassic(t, key, payload)})
}

// AttestCosign attaches an attestation to the image with the digest in repo as `cosign
// attest --key --type <predicateType>` does: an in-toto statement about the digest in a DSSE
// envelope signed with key, a layer of the sha256-<hex>.att image annotated with its
// predicate type.
func (p Pusher) AttestCosign(t T, repo, digest string, key *ecdsa.PrivateKey, predicateType string, predicate []byte) {
	t.Helper()
	stmt, err := json.Marshal(map[string]any{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicateType,
		"subject":   []any{map[string]any{"name": p.Host + "/" + repo, "digest": map[string]string{"sha256": strings.TrimPrefix(digest, "sha256:")}}},
		"predicate": json.RawMessage(predicate)})
	if err != nil {
		t.Fatal(err)
	}
	const payloadType = "application/vnd.in-toto+json"
	pae := fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(stmt), stmt)
	env, err := json.Marshal(map[string]any{"payloadType": payloadType, "payload": base64.StdEncoding.EncodeToString(stmt),
		"signatures": []any{map[string]string{"keyid": "", "sig": SignClassic(t, key, []byte(pae))}}})
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(env, "application/vnd.dsse.envelope.v1+json"),
		Annotations: map[string]string{"predicateType": predicateType}})
	if err != nil {
		t.Fatal(err)
	}
	p.Push(t, repo+":"+strings.Replace(digest, ":", "-", 1)+".att", img)
}
