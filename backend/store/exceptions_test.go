package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// exceptionFixture: tenants alpha (with one finding) and beta (with a target and a finding).
type exceptionFixture struct {
	alpha, beta               int64
	alphaTarget, betaTarget   int64
	alphaFinding, betaFinding int64
}

func seedExceptionFixture(t *testing.T, db *store.DB) exceptionFixture {
	t.Helper()
	a, ta := seedTenant(t, db, "alpha")
	b, tb := seedTenant(t, db, "beta")
	finishRun(t, db, a.ID, ta.ID, posture.RunComplete, t0.Add(-time.Hour), result("web", "shop", "privileged", "", posture.Fail))
	finishRun(t, db, b.ID, tb.ID, posture.RunComplete, t0.Add(-time.Hour), result("api", "shop", "privileged", "", posture.Fail))
	first := func(tenant int64) int64 {
		page, err := db.ListFindings(context.Background(), tenant, posture.FindingFilter{})
		if err != nil || len(page.Findings) != 1 {
			t.Fatalf("findings = %+v, %v", page, err)
		}
		return page.Findings[0].ID
	}
	return exceptionFixture{a.ID, b.ID, ta.ID, tb.ID, first(a.ID), first(b.ID)}
}

func TestIntegrationExceptionValidation(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		fx := seedExceptionFixture(t, db)
		good := func() *posture.Exception {
			return &posture.Exception{TenantID: fx.alpha, CheckID: "privileged", Reason: "vendor image", RequestedBy: "alice",
				ExpiresAt: t0.Add(30 * 24 * time.Hour)}
		}
		for name, c := range map[string]struct {
			mut  func(*posture.Exception)
			code string
		}{
			"no reason":               {func(e *posture.Exception) { e.Reason = "  " }, posture.EINVALID},
			"long reason":             {func(e *posture.Exception) { e.Reason = strings.Repeat("r", 2001) }, posture.EINVALID},
			"no requester":            {func(e *posture.Exception) { e.RequestedBy = "" }, posture.EINVALID},
			"expired":                 {func(e *posture.Exception) { e.ExpiresAt = t0 }, posture.EINVALID},
			"over a year":             {func(e *posture.Exception) { e.ExpiresAt = t0.AddDate(1, 0, 1) }, posture.EINVALID},
			"neither":                 {func(e *posture.Exception) { e.CheckID = "" }, posture.EINVALID},
			"both":                    {func(e *posture.Exception) { e.FindingID = &fx.alphaFinding }, posture.EINVALID},
			"finding with scope":      {func(e *posture.Exception) { e.CheckID, e.FindingID, e.Namespace = "", &fx.alphaFinding, "shop" }, posture.EINVALID},
			"another tenant's find":   {func(e *posture.Exception) { e.CheckID, e.FindingID = "", &fx.betaFinding }, posture.ENOTFOUND},
			"another tenant's target": {func(e *posture.Exception) { e.TargetID = &fx.betaTarget }, posture.ENOTFOUND},
		} {
			e := good()
			c.mut(e)
			if err := db.CreateException(ctx, e); posture.ErrorCode(err) != c.code {
				t.Errorf("%s: error %v, want %s", name, err, c.code)
			}
		}
		e := good()
		e.ExpiresAt = t0.AddDate(1, 0, 0) // exactly a year is allowed
		e.TargetID, e.Namespace, e.LabelSelector = &fx.alphaTarget, "shop", "app=web"
		if err := db.CreateException(ctx, e); err != nil || e.ID == 0 || e.Status != posture.ExceptionPending || !e.CreatedAt.Equal(t0) {
			t.Fatalf("create = %+v, %v", e, err)
		}
		one := &posture.Exception{TenantID: fx.alpha, FindingID: &fx.alphaFinding, Reason: "accepted risk", RequestedBy: "alice", ExpiresAt: t0.Add(time.Hour)}
		if err := db.CreateException(ctx, one); err != nil {
			t.Fatal(err)
		}
		got, err := db.Exception(ctx, fx.alpha, e.ID)
		if err != nil || *got.TargetID != fx.alphaTarget || got.LabelSelector != "app=web" || got.FindingID != nil {
			t.Fatalf("read back = %+v, %v", got, err)
		}
		list, err := db.ListExceptions(ctx, fx.alpha)
		if err != nil || len(list) != 2 || list[0].ID != one.ID {
			t.Fatalf("list = %+v, %v; want newest first", list, err)
		}
		if list, _ := db.ListExceptions(ctx, fx.beta); len(list) != 0 {
			t.Fatalf("beta lists alpha's exceptions: %+v", list)
		}
		_, err = db.Exception(ctx, fx.beta, e.ID)
		wantCode(t, err, posture.ENOTFOUND)
	})
}

