package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

func assetKeys(list []posture.AssetSummary) []string {
	keys := make([]string, len(list))
	for i, a := range list {
		keys[i] = a.Key
	}
	return keys
}

// seedAssets: acme's prod target holds cluster > namespace shop > workloads web (two open
// findings, one resolved), api (one) and old (gone after the second run); tenant "other"
// has one asset with one finding.
func seedAssets(t *testing.T, db *store.DB) (ten, tgt, other, otherTgt int64) {
	t.Helper()
	ctx := context.Background()
	a, ta := seedTenant(t, db, "acme")
	b, tb := seedTenant(t, db, "other")
	cluster := posture.Asset{Kind: posture.AssetCluster, Key: "cluster", Name: "prod"}
	ns := posture.Asset{Kind: posture.AssetNamespace, Key: "core/Namespace/shop", ParentKey: "cluster", Name: "shop", Namespace: "shop"}
	web := posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/web", ParentKey: ns.Key, Name: "Web_1", Namespace: "shop",
		Labels: map[string]string{"app": "web"}}
	api := posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/api", ParentKey: ns.Key, Name: "api", Namespace: "shop"}
	old := posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/old", ParentKey: ns.Key, Name: "old", Namespace: "shop"}
	fail := func(a *posture.Asset, check string) posture.Result {
		return posture.Result{CheckID: check, Severity: posture.SeverityHigh, Status: posture.Fail, Asset: a}
	}
	persist := func(at time.Time, assets []posture.Asset, results ...posture.Result) {
		run, err := db.StartRun(ctx, a.ID, ta.ID, "test", at)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishRun(ctx, a.ID, run.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: at, Assets: assets, Results: results}); err != nil {
			t.Fatal(err)
		}
	}
	persist(t0, []posture.Asset{cluster, ns, web, api, old}, fail(&web, "a"), fail(&web, "b"), fail(&web, "c"), fail(&api, "a"))
	// Second run: "old" is gone, web's check "c" is resolved.
	persist(t0.Add(time.Hour), []posture.Asset{cluster, ns, web, api}, fail(&web, "a"), fail(&web, "b"), fail(&api, "a"))
	finishRun(t, db, b.ID, tb.ID, posture.RunComplete, t0, result("web", "shop", "a", "", posture.Fail))
	return a.ID, ta.ID, b.ID, tb.ID
}

func TestIntegrationAssets(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt, other, otherTgt := seedAssets(t, db)
		nsKey := "core/Namespace/shop"
		list := func(f posture.AssetFilter) []posture.AssetSummary {
			t.Helper()
			got, err := db.ListAssets(ctx, ten, f)
			if err != nil {
				t.Fatalf("ListAssets(%+v): %v", f, err)
			}
			for _, a := range got {
				if a.TenantID != ten {
					t.Fatalf("asset %d of another tenant listed", a.ID)
				}
			}
			return got
		}
		all := list(posture.AssetFilter{})
		if got := fmt.Sprint(assetKeys(all)); got != "[cluster core/Namespace/shop apps/Deployment/shop/web apps/Deployment/shop/api]" {
			t.Fatalf("all assets = %s", got)
		}
		w := all[2]
		if w.OpenFindings != 2 || w.Labels["app"] != "web" || w.Kind != posture.AssetWorkload || w.TargetID != tgt || all[1].OpenFindings != 0 {
			t.Fatalf("web summary = %+v", w)
		}
		cases := map[string]struct {
			f    posture.AssetFilter
			want string
		}{
			"roots":        {posture.AssetFilter{ParentKey: ptr("")}, "[cluster]"},
			"children":     {posture.AssetFilter{ParentKey: ptr(nsKey)}, "[apps/Deployment/shop/web apps/Deployment/shop/api]"},
			"kind":         {posture.AssetFilter{Kind: posture.AssetNamespace}, "[core/Namespace/shop]"},
			"namespace":    {posture.AssetFilter{Namespace: "shop", Kind: posture.AssetWorkload}, "[apps/Deployment/shop/web apps/Deployment/shop/api]"},
			"text name":    {posture.AssetFilter{Text: "WEB_"}, "[apps/Deployment/shop/web]"},
			"text literal": {posture.AssetFilter{Text: "b%1"}, "[]"},
			"text key":     {posture.AssetFilter{Text: "deployment/shop/a"}, "[apps/Deployment/shop/api]"},
			"target":       {posture.AssetFilter{TargetID: otherTgt}, "[]"},
			"page":         {posture.AssetFilter{AfterID: all[0].ID, Limit: 2}, "[core/Namespace/shop apps/Deployment/shop/web]"},
			"last page":    {posture.AssetFilter{AfterID: all[3].ID}, "[]"},
		}
		for name, c := range cases {
			if got := fmt.Sprint(assetKeys(list(c.f))); got != c.want {
				t.Errorf("%s: %s, want %s", name, got, c.want)
			}
		}
		_, err := db.ListAssets(ctx, ten, posture.AssetFilter{Limit: 1001})
		wantCode(t, err, posture.EINVALID)

		got, err := db.Asset(ctx, ten, w.ID)
		if err != nil || got.Key != "apps/Deployment/shop/web" || got.Name != "Web_1" || got.Labels["app"] != "web" {
			t.Fatalf("asset = %+v, %v", got, err)
		}
		_, err = db.Asset(ctx, other, w.ID)
		wantCode(t, err, posture.ENOTFOUND)
		if got, _ := db.ListAssets(ctx, other, posture.AssetFilter{}); len(got) != 1 || got[0].OpenFindings != 1 {
			t.Fatalf("other tenant's assets = %+v", got)
		}
	})
}
