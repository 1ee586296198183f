package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/outbox"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// issue is what a tracker keeps of one synced ticket.
type issue struct {
	version                              int64
	status, assignee, summary, due, self string
	comments                             int
}

// tracker is a ticket-sync receiver written the way the docs tell bridges to be: verify the
// signature, then apply a message only when its version is newer than the issue's, keyed by
// issue key; a repeat (same or older version) is acknowledged and ignored.
type tracker struct {
	mu         sync.Mutex
	secret     []byte
	now        func() time.Time
	failAfter  int // apply, then answer 503 this many times: the acknowledgement is lost
	issues     map[string]*issue
	requests   int
	badSig     int
	repeats    int
	gaps       int // a version arrived while the one before it was never applied
	deliveryID []string
}

func (tr *tracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.requests++
	body, _ := io.ReadAll(r.Body)
	if err := notify.Verify(tr.secret, body, r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), tr.now(), 0); err != nil {
		tr.badSig++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	tr.deliveryID = append(tr.deliveryID, r.Header.Get(notify.HeaderID))
	var ev notify.TicketEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.Issue.Key == "" {
		http.Error(w, "not a ticket event", http.StatusBadRequest)
		return
	}
	cur := tr.issues[ev.Issue.Key]
	if cur != nil && ev.Palisade.Version <= cur.version {
		tr.repeats++
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if cur != nil && ev.Palisade.Version != cur.version+1 {
		tr.gaps++
	}
	f := ev.Issue.Fields
	next := &issue{version: ev.Palisade.Version, status: f.Status.Name, summary: f.Summary, comments: f.Comment.Total, self: ev.Issue.Self}
	if f.Assignee != nil {
		next.assignee = f.Assignee.Name
	}
	if f.DueDate != nil {
		next.due = *f.DueDate
	}
	tr.issues[ev.Issue.Key] = next
	if tr.failAfter > 0 {
		tr.failAfter--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestIntegrationTicketSyncReachesATrackerIdempotentlyAndInOrder: a ticket's life (created, started,
// commented, assigned with a due date, verified by a run) reaches a tracker through the
// outbox, signed and in version order; a lost acknowledgement and a redelivery of an old
// version after newer ones change nothing, and the tracker ends with the ticket's state.
func TestIntegrationTicketSyncReachesATrackerIdempotentlyAndInOrder(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			db, clk, ten := e.db, e.clk, e.ten
			tr := &tracker{secret: []byte("a-ticket-sync-signing-secret-32b!"), now: time.Now, failAfter: 1, issues: map[string]*issue{}}
			srv := httptest.NewServer(tr)
			defer srv.Close()

			ch := &alerting.Channel{Name: "jira", Kind: notify.TicketSyncKind,
				Settings: map[string]string{"url": srv.URL + "/palisade", "project_key": "SEC"}}
			if _, err := outbox.Sender(*ch, tr.secret, loopbackAllowed); err != nil { // what the channel API checks first
				t.Fatal(err)
			}
			e.channel(t, ch, tr.secret)

			run := func(status posture.ResultStatus) { e.run(t, status) }
			run(posture.Fail)
			page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{})
			must(t, err)
			tk := &posture.Ticket{TenantID: ten.ID, FindingIDs: []int64{page.Findings[0].ID}, CreatedBy: "omar@acme.example"}
			must(t, db.CreateTicket(ctx, tk, posture.DefaultSLA))
			started := posture.TicketInProgress
			_, err = db.UpdateTicket(ctx, ten.ID, tk.ID, "sam@acme.example", posture.TicketUpdate{Status: &started})
			must(t, err)
			must(t, db.AddTicketComment(ctx, ten.ID, tk.ID, "sam@acme.example", "chart fix in review"))
			due := clk.Now().Add(72 * time.Hour)
			_, err = db.UpdateTicket(ctx, ten.ID, tk.ID, "lee@acme.example", posture.TicketUpdate{Assignee: ptr("sam"), DueAt: &due})
			must(t, err)
			run(posture.Pass) // the fix: verified

			w := e.worker()
			w.BaseURL = "https://palisade.example"
			// Version 1 is applied but its acknowledgement is lost (503): nothing after it may go.
			if n := w.Once(ctx); n != 0 || tr.requests != 1 {
				t.Fatalf("first poll: sent %d, tracker saw %d requests", n, tr.requests)
			}
			if n := w.Once(ctx); n != 0 || tr.requests != 1 {
				t.Fatalf("a later version overtook version 1 waiting for its retry: %d requests", tr.requests)
			}
			clk.Add(time.Hour) // past the backoff
			sent := 0
			for i := 0; i < 20; i++ {
				n := w.Once(ctx)
				if n == 0 {
					break
				}
				sent += n
			}
			if sent != 5 || tr.requests != 6 || tr.repeats != 1 {
				t.Fatalf("sent %d, tracker saw %d requests, %d repeats", sent, tr.requests, tr.repeats)
			}

			// A worker that sent version 3 but died before recording it sends it again, after
			// newer versions: the tracker recognises the repeat.
			v3 := notify.TicketSyncDedupKey(ch.ID, tk.Key, 3)
			must(t, db.Exec(ctx, "UPDATE notification_outbox SET status = 'pending', sent_at = NULL WHERE dedup_key = ?", v3))
			if n := w.Once(ctx); n != 1 || tr.repeats != 2 || tr.deliveryID[len(tr.deliveryID)-1] != v3 {
				t.Fatalf("redelivery: sent %d, %d repeats, last id %s", n, tr.repeats, tr.deliveryID[len(tr.deliveryID)-1])
			}
			if tr.badSig != 0 || tr.gaps != 0 {
				t.Fatalf("%d bad signatures, %d gaps", tr.badSig, tr.gaps)
			}
			for i, id := range tr.deliveryID {
				if !strings.HasPrefix(id, "ticket-sync:") {
					t.Errorf("request %d: X-Palisade-Id %q", i, id)
				}
			}

			final, err := db.Ticket(ctx, ten.ID, tk.ID)
			must(t, err)
			got := tr.issues[tk.Key]
			want := issue{version: final.Version, status: notify.JiraStatusOf(final.Status).Name, assignee: final.Assignee,
				summary: final.Title, due: final.DueAt.UTC().Format(time.DateOnly), comments: len(final.Comments),
				self: "https://palisade.example/t/acme/tickets/" + itoa(final.ID)}
			if got == nil || *got != want {
				t.Fatalf("tracker has %+v\n  ticket is %+v", got, want)
			}
			if final.Version != 5 || final.Status != posture.TicketVerified || got.status != "Closed" {
				t.Fatalf("final: version %d, %s (tracker: %s)", final.Version, final.Status, got.status)
			}
			list, err := db.ListDeliveries(ctx, ten.ID, 20)
			must(t, err)
			for _, d := range list {
				if d.Status != "sent" {
					t.Errorf("%s is %s", d.DedupKey, d.Status)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
