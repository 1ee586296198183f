package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// syncChannel adds a ticket-sync channel; withSecret stores a (fake) sealed secret, which
// is what makes a channel able to sign and so eligible for deliveries.
func syncChannel(t *testing.T, db *store.DB, tenantID int64, name string, withSecret bool) *alerting.Channel {
	t.Helper()
	ctx := context.Background()
	ch := &alerting.Channel{TenantID: tenantID, Name: name, Kind: notify.TicketSyncKind,
		Settings: map[string]string{"url": "http://127.0.0.1:9/sync", "project_key": "SEC"}}
	var seal func(int64) ([]byte, error)
	if withSecret {
		seal = func(int64) ([]byte, error) { return []byte("sealed-secret-bytes"), nil }
	}
	if err := db.CreateSealedChannel(ctx, ch, seal); err != nil {
		t.Fatal(err)
	}
	return ch
}

// claimOne claims what is due and expects at most one delivery; nil when none is due.
func claimOne(t *testing.T, db *store.DB) (*alerting.Delivery, *notify.TicketEvent) {
	t.Helper()
	got, err := db.ClaimDeliveries(context.Background(), 50, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		return nil, nil
	}
	if len(got) > 1 {
		keys := []string{}
		for _, d := range got {
			keys = append(keys, d.DedupKey)
		}
		t.Fatalf("claimed %d deliveries of one ticket at once: %v", len(got), keys)
	}
	var ev notify.TicketEvent
	if err := json.Unmarshal(got[0].Payload, &ev); err != nil {
		t.Fatalf("payload of %s: %v", got[0].DedupKey, err)
	}
	return &got[0], &ev
}

