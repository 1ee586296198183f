package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/store"
)

func newKey(t *testing.T) *seal.Key {
	t.Helper()
	enc, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.ParseKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestIntegrationKeyRotationResealsCredentials(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKey, newKeyV := newKey(t), newKey(t)
		ten, tgt := seedTenant(t, db, "acme")
		kubeconfig := []byte("users:\n- user: {token: s3cr3t}\n")
		sealed, err := seal.New(oldKey).Seal(kubeconfig, store.TargetCredentialsContext(tgt.ID))
		if err != nil {
			t.Fatal(err)
		}
		tgt.Credentials = sealed
		if err := db.UpdateTarget(ctx, tgt); err != nil {
			t.Fatal(err)
		}
		// A rotation with a key that cannot open the value changes nothing.
		if _, err := db.Reseal(ctx, seal.New(newKeyV)); err == nil {
			t.Fatal("reseal without the old key succeeded")
		}
		got, _ := db.Target(ctx, ten.ID, tgt.ID)
		if !bytes.Equal(got.Credentials, sealed) {
			t.Fatal("failed rotation modified the stored value")
		}
		n, err := db.Reseal(ctx, seal.New(newKeyV, oldKey))
		if err != nil || n != 1 {
			t.Fatalf("reseal = %d, %v; want 1", n, err)
		}
		got, _ = db.Target(ctx, ten.ID, tgt.ID)
		pt, err := seal.New(newKeyV).Open(got.Credentials, store.TargetCredentialsContext(tgt.ID))
		if err != nil || !bytes.Equal(pt, kubeconfig) {
			t.Fatalf("new key alone cannot open rotated credentials: %v", err)
		}
		if n, _ := db.Reseal(ctx, seal.New(newKeyV, oldKey)); n != 0 {
			t.Fatalf("second rotation re-sealed %d values, want 0", n)
		}
		// Bound to its row: the value does not open as another target's credentials.
		if _, err := seal.New(newKeyV).Open(got.Credentials, store.TargetCredentialsContext(tgt.ID+1)); err == nil {
			t.Fatal("credentials opened under another row's context")
		}
	})
}
