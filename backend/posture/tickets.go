package posture

import "time"

// Ticket statuses. A complete run in which every linked finding is gone verifies a ticket;
// a regression of one reopens it.
const (
	TicketOpen       = "open"
	TicketInProgress = "in_progress"
	TicketResolved   = "resolved"
	TicketVerified   = "verified"
	TicketReopened   = "reopened"
)

// Ticket tracks the fix of one or more findings.
type Ticket struct {
	ID          int64
	TenantID    int64
	Key         string
	Title       string
	Description string
	Assignee    string
	Severity    Severity
	Status      string
	DueAt       *time.Time
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version counts the ticket's changes: 1 when created, one more for every change (a
	// person's edit, a comment, a run verifying or reopening it). Outbound tracker sync
	// sends it so that receivers apply each ticket's messages once and in order.
	Version    int64
	FindingIDs []int64
	Comments   []TicketComment
}

// TicketUpdate is what a person changes on a ticket; nil leaves a field alone.
type TicketUpdate struct {
	Status   *string // open, in_progress or resolved; verified and reopened are the runs' word
	Assignee *string
	Title    *string
	DueAt    *time.Time
}

// TicketComment is one comment on a ticket.
type TicketComment struct {
	ID        int64
	Author    string
	Body      string
	CreatedAt time.Time
}

// SLA gives the days to fix by severity; a severity missing has no due date.
type SLA map[Severity]int

// DefaultSLA: critical in a week, high in a month, medium in a quarter, low in half a year.
var DefaultSLA = SLA{SeverityCritical: 7, SeverityHigh: 30, SeverityMedium: 90, SeverityLow: 180}
