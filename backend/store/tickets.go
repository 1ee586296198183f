package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
)

// The ticket types live in posture; these names keep the store's code short.
type (
	Ticket        = posture.Ticket
	TicketComment = posture.TicketComment
	SLA           = posture.SLA
)

// Ticket statuses, as posture names them.
const (
	TicketOpen       = posture.TicketOpen
	TicketInProgress = posture.TicketInProgress
	TicketResolved   = posture.TicketResolved
	TicketVerified   = posture.TicketVerified
	TicketReopened   = posture.TicketReopened
)

type ticketRow struct {
	ID          int64
	TenantID    int64
	Key         string
	Title       string
	Description string
	Assignee    string
	Severity    int
	Status      string
	DueAt       *time.Time
	ExternalKey string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (ticketRow) TableName() string { return "tickets" }

type ticketFindingRow struct {
	TenantID  int64
	TicketID  int64
	FindingID int64
}

func (ticketFindingRow) TableName() string { return "ticket_findings" }

type ticketCommentRow struct {
	ID        int64
	TenantID  int64
	TicketID  int64
	Author    string
	Body      string
	CreatedAt time.Time
}

func (ticketCommentRow) TableName() string { return "ticket_comments" }

// DefaultSLA is posture.DefaultSLA.
var DefaultSLA = posture.DefaultSLA

// CreateTicket opens a ticket for findings of the tenant. A finding already tracked by a
// ticket is a conflict naming that ticket: one ticket per finding, never two.
func (db *DB) CreateTicket(ctx context.Context, t *Ticket, sla SLA) error {
	if len(t.FindingIDs) == 0 || len(t.FindingIDs) > 1000 {
		return posture.Errorf(posture.EINVALID, "a ticket needs 1 to 1000 findings")
	}
	if len(t.Title) > 300 || len(t.Assignee) > 200 || len(t.Description) > 10000 {
		return posture.Errorf(posture.EINVALID, "title (300), assignee (200) or description (10000) too long")
	}
	now := db.now().UTC()
	return db.tx(ctx, func(tx *gorm.DB) error {
		var found []findingRow
		if err := tx.Select("id, check_id, severity, namespace").Where("tenant_id = ? AND id IN ?", t.TenantID, t.FindingIDs).
			Find(&found).Error; err != nil {
			return err
		}
		if len(found) != len(uniq(t.FindingIDs)) {
			return posture.Errorf(posture.ENOTFOUND, "a finding of the ticket was not found")
		}
		var taken []ticketFindingRow
		if err := tx.Where("tenant_id = ? AND finding_id IN ?", t.TenantID, t.FindingIDs).Limit(1).Find(&taken).Error; err != nil {
			return err
		}
		if len(taken) > 0 {
			var other ticketRow
			_ = tx.Where("id = ?", taken[0].TicketID).Take(&other).Error
			return posture.Errorf(posture.ECONFLICT, "finding %d is already tracked by ticket %s", taken[0].FindingID, other.Key)
		}
		sev := posture.SeverityInfo
		for _, f := range found {
			sev = max(sev, posture.Severity(f.Severity))
		}
		if t.Title == "" {
			t.Title = fmt.Sprintf("Fix %s (%d finding%s)", found[0].CheckID, len(found), plural(len(found)))
		}
		row := ticketRow{TenantID: t.TenantID, Key: "pending", Title: t.Title, Description: t.Description, Assignee: t.Assignee,
			Severity: int(sev), Status: TicketOpen, CreatedBy: t.CreatedBy, CreatedAt: now, UpdatedAt: now}
		if days, ok := sla[sev]; ok {
			due := now.Add(time.Duration(days) * 24 * time.Hour)
			row.DueAt = &due
		}
		if err := tx.Omit("id").Create(&row).Error; err != nil {
			return err
		}
		row.Key = fmt.Sprintf("PAL-%d", row.ID)
		if err := tx.Model(&row).Update("key", row.Key).Error; err != nil {
			return err
		}
		links := make([]ticketFindingRow, 0, len(found))
		for _, f := range found {
			links = append(links, ticketFindingRow{TenantID: t.TenantID, TicketID: row.ID, FindingID: f.ID})
		}
		if err := tx.CreateInBatches(links, batchSize).Error; err != nil {
			return err
		}
		*t = ticketFromRow(row, idsOfFindings(found), nil)
		return nil
	})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func uniq(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func idsOfFindings(rows []findingRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func ticketFromRow(r ticketRow, findings []int64, comments []TicketComment) Ticket {
	return Ticket{ID: r.ID, TenantID: r.TenantID, Key: r.Key, Title: r.Title, Description: r.Description, Assignee: r.Assignee,
		Severity: posture.Severity(r.Severity), Status: r.Status, DueAt: r.DueAt, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, FindingIDs: findings, Comments: comments}
}

// Ticket reads one ticket with its findings and comments.
func (db *DB) Ticket(ctx context.Context, tenantID, id int64) (*Ticket, error) {
	var row ticketRow
	g := db.gorm.WithContext(ctx)
	if err := g.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "ticket")
	}
	var links []ticketFindingRow
	if err := g.Where("tenant_id = ? AND ticket_id = ?", tenantID, id).Order("finding_id").Find(&links).Error; err != nil {
		return nil, err
	}
	var crows []ticketCommentRow
	if err := g.Where("tenant_id = ? AND ticket_id = ?", tenantID, id).Order("id").Find(&crows).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(links))
	for i, l := range links {
		ids[i] = l.FindingID
	}
	comments := make([]TicketComment, len(crows))
	for i, c := range crows {
		comments[i] = TicketComment{Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt}
	}
	t := ticketFromRow(row, ids, comments)
	return &t, nil
}

// ListTickets lists a tenant's tickets, newest first (without findings and comments).
func (db *DB) ListTickets(ctx context.Context, tenantID int64, status string) ([]Ticket, error) {
	q := db.gorm.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rows []ticketRow
	if err := q.Order("id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Ticket, len(rows))
	for i, r := range rows {
		out[i] = ticketFromRow(r, nil, nil)
	}
	return out, nil
}

// UpdateTicket changes status, assignee or title; nil leaves a field alone. People move a
// ticket between open, in_progress and resolved; verified and reopened are the runs' word.
func (db *DB) UpdateTicket(ctx context.Context, tenantID, id int64, status, assignee, title *string) (*Ticket, error) {
	set := map[string]any{"updated_at": db.now().UTC()}
	if status != nil {
		switch *status {
		case TicketOpen, TicketInProgress, TicketResolved:
		default:
			return nil, posture.Errorf(posture.EINVALID, "status must be open, in_progress or resolved; verified and reopened are set by runs")
		}
		set["status"] = *status
	}
	if assignee != nil {
		set["assignee"] = strings.TrimSpace(*assignee)
	}
	if title != nil {
		if *title == "" || len(*title) > 300 {
			return nil, posture.Errorf(posture.EINVALID, "title must be 1-300 characters")
		}
		set["title"] = *title
	}
	res := db.gorm.WithContext(ctx).Model(&ticketRow{}).Where("tenant_id = ? AND id = ?", tenantID, id).Updates(set)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, posture.Errorf(posture.ENOTFOUND, "ticket not found")
	}
	return db.Ticket(ctx, tenantID, id)
}

// AddTicketComment appends a comment.
func (db *DB) AddTicketComment(ctx context.Context, tenantID, id int64, author, body string) error {
	if body == "" || len(body) > 10000 {
		return posture.Errorf(posture.EINVALID, "a comment must be 1-10000 characters")
	}
	if _, err := db.Ticket(ctx, tenantID, id); err != nil {
		return err
	}
	return db.gorm.WithContext(ctx).Omit("id").Create(&ticketCommentRow{TenantID: tenantID, TicketID: id, Author: author,
		Body: body, CreatedAt: db.now().UTC()}).Error
}

// followTickets runs in a complete run's transaction: tickets of the target whose findings
// are all resolved are verified; resolved or verified ones with a finding open again are
// reopened.
func followTickets(tx *gorm.DB, tenantID, targetID int64, at time.Time) error {
	ofTarget := `id IN (SELECT tf.ticket_id FROM ticket_findings tf JOIN findings f ON f.tenant_id = tf.tenant_id AND f.id = tf.finding_id
  WHERE tf.tenant_id = ? AND f.target_id = ?)`
	anyOpen := `EXISTS (SELECT 1 FROM ticket_findings tf JOIN findings f ON f.tenant_id = tf.tenant_id AND f.id = tf.finding_id
  WHERE tf.ticket_id = tickets.id AND f.status <> 'resolved')`
	if err := tx.Model(&ticketRow{}).Where("tenant_id = ? AND status IN ?", tenantID, []string{TicketOpen, TicketInProgress, TicketResolved, TicketReopened}).
		Where(ofTarget, tenantID, targetID).Where("NOT " + anyOpen).
		Updates(map[string]any{"status": TicketVerified, "updated_at": at}).Error; err != nil {
		return err
	}
	return tx.Model(&ticketRow{}).Where("tenant_id = ? AND status IN ?", tenantID, []string{TicketResolved, TicketVerified}).
		Where(ofTarget, tenantID, targetID).Where(anyOpen).
		Updates(map[string]any{"status": TicketReopened, "updated_at": at}).Error
}

// AlertOverdueTickets raises, once per ticket, the alert that it is past its due date and
// not verified.
func (db *DB) AlertOverdueTickets(ctx context.Context) (int, error) {
	now := db.now().UTC()
	n := 0
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var rows []ticketRow
		if err := tx.Where("due_at <= ? AND status <> ?", now, TicketVerified).Limit(1000).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := queueSystemAlert(tx, r.TenantID, alerting.KindTicketOverdue, posture.Severity(r.Severity),
				fmt.Sprintf("ticket %s is overdue (due %s, %s): %s", r.Key, r.DueAt.Format("2006-01-02"), r.Status, r.Title),
				"ticket_overdue:"+r.Key, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
