package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
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
	Version     int64
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
// ticket is a conflict naming that ticket: one ticket per finding, never two. The new ticket
// (version 1) is queued for the tenant's ticket-sync channels in the same transaction.
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
			Severity: int(sev), Status: TicketOpen, CreatedBy: t.CreatedBy, CreatedAt: now, UpdatedAt: now, Version: 1}
		if days, ok := sla[sev]; ok {
			due := now.Add(time.Duration(days) * 24 * time.Hour)
			row.DueAt = &due
		}
		n, err := nextTicketNumber(tx, t.TenantID)
		if err != nil {
			return err
		}
		row.Key = fmt.Sprintf("PAL-%d", n)
		if err := tx.Omit("id").Create(&row).Error; err != nil {
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
		sync, err := newTicketSyncer(tx, t.TenantID)
		if err != nil {
			return err
		}
		return sync.queue(notify.TicketChange{Ticket: *t, Actor: t.CreatedBy, Created: true, At: now})
	})
}

// nextTicketNumber takes the tenant's next ticket number. Keys count per tenant, so a key
// says nothing of other tenants' volume; the row lock of the update serializes concurrent
// creations in one tenant.
func nextTicketNumber(tx *gorm.DB, tenantID int64) (int64, error) {
	var n []int64
	if err := tx.Raw("UPDATE tenants SET ticket_seq = ticket_seq + 1 WHERE id = ? RETURNING ticket_seq", tenantID).
		Scan(&n).Error; err != nil {
		return 0, err
	}
	if len(n) != 1 {
		return 0, posture.Errorf(posture.ENOTFOUND, "tenant not found")
	}
	return n[0], nil
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
		UpdatedAt: r.UpdatedAt, Version: r.Version, FindingIDs: findings, Comments: comments}
}

// Ticket reads one ticket with its findings and comments.
func (db *DB) Ticket(ctx context.Context, tenantID, id int64) (*Ticket, error) {
	return loadTicket(db.gorm.WithContext(ctx), tenantID, id)
}

// loadTicket reads one ticket with its findings and comments, in g (a transaction or not).
func loadTicket(g *gorm.DB, tenantID, id int64) (*Ticket, error) {
	var row ticketRow
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
		comments[i] = TicketComment{ID: c.ID, Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt}
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

// UpdateTicket applies a person's change (actor names them). People move a ticket between
// open, in_progress and resolved; verified and reopened are the runs' word. A change that
// changes something bumps the ticket's version and is queued for ticket sync in the same
// transaction; one that changes nothing leaves the ticket as it was.
func (db *DB) UpdateTicket(ctx context.Context, tenantID, id int64, actor string, u posture.TicketUpdate) (*Ticket, error) {
	if u.Status != nil {
		switch *u.Status {
		case TicketOpen, TicketInProgress, TicketResolved:
		default:
			return nil, posture.Errorf(posture.EINVALID, "status must be open, in_progress or resolved; verified and reopened are set by runs")
		}
	}
	if u.Title != nil && (*u.Title == "" || len(*u.Title) > 300) {
		return nil, posture.Errorf(posture.EINVALID, "title must be 1-300 characters")
	}
	var assignee string
	if u.Assignee != nil {
		if assignee = strings.TrimSpace(*u.Assignee); len(assignee) > 200 {
			return nil, posture.Errorf(posture.EINVALID, "assignee must be at most 200 characters")
		}
	}
	now := db.now().UTC()
	var due time.Time // stored to the second
	if u.DueAt != nil {
		if due = u.DueAt.UTC().Truncate(time.Second); due.Year() < 2000 || due.After(now.AddDate(5, 0, 0)) {
			return nil, posture.Errorf(posture.EINVALID, "due_at must be within the next 5 years")
		}
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := lockTicket(tx, db.dialect, tenantID, id)
		if err != nil {
			return err
		}
		set := map[string]any{}
		var changes []notify.TicketFieldChange
		if u.Status != nil && *u.Status != row.Status {
			set["status"] = *u.Status
			changes = append(changes, notify.TicketFieldChange{Field: "status", From: row.Status, To: *u.Status})
		}
		if u.Assignee != nil && assignee != row.Assignee {
			set["assignee"] = assignee
			changes = append(changes, notify.TicketFieldChange{Field: "assignee", From: row.Assignee, To: assignee})
		}
		if u.Title != nil && *u.Title != row.Title {
			set["title"] = *u.Title
			changes = append(changes, notify.TicketFieldChange{Field: "title", From: row.Title, To: *u.Title})
		}
		if u.DueAt != nil && (row.DueAt == nil || !row.DueAt.Equal(due)) {
			set["due_at"] = due
			changes = append(changes, notify.TicketFieldChange{Field: "due_at", From: dateOf(row.DueAt), To: dateOf(&due)})
		}
		posture.AuditIntentOf(ctx).SetResult(notify.TicketChange{Ticket: posture.Ticket{ID: id, Key: row.Key}, Changes: changes})
		if len(set) == 0 {
			return nil
		}
		if err := bumpTicket(tx, tenantID, id, set, now); err != nil {
			return err
		}
		sync, err := newTicketSyncer(tx, tenantID)
		if err != nil {
			return err
		}
		return sync.queueByID(id, actor, changes, nil, now)
	})
	if err != nil {
		return nil, err
	}
	return db.Ticket(ctx, tenantID, id)
}

