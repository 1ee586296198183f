package sources_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

func registryTarget(t *testing.T, srv *rt.Server, tenantID int64) posture.Target {
	t.Helper()
	return posture.Target{ID: 1, TenantID: tenantID, Name: "reg", Kind: posture.TargetRegistry,
		Settings: map[string]string{sources.SettingURL: srv.URL, sources.SettingCABundle: string(srv.CAPEM)}}
}

func TestRegistrySourceStoresFactsOnceAndRemembersTags(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true})
	ten := &posture.Tenant{Slug: "a", Name: "A"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	srv := rt.InProcess(t, nil)
	v1 := srv.Pusher.Push(t, "shop/web:latest", rt.Image(t, rt.Spec{User: "app"}))
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	judged := 0
	o := sources.RegistryOptions{Images: db, Outbound: egress.Policy{}.WithLoopback(), Now: func() time.Time { return now },
		Judge: func(_ context.Context, _ int64, images []*imagefacts.Image) error {
			for _, im := range images {
				judged++
				im.Trust = &imagefacts.Trust{Rule: "r", Signed: false, Reasons: []string{"no signature was found"}}
			}
			return nil
		}}
	src := sources.Registry(o)
	target := registryTarget(t, srv, ten.ID)

	col, err := src.Collect(ctx, target)
	if err != nil || col.Status != posture.RunComplete {
		t.Fatalf("first run: %v %+v", err, col)
	}
	if im := col.Images.Images[v1]; im == nil || im.Trust == nil || col.Images.Registry.Host != srv.Host {
		t.Fatalf("facet = %+v", col.Images)
	}
	stored, _ := db.ImageFacts(ctx, ten.ID, []string{v1})
	if stored[v1] == nil || stored[v1].Trust == nil {
		t.Fatalf("facts not stored with their verdict: %+v", stored)
	}

	// latest moves; the old digest's facts are not fetched again (fresh), the new one's are.
	now = now.Add(time.Hour)
	v2 := srv.Pusher.Push(t, "shop/web:latest", rt.Image(t, rt.Spec{User: ""}))
	before := judged
	col, err = src.Collect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	tags := col.Images.Repositories[0].Tags
	if len(tags) != 1 || tags[0].Digest != v2 || tags[0].PreviousDigest != v1 || tags[0].MovedAt == nil {
		t.Fatalf("latest after moving = %+v", tags)
	}
	if col.Images.Images[v2] == nil || judged-before != 1 {
		t.Fatalf("second run judged %d images, facet has %d", judged-before, len(col.Images.Images))
	}

	// A tenant's credentials are sealed JSON; garbage is a clear error.
	target.Credentials = []byte("sealed")
	o.OpenCredentials = func(posture.Target) ([]byte, error) { return []byte("not json"), nil }
	if _, err := sources.Registry(o).Collect(ctx, target); err == nil || !strings.Contains(err.Error(), "not registry credentials") {
		t.Fatalf("bad credentials: %v", err)
	}
	creds, _ := json.Marshal(map[string]string{"username": "u", "password": "p"})
	o.OpenCredentials = func(posture.Target) ([]byte, error) { return creds, nil }
	if _, err := sources.Registry(o).Collect(ctx, target); err != nil {
		t.Fatalf("credentials on a registry without auth: %v", err)
	}
}

func TestRegistrySourceRefusesDisallowedDestinations(t *testing.T) {
	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true})
	srv := rt.InProcess(t, nil)
	// The zero egress policy refuses loopback: a user cannot aim Palisade at its own host.
	_, err := sources.Registry(sources.RegistryOptions{Images: db}).Collect(context.Background(), registryTarget(t, srv, 1))
	if err == nil || !strings.Contains(err.Error(), "not allowed") && !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("loopback registry without outbound_allow: %v", err)
	}
}

func TestRegistrySourceWithBadTLSRaisesTheFinding(t *testing.T) {
	db := storetest.OpenWith(t, "sqlite", storetest.Options{Migrate: true})
	srv := rt.InProcess(t, nil)
	target := registryTarget(t, srv, 1)
	delete(target.Settings, sources.SettingCABundle)
	col, err := sources.Registry(sources.RegistryOptions{Images: db, Outbound: egress.Policy{}.WithLoopback()}).Collect(context.Background(), target)
	if err != nil || col.Status != posture.RunPartial || col.Images.Registry.TLSError == "" {
		t.Fatalf("untrusted certificate: %v %+v", err, col)
	}
}