// TestIntegrationTicketSyncQueuesChangesInOrder: creating a ticket, a person's changes, a
// comment and runs verifying and reopening it each queue one version for the tenant's
// ticket-sync channel, in the transaction of the change, and the outbox hands the versions
// out one at a time, in order; a failed change queues nothing.
func TestIntegrationTicketSyncQueuesChangesInOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	forEachDialectAt(t, t0, func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		other, _ := seedTenant(t, db, "globex")
		priv := result("apps/Deployment/shop/web", "shop", "k8s.privileged-container", "web", posture.Fail)
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, clock.Now(), priv)
		page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{})
		if err != nil || len(page.Findings) != 1 {
			t.Fatalf("findings: %v %v", page, err)
		}
		clock.Advance(time.Minute)

		jira := syncChannel(t, db, ten.ID, "jira", true)
		syncChannel(t, db, ten.ID, "jira-unsigned", false) // no secret yet: nothing queued for it
		off := syncChannel(t, db, ten.ID, "jira-off", true)
		if err := db.Exec(ctx, "UPDATE notification_channels SET enabled = ? WHERE id = ?", false, off.ID); err != nil {
			t.Fatal(err)
		}
		soc := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": "http://127.0.0.1:9/x"}}
		if err := db.CreateChannel(ctx, soc); err != nil {
			t.Fatal(err)
		}
		syncChannel(t, db, other.ID, "jira", true) // another tenant's channel hears nothing of acme
		err = db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "to jira", ChannelID: jira.ID})
		wantMessage(t, err, posture.EINVALID, "syncs tickets")

		keys := func() []string {
			t.Helper()
			list, err := db.ListDeliveries(ctx, ten.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for i := len(list) - 1; i >= 0; i-- {
				out = append(out, list[i].DedupKey)
			}
			return out
		}
		key := func(tk *store.Ticket, v int) string { return notify.TicketSyncDedupKey(jira.ID, tk.Key, int64(v)) }

		// Created: version 1.
		tk := &store.Ticket{TenantID: ten.ID, FindingIDs: []int64{page.Findings[0].ID}, CreatedBy: "omar@acme.example"}
		if err := db.CreateTicket(ctx, tk, store.DefaultSLA); err != nil {
			t.Fatal(err)
		}
		if tk.Version != 1 || strings.Join(keys(), " ") != key(tk, 1) {
			t.Fatalf("after create: version %d, deliveries %v", tk.Version, keys())
		}
		clock.Advance(time.Minute)

		// A person's change: version 2. The same change again changes nothing: no version.
		got, err := db.UpdateTicket(ctx, ten.ID, tk.ID, "sam@acme.example", posture.TicketUpdate{Status: ptr(store.TicketInProgress)})
		if err != nil || got.Version != 2 {
			t.Fatalf("update: %+v %v", got, err)
		}
		got, err = db.UpdateTicket(ctx, ten.ID, tk.ID, "sam@acme.example", posture.TicketUpdate{Status: ptr(store.TicketInProgress)})
		if err != nil || got.Version != 2 || len(keys()) != 2 {
			t.Fatalf("a change that changes nothing: version %d, deliveries %v, %v", got.Version, keys(), err)
		}
		clock.Advance(time.Minute)

		// Failed changes queue nothing: refused before the transaction...
		_, err = db.UpdateTicket(ctx, ten.ID, tk.ID, "sam", posture.TicketUpdate{Status: ptr(store.TicketVerified)})
		wantCode(t, err, posture.EINVALID)
		err = db.CreateTicket(ctx, &store.Ticket{TenantID: ten.ID, FindingIDs: []int64{page.Findings[0].ID}, CreatedBy: "x"}, store.DefaultSLA)
		wantCode(t, err, posture.ECONFLICT)
		wantCode(t, db.AddTicketComment(ctx, other.ID, tk.ID, "eve", "not yours"), posture.ENOTFOUND)
		// ...and inside it: when queueing fails, the change itself is rolled back.
		refuse, allow := "CREATE TRIGGER refuse_sync BEFORE INSERT ON notification_outbox WHEN NEW.order_key <> '' BEGIN SELECT RAISE(ABORT, 'sync refused'); END",
			"DROP TRIGGER refuse_sync"
		if db.Dialect() == store.Postgres {
			refuse, allow = "ALTER TABLE notification_outbox ADD CONSTRAINT refuse_sync CHECK (order_key = '') NOT VALID",
				"ALTER TABLE notification_outbox DROP CONSTRAINT refuse_sync"
		}
		if err := db.Exec(ctx, refuse); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateTicket(ctx, ten.ID, tk.ID, "sam", posture.TicketUpdate{Assignee: ptr("mallory")}); err == nil {
			t.Fatal("the change went through although its sync could not be queued")
		}
		if err := db.AddTicketComment(ctx, ten.ID, tk.ID, "sam", "lost"); err == nil {
			t.Fatal("the comment went through although its sync could not be queued")
		}
		if err := db.Exec(ctx, allow); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Ticket(ctx, ten.ID, tk.ID)
		if got.Assignee != "" || len(got.Comments) != 0 || got.Version != 2 || len(keys()) != 2 {
			t.Fatalf("after failed changes: %+v, deliveries %v", got, keys())
		}

		// A comment (version 3), then assignee and due date in one change (version 4).
		if err := db.AddTicketComment(ctx, ten.ID, tk.ID, "sam@acme.example", "rolling out the chart fix"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		due := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		if got, err = db.UpdateTicket(ctx, ten.ID, tk.ID, "lee@acme.example", posture.TicketUpdate{Assignee: ptr(" sam "), DueAt: &due}); err != nil ||
			got.Version != 4 || got.Assignee != "sam" || !got.DueAt.Equal(due) {
			t.Fatalf("assign: %+v %v", got, err)
		}
		clock.Advance(time.Minute)

		// A complete run without the finding verifies the ticket (5); a regression reopens it (6).
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, clock.Now())
		clock.Advance(time.Minute)
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, clock.Now(), priv)
		clock.Advance(time.Minute)
		want := []string{key(tk, 1), key(tk, 2), key(tk, 3), key(tk, 4), key(tk, 5), key(tk, 6)}
		if g := keys(); strings.Join(g, " ") != strings.Join(want, " ") {
			t.Fatalf("deliveries\n got %v\nwant %v", g, want)
		}
		if list, _ := db.ListDeliveries(ctx, other.ID, 10); len(list) != 0 {
			t.Fatalf("another tenant's channel got %d deliveries", len(list))
		}

		// The outbox hands out one version at a time, in order.
		type step struct {
			event, typ, user, status string
		}
		steps := []step{
			{"jira:issue_created", "issue_created", "omar@acme.example", "Open"},
			{"jira:issue_updated", "issue_work_started", "sam@acme.example", "In Progress"},
			{"jira:issue_updated", "issue_commented", "sam@acme.example", "In Progress"},
			{"jira:issue_updated", "issue_updated", "lee@acme.example", "In Progress"},
			{"jira:issue_updated", "issue_closed", "palisade", "Closed"},
			{"jira:issue_updated", "issue_reopened", "palisade", "Reopened"},
		}
		for i, s := range steps {
			d, ev := claimOne(t, db)
			if d == nil || d.DedupKey != want[i] {
				t.Fatalf("step %d: claimed %+v, want %s", i+1, d, want[i])
			}
			if ev.WebhookEvent != s.event || ev.IssueEventTypeName != s.typ || ev.User.Name != s.user ||
				ev.Issue.Fields.Status.Name != s.status || ev.Palisade.Version != int64(i+1) || ev.Issue.Key != tk.Key ||
				ev.Issue.Fields.Project.Key != "SEC" || ev.Palisade.Tenant != "acme" {
				t.Fatalf("step %d: %+v", i+1, ev)
			}
			switch i + 1 {
			case 2:
				// A failed send holds the later versions back until it is retried and sent.
				retry := clock.Now().Add(time.Hour)
				if err := db.MarkFailed(ctx, d.ID, "503", &retry); err != nil {
					t.Fatal(err)
				}
				if d, _ := claimOne(t, db); d != nil {
					t.Fatalf("version 3 was claimed while version 2 waits for its retry: %s", d.DedupKey)
				}
				clock.Advance(2 * time.Hour)
				d, _ = claimOne(t, db)
				if d == nil || d.DedupKey != want[1] {
					t.Fatalf("after the backoff: %+v", d)
				}
			case 3:
				if ev.Comment == nil || ev.Comment.Body != "rolling out the chart fix" || ev.Issue.Fields.Comment.Total != 1 {
					t.Fatalf("comment: %+v", ev.Comment)
				}
			case 4:
				items := fmt.Sprint(ev.Changelog.Items[0].Field, ev.Changelog.Items[1].Field)
				if items != "assigneeduedate" || *ev.Issue.Fields.DueDate != "2026-11-20" || ev.Issue.Fields.Assignee.Name != "sam" {
					t.Fatalf("assignee and due date: %s %+v", items, ev.Issue.Fields)
				}
			case 5:
				// A dead version does not block the next: it carries the full state anyway.
				if err := db.MarkFailed(ctx, d.ID, "410 gone", nil); err != nil {
					t.Fatal(err)
				}
				if c := ev.Changelog.Items[0]; *c.From != "in_progress" || *c.To != "verified" {
					t.Fatalf("verify changelog: %+v", c)
				}
				continue
			}
			if err := db.MarkSent(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		if d, _ := claimOne(t, db); d != nil {
			t.Fatalf("left over: %s", d.DedupKey)
		}
		final, _ := db.Ticket(ctx, ten.ID, tk.ID)
		if final.Version != 6 || final.Status != store.TicketReopened {
			t.Fatalf("final ticket: %+v", final)
		}
	})
}

