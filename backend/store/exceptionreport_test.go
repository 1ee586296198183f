package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// TestIntegrationExceptionReport: the report lists approved exceptions expiring within the
// window (soonest first) and those that cover no live finding, with why; pending, expired
// and other tenants' exceptions are not in it.
func TestIntegrationExceptionReport(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, ta := seedTenant(t, db, "alpha")
		b, tb := seedTenant(t, db, "beta")
		finishRun(t, db, a.ID, ta.ID, posture.RunComplete, t0.Add(-time.Hour),
			result("web", "shop", "privileged", "", posture.Fail), result("api", "shop", "privileged", "", posture.Fail),
			result("db", "data", "host-path", "", posture.Fail))
		finishRun(t, db, b.ID, tb.ID, posture.RunComplete, t0.Add(-time.Hour), result("api", "shop", "privileged", "", posture.Fail))
		staging := &posture.Target{TenantID: a.ID, Name: "staging", Kind: posture.TargetCluster, Schedule: "15m", Enabled: true,
			Settings: map[string]string{"context": "staging"}}
		if err := db.CreateTarget(ctx, staging); err != nil {
			t.Fatal(err)
		}
		finishRun(t, db, a.ID, staging.ID, posture.RunComplete, t0.Add(-time.Hour), result("cache", "shop", "run-as-root", "", posture.Fail))
		page, err := db.ListFindings(ctx, a.ID, posture.FindingFilter{CheckIDs: []string{"host-path"}})
		if err != nil || len(page.Findings) != 1 {
			t.Fatalf("host-path findings: %+v %v", page, err)
		}
		dbFinding := page.Findings[0].ID
		approved := func(tenant int64, e posture.Exception) *posture.Exception {
			t.Helper()
			e.TenantID, e.Reason, e.RequestedBy = tenant, "accepted", "alice"
			if err := db.CreateException(ctx, &e); err != nil {
				t.Fatal(err)
			}
			if _, err := db.DecideException(ctx, tenant, e.ID, posture.ExceptionApproved, "bob"); err != nil {
				t.Fatal(err)
			}
			return &e
		}
		day := 24 * time.Hour
		soon := approved(a.ID, posture.Exception{CheckID: "privileged", Namespace: "shop", LabelSelector: "owner=team-shop", ExpiresAt: t0.Add(3 * day)})
		sooner := approved(a.ID, posture.Exception{CheckID: "privileged", TargetID: &ta.ID, ExpiresAt: t0.Add(2 * day)})
		noLabel := approved(a.ID, posture.Exception{CheckID: "privileged", LabelSelector: "owner=team-nobody", ExpiresAt: t0.Add(60 * day)})
		noCheck := approved(a.ID, posture.Exception{CheckID: "latest-tag", ExpiresAt: t0.Add(60 * day)})
		oneFinding := approved(a.ID, posture.Exception{FindingID: &dbFinding, ExpiresAt: t0.Add(60 * day)})
		// Scoped without a label selector: by namespace, by target, by both.
		nsShop := approved(a.ID, posture.Exception{CheckID: "privileged", Namespace: "shop", ExpiresAt: t0.Add(60 * day)})
		nsData := approved(a.ID, posture.Exception{CheckID: "host-path", Namespace: "data", ExpiresAt: t0.Add(60 * day)})
		nsNone := approved(a.ID, posture.Exception{CheckID: "host-path", Namespace: "shop", ExpiresAt: t0.Add(60 * day)})
		stagingRoot := approved(a.ID, posture.Exception{CheckID: "run-as-root", TargetID: &staging.ID, ExpiresAt: t0.Add(60 * day)})
		stagingNone := approved(a.ID, posture.Exception{CheckID: "privileged", TargetID: &staging.ID, ExpiresAt: t0.Add(60 * day)})
		prodRoot := approved(a.ID, posture.Exception{CheckID: "run-as-root", TargetID: &ta.ID, ExpiresAt: t0.Add(60 * day)})
		prodShop := approved(a.ID, posture.Exception{CheckID: "privileged", TargetID: &ta.ID, Namespace: "shop", ExpiresAt: t0.Add(60 * day)})
		prodData := approved(a.ID, posture.Exception{CheckID: "privileged", TargetID: &ta.ID, Namespace: "data", ExpiresAt: t0.Add(60 * day)})
		// With a selector, in a namespace and a target.
		prodShopTeam := approved(a.ID, posture.Exception{CheckID: "privileged", TargetID: &ta.ID, Namespace: "shop",
			LabelSelector: "owner in (team-shop, team-x)", ExpiresAt: t0.Add(60 * day)})
		stagingShopTeam := approved(a.ID, posture.Exception{CheckID: "privileged", TargetID: &staging.ID, Namespace: "shop",
			LabelSelector: "owner=team-shop", ExpiresAt: t0.Add(60 * day)})
		covering := []*posture.Exception{nsShop, stagingRoot, prodShop, prodShopTeam}
		approved(a.ID, posture.Exception{CheckID: "privileged", ExpiresAt: t0.Add(time.Hour)}) // expires before the report
		approved(b.ID, posture.Exception{CheckID: "latest-tag", ExpiresAt: t0.Add(day)})       // another tenant's
		pending := &posture.Exception{TenantID: a.ID, CheckID: "latest-tag", Reason: "r", RequestedBy: "alice", ExpiresAt: t0.Add(day)}
		if err := db.CreateException(ctx, pending); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)

		ids := func(es []posture.Exception) []int64 {
			var out []int64
			for _, e := range es {
				out = append(out, e.ID)
			}
			return out
		}
		unmatched := func(rep *posture.ExceptionReport) map[int64]string {
			out := map[int64]string{}
			for _, u := range rep.Unmatched {
				out[u.ID] = u.Reason
			}
			return out
		}
		rep, err := db.ExceptionReport(ctx, a.ID, 7*day)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(rep.Expiring); len(got) != 2 || got[0] != sooner.ID || got[1] != soon.ID {
			t.Errorf("expiring = %v, want [%d %d]", got, sooner.ID, soon.ID)
		}
		wantUnmatched := func(got map[int64]string, want ...*posture.Exception) {
			t.Helper()
			for _, e := range want {
				if got[e.ID] == "" {
					t.Errorf("exception %d (%+v) is not in unmatched %v", e.ID, *e, got)
				}
			}
			for _, e := range append(covering, soon, sooner) {
				if r, ok := got[e.ID]; ok {
					t.Errorf("exception %d (%+v) covers a finding, yet is unmatched: %q", e.ID, *e, r)
				}
			}
			if len(got) != len(want) {
				t.Errorf("unmatched = %v, want %d exceptions", got, len(want))
			}
		}
		wantUnmatched(unmatched(rep), noLabel, noCheck, nsNone, stagingNone, prodRoot, prodData, stagingShopTeam)
		if !containsAll(unmatched(rep)[nsNone.ID], "no open or suppressed host-path finding") {
			t.Errorf("reason = %q", unmatched(rep)[nsNone.ID])
		}
		if got := unmatched(rep); got[nsData.ID] != "" {
			t.Errorf("the namespace exception of a live finding is unmatched: %q", got[nsData.ID])
		}
		if rep, _ := db.ExceptionReport(ctx, a.ID, day); len(rep.Expiring) != 0 {
			t.Errorf("a one-day window lists %v", ids(rep.Expiring))
		}

		// The next run: api and db are fixed, web is not. The finding exception now covers a
		// resolved finding; the scoped ones still cover web.
		finishRun(t, db, a.ID, ta.ID, posture.RunComplete, clock.Now(),
			result("web", "shop", "privileged", "", posture.Fail), result("api", "shop", "privileged", "", posture.Pass),
			result("db", "data", "host-path", "", posture.Pass))
		rep, err = db.ExceptionReport(ctx, a.ID, 7*day)
		if err != nil {
			t.Fatal(err)
		}
		got := unmatched(rep)
		if got[oneFinding.ID] != "its finding is resolved" {
			t.Errorf("after the fix: unmatched = %v", got)
		}
		// nsData's only finding (db) is resolved now.
		wantUnmatched(got, noLabel, noCheck, oneFinding, nsData, nsNone, stagingNone, prodRoot, prodData, stagingShopTeam)
	})
}