func TestIntegrationExceptionDecisions(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		fx := seedExceptionFixture(t, db)
		mk := func(expires time.Duration) int64 {
			e := &posture.Exception{TenantID: fx.alpha, CheckID: "privileged", Reason: "r", RequestedBy: "alice", ExpiresAt: t0.Add(expires)}
			if err := db.CreateException(ctx, e); err != nil {
				t.Fatal(err)
			}
			return e.ID
		}
		id, rejected, late := mk(48*time.Hour), mk(48*time.Hour), mk(time.Hour)

		_, err := db.DecideException(ctx, fx.beta, id, posture.ExceptionApproved, "carol")
		wantCode(t, err, posture.ENOTFOUND)
		_, err = db.DecideException(ctx, fx.alpha, id, posture.ExceptionExpired, "carol")
		wantCode(t, err, posture.EINVALID)
		_, err = db.DecideException(ctx, fx.alpha, id, posture.ExceptionApproved, "")
		wantCode(t, err, posture.EINVALID)
		_, err = db.DecideException(ctx, fx.alpha, id, posture.ExceptionApproved, "Alice")
		wantMessage(t, err, posture.EFORBIDDEN, "an exception cannot be approved by its requester")
		_, err = db.DecideException(ctx, fx.alpha, id, posture.ExceptionRevoked, "carol")
		wantMessage(t, err, posture.ECONFLICT, "pending")

		clock.Advance(time.Minute)
		ok, err := db.DecideException(ctx, fx.alpha, id, posture.ExceptionApproved, "carol")
		if err != nil || ok.Status != posture.ExceptionApproved || ok.ApprovedBy != "carol" || ok.ApprovedAt == nil || !ok.ApprovedAt.Equal(clock.Now()) {
			t.Fatalf("approve = %+v, %v", ok, err)
		}
		_, err = db.DecideException(ctx, fx.alpha, id, posture.ExceptionApproved, "dave")
		wantMessage(t, err, posture.ECONFLICT, "approved")
		rev, err := db.DecideException(ctx, fx.alpha, id, posture.ExceptionRevoked, "alice")
		if err != nil || rev.Status != posture.ExceptionRevoked || rev.ApprovedBy != "carol" {
			t.Fatalf("revoke = %+v, %v", rev, err)
		}
		_, err = db.DecideException(ctx, fx.alpha, id, posture.ExceptionRevoked, "alice")
		wantMessage(t, err, posture.ECONFLICT, "revoked")

		// The requester may withdraw (reject) their own request; a rejection is final.
		if r, err := db.DecideException(ctx, fx.alpha, rejected, posture.ExceptionRejected, "alice"); err != nil || r.Status != posture.ExceptionRejected || r.ApprovedAt != nil {
			t.Fatalf("reject = %+v, %v", r, err)
		}
		_, err = db.DecideException(ctx, fx.alpha, rejected, posture.ExceptionApproved, "carol")
		wantMessage(t, err, posture.ECONFLICT, "rejected")

		clock.Advance(time.Hour) // "late" is past its expiry before anyone approved it
		_, err = db.DecideException(ctx, fx.alpha, late, posture.ExceptionApproved, "carol")
		wantMessage(t, err, posture.ECONFLICT, "expired")
	})
}

func TestIntegrationAttestations(t *testing.T) {
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		a, _ := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		good := func() *posture.Attestation {
			return &posture.Attestation{TenantID: a.ID, CSAID: "3.1.2.3", Statement: "Backups are encrypted.", Owner: "platform",
				CreatedBy: "alice", ExpiresAt: t0.AddDate(1, 0, 0), EvidenceURL: "https://wiki.example.com/backups"}
		}
		for name, mut := range map[string]func(*posture.Attestation){
			"no csa":         func(x *posture.Attestation) { x.CSAID = "" },
			"no statement":   func(x *posture.Attestation) { x.Statement = " " },
			"long statement": func(x *posture.Attestation) { x.Statement = strings.Repeat("s", 4001) },
			"no owner":       func(x *posture.Attestation) { x.Owner = "" },
			"no author":      func(x *posture.Attestation) { x.CreatedBy = "" },
			"past":           func(x *posture.Attestation) { x.ExpiresAt = t0.Add(-time.Second) },
			"over two years": func(x *posture.Attestation) { x.ExpiresAt = t0.AddDate(2, 0, 1) },
			"javascript url": func(x *posture.Attestation) { x.EvidenceURL = "javascript:alert(1)" },
			"relative url":   func(x *posture.Attestation) { x.EvidenceURL = "/backups" },
			"bad sha":        func(x *posture.Attestation) { x.EvidenceSHA256 = "abc" },
		} {
			x := good()
			mut(x)
			if err := db.CreateAttestation(ctx, x); posture.ErrorCode(err) != posture.EINVALID {
				t.Errorf("%s: error %v, want %s", name, err, posture.EINVALID)
			}
		}
		older := good()
		if err := db.CreateAttestation(ctx, older); err != nil || older.ID == 0 || !older.CreatedAt.Equal(t0) {
			t.Fatalf("create = %+v, %v", older, err)
		}
		clock.Advance(time.Minute)
		newer := good()
		newer.EvidenceURL, newer.EvidenceSHA256 = "", hash("evidence")
		if err := db.CreateAttestation(ctx, newer); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListAttestations(ctx, a.ID)
		if err != nil || len(list) != 2 || list[0].ID != newer.ID || list[1].EvidenceURL != "https://wiki.example.com/backups" || !list[0].Valid(clock.Now()) {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if list, _ := db.ListAttestations(ctx, b.ID); len(list) != 0 {
			t.Fatalf("beta lists alpha's attestations: %+v", list)
		}
		_, err = db.RevokeAttestation(ctx, b.ID, older.ID)
		wantCode(t, err, posture.ENOTFOUND)
		rev, err := db.RevokeAttestation(ctx, a.ID, older.ID)
		if err != nil || rev.RevokedAt == nil || rev.Valid(clock.Now()) {
			t.Fatalf("revoke = %+v, %v", rev, err)
		}
		clock.Advance(time.Minute)
		again, err := db.RevokeAttestation(ctx, a.ID, older.ID)
		if err != nil || !again.RevokedAt.Equal(*rev.RevokedAt) {
			t.Fatalf("second revoke = %+v, %v; want the first time kept", again, err)
		}
	})
}
