package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// forEachDialect runs fn against a fresh SQLite database and a fresh PostgreSQL schema.
func forEachDialect(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) { fn(t, storetest.Open(t, d)) })
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := posture.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func seedTenant(t *testing.T, db *store.DB, slug string) (*posture.Tenant, *posture.Target) {
	return storetest.Seed(t, db, slug, posture.TargetCluster)
}

func TestIntegrationMigrationsDownAndUp(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.OpenWith(t, d, storetest.Options{})
			st, err := db.MigrationStatus(ctx)
			if err != nil || len(st) == 0 || st[0].Applied {
				t.Fatalf("fresh status = %+v, %v; want pending migrations", st, err)
			}
			n, err := db.MigrateUp(ctx)
			if err != nil || n != len(st) {
				t.Fatalf("up applied %d, %v; want %d", n, err, len(st))
			}
			if p, _ := db.Pending(ctx); p != 0 {
				t.Fatalf("pending after up = %d", p)
			}
			seedTenant(t, db, "acme") // the schema works
			if _, err := db.MigrateDown(ctx, 0); err != nil {
				t.Fatalf("down to 0: %v", err)
			}
			if p, _ := db.Pending(ctx); p != len(st) {
				t.Fatalf("pending after down = %d, want %d", p, len(st))
			}
			if _, err := db.MigrateUp(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			ten, _ := seedTenant(t, db, "acme") // empty again: the down really dropped data
			if ten.ID == 0 {
				t.Fatal("no tenant id")
			}
		})
	}
}

func TestIntegrationTenantIsolation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, targetA := seedTenant(t, db, "alpha")
		b, _ := seedTenant(t, db, "beta")
		if _, err := db.Target(ctx, b.ID, targetA.ID); err == nil {
			t.Fatal("tenant beta read alpha's target by id")
		} else {
			wantCode(t, err, posture.ENOTFOUND)
		}
		other := *targetA
		other.TenantID = b.ID
		other.Name = "renamed"
		wantCode(t, db.UpdateTarget(ctx, &other), posture.ENOTFOUND)
		wantCode(t, db.DeleteTarget(ctx, b.ID, targetA.ID), posture.ENOTFOUND)
		if _, err := db.StartRun(ctx, b.ID, targetA.ID, "test", time.Now()); posture.ErrorCode(err) != posture.ENOTFOUND {
			t.Fatalf("beta started a run on alpha's target: %v", err)
		}
		list, err := db.ListTargets(ctx, b.ID)
		if err != nil || len(list) != 1 || list[0].TenantID != b.ID {
			t.Fatalf("beta's targets = %+v, %v", list, err)
		}
		got, err := db.Target(ctx, a.ID, targetA.ID)
		if err != nil || got.Name != "prod" || got.Settings["context"] != "prod" {
			t.Fatalf("alpha's own target = %+v, %v", got, err)
		}
	})
}

func TestIntegrationConflictsAndValidation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, _ := seedTenant(t, db, "acme")
		wantCode(t, db.CreateTenant(ctx, &posture.Tenant{Slug: "acme", Name: "again"}), posture.ECONFLICT)
		wantCode(t, db.CreateTenant(ctx, &posture.Tenant{Slug: "Bad Slug!", Name: "x"}), posture.EINVALID)
		dup := &posture.Target{TenantID: ten.ID, Name: "prod", Kind: posture.TargetCluster, Schedule: "1h"}
		wantCode(t, db.CreateTarget(ctx, dup), posture.ECONFLICT)
		wantCode(t, db.CreateTarget(ctx, &posture.Target{TenantID: ten.ID, Name: "x", Kind: "mainframe", Schedule: "1h"}), posture.EINVALID)
	})
}

func TestIntegrationUsersAndRoles(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, _ := seedTenant(t, db, "acme")
		u := &posture.User{Issuer: "https://idp", Subject: "alice", Email: "a@example.com"}
		if err := db.UpsertUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		again := &posture.User{Issuer: "https://idp", Subject: "alice", Email: "alice@example.com"}
		if err := db.UpsertUser(ctx, again); err != nil || again.ID != u.ID {
			t.Fatalf("second login made user %d (err %v), want %d", again.ID, err, u.ID)
		}
		if err := db.SetRole(ctx, posture.RoleBinding{TenantID: ten.ID, UserID: u.ID, Role: posture.RoleOperator}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRole(ctx, posture.RoleBinding{TenantID: ten.ID, UserID: u.ID, Role: posture.RoleAuditor}); err != nil {
			t.Fatal(err)
		}
		roles, err := db.RolesOf(ctx, u.ID)
		if err != nil || len(roles) != 1 || roles[0].Role != posture.RoleAuditor {
			t.Fatalf("roles = %+v, %v; want one auditor binding", roles, err)
		}
		wantCode(t, db.SetRole(ctx, posture.RoleBinding{TenantID: ten.ID, UserID: u.ID, Role: "root"}), posture.EINVALID)
	})
}

