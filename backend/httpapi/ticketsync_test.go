package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// TestTicketSyncChannelThroughTheAPI: a ticket-sync channel is made and tested through the
// channel API (its settings checked, its test a signed ping), alert rules cannot route to it,
// and ticket changes made through the API (including a due date) are queued for it.
func TestTicketSyncChannelThroughTheAPI(t *testing.T) {
	f := newFixture(t, store.SQLite)
	sm, op := f.Acme.Tokens[posture.RoleSecurityManager], f.Acme.Tokens[posture.RoleOperator]
	const secret = "0123456789abcdef0123456789abcdef"
	var mu sync.Mutex
	var pings []map[string]any
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.Verify([]byte(secret), body, r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), time.Now(), 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		mu.Lock()
		pings = append(pings, m)
		mu.Unlock()
	}))
	defer rcv.Close()

	for _, c := range []struct{ body, want string }{
		{`{"name":"jira","kind":"ticket-sync","settings":{"url":"` + rcv.URL + `","project_key":"sec"},"secret":"` + secret + `"}`, "project_key"},
		{`{"name":"jira","kind":"ticket-sync","settings":{"url":"` + rcv.URL + `","issue_type":"Bug\nX"},"secret":"` + secret + `"}`, "issue_type"},
		{`{"name":"jira","kind":"ticket-sync","settings":{"url":"` + rcv.URL + `"},"secret":"short"}`, "at least 16 bytes"},
		{`{"name":"jira","kind":"ticket-sync","settings":{"url":"http://jira.example/hook"},"secret":"` + secret + `"}`, "https"},
	} {
		w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels", c.body)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s: %d %s (want 400 naming %s)", c.body, w.Code, w.Body.String(), c.want)
		}
	}

	w := f.call(t, sm, "POST", "/api/v1/tenants/acme/channels",
		`{"name":"jira","kind":"ticket-sync","settings":{"url":"`+rcv.URL+`/palisade","project_key":"SEC","issue_type":"Task"},"secret":"`+secret+`"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	var ch struct {
		ID        int64             `json:"id"`
		Kind      string            `json:"kind"`
		Settings  map[string]string `json:"settings"`
		HasSecret bool              `json:"has_secret"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &ch)
	if ch.Kind != "ticket-sync" || !ch.HasSecret || ch.Settings["project_key"] != "SEC" || strings.Contains(w.Body.String(), secret) {
		t.Fatalf("created: %s", w.Body.String())
	}

	// The URL is shown without its path (incoming-webhook URLs are credentials): not to a
	// viewer, not in the audit log.
	if ch.Settings["url"] != rcv.URL+"/…" {
		t.Errorf("created channel shows url %q", ch.Settings["url"])
	}
	w = f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/acme/channels", "")
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "/palisade") {
		t.Errorf("a viewer sees the channel's URL: %d %s", w.Code, w.Body.String())
	}
	var exported strings.Builder
	must(t, f.DB.ExportAudit(t.Context(), func(e posture.AuditEntry) error {
		b, _ := json.Marshal(e)
		exported.Write(b)
		return nil
	}))
	if !strings.Contains(exported.String(), "channel.create") || strings.Contains(exported.String(), "/palisade") {
		t.Errorf("the audit log holds the channel's URL (or no channel.create): %s", exported.String())
	}

	w = f.call(t, sm, "POST", fmt.Sprintf("/api/v1/tenants/acme/channels/%d/test", ch.ID), "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"delivered":true`) {
		t.Fatalf("test: %d %s", w.Code, w.Body.String())
	}
	mu.Lock()
	if len(pings) != 1 || pings[0]["webhookEvent"] != notify.TicketSyncPing {
		t.Fatalf("the receiver got %v", pings)
	}
	mu.Unlock()

	w = f.call(t, sm, "POST", "/api/v1/tenants/acme/alert-rules", fmt.Sprintf(`{"name":"to jira","channel_id":%d}`, ch.ID))
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "syncs tickets") {
		t.Fatalf("rule to a ticket-sync channel: %d %s", w.Code, w.Body.String())
	}

	// Changes through the API are queued, one version each, with who made them.
	ticketPath := fmt.Sprintf("/api/v1/tenants/acme/tickets/%d", f.Acme.TicketID)
	due := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	w = f.call(t, op, "PATCH", ticketPath, `{"status":"in_progress","due_at":"`+due.Format(time.RFC3339)+`"}`)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"due_at":"`+due.Format(time.RFC3339)) {
		t.Fatalf("patch: %d %s", w.Code, w.Body.String())
	}
	w = f.call(t, op, "POST", ticketPath+"/comments", `{"body":"patched in the chart"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("comment: %d %s", w.Code, w.Body.String())
	}
	w = f.call(t, op, "PATCH", ticketPath, `{"due_at":"2999-01-01T00:00:00Z"}`)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "due_at") {
		t.Fatalf("a due date centuries away: %d %s", w.Code, w.Body.String())
	}
	tk, err := f.DB.Ticket(t.Context(), f.Acme.Tenant.ID, f.Acme.TicketID)
	must(t, err)
	w = f.call(t, op, "GET", "/api/v1/tenants/acme/deliveries", "")
	var list struct {
		Items []struct {
			ChannelID int64  `json:"channel_id"`
			Key       string `json:"key"`
		} `json:"items"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &list)
	var keys []string
	for _, d := range list.Items {
		if d.ChannelID == ch.ID {
			keys = append(keys, d.Key)
		}
	}
	want := []string{notify.TicketSyncDedupKey(ch.ID, tk.Key, 3), notify.TicketSyncDedupKey(ch.ID, tk.Key, 2)}
	if tk.Version != 3 || strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Fatalf("version %d, deliveries %v, want %v", tk.Version, keys, want)
	}
	claimed, err := f.DB.ClaimDeliveries(t.Context(), 10, time.Minute)
	must(t, err)
	for _, d := range claimed {
		var ev notify.TicketEvent
		must(t, json.Unmarshal(d.Payload, &ev))
		if d.DedupKey != want[1] || ev.User.Name != "token:test-operator" || ev.Issue.Fields.IssueType.Name != "Task" ||
			len(ev.Changelog.Items) != 2 || ev.Changelog.Items[1].Field != "duedate" {
			t.Errorf("claimed %s: %+v", d.DedupKey, ev)
		}
	}
	if len(claimed) != 1 {
		t.Errorf("claimed %d deliveries of one ticket at once", len(claimed))
	}
}