// lockTicket reads a ticket to change it; on PostgreSQL the row stays locked until the
// transaction ends, so two changes get two versions in order (SQLite transactions are
// IMMEDIATE: writers queue anyway).
func lockTicket(tx *gorm.DB, dialect string, tenantID, id int64) (*ticketRow, error) {
	q := tx.Where("tenant_id = ? AND id = ?", tenantID, id)
	if dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row ticketRow
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "ticket")
	}
	return &row, nil
}

// bumpTicket writes set, the update time and the next version.
func bumpTicket(tx *gorm.DB, tenantID, id int64, set map[string]any, at time.Time) error {
	set["updated_at"] = at
	set["version"] = gorm.Expr("version + 1")
	res := tx.Model(&ticketRow{}).Where("tenant_id = ? AND id = ?", tenantID, id).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return posture.Errorf(posture.ENOTFOUND, "ticket not found")
	}
	return nil
}

func dateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// AddTicketComment appends a comment; it is a change of the ticket (a new version, queued
// for ticket sync with the comment, in the same transaction).
func (db *DB) AddTicketComment(ctx context.Context, tenantID, id int64, author, body string) error {
	if body == "" || len(body) > 10000 {
		return posture.Errorf(posture.EINVALID, "a comment must be 1-10000 characters")
	}
	now := db.now().UTC()
	return db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := lockTicket(tx, db.dialect, tenantID, id); err != nil {
			return err
		}
		row := ticketCommentRow{TenantID: tenantID, TicketID: id, Author: author, Body: body, CreatedAt: now}
		if err := tx.Omit("id").Create(&row).Error; err != nil {
			return err
		}
		if err := bumpTicket(tx, tenantID, id, map[string]any{}, now); err != nil {
			return err
		}
		sync, err := newTicketSyncer(tx, tenantID)
		if err != nil {
			return err
		}
		return sync.queueByID(id, author, nil, &TicketComment{ID: row.ID, Author: author, Body: body, CreatedAt: now}, now)
	})
}

// followTickets runs in a complete run's transaction: tickets of the target whose findings
// are all resolved are verified; resolved or verified ones with a finding open again are
// reopened. Each move is a change of the ticket (a new version, queued for ticket sync).
func followTickets(tx *gorm.DB, tenantID, targetID int64, at time.Time) error {
	ofTarget := `id IN (SELECT tf.ticket_id FROM ticket_findings tf JOIN findings f ON f.tenant_id = tf.tenant_id AND f.id = tf.finding_id
  WHERE tf.tenant_id = ? AND f.target_id = ?)`
	anyOpen := `EXISTS (SELECT 1 FROM ticket_findings tf JOIN findings f ON f.tenant_id = tf.tenant_id AND f.id = tf.finding_id
  WHERE tf.ticket_id = tickets.id AND f.status <> 'resolved')`
	var verify, reopen []ticketRow
	if err := tx.Select("id, status").Where("tenant_id = ? AND status IN ?", tenantID, []string{TicketOpen, TicketInProgress, TicketResolved, TicketReopened}).
		Where(ofTarget, tenantID, targetID).Where("NOT " + anyOpen).Order("id").Find(&verify).Error; err != nil {
		return err
	}
	if err := tx.Select("id, status").Where("tenant_id = ? AND status IN ?", tenantID, []string{TicketResolved, TicketVerified}).
		Where(ofTarget, tenantID, targetID).Where(anyOpen).Order("id").Find(&reopen).Error; err != nil {
		return err
	}
	if len(verify)+len(reopen) == 0 {
		return nil
	}
	sync, err := newTicketSyncer(tx, tenantID)
	if err != nil {
		return err
	}
	move := func(r ticketRow, to string) error {
		// The status guard skips a ticket a person moved since it was selected.
		res := tx.Model(&ticketRow{}).Where("tenant_id = ? AND id = ? AND status = ?", tenantID, r.ID, r.Status).
			Updates(map[string]any{"status": to, "updated_at": at, "version": gorm.Expr("version + 1")})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return sync.queueByID(r.ID, notify.SystemActor, []notify.TicketFieldChange{{Field: "status", From: r.Status, To: to}}, nil, at)
	}
	// Both lists are in id order and disjoint (a ticket has a finding not resolved or has
	// none); they are moved merged, in one id order, so that two runs finishing at once
	// lock the tickets they share in the same order rather than deadlock on PostgreSQL.
	for len(verify)+len(reopen) > 0 {
		var err error
		if len(reopen) == 0 || len(verify) > 0 && verify[0].ID < reopen[0].ID {
			err = move(verify[0], TicketVerified)
			verify = verify[1:]
		} else {
			err = move(reopen[0], TicketReopened)
			reopen = reopen[1:]
		}
		if err != nil {
			return err
		}
	}
	return nil
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
