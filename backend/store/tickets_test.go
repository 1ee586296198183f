package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestIntegrationTicketsFollowRuns: one ticket per finding; a complete run without its
// findings verifies it, a regression reopens it; another tenant cannot see it.
func TestIntegrationTicketsFollowRuns(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		other, _ := seedTenant(t, db, "globex")
		at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		priv := result("apps/Deployment/shop/web", "shop", "k8s.privileged-container", "web", posture.Fail)
		hostPID := result("apps/Deployment/shop/api", "shop", "k8s.host-pid", "", posture.Fail)
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, at, priv, hostPID)
		page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{CheckIDs: []string{"k8s.privileged-container"}})
		if err != nil || len(page.Findings) != 1 {
			t.Fatalf("findings: %v %v", page, err)
		}
		fid := page.Findings[0].ID

		tk := &store.Ticket{TenantID: ten.ID, FindingIDs: []int64{fid}, Assignee: "sam", CreatedBy: "omar@acme.example"}
		if err := db.CreateTicket(ctx, tk, store.DefaultSLA); err != nil {
			t.Fatal(err)
		}
		if tk.Key != "PAL-1" || tk.Status != store.TicketOpen || tk.DueAt == nil ||
			tk.DueAt.Sub(time.Now()) < 29*24*time.Hour || !strings.Contains(tk.Title, "k8s.privileged-container") {
			t.Fatalf("ticket: %+v (high severity: due in 30 days)", tk)
		}
		err = db.CreateTicket(ctx, &store.Ticket{TenantID: ten.ID, FindingIDs: []int64{fid}, CreatedBy: "x"}, store.DefaultSLA)
		wantCode(t, err, posture.ECONFLICT)
		if !strings.Contains(err.Error(), tk.Key) {
			t.Fatalf("the conflict should name %s: %v", tk.Key, err)
		}
		err = db.CreateTicket(ctx, &store.Ticket{TenantID: other.ID, FindingIDs: []int64{fid}, CreatedBy: "x"}, store.DefaultSLA)
		wantCode(t, err, posture.ENOTFOUND)
		_, err = db.Ticket(ctx, other.ID, tk.ID)
		wantCode(t, err, posture.ENOTFOUND)

		status := func() string {
			got, err := db.Ticket(ctx, ten.ID, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		// A partial run without the finding proves nothing.
		finishRun(t, db, ten.ID, tgt.ID, posture.RunPartial, at.Add(time.Hour), hostPID)
		if s := status(); s != store.TicketOpen {
			t.Fatalf("after a partial run: %s", s)
		}
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, at.Add(2*time.Hour), hostPID)
		if s := status(); s != store.TicketVerified {
			t.Fatalf("after the fix: %s", s)
		}
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, at.Add(3*time.Hour), priv, hostPID)
		if s := status(); s != store.TicketReopened {
			t.Fatalf("after the regression: %s", s)
		}
		inProgress := store.TicketInProgress
		got, err := db.UpdateTicket(ctx, ten.ID, tk.ID, "sam", posture.TicketUpdate{Status: &inProgress})
		if err != nil || got.Status != store.TicketInProgress {
			t.Fatalf("update: %v %v", got, err)
		}
		verified := store.TicketVerified
		_, err = db.UpdateTicket(ctx, ten.ID, tk.ID, "sam", posture.TicketUpdate{Status: &verified})
		wantCode(t, err, posture.EINVALID)
		if err := db.AddTicketComment(ctx, ten.ID, tk.ID, "sam", "rolled back the chart"); err != nil {
			t.Fatal(err)
		}
		full, _ := db.Ticket(ctx, ten.ID, tk.ID)
		if len(full.Comments) != 1 || len(full.FindingIDs) != 1 || full.FindingIDs[0] != fid {
			t.Fatalf("ticket: %+v", full)
		}
	})
}

// TestIntegrationOverdueTicketsAlertOnce: a ticket past its due date raises one alert for
// rules that select ticket_overdue, however often the check runs.
func TestIntegrationOverdueTicketsAlertOnce(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Second)
			clock := func() time.Time { return now }
			db := storetest.OpenWith(t, d, storetest.Options{Now: clock, Migrate: true})
			ten, tgt := seedTenant(t, db, "acme")
			finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, now.Add(-time.Hour),
				result("apps/Deployment/shop/web", "shop", "k8s.privileged-container", "web", posture.Fail))
			page, _ := db.ListFindings(ctx, ten.ID, posture.FindingFilter{})
			ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": "http://127.0.0.1:9/x"}}
			if err := db.CreateChannel(ctx, ch); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "sla", Kinds: []string{alerting.KindTicketOverdue}, ChannelID: ch.ID}); err != nil {
				t.Fatal(err)
			}
			tk := &store.Ticket{TenantID: ten.ID, FindingIDs: []int64{page.Findings[0].ID}, CreatedBy: "x"}
			if err := db.CreateTicket(ctx, tk, store.SLA{posture.SeverityHigh: 1}); err != nil {
				t.Fatal(err)
			}
			if n, err := db.AlertOverdueTickets(ctx); err != nil || n != 0 {
				t.Fatalf("before the due date: %d %v", n, err)
			}
			now = now.Add(49 * time.Hour)
			for i := 0; i < 3; i++ {
				if _, err := db.AlertOverdueTickets(ctx); err != nil {
					t.Fatal(err)
				}
			}
			list, err := db.ListDeliveries(ctx, ten.ID, 10)
			if err != nil || len(list) != 1 || !strings.Contains(list[0].DedupKey, "ticket_overdue:"+tk.Key) {
				t.Fatalf("deliveries: %+v %v", list, err)
			}
		})
	}
}

// TestIntegrationLapsedAttestationsAlertOnce: an attestation counts until its expiry; when it
// lapses, rules selecting attestation_expired get one alert.
func TestIntegrationLapsedAttestationsAlertOnce(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Second)
			db := storetest.OpenWith(t, d, storetest.Options{Now: func() time.Time { return now }, Migrate: true})
			ten, _ := seedTenant(t, db, "acme")
			ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": "http://127.0.0.1:9/x"}}
			if err := db.CreateChannel(ctx, ch); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "attest", Kinds: []string{alerting.KindAttestationExpired}, ChannelID: ch.ID}); err != nil {
				t.Fatal(err)
			}
			a := &posture.Attestation{TenantID: ten.ID, CSAID: "3.1.1.1", Statement: "Reviewed.", Owner: "secops", CreatedBy: "sam",
				ExpiresAt: now.Add(24 * time.Hour)}
			if err := db.CreateAttestation(ctx, a); err != nil {
				t.Fatal(err)
			}
			if n, _ := db.AlertLapsedAttestations(ctx); n != 0 || !a.Valid(now) {
				t.Fatalf("a valid attestation raised %d alerts", n)
			}
			now = now.Add(25 * time.Hour)
			if a.Valid(now) {
				t.Fatal("a lapsed attestation still counts")
			}
			for i := 0; i < 3; i++ {
				if _, err := db.AlertLapsedAttestations(ctx); err != nil {
					t.Fatal(err)
				}
			}
			list, _ := db.ListDeliveries(ctx, ten.ID, 10)
			if len(list) != 1 || !strings.Contains(list[0].DedupKey, "attestation_expired") {
				t.Fatalf("deliveries: %+v", list)
			}
		})
	}
}