func result(key, ns, check, sub string, status posture.ResultStatus) posture.Result {
	return posture.Result{
		CheckID: check, Severity: posture.SeverityHigh, Status: status, SubKey: sub, Message: check + " on " + key,
		Asset:    &posture.Asset{Kind: posture.AssetWorkload, Key: key, Name: key, Namespace: ns, Labels: map[string]string{"owner": "team-" + ns}},
		Evidence: map[string]string{"field": "securityContext.privileged"},
	}
}

func finishRun(t *testing.T, db *store.DB, ten, tgt int64, status posture.RunStatus, at time.Time, results ...posture.Result) *posture.Run {
	t.Helper()
	ctx := context.Background()
	run, err := db.StartRun(ctx, ten, tgt, "test", at)
	if err != nil {
		t.Fatal(err)
	}
	done, err := db.FinishRun(ctx, ten, run.ID, posture.RunOutcome{Status: status, FinishedAt: at.Add(time.Second), Results: results, OwnerLabelKey: "owner"})
	if err != nil {
		t.Fatalf("finish run: %v", err)
	}
	return done
}

func statusByCheck(t *testing.T, db *store.DB, tenantID int64) map[string]posture.FindingStatus {
	t.Helper()
	page, err := db.ListFindings(context.Background(), tenantID, posture.FindingFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]posture.FindingStatus{}
	for _, f := range page.Findings {
		out[f.AssetKey+f.CheckID+"/"+f.SubKey] = f.Status
	}
	return out
}

func TestIntegrationFindingsLifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

		r1 := finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0,
			result("web", "shop", "privileged", "nginx", posture.Fail),
			result("web", "shop", "privileged", "sidecar", posture.Fail),
			result("api", "shop", "run-as-root", "", posture.Fail),
			result("api", "shop", "privileged", "", posture.Pass),
			result("api", "shop", "privileged", "", posture.NotApplicable),
		)
		if r1.Opened != 3 || r1.Evaluated != 4 || r1.Failed != 3 || r1.Resolved != 0 {
			t.Fatalf("run 1 counts = %+v", r1)
		}
		if got := statusByCheck(t, db, ten.ID); len(got) != 3 || got["webprivileged/nginx"] != posture.FindingOpen {
			t.Fatalf("after run 1: %v", got)
		}

		// A partial run that saw only one finding resolves nothing.
		r2 := finishRun(t, db, ten.ID, tgt.ID, posture.RunPartial, t0.Add(time.Hour),
			result("web", "shop", "privileged", "nginx", posture.Fail))
		if r2.Resolved != 0 || r2.Opened != 0 {
			t.Fatalf("partial run changed findings: %+v", r2)
		}
		for k, s := range statusByCheck(t, db, ten.ID) {
			if s != posture.FindingOpen {
				t.Fatalf("partial run resolved %s", k)
			}
		}
		// A failed run resolves nothing either, whatever it carries.
		r3 := finishRun(t, db, ten.ID, tgt.ID, posture.RunFailed, t0.Add(2*time.Hour))
		if r3.Resolved != 0 || r3.Status != posture.RunFailed {
			t.Fatalf("failed run = %+v", r3)
		}

		// A complete run without the sidecar finding resolves it, and only it.
		r4 := finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(3*time.Hour),
			result("web", "shop", "privileged", "nginx", posture.Fail),
			result("api", "shop", "run-as-root", "", posture.Fail))
		if r4.Resolved != 1 || r4.Opened != 0 {
			t.Fatalf("run 4 = %+v, want 1 resolved", r4)
		}
		// The sidecar regresses: reopened, same finding, not a new one.
		r5 := finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(4*time.Hour),
			result("web", "shop", "privileged", "nginx", posture.Fail),
			result("web", "shop", "privileged", "sidecar", posture.Fail),
			result("api", "shop", "run-as-root", "", posture.Fail))
		if r5.Reopened != 1 || r5.Opened != 0 || r5.Resolved != 0 {
			t.Fatalf("run 5 = %+v, want 1 reopened", r5)
		}
		page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{Text: "privileged", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var sidecar *posture.Finding
		for i := range page.Findings {
			if page.Findings[i].SubKey == "sidecar" {
				sidecar = &page.Findings[i]
			}
		}
		if sidecar == nil || sidecar.Status != posture.FindingOpen || sidecar.ResolvedAt != nil || sidecar.OwnerLabel != "team-shop" {
			t.Fatalf("sidecar finding = %+v", sidecar)
		}
		if !sidecar.FirstSeen.Equal(t0.Add(time.Second)) {
			t.Errorf("first_seen = %v, want kept from run 1", sidecar.FirstSeen)
		}
		events, err := db.FindingEvents(ctx, ten.ID, sidecar.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []posture.FindingEventKind
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if fmt.Sprint(kinds) != "[opened resolved reopened]" {
			t.Fatalf("events = %v", kinds)
		}
		// A finding whose message changes is updated in place, not duplicated.
		changed := result("api", "shop", "run-as-root", "", posture.Fail)
		changed.Message = "runs as UID 0 now"
		r6 := finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(5*time.Hour),
			result("web", "shop", "privileged", "nginx", posture.Fail),
			result("web", "shop", "privileged", "sidecar", posture.Fail), changed)
		if r6.Opened != 0 || r6.Resolved != 0 {
			t.Fatalf("run 6 = %+v", r6)
		}
		page, err = db.ListFindings(ctx, ten.ID, posture.FindingFilter{CheckIDs: []string{"run-as-root"}})
		if err != nil || len(page.Findings) != 1 || page.Findings[0].Message != "runs as UID 0 now" ||
			!page.Findings[0].LastSeen.Equal(t0.Add(5*time.Hour+time.Second)) {
			t.Fatalf("changed finding = %+v, %v", page.Findings, err)
		}
		// An unchanged finding is not rewritten, yet reads as seen by the latest complete run;
		// a partial run after it confirms nothing and moves nothing.
		finishRun(t, db, ten.ID, tgt.ID, posture.RunPartial, t0.Add(6*time.Hour),
			result("web", "shop", "privileged", "nginx", posture.Fail))
		page, err = db.ListFindings(ctx, ten.ID, posture.FindingFilter{Text: "privileged on web", Limit: 10})
		if err != nil || len(page.Findings) != 2 {
			t.Fatalf("web findings = %d, %v", len(page.Findings), err)
		}
		for _, f := range page.Findings {
			if !f.LastSeen.Equal(t0.Add(5*time.Hour + time.Second)) {
				t.Errorf("%s/%s last seen %v, want the last complete run's end %v", f.CheckID, f.SubKey, f.LastSeen, t0.Add(5*time.Hour+time.Second))
			}
		}
		r5 = r6
		// Finishing a finished run is a conflict, not a second application.
		_, err = db.FinishRun(ctx, ten.ID, r5.ID, posture.RunOutcome{Status: posture.RunComplete})
		wantCode(t, err, posture.ECONFLICT)
		last, err := db.LastCompleteRun(ctx, ten.ID, tgt.ID)
		if err != nil || last.ID != r5.ID {
			t.Fatalf("last complete run = %+v, %v", last, err)
		}
		// Another tenant sees none of it.
		other, _ := seedTenant(t, db, "other")
		if _, err := db.FindingEvents(ctx, other.ID, sidecar.ID); posture.ErrorCode(err) != posture.ENOTFOUND {
			t.Fatalf("other tenant read events: %v", err)
		}
		if p, _ := db.ListFindings(ctx, other.ID, posture.FindingFilter{}); len(p.Findings) != 0 {
			t.Fatalf("other tenant listed %d findings", len(p.Findings))
		}
	})
}

func TestIntegrationKeysetPaginationAndFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		var results []posture.Result
		for i := 0; i < 23; i++ {
			r := result(fmt.Sprintf("w%02d", i), "ns", "check", "", posture.Fail)
			r.Severity = posture.Severity(i % 5)
			results = append(results, r)
		}
		results = append(results, result("odd", "ns", "100%_match", "", posture.Fail))
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, time.Now(), results...)

		seen := map[int64]bool{}
		cursor, pages := "", 0
		lastSev := posture.SeverityCritical + 1
		for {
			page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{Cursor: cursor, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, f := range page.Findings {
				if seen[f.ID] {
					t.Fatalf("finding %d on two pages", f.ID)
				}
				if f.Severity > lastSev {
					t.Fatalf("order broken: %v after %v", f.Severity, lastSev)
				}
				seen[f.ID], lastSev = true, f.Severity
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 24 || pages != 5 {
			t.Fatalf("paged %d findings in %d pages, want 24 in 5", len(seen), pages)
		}
		high := posture.SeverityHigh
		page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{MinSeverity: &high, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Findings {
			if f.Severity < high {
				t.Fatalf("severity filter let %v through", f.Severity)
			}
		}
		// LIKE metacharacters in free text are literal.
		page, err = db.ListFindings(ctx, ten.ID, posture.FindingFilter{Text: "100%_", Limit: 100})
		if err != nil || len(page.Findings) != 1 {
			t.Fatalf("text filter with metacharacters = %d findings, %v; want 1", len(page.Findings), err)
		}
		page, err = db.ListFindings(ctx, ten.ID, posture.FindingFilter{Text: "'; DROP TABLE findings; --", Limit: 100})
		if err != nil || len(page.Findings) != 0 {
			t.Fatalf("SQL metacharacters: %d, %v", len(page.Findings), err)
		}
		_, err = db.ListFindings(ctx, ten.ID, posture.FindingFilter{Cursor: "not-a-cursor"})
		wantCode(t, err, posture.EINVALID)
		_, err = db.ListFindings(ctx, ten.ID, posture.FindingFilter{Limit: 100000})
		wantCode(t, err, posture.EINVALID)
	})
}

func TestIntegrationAuditChain(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			if err := db.Append(ctx, &posture.AuditEntry{Actor: "alice", Action: "target.create", Object: fmt.Sprintf("target/%d", i), After: `{"name":"prod"}`}); err != nil {
				t.Fatal(err)
			}
		}
		if br, err := db.Verify(ctx); err != nil || br != nil {
			t.Fatalf("intact chain: break %+v, err %v", br, err)
		}
		if err := db.Exec(ctx, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		br, err := db.Verify(ctx)
		if err != nil || br == nil || br.EntryID != 3 {
			t.Fatalf("modified row: break %+v, err %v; want entry 3", br, err)
		}
		if err := db.Exec(ctx, "DELETE FROM audit_log WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		br, err = db.Verify(ctx)
		if err != nil || br == nil || br.EntryID != 4 {
			t.Fatalf("deleted row: break %+v, err %v; want entry 4", br, err)
		}
	})
}

func TestOpenUnreachablePostgresIsClear(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{Driver: store.Postgres, DSN: "postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"})
	if err == nil {
		t.Fatal("want an error")
	}
	if msg := err.Error(); !containsAll(msg, "connect to postgres database") || containsAll(msg, "s3cret") {
		t.Fatalf("error %q: want a clear message without the password", msg)
	}
	var pe *posture.Error
	if errors.As(err, &pe) {
		t.Fatalf("connection error should not be a user-facing domain error: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestIntegrationTargetDeletionCascadesAndFindingsStayWithTheirTarget(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		other := &posture.Target{TenantID: ten.ID, Name: "staging", Kind: posture.TargetCluster, Schedule: "1h", Enabled: true}
		if err := db.CreateTarget(ctx, other); err != nil {
			t.Fatal(err)
		}
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, time.Now(), result("web", "shop", "privileged", "", posture.Fail))
		finishRun(t, db, ten.ID, other.ID, posture.RunComplete, time.Now(), result("api", "shop", "privileged", "", posture.Fail))
		page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{TargetID: tgt.ID})
		if err != nil || len(page.Findings) != 1 {
			t.Fatalf("findings of prod = %d, %v", len(page.Findings), err)
		}
		gone := page.Findings[0]
		if db.Dialect() == store.Postgres {
			// A finding cannot name an asset of another target, even in its own tenant.
			err := db.Exec(ctx, `UPDATE findings SET target_id = ? WHERE id = ?`, other.ID, gone.ID)
			if err == nil {
				t.Fatal("a finding was moved to a target its asset does not belong to")
			}
		}
		if err := db.DeleteTarget(ctx, ten.ID, tgt.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Finding(ctx, ten.ID, gone.ID); posture.ErrorCode(err) != posture.ENOTFOUND {
			t.Fatalf("finding of a deleted target: %v", err)
		}
		if _, err := db.FindingEvents(ctx, ten.ID, gone.ID); posture.ErrorCode(err) != posture.ENOTFOUND {
			t.Fatalf("history of a deleted target's finding: %v", err)
		}
		if page, _ := db.ListFindings(ctx, ten.ID, posture.FindingFilter{}); len(page.Findings) != 1 || page.Findings[0].TargetID != other.ID {
			t.Fatalf("the other target's findings went too: %+v", page.Findings)
		}
	})
}