// TestIntegrationConcurrentTicketChangesGetOneVersionEach: changes racing on one ticket are
// serialised by the row lock (PostgreSQL) or the write lock (SQLite): every change gets its
// own version and its own delivery.
func TestIntegrationConcurrentTicketChangesGetOneVersionEach(t *testing.T) {
	forEachDialectAt(t, time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), func(t *testing.T, db *store.DB, clock *testClock) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, clock.Now(),
			result("apps/Deployment/shop/web", "shop", "k8s.privileged-container", "web", posture.Fail))
		page, _ := db.ListFindings(ctx, ten.ID, posture.FindingFilter{})
		jira := syncChannel(t, db, ten.ID, "jira", true)
		tk := &store.Ticket{TenantID: ten.ID, FindingIDs: []int64{page.Findings[0].ID}, CreatedBy: "omar"}
		if err := db.CreateTicket(ctx, tk, store.DefaultSLA); err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				if i%2 == 0 {
					errs <- db.AddTicketComment(ctx, ten.ID, tk.ID, "sam", fmt.Sprintf("comment %d", i))
					return
				}
				_, err := db.UpdateTicket(ctx, ten.ID, tk.ID, "sam", posture.TicketUpdate{Assignee: ptr(fmt.Sprintf("person-%d", i))})
				errs <- err
			}()
		}
		for i := 0; i < n; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		final, _ := db.Ticket(ctx, ten.ID, tk.ID)
		list, err := db.ListDeliveries(ctx, ten.ID, 100)
		if err != nil || final.Version != n+1 || len(list) != n+1 {
			t.Fatalf("version %d, %d deliveries (%v), want %d", final.Version, len(list), err, n+1)
		}
		seen := map[string]bool{}
		for _, d := range list {
			seen[d.DedupKey] = true
		}
		for v := 1; v <= n+1; v++ {
			if !seen[notify.TicketSyncDedupKey(jira.ID, tk.Key, int64(v))] {
				t.Errorf("no delivery of version %d", v)
			}
		}
	})
}
