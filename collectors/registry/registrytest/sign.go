package registrytest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
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
