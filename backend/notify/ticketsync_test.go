package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

func sampleTicket() posture.Ticket {
	created := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	due := created.Add(30 * 24 * time.Hour)
	return posture.Ticket{
		ID: 12, TenantID: 1, Key: "PAL-12", Title: "Fix k8s.privileged-container (2 findings)",
		Description: "Drop privileged from the <web> chart & redeploy.", Assignee: "sam@acme.example",
		Severity: posture.SeverityHigh, Status: posture.TicketInProgress, DueAt: &due, CreatedBy: "omar@acme.example",
		CreatedAt: created, UpdatedAt: created.Add(time.Hour), Version: 3, FindingIDs: []int64{101, 102},
		Comments: []posture.TicketComment{{ID: 7, Author: "sam@acme.example", Body: "on it", CreatedAt: created.Add(30 * time.Minute)}},
	}
}

// decode turns a TicketEvent into generic JSON, as a receiver in any language sees it.
func decode(t *testing.T, ev TicketEvent) map[string]any {
	t.Helper()
	body, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at walks a path of object keys and array indexes ("issue.fields.status.name").
func at(t *testing.T, v any, path string) any {
	t.Helper()
	for _, part := range strings.Split(path, ".") {
		switch cur := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = cur[part]; !ok {
				t.Fatalf("%s: no key %q in %v", path, part, cur)
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i >= len(cur) {
				t.Fatalf("%s: index %q out of %d", path, part, len(cur))
			}
			v = cur[i]
		default:
			t.Fatalf("%s: cannot descend into %T at %q", path, v, part)
		}
	}
	return v
}

func TestTicketEventIsJiraShaped(t *testing.T) {
	tk := sampleTicket()
	when := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	ev := NewTicketEvent(TicketChange{Ticket: tk, Tenant: "acme", Actor: "sam@acme.example", At: when,
		Changes: []TicketFieldChange{{Field: "status", From: "open", To: "in_progress"}, {Field: "assignee", From: "", To: "sam@acme.example"}}},
		TicketSyncOptions{ProjectKey: "SEC", IssueType: "Task"})
	m := decode(t, ev)
	want := map[string]any{
		"webhookEvent":                            "jira:issue_updated",
		"issue_event_type_name":                   "issue_work_started",
		"timestamp":                               float64(when.UnixMilli()),
		"user.name":                               "sam@acme.example",
		"issue.id":                                "12",
		"issue.key":                               "PAL-12",
		"issue.self":                              "",
		"issue.fields.summary":                    "Fix k8s.privileged-container (2 findings)",
		"issue.fields.description":                "Drop privileged from the <web> chart & redeploy.",
		"issue.fields.issuetype.name":             "Task",
		"issue.fields.project.key":                "SEC",
		"issue.fields.priority.name":              "High",
		"issue.fields.status.name":                "In Progress",
		"issue.fields.status.statusCategory.key":  "indeterminate",
		"issue.fields.resolution":                 nil,
		"issue.fields.assignee.name":              "sam@acme.example",
		"issue.fields.reporter.name":              "omar@acme.example",
		"issue.fields.duedate":                    "2026-03-31",
		"issue.fields.labels.0":                   "palisade",
		"issue.fields.labels.1":                   "palisade-severity-high",
		"issue.fields.created":                    "2026-03-01T09:30:00.000+0000",
		"issue.fields.updated":                    "2026-03-01T10:30:00.000+0000",
		"issue.fields.comment.total":              float64(1),
		"issue.fields.comment.comments.0.id":      "7",
		"issue.fields.comment.comments.0.body":    "on it",
		"changelog.id":                            "3",
		"changelog.items.0.field":                 "status",
		"changelog.items.0.from":                  "open",
		"changelog.items.0.fromString":            "Open",
		"changelog.items.0.to":                    "in_progress",
		"changelog.items.0.toString":              "In Progress",
		"changelog.items.1.field":                 "assignee",
		"changelog.items.1.from":                  nil,
		"changelog.items.1.toString":              "sam@acme.example",
		"palisade.tenant":                         "acme",
		"palisade.ticket_key":                     "PAL-12",
		"palisade.version":                        float64(3),
		"palisade.status":                         "in_progress",
		"palisade.severity":                       "high",
		"palisade.findings_total":                 float64(2),
		"palisade.finding_ids.1":                  float64(102),
		"issue.fields.comment.comments.0.created": "2026-03-01T10:00:00.000+0000",
	}
	for path, w := range want {
		if g := at(t, m, path); g != w {
			t.Errorf("%s = %#v, want %#v", path, g, w)
		}
	}
	if _, ok := m["comment"]; ok {
		t.Error("a change without a comment has no top-level comment")
	}
	body, _ := ev.Encode()
	if !strings.Contains(string(body), "<web> chart & redeploy") {
		t.Errorf("text is not HTML-escaped in the body: %s", body)
	}
}

func TestTicketEventKinds(t *testing.T) {
	tk := sampleTicket()
	tk.Version = 1
	created := decode(t, NewTicketEvent(TicketChange{Ticket: tk, Actor: "omar", Created: true, At: tk.CreatedAt}, TicketSyncOptions{}))
	if created["webhookEvent"] != "jira:issue_created" || created["issue_event_type_name"] != "issue_created" {
		t.Errorf("created: %v / %v", created["webhookEvent"], created["issue_event_type_name"])
	}
	if _, ok := created["changelog"]; ok {
		t.Error("a created event has no changelog")
	}
	if at(t, created, "issue.fields.project.key") != "PAL" || at(t, created, "issue.fields.issuetype.name") != "Bug" {
		t.Error("defaults: project PAL, issue type Bug")
	}

	cm := posture.TicketComment{ID: 9, Author: "sam", Body: "rolled back", CreatedAt: tk.CreatedAt}
	commented := decode(t, NewTicketEvent(TicketChange{Ticket: tk, Actor: "sam", Comment: &cm, At: tk.CreatedAt}, TicketSyncOptions{}))
	if commented["webhookEvent"] != "jira:issue_updated" || commented["issue_event_type_name"] != "issue_commented" ||
		at(t, commented, "comment.id") != "9" || at(t, commented, "comment.author.name") != "sam" || at(t, commented, "comment.body") != "rolled back" {
		t.Errorf("commented: %v", commented)
	}

	for _, c := range []struct {
		changes []TicketFieldChange
		want    string
	}{
		{[]TicketFieldChange{{Field: "status", From: "resolved", To: "verified"}}, "issue_closed"},
		{[]TicketFieldChange{{Field: "status", From: "verified", To: "reopened"}}, "issue_reopened"},
		{[]TicketFieldChange{{Field: "status", From: "in_progress", To: "resolved"}}, "issue_resolved"},
		{[]TicketFieldChange{{Field: "status", From: "in_progress", To: "open"}}, "issue_work_stopped"},
		{[]TicketFieldChange{{Field: "status", From: "resolved", To: "open"}}, "issue_generic"},
		{[]TicketFieldChange{{Field: "assignee", From: "a", To: "b"}}, "issue_assigned"},
		{[]TicketFieldChange{{Field: "due_at", From: "2026-03-31", To: "2026-04-30"}}, "issue_updated"},
	} {
		m := decode(t, NewTicketEvent(TicketChange{Ticket: tk, Actor: SystemActor, Changes: c.changes, At: tk.CreatedAt}, TicketSyncOptions{}))
		if m["issue_event_type_name"] != c.want {
			t.Errorf("%v: %v, want %s", c.changes, m["issue_event_type_name"], c.want)
		}
	}
	due := decode(t, NewTicketEvent(TicketChange{Ticket: tk, Changes: []TicketFieldChange{{Field: "due_at", From: "", To: "2026-04-30"}}},
		TicketSyncOptions{}))
	if at(t, due, "changelog.items.0.field") != "duedate" || at(t, due, "changelog.items.0.fromString") != nil ||
		at(t, due, "changelog.items.0.toString") != "2026-04-30" {
		t.Errorf("due date change: %v", due["changelog"])
	}
	title := decode(t, NewTicketEvent(TicketChange{Ticket: tk, Changes: []TicketFieldChange{{Field: "title", From: "a", To: "b\nc"}}},
		TicketSyncOptions{}))
	if at(t, title, "changelog.items.0.field") != "summary" || at(t, title, "changelog.items.0.toString") != "b c" {
		t.Errorf("title change: %v", title["changelog"])
	}
}

func TestTicketStatusesAndPriorities(t *testing.T) {
	for status, want := range map[string][2]string{
		posture.TicketOpen: {"Open", "new"}, posture.TicketInProgress: {"In Progress", "indeterminate"},
		posture.TicketResolved: {"Resolved", "done"}, posture.TicketVerified: {"Closed", "done"},
		posture.TicketReopened: {"Reopened", "new"},
	} {
		if s := JiraStatusOf(status); s.Name != want[0] || s.StatusCategory.Key != want[1] {
			t.Errorf("%s -> %+v, want %v", status, s, want)
		}
	}
	for sev, want := range map[posture.Severity]string{posture.SeverityCritical: "Highest", posture.SeverityHigh: "High",
		posture.SeverityMedium: "Medium", posture.SeverityLow: "Low", posture.SeverityInfo: "Lowest"} {
		if g := JiraPriorityOf(sev); g != want {
			t.Errorf("%s -> %s, want %s", sev, g, want)
		}
	}
	tk := sampleTicket()
	tk.Status = posture.TicketVerified
	if m := decode(t, NewTicketEvent(TicketChange{Ticket: tk}, TicketSyncOptions{})); at(t, m, "issue.fields.resolution.name") != "Done" {
		t.Error("a verified ticket is resolved Done")
	}
	tk.Assignee, tk.DueAt, tk.Description = "", nil, ""
	m := decode(t, NewTicketEvent(TicketChange{Ticket: tk}, TicketSyncOptions{}))
	if at(t, m, "issue.fields.assignee") != nil || at(t, m, "issue.fields.duedate") != nil ||
		at(t, m, "issue.fields.description") != "Remediation ticket opened in Palisade for 2 findings." {
		t.Errorf("unassigned, no due date, no description: %v", m["issue"])
	}
}

func TestTicketEventIsBounded(t *testing.T) {
	tk := sampleTicket()
	tk.Title = "line one\nline two " + strings.Repeat("t", 400)
	tk.Description = strings.Repeat("d", 20000)
	tk.Assignee = "sam\r\nX-Injected: 1"
	tk.FindingIDs = make([]int64, 250)
	for i := range tk.FindingIDs {
		tk.FindingIDs[i] = int64(i + 1)
	}
	tk.Comments = nil
	for i := 1; i <= 30; i++ {
		tk.Comments = append(tk.Comments, posture.TicketComment{ID: int64(i), Author: "a", Body: strings.Repeat("c", 10000), CreatedAt: tk.CreatedAt})
	}
	ev := NewTicketEvent(TicketChange{Ticket: tk, At: tk.CreatedAt}, TicketSyncOptions{})
	f := ev.Issue.Fields
	if len(f.Summary) > MaxTicketSummary || strings.ContainsAny(f.Summary, "\r\n") || !strings.HasPrefix(f.Summary, "line one line two") {
		t.Errorf("summary %d bytes: %.40q", len(f.Summary), f.Summary)
	}
	if len(f.Description) > MaxTicketDescription || !strings.HasSuffix(f.Description, "…") {
		t.Errorf("description is %d bytes", len(f.Description))
	}
	if f.Assignee == nil || strings.ContainsAny(f.Assignee.Name, "\r\n") {
		t.Errorf("assignee %+v", f.Assignee)
	}
	if c := f.Comment; len(c.Comments) != MaxSyncedComments || c.Total != 30 || c.StartAt != 10 || c.Comments[0].ID != "11" ||
		c.Comments[19].ID != "30" || len(c.Comments[0].Body) > MaxTicketComment {
		t.Errorf("comments: %d shown, total %d, start %d, first %s", len(c.Comments), c.Total, c.StartAt, c.Comments[0].ID)
	}
	if p := ev.Palisade; len(p.FindingIDs) != MaxSyncedFindingIDs || p.FindingsTotal != 250 {
		t.Errorf("finding ids: %d of %d", len(p.FindingIDs), p.FindingsTotal)
	}
	body, _ := ev.Encode()
	if len(body) > 128<<10 {
		t.Errorf("payload is %d bytes", len(body))
	}
}

func TestTicketSyncSendsSignedPayloadAndPing(t *testing.T) {
	srv, got := recorder(t, nil)
	ts, err := NewTicketSync(TicketSyncConfig{URL: srv.URL + "/sync", Secret: testSecret, ProjectKey: "SEC", Policy: loopbackAllowed})
	if err != nil {
		t.Fatal(err)
	}
	if ts.Kind() != "ticket-sync" || ts.Options().IssueType != "Bug" {
		t.Fatalf("kind %s, options %+v", ts.Kind(), ts.Options())
	}
	payload, _ := NewTicketEvent(TicketChange{Ticket: sampleTicket(), Tenant: "acme", At: time.Now()}, ts.Options()).Encode()
	id := TicketSyncDedupKey(4, "PAL-12", 3)
	if id != "ticket-sync:4:PAL-12:3" {
		t.Fatalf("dedup key %s", id)
	}
	if err := ts.SendPayload(context.Background(), id, payload, "https://palisade.example"); err != nil {
		t.Fatal(err)
	}
	if err := ts.Send(context.Background(), Message{ID: "test:4:req", Tenant: "acme", Title: "Palisade test notification", Text: "works"}); err != nil {
		t.Fatal(err)
	}
	reqs := got()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if err := Verify(testSecret, r.body, r.header.Get(HeaderTimestamp), r.header.Get(HeaderSignature), time.Now(), time.Minute); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if g := reqs[0].header.Get(HeaderID); g != id {
		t.Errorf("X-Palisade-Id = %q, want %q", g, id)
	}
	var ev TicketEvent
	if err := json.Unmarshal(reqs[0].body, &ev); err != nil || ev.Issue.Self != "https://palisade.example/t/acme/tickets/12" ||
		ev.Issue.Key != "PAL-12" || ev.Palisade.Version != 3 || ev.Issue.Fields.Project.Key != "SEC" {
		t.Errorf("sent %s (%v)", reqs[0].body, err)
	}
	var ping map[string]any
	_ = json.Unmarshal(reqs[1].body, &ping)
	if ping["webhookEvent"] != TicketSyncPing || at(t, ping, "palisade.tenant") != "acme" || reqs[1].header.Get(HeaderID) != "test:4:req" {
		t.Errorf("ping: %s", reqs[1].body)
	}
	if _, ok := ping["issue"]; ok {
		t.Error("a ping carries no issue")
	}

	// A queued payload that is not a ticket event cannot be fixed by retrying.
	for _, bad := range []string{`not json`, `{"webhookEvent":"jira:issue_updated","issue":{"key":""}}`, `{"issue":{"key":"PAL-1"}}`} {
		err := ts.SendPayload(context.Background(), "x", []byte(bad), "")
		var de *DeliveryError
		if !errors.As(err, &de) || de.Retryable {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if n := len(got()); n != 2 {
		t.Errorf("bad payloads were sent: %d requests", n)
	}
}

func TestNewTicketSyncValidates(t *testing.T) {
	for _, c := range []struct {
		cfg  TicketSyncConfig
		want string
	}{
		{TicketSyncConfig{URL: "https://jira.example/hook", Secret: []byte("short")}, "ticket-sync: secret must be at least 16 bytes"},
		{TicketSyncConfig{URL: "http://jira.example/hook", Secret: testSecret}, "plain http is allowed only for loopback"},
		{TicketSyncConfig{URL: "https://jira.example/hook", Secret: testSecret, ProjectKey: "sec"}, "project_key"},
		{TicketSyncConfig{URL: "https://jira.example/hook", Secret: testSecret, ProjectKey: "A"}, "project_key"},
		{TicketSyncConfig{URL: "https://jira.example/hook", Secret: testSecret, ProjectKey: "ABCDEFGHIJK"}, "project_key"},
		{TicketSyncConfig{URL: "https://jira.example/hook", Secret: testSecret, IssueType: "Bug\nX"}, "issue_type"},
	} {
		_, err := NewTicketSync(c.cfg)
		if err == nil || posture.ErrorCode(err) != posture.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want EINVALID with %q", c.cfg, err, c.want)
		}
	}
	if _, err := NewTicketSync(TicketSyncConfig{URL: "https://jira.example/hook", Secret: testSecret, ProjectKey: "SEC_2", IssueType: "Security Bug"}); err != nil {
		t.Error(err)
	}
}
