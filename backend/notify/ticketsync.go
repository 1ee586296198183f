package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
)

// Ticket sync: the ticket-sync channel posts every change of a remediation ticket as a
// JSON document shaped like a Jira issue webhook (webhookEvent, issue.key, issue.fields,
// changelog.items, comment), signed like a webhook. It is Jira-shaped, not Jira's REST API:
// a Jira automation rule with an incoming webhook, or a small bridge, turns it into issues.
//
// Receivers apply messages idempotently and in order by issue.key (the Palisade ticket
// key, PAL-<n>) and palisade.version (1 when the ticket was created, one more per change):
// a version at or below the last one applied is a repeat. Every message carries the
// ticket's full state after the change, so a receiver that missed a version (it was
// dropped after exhausting its retries) still converges on the next one.

// TicketSyncKind is the channel kind.
const TicketSyncKind = "ticket-sync"

// Defaults and bounds of ticket sync.
const (
	DefaultProjectKey = "PAL"
	DefaultIssueType  = "Bug"

	MaxTicketSummary     = 255     // bytes; Jira's summary limit is 255 characters
	MaxTicketDescription = 8 << 10 // bytes
	MaxTicketComment     = 4 << 10 // bytes of each comment body
	MaxSyncedComments    = 20      // newest comments in issue.fields.comment
	MaxSyncedFindingIDs  = 100     // finding ids in palisade.finding_ids
	maxUserName          = 200

	// SystemActor is the user of changes that runs make (verified, reopened).
	SystemActor = "palisade"
)

// Event names, as Jira names its issue webhooks; palisade:ping is the channel test.
const (
	JiraIssueCreated = "jira:issue_created"
	JiraIssueUpdated = "jira:issue_updated"
	TicketSyncPing   = "palisade:ping"
)

// TicketSyncOptions are the Jira names a channel puts on issues.
type TicketSyncOptions struct {
	ProjectKey string // settings.project_key, default "PAL"
	IssueType  string // settings.issue_type, default "Bug"
}

var projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,9}$`)

// TicketSyncSettings reads and checks a ticket-sync channel's optional settings.
func TicketSyncSettings(settings map[string]string) (TicketSyncOptions, error) {
	o := TicketSyncOptions{ProjectKey: settings["project_key"], IssueType: settings["issue_type"]}
	if o.ProjectKey == "" {
		o.ProjectKey = DefaultProjectKey
	}
	if o.IssueType == "" {
		o.IssueType = DefaultIssueType
	}
	if !projectKeyRE.MatchString(o.ProjectKey) {
		return o, posture.Errorf(posture.EINVALID, "ticket-sync: project_key must be a Jira project key: 2-10 capital letters, digits or _, starting with a letter")
	}
	if oneLine(o.IssueType, 60) != o.IssueType {
		return o, posture.Errorf(posture.EINVALID, "ticket-sync: issue_type must be one line of at most 60 bytes")
	}
	return o, nil
}

// TicketSyncDedupKey is the outbox key, and X-Palisade-Id, of one ticket version sent to
// one channel.
func TicketSyncDedupKey(channelID int64, ticketKey string, version int64) string {
	return fmt.Sprintf("ticket-sync:%d:%s:%d", channelID, ticketKey, version)
}

// TicketFieldChange is one field a change moved, in Palisade's terms: status (raw status
// values), assignee, title or due_at (YYYY-MM-DD, empty for none).
type TicketFieldChange struct {
	Field string
	From  string
	To    string
}

// TicketChange is one change of a ticket, with the ticket as it is after it.
type TicketChange struct {
	Ticket  posture.Ticket // after the change, with FindingIDs and Comments
	Tenant  string         // slug
	Actor   string         // who changed it; SystemActor for runs
	Created bool
	Changes []TicketFieldChange
	Comment *posture.TicketComment // the comment this change added
	At      time.Time
}

// TicketEvent is the Jira-shaped document ticket sync sends.
type TicketEvent struct {
	WebhookEvent       string          `json:"webhookEvent"`
	IssueEventTypeName string          `json:"issue_event_type_name"`
	Timestamp          int64           `json:"timestamp"` // Unix milliseconds of the change
	User               JiraUser        `json:"user"`
	Issue              JiraIssue       `json:"issue"`
	Changelog          *JiraChangelog  `json:"changelog,omitempty"`
	Comment            *JiraComment    `json:"comment,omitempty"`
	Palisade           TicketSyncState `json:"palisade"`
}

// JiraUser names a person. Palisade knows people by the name they signed in with (or an
// API token's name), not by Jira account ids: a bridge maps them.
type JiraUser struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// JiraIssue is the issue part of the document.
type JiraIssue struct {
	ID     string     `json:"id"`   // the Palisade ticket id
	Key    string     `json:"key"`  // the Palisade ticket key, PAL-<n>: the idempotency key
	Self   string     `json:"self"` // the ticket in Palisade's UI when a base URL is configured
	Fields JiraFields `json:"fields"`
}

// JiraFields are the issue's fields, with Jira's names.
type JiraFields struct {
	Summary     string          `json:"summary"`
	Description string          `json:"description"`
	IssueType   JiraName        `json:"issuetype"`
	Project     JiraProject     `json:"project"`
	Priority    JiraName        `json:"priority"`
	Status      JiraStatus      `json:"status"`
	Resolution  *JiraName       `json:"resolution"`
	Assignee    *JiraUser       `json:"assignee"`
	Reporter    JiraUser        `json:"reporter"`
	DueDate     *string         `json:"duedate"` // YYYY-MM-DD (UTC)
	Labels      []string        `json:"labels"`
	Created     string          `json:"created"`
	Updated     string          `json:"updated"`
	Comment     JiraCommentPage `json:"comment"`
}

// JiraName is Jira's {"name": ...} object (issue type, priority, resolution).
type JiraName struct {
	Name string `json:"name"`
}

// JiraProject is the project an issue belongs to.
type JiraProject struct {
	Key string `json:"key"`
}

// JiraStatus is a status with its category (new, indeterminate, done).
type JiraStatus struct {
	Name           string             `json:"name"`
	StatusCategory JiraStatusCategory `json:"statusCategory"`
}

// JiraStatusCategory groups statuses the way Jira boards do.
type JiraStatusCategory struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// JiraCommentPage holds the newest comments; total counts them all.
type JiraCommentPage struct {
	Comments   []JiraComment `json:"comments"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	StartAt    int           `json:"startAt"`
}

// JiraComment is one comment.
type JiraComment struct {
	ID      string   `json:"id"`
	Author  JiraUser `json:"author"`
	Body    string   `json:"body"`
	Created string   `json:"created"`
	Updated string   `json:"updated"`
}

// JiraChangelog lists what a change moved; its id is the ticket version.
type JiraChangelog struct {
	ID    string           `json:"id"`
	Items []JiraChangeItem `json:"items"`
}

