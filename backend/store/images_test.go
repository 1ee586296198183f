package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

func TestImageFactsPerTenantByDigest(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, b := &posture.Tenant{Slug: "a", Name: "A"}, &posture.Tenant{Slug: "b", Name: "B"}
		for _, ten := range []*posture.Tenant{a, b} {
			if err := db.CreateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
		}
		img := func(d, user string, at time.Time) *imagefacts.Image {
			return &imagefacts.Image{Digest: d, Registry: "r.example", Repository: "shop/web", ObservedAt: at,
				Variants: []imagefacts.Variant{{Digest: d, User: user, EnvNames: []string{"DB_PASSWORD"},
					SecretEnv: []imagefacts.SecretEnv{{Name: "DB_PASSWORD", Reason: "literal"}}}}}
		}
		if err := db.SaveImageFacts(ctx, a.ID, []*imagefacts.Image{img("sha256:aa", "app", t0), img("sha256:bb", "", t0.Add(-48*time.Hour))}); err != nil {
			t.Fatal(err)
		}
		// The same digest in another tenant is that tenant's own row.
		if err := db.SaveImageFacts(ctx, b.ID, []*imagefacts.Image{img("sha256:aa", "root", t0)}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ImageFacts(ctx, a.ID, []string{"sha256:aa", "sha256:bb", "sha256:cc"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["sha256:aa"].Variants[0].User != "app" || got["sha256:aa"].Variants[0].SecretEnv[0].Name != "DB_PASSWORD" {
			t.Fatalf("tenant a facts = %+v", got)
		}
		if gb, _ := db.ImageFacts(ctx, b.ID, []string{"sha256:aa", "sha256:bb"}); len(gb) != 1 || gb["sha256:aa"].Variants[0].User != "root" {
			t.Fatalf("tenant b sees %+v", gb)
		}
		// Older facts never replace newer ones (two collections racing).
		if err := db.SaveImageFacts(ctx, a.ID, []*imagefacts.Image{img("sha256:aa", "stale", t0.Add(-time.Hour))}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ImageFacts(ctx, a.ID, []string{"sha256:aa"}); got["sha256:aa"].Variants[0].User != "app" {
			t.Fatal("older facts replaced newer ones")
		}
		fresh, err := db.ImageObservedSince(ctx, a.ID, t0.Add(-24*time.Hour))
		if err != nil || !fresh["sha256:aa"] || fresh["sha256:bb"] || len(fresh) != 1 {
			t.Fatalf("observed since = %v, %v", fresh, err)
		}

		list, err := db.ListImages(ctx, a.ID, store.ImageFilter{Limit: 1})
		if err != nil || len(list) != 1 || list[0].Image.Digest != "sha256:aa" {
			t.Fatalf("first page = %+v, %v", list, err)
		}
		list, err = db.ListImages(ctx, a.ID, store.ImageFilter{Limit: 1, AfterRegistry: "r.example", AfterRepository: "shop/web", AfterDigest: "sha256:aa"})
		if err != nil || len(list) != 1 || list[0].Image.Digest != "sha256:bb" {
			t.Fatalf("second page = %+v, %v", list, err)
		}
		// The cursor stays inside the tenant: tenant b's later digest is not on a's page.
		if err := db.SaveImageFacts(ctx, b.ID, []*imagefacts.Image{img("sha256:cc", "x", t0)}); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.ListImages(ctx, a.ID, store.ImageFilter{AfterRegistry: "r.example", AfterRepository: "shop/web", AfterDigest: "sha256:aa"}); len(list) != 1 {
			t.Fatalf("a page after the cursor = %+v", list)
		}
		if _, err := db.Image(ctx, b.ID, "sha256:bb"); posture.ErrorCode(err) != posture.ENOTFOUND {
			t.Fatalf("tenant b read tenant a's image: %v", err)
		}
	})
}

func TestImageTagsRememberMoves(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten := &posture.Tenant{Slug: "a", Name: "A"}
		if err := db.CreateTenant(ctx, ten); err != nil {
			t.Fatal(err)
		}
		repo := func(latest string) []imagefacts.Repository {
			return []imagefacts.Repository{{Name: "shop/web", Tags: []imagefacts.Tag{{Name: "1.0", Digest: "sha256:aa"}, {Name: "latest", Digest: latest}}}}
		}
		got, err := db.RecordTags(ctx, ten.ID, "r.example", repo("sha256:aa"), t0)
		if err != nil || got[0].Tags[1].MovedAt != nil || got[0].Tags[1].PreviousDigest != "" {
			t.Fatalf("first listing = %+v, %v", got, err)
		}
		t1 := t0.Add(time.Hour)
		got, err = db.RecordTags(ctx, ten.ID, "r.example", repo("sha256:bb"), t1)
		if err != nil {
			t.Fatal(err)
		}
		if l := got[0].Tags[1]; l.PreviousDigest != "sha256:aa" || l.MovedAt == nil || !l.MovedAt.Equal(t1) {
			t.Fatalf("latest after moving = %+v", l)
		}
		if got[0].Tags[0].MovedAt != nil {
			t.Fatalf("1.0 did not move: %+v", got[0].Tags[0])
		}
		// The move is remembered while the tag stays where it moved to.
		got, _ = db.RecordTags(ctx, ten.ID, "r.example", repo("sha256:bb"), t1.Add(time.Hour))
		if l := got[0].Tags[1]; l.PreviousDigest != "sha256:aa" || l.MovedAt == nil || !l.MovedAt.Equal(t1) {
			t.Fatalf("latest one run later = %+v", l)
		}
	})
}

func TestTrustPolicyVersions(t *testing.T) {
	forEachDialectAt(t, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, b := &posture.Tenant{Slug: "a", Name: "A"}, &posture.Tenant{Slug: "b", Name: "B"}
		for _, ten := range []*posture.Tenant{a, b} {
			if err := db.CreateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
		}
		if p, v, err := db.TrustPolicy(ctx, a.ID); err != nil || p != "" || v != 0 {
			t.Fatalf("no policy yet = %q %d %v", p, v, err)
		}
		for i, p := range []string{`{"rules":[]}`, `{"rules":[{"name":"x"}]}`} {
			v, err := db.SaveTrustPolicy(ctx, a.ID, p, "alice")
			if err != nil || v != int64(i+1) {
				t.Fatalf("save %d: version %d, %v", i, v, err)
			}
		}
		if p, v, _ := db.TrustPolicy(ctx, a.ID); p != `{"rules":[{"name":"x"}]}` || v != 2 {
			t.Fatalf("policy = %q v%d", p, v)
		}
		if p, _, _ := db.TrustPolicy(ctx, b.ID); p != "" {
			t.Fatalf("tenant b sees tenant a's policy: %q", p)
		}
	})
}
