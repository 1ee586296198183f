package sources_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// The first "done when": a registry target on a real TLS registry with basic auth
// inventories repositories and tags; a signed and an unsigned image are told apart by a
// trusted-key policy, and a tampered signature fails with its reason.
func TestRegistryTargetTellsSignedFromUnsignedOnARealRegistry(t *testing.T) {
	ctx := context.Background()
	srv := rt.Distribution(t, "palisade", "registry-pass")
	release, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	signed := srv.Pusher.Push(t, "shop/web:1.0", rt.Image(t, rt.Spec{User: "app", Labels: map[string]string{"org.opencontainers.image.version": "1.0"}}))
	unsigned := srv.Pusher.Push(t, "shop/web:2.0", rt.Image(t, rt.Spec{User: "app"}))
	tampered := srv.Pusher.Push(t, "shop/web:3.0", rt.Image(t, rt.Spec{User: "app"}))
	foreign := srv.Pusher.Push(t, "shop/web:4.0", rt.Image(t, rt.Spec{User: "app"}))
	ref := srv.Host + "/shop/web"
	p := rt.SimpleSigningPayload(t, ref, signed)
	srv.Pusher.AttachCosignSignatures(t, "shop/web", signed, rt.CosignSignature{Payload: p, Signature: rt.SignClassic(t, release, p)})
	// Tampered: the signature of the payload for the tampered digest, over a payload that
	// was changed after signing (it now names another repository).
	tp := rt.SimpleSigningPayload(t, ref, tampered)
	sig := rt.SignClassic(t, release, tp)
	srv.Pusher.AttachCosignSignatures(t, "shop/web", tampered, rt.CosignSignature{Payload: []byte(strings.Replace(string(tp), "shop/web", "shop/evil", 1)), Signature: sig})
	fp := rt.SimpleSigningPayload(t, ref, foreign)
	srv.Pusher.AttachCosignSignatures(t, "shop/web", foreign, rt.CosignSignature{Payload: fp, Signature: rt.SignClassic(t, other, fp)})

	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true})
	ten := &posture.Tenant{Slug: "a", Name: "A"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	policy, _ := json.Marshal(imagetrust.Policy{Rules: []imagetrust.Rule{{Name: "shop", Images: []string{srv.Host + "/shop/*"},
		Keys: []imagetrust.Key{{Name: "release", PEM: rt.PublicKeyPEM(t, release)}}}}})
	if _, err := db.SaveTrustPolicy(ctx, ten.ID, string(policy), "test"); err != nil {
		t.Fatal(err)
	}
	creds, _ := json.Marshal(map[string]string{"username": "palisade", "password": "registry-pass"})
	src := sources.Registry(sources.RegistryOptions{Images: db, Judge: sources.TrustJudge(db.TrustPolicy, time.Now),
		Outbound: egress.Policy{}.WithLoopback(), OpenCredentials: func(posture.Target) ([]byte, error) { return creds, nil }})
	target := registryTarget(t, srv, ten.ID)
	target.Credentials = []byte("sealed")
	col, err := src.Collect(ctx, target)
	if err != nil || col.Status != posture.RunComplete {
		t.Fatalf("collect: %v %+v", err, col)
	}
	if len(col.Images.Repositories) != 1 || len(col.Images.Repositories[0].Tags) != 4 {
		t.Fatalf("repositories = %+v", col.Images.Repositories)
	}

	cat := checks.Builtin().Filter(func(ch *checks.Check) bool { return ch.Facet == checks.FacetImages })
	snap := checks.NewSnapshot(&kubeinv.Inventory{}, checks.Config{})
	snap.SetImages(col.Images)
	verdict := map[string]posture.Result{}
	for _, r := range cat.EvaluateSnapshot(snap) {
		if r.CheckID == "image.signature-trusted" {
			verdict[r.Asset.Key[strings.LastIndex(r.Asset.Key, "@")+1:]] = r
		}
	}
	if r := verdict[signed]; r.Status != posture.Pass || !strings.Contains(r.Message, "release") {
		t.Errorf("signed image: %s %q", r.Status, r.Message)
	}
	if r := verdict[unsigned]; r.Status != posture.Fail || !strings.Contains(r.Message, "no signature found") {
		t.Errorf("unsigned image: %s %q", r.Status, r.Message)
	}
	if r := verdict[tampered]; r.Status != posture.Fail || !strings.Contains(r.Message, "does not verify") {
		t.Errorf("tampered signature: %s %q", r.Status, r.Message)
	}
	if r := verdict[foreign]; r.Status != posture.Fail || !strings.Contains(r.Message, "does not verify") {
		t.Errorf("signature by an untrusted key: %s %q", r.Status, r.Message)
	}
}
