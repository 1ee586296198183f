package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
)

// TicketStore keeps remediation tickets (backend/store.DB).
type TicketStore interface {
	CreateTicket(ctx context.Context, t *posture.Ticket, sla posture.SLA) error
	Ticket(ctx context.Context, tenantID, id int64) (*posture.Ticket, error)
	ListTickets(ctx context.Context, tenantID int64, status string) ([]posture.Ticket, error)
	UpdateTicket(ctx context.Context, tenantID, id int64, actor string, u posture.TicketUpdate) (*posture.Ticket, error)
	AddTicketComment(ctx context.Context, tenantID, id int64, author, body string) error
}

type ticketJSON struct {
	ID         int64               `json:"id"`
	Key        string              `json:"key"`
	Title      string              `json:"title"`
	Assignee   string              `json:"assignee"`
	Severity   string              `json:"severity"`
	Status     string              `json:"status"`
	DueAt      *time.Time          `json:"due_at"`
	Overdue    bool                `json:"overdue"`
	CreatedBy  string              `json:"created_by"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
	FindingIDs []int64             `json:"finding_ids"`
	Comments   []ticketCommentJSON `json:"comments"`
}

type ticketCommentJSON struct {
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func (a *api) toTicket(t *posture.Ticket) ticketJSON {
	out := ticketJSON{ID: t.ID, Key: t.Key, Title: t.Title, Assignee: t.Assignee, Severity: t.Severity.String(), Status: t.Status,
		DueAt: t.DueAt, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		FindingIDs: append([]int64{}, t.FindingIDs...), Comments: []ticketCommentJSON{}}
	out.Overdue = t.DueAt != nil && a.now().After(*t.DueAt) && t.Status != posture.TicketVerified
	for _, c := range t.Comments {
		out.Comments = append(out.Comments, ticketCommentJSON{Author: c.Author, Body: c.Body, CreatedAt: c.CreatedAt})
	}
	return out
}

func (a *api) listTickets(c *gin.Context) {
	list, err := a.opts.Tickets.ListTickets(c.Request.Context(), tenantOf(c).Tenant.ID, c.Query("status"))
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]ticketJSON, len(list))
	for i := range list {
		items[i] = a.toTicket(&list[i])
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) createTicket(c *gin.Context) {
	var in struct {
		FindingIDs  []int64 `json:"finding_ids"`
		Title       string  `json:"title"`
		Description string  `json:"description"`
		Assignee    string  `json:"assignee"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	t := &posture.Ticket{TenantID: tenantOf(c).Tenant.ID, FindingIDs: in.FindingIDs, Title: in.Title, Description: in.Description,
		Assignee: in.Assignee, CreatedBy: principalOf(c).actor()}
	sla := a.opts.TicketSLA
	if sla == nil {
		sla = posture.DefaultSLA
	}
	ctx, settle := audited(a, c, "ticket.create", func(any) auditLine {
		return auditLine{"ticket:" + t.Key, nil, a.toTicket(t)}
	})
	if err := a.opts.Tickets.CreateTicket(ctx, t, sla); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusCreated, a.toTicket(t))
}

func (a *api) getTicket(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	t, err := a.opts.Tickets.Ticket(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.toTicket(t))
}

func (a *api) updateTicket(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var in struct {
		Status   *string    `json:"status"`
		Assignee *string    `json:"assignee"`
		Title    *string    `json:"title"`
		DueAt    *time.Time `json:"due_at"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	// The entry names the fields that changed, from and to (the store reports them).
	ctx, settle := audited(a, c, "ticket.update", func(tc notify.TicketChange) auditLine {
		before, after := gin.H{}, gin.H{}
		for _, ch := range tc.Changes {
			before[ch.Field], after[ch.Field] = ch.From, ch.To
		}
		key := tc.Ticket.Key
		if key == "" {
			key = strconv.FormatInt(id, 10)
		}
		return auditLine{"ticket:" + key, before, after}
	})
	t, err := a.opts.Tickets.UpdateTicket(ctx, tenantOf(c).Tenant.ID, id, principalOf(c).actor(),
		posture.TicketUpdate{Status: in.Status, Assignee: in.Assignee, Title: in.Title, DueAt: in.DueAt})
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(notify.TicketChange{Ticket: *t})
	c.JSON(http.StatusOK, a.toTicket(t))
}

func (a *api) commentTicket(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	tenantID := tenantOf(c).Tenant.ID
	ctx, settle := audited(a, c, "ticket.comment", func(any) auditLine {
		return auditLine{"ticket:" + strconv.FormatInt(id, 10), nil, gin.H{"body": truncate(in.Body, 500)}}
	})
	if err := a.opts.Tickets.AddTicketComment(ctx, tenantID, id, principalOf(c).actor(), in.Body); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	t, err := a.opts.Tickets.Ticket(c.Request.Context(), tenantID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a.toTicket(t))
}
