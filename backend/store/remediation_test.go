package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// Remediation numbers are summed in SQL on both dialects: ages and SLA of open findings, the
// time resolved ones took, and what each day's runs opened and resolved.
func TestIntegrationRemediationStats(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "alpha")
		sev := func(r posture.Result, s posture.Severity) posture.Result { r.Severity = s; return r }
		crit := sev(result("a1", "shop", "k8s.privileged-container", "", posture.Fail), posture.SeverityCritical)
		high1 := result("a2", "shop", "k8s.run-as-non-root", "", posture.Fail)
		high2 := result("a3", "shop", "k8s.run-as-non-root", "", posture.Fail)
		med := sev(result("a4", "shop", "k8s.image-tag-mutable", "", posture.Fail), posture.SeverityMedium)
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0, crit, high1, high2, med)
		// Ten days later the critical and one high finding are fixed.
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(10*24*time.Hour), high1, med)

		now := t0.Add(40 * 24 * time.Hour)
		st, err := db.RemediationStats(ctx, ten.ID, t0.Add(-time.Hour), now, posture.DefaultSLA)
		if err != nil {
			t.Fatal(err)
		}
		got := map[posture.Severity]posture.SeverityRemediation{}
		for _, s := range st.Severities {
			got[s.Severity] = s
		}
		c, h, m := got[posture.SeverityCritical], got[posture.SeverityHigh], got[posture.SeverityMedium]
		// Critical: resolved after 10 days, 3 past its 7-day SLA.
		if c.Open != 0 || c.Resolved != 1 || c.ResolvedLate != 1 || c.MTTR == nil || c.MTTR.Round(time.Minute) != 10*24*time.Hour || *c.SLACompliance() != 0 {
			t.Errorf("critical: %+v (MTTR %v)", c, c.MTTR)
		}
		// High: one open for 40 days (past 30: breaching), one resolved in 10 (within).
		if h.Open != 1 || h.Days30To90 != 1 || h.OpenBreaching != 1 || h.Resolved != 1 || h.ResolvedWithinSLA != 1 || *h.SLACompliance() != 50 {
			t.Errorf("high: %+v", h)
		}
		if h.OldestOpen == nil || !h.OldestOpen.Equal(t0.Add(time.Second)) {
			t.Errorf("high oldest open = %v, want %v", h.OldestOpen, t0.Add(time.Second))
		}
		// Medium: open for 40 days of its 90.
		if m.Open != 1 || m.OpenWithinSLA != 1 || m.OpenBreaching != 0 || m.Resolved != 0 || m.MTTR != nil || *m.SLACompliance() != 100 {
			t.Errorf("medium: %+v", m)
		}
		if fmt.Sprint(st.Flow) != "[{2026-10-01 4 0 0} {2026-10-11 0 2 0}]" {
			t.Errorf("flow = %v", st.Flow)
		}
		// Another tenant sees none of it.
		other, _ := seedTenant(t, db, "beta")
		st, err = db.RemediationStats(ctx, other.ID, t0, now, posture.DefaultSLA)
		if err != nil || len(st.Flow) != 0 || st.Severities[0].Open+st.Severities[0].Resolved != 0 {
			t.Errorf("another tenant: %+v %v", st, err)
		}
	})
}