// JiraChangeItem is one field's move: from/to are raw values, the strings readable ones.
type JiraChangeItem struct {
	Field      string  `json:"field"`
	FieldType  string  `json:"fieldtype"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

// TicketSyncState is Palisade's own part: what receivers key, order and de-duplicate on.
type TicketSyncState struct {
	Tenant        string  `json:"tenant"`
	TicketKey     string  `json:"ticket_key"`
	TicketID      int64   `json:"ticket_id"`
	Version       int64   `json:"version"`
	Status        string  `json:"status"` // Palisade's status: open, in_progress, resolved, verified, reopened
	Severity      string  `json:"severity"`
	FindingIDs    []int64 `json:"finding_ids"` // the first MaxSyncedFindingIDs
	FindingsTotal int     `json:"findings_total"`
}

// jiraTime is Jira's timestamp format.
const jiraTime = "2006-01-02T15:04:05.000-0700"

func jiraTimeOf(t time.Time) string { return t.UTC().Format(jiraTime) }

// JiraStatusOf names a Palisade ticket status the way Jira's classic workflow does.
func JiraStatusOf(status string) JiraStatus {
	todo := JiraStatusCategory{Key: "new", Name: "To Do"}
	doing := JiraStatusCategory{Key: "indeterminate", Name: "In Progress"}
	done := JiraStatusCategory{Key: "done", Name: "Done"}
	switch status {
	case posture.TicketOpen:
		return JiraStatus{Name: "Open", StatusCategory: todo}
	case posture.TicketInProgress:
		return JiraStatus{Name: "In Progress", StatusCategory: doing}
	case posture.TicketResolved:
		return JiraStatus{Name: "Resolved", StatusCategory: done}
	case posture.TicketVerified: // a run saw every finding gone: closed for good
		return JiraStatus{Name: "Closed", StatusCategory: done}
	case posture.TicketReopened:
		return JiraStatus{Name: "Reopened", StatusCategory: todo}
	}
	return JiraStatus{Name: oneLine(status, 60), StatusCategory: todo}
}

// JiraPriorityOf maps a severity to Jira's default priority names.
func JiraPriorityOf(s posture.Severity) string {
	switch s {
	case posture.SeverityCritical:
		return "Highest"
	case posture.SeverityHigh:
		return "High"
	case posture.SeverityMedium:
		return "Medium"
	case posture.SeverityLow:
		return "Low"
	}
	return "Lowest"
}

func jiraUser(name string) JiraUser {
	name = oneLine(name, maxUserName)
	return JiraUser{Name: name, DisplayName: name}
}

func jiraComment(c posture.TicketComment) JiraComment {
	at := jiraTimeOf(c.CreatedAt)
	return JiraComment{ID: strconv.FormatInt(c.ID, 10), Author: jiraUser(c.Author), Body: truncate(c.Body, MaxTicketComment),
		Created: at, Updated: at}
}

func strPtr(s string) *string { return &s }

// NewTicketEvent builds the document for one change. It carries what the ticket API shows
// (title, description, assignee, status, due date, comments, finding ids) and nothing of
// the findings' evidence; text is bounded.
func NewTicketEvent(c TicketChange, o TicketSyncOptions) TicketEvent {
	t := c.Ticket
	if o.ProjectKey == "" {
		o.ProjectKey = DefaultProjectKey
	}
	if o.IssueType == "" {
		o.IssueType = DefaultIssueType
	}
	desc := truncate(t.Description, MaxTicketDescription)
	if desc == "" {
		desc = fmt.Sprintf("Remediation ticket opened in Palisade for %d finding%s.", len(t.FindingIDs), pluralS(len(t.FindingIDs)))
	}
	f := JiraFields{
		Summary:     oneLine(t.Title, MaxTicketSummary),
		Description: desc,
		IssueType:   JiraName{Name: o.IssueType},
		Project:     JiraProject{Key: o.ProjectKey},
		Priority:    JiraName{Name: JiraPriorityOf(t.Severity)},
		Status:      JiraStatusOf(t.Status),
		Reporter:    jiraUser(t.CreatedBy),
		Labels:      []string{"palisade", "palisade-severity-" + t.Severity.String()},
		Created:     jiraTimeOf(t.CreatedAt),
		Updated:     jiraTimeOf(t.UpdatedAt),
	}
	if t.Status == posture.TicketResolved || t.Status == posture.TicketVerified {
		f.Resolution = &JiraName{Name: "Done"}
	}
	if a := oneLine(t.Assignee, maxUserName); a != "" {
		u := jiraUser(a)
		f.Assignee = &u
	}
	if t.DueAt != nil {
		f.DueDate = strPtr(t.DueAt.UTC().Format(time.DateOnly))
	}
	newest := t.Comments[max(0, len(t.Comments)-MaxSyncedComments):]
	f.Comment = JiraCommentPage{Comments: make([]JiraComment, 0, len(newest)), MaxResults: len(newest), Total: len(t.Comments),
		StartAt: len(t.Comments) - len(newest)}
	for _, cm := range newest {
		f.Comment.Comments = append(f.Comment.Comments, jiraComment(cm))
	}
	ids := t.FindingIDs[:min(len(t.FindingIDs), MaxSyncedFindingIDs)]
	ev := TicketEvent{
		WebhookEvent:       JiraIssueUpdated,
		IssueEventTypeName: eventTypeName(c),
		Timestamp:          c.At.UnixMilli(),
		User:               jiraUser(c.Actor),
		Issue:              JiraIssue{ID: strconv.FormatInt(t.ID, 10), Key: t.Key, Fields: f},
		Palisade: TicketSyncState{Tenant: c.Tenant, TicketKey: t.Key, TicketID: t.ID, Version: t.Version, Status: t.Status,
			Severity: t.Severity.String(), FindingIDs: append([]int64{}, ids...), FindingsTotal: len(t.FindingIDs)},
	}
	if c.Created {
		ev.WebhookEvent = JiraIssueCreated
	}
	if len(c.Changes) > 0 {
		ev.Changelog = &JiraChangelog{ID: strconv.FormatInt(t.Version, 10), Items: make([]JiraChangeItem, 0, len(c.Changes))}
		for _, ch := range c.Changes {
			ev.Changelog.Items = append(ev.Changelog.Items, changeItem(ch))
		}
	}
	if c.Comment != nil {
		cm := jiraComment(*c.Comment)
		ev.Comment = &cm
	}
	return ev
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// changeItem turns a Palisade field change into Jira's changelog item.
func changeItem(c TicketFieldChange) JiraChangeItem {
	orNil := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	switch c.Field {
	case "status":
		return JiraChangeItem{Field: "status", FieldType: "jira", From: orNil(c.From), FromString: strPtr(JiraStatusOf(c.From).Name),
			To: orNil(c.To), ToString: strPtr(JiraStatusOf(c.To).Name)}
	case "assignee":
		from, to := oneLine(c.From, maxUserName), oneLine(c.To, maxUserName)
		return JiraChangeItem{Field: "assignee", FieldType: "jira", From: orNil(from), FromString: orNil(from), To: orNil(to),
			ToString: orNil(to)}
	case "title":
		return JiraChangeItem{Field: "summary", FieldType: "jira", FromString: strPtr(oneLine(c.From, MaxTicketSummary)),
			ToString: strPtr(oneLine(c.To, MaxTicketSummary))}
	case "due_at":
		return JiraChangeItem{Field: "duedate", FieldType: "jira", From: orNil(c.From), FromString: orNil(c.From), To: orNil(c.To),
			ToString: orNil(c.To)}
	}
	return JiraChangeItem{Field: oneLine(c.Field, 64), FieldType: "custom", FromString: strPtr(oneLine(c.From, MaxFieldValue)),
		ToString: strPtr(oneLine(c.To, MaxFieldValue))}
}

// eventTypeName picks Jira's issue_event_type_name for a change.
func eventTypeName(c TicketChange) string {
	switch {
	case c.Created:
		return "issue_created"
	case c.Comment != nil:
		return "issue_commented"
	}
	for _, ch := range c.Changes {
		if ch.Field != "status" {
			continue
		}
		switch ch.To {
		case posture.TicketInProgress:
			return "issue_work_started"
		case posture.TicketResolved:
			return "issue_resolved"
		case posture.TicketVerified:
			return "issue_closed"
		case posture.TicketReopened:
			return "issue_reopened"
		case posture.TicketOpen:
			if ch.From == posture.TicketInProgress {
				return "issue_work_stopped"
			}
		}
		return "issue_generic"
	}
	if len(c.Changes) == 1 && c.Changes[0].Field == "assignee" {
		return "issue_assigned"
	}
	return "issue_updated"
}

// Encode writes the document as sent: compact, HTML characters unescaped (the signature
// covers the exact bytes anyway).
func (e TicketEvent) Encode() ([]byte, error) { return encodeJSON(e) }

// PayloadSender sends a payload built when it was queued (ticket sync) instead of a
// Message. linkBase, when set, is Palisade's external URL for links to the UI.
type PayloadSender interface {
	SendPayload(ctx context.Context, id string, payload []byte, linkBase string) error
}

// TicketSyncConfig configures a ticket-sync channel.
type TicketSyncConfig struct {
	URL        string        // https (http only for loopback hosts)
	Secret     []byte        // HMAC key, at least 16 bytes
	ProjectKey string        // default "PAL"
	IssueType  string        // default "Bug"
	Timeout    time.Duration // per request; default 10s
	Policy     egress.Policy // where it may connect; redirects are never followed
}

// TicketSync posts ticket changes as signed, Jira-shaped JSON.
type TicketSync struct {
	hook *Webhook
	opts TicketSyncOptions
}

var (
	_ Channel       = (*TicketSync)(nil)
	_ PayloadSender = (*TicketSync)(nil)
)

// NewTicketSync validates cfg like NewWebhook, plus the Jira names.
func NewTicketSync(cfg TicketSyncConfig) (*TicketSync, error) {
	opts, err := TicketSyncSettings(map[string]string{"project_key": cfg.ProjectKey, "issue_type": cfg.IssueType})
	if err != nil {
		return nil, err
	}
	hook, err := newWebhook(TicketSyncKind, WebhookConfig{URL: cfg.URL, Secret: cfg.Secret, Timeout: cfg.Timeout, Policy: cfg.Policy})
	if err != nil {
		return nil, err
	}
	return &TicketSync{hook: hook, opts: opts}, nil
}

// Kind implements Channel.
func (t *TicketSync) Kind() string { return TicketSyncKind }

// Options are the channel's Jira names.
func (t *TicketSync) Options() TicketSyncOptions { return t.opts }

// ticketPing is what the channel test sends: no issue, so receivers acknowledge it and
// change nothing.
type ticketPing struct {
	WebhookEvent string `json:"webhookEvent"`
	Timestamp    int64  `json:"timestamp"`
	Palisade     struct {
		ID      string `json:"id"`
		Tenant  string `json:"tenant"`
		Project string `json:"project_key"`
		Text    string `json:"text"`
	} `json:"palisade"`
}

// Send implements Channel: ticket-sync channels carry tickets, not alerts, so a Message
// (the channel test) goes out as a palisade:ping that receivers acknowledge and ignore.
func (t *TicketSync) Send(ctx context.Context, m Message) error {
	now := t.hook.now()
	p := ticketPing{WebhookEvent: TicketSyncPing, Timestamp: now.UnixMilli()}
	p.Palisade.ID, p.Palisade.Tenant, p.Palisade.Project = m.ID, m.Tenant, t.opts.ProjectKey
	p.Palisade.Text = truncate(oneLine(m.Title, MaxTitle)+": "+m.Text, MaxText)
	body, err := encodeJSON(p)
	if err != nil {
		return permanent(0, "ticket-sync: encode ping: %w", err)
	}
	return t.hook.postSigned(ctx, m.ID, body, now)
}

// SendPayload implements PayloadSender: payload is a TicketEvent queued with the change;
// id (the outbox key) becomes X-Palisade-Id. A payload that is not a ticket event is a
// permanent failure.
func (t *TicketSync) SendPayload(ctx context.Context, id string, payload []byte, linkBase string) error {
	var ev TicketEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return permanent(0, "ticket-sync: queued payload is not a ticket event: %w", err)
	}
	if ev.Issue.Key == "" || ev.Palisade.Version <= 0 {
		return permanent(0, "ticket-sync: queued payload has no ticket key or version")
	}
	if ev.Issue.Self == "" && linkBase != "" && ev.Palisade.Tenant != "" {
		ev.Issue.Self = linkBase + "/t/" + url.PathEscape(ev.Palisade.Tenant) + "/tickets/" + url.PathEscape(ev.Issue.ID)
	}
	body, err := ev.Encode()
	if err != nil {
		return permanent(0, "ticket-sync: encode ticket event: %w", err)
	}
	return t.hook.postSigned(ctx, id, body, t.hook.now())
}
