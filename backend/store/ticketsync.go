package store

import (
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/palisade-dev/palisade/backend/notify"
)

// Outbound ticket sync. Every change of a ticket (created, a person's edit, a comment, a run
// verifying or reopening it) bumps tickets.version and queues, in the transaction of the
// change, one delivery per enabled ticket-sync channel of the tenant: the Jira-shaped
// document of notify.NewTicketEvent, keyed ticket-sync:<channel>:<ticket key>:<version>.
// The outbox sends one channel's deliveries of one ticket in version order (order_key,
// order_seq; see ClaimDeliveries).

// syncOutboxRow is an outbox row with its place in a ticket's order (alerts leave
// order_key empty; outboxRow does not name the columns).
type syncOutboxRow struct {
	ID            int64
	TenantID      int64
	ChannelID     int64
	DedupKey      string
	Payload       string
	Status        string
	NextAttemptAt time.Time
	CreatedAt     time.Time
	OrderKey      string
	OrderSeq      int64
}

func (syncOutboxRow) TableName() string { return "notification_outbox" }

// ticketSyncer queues the changes of one tenant's tickets in one transaction.
type ticketSyncer struct {
	tx       *gorm.DB
	tenantID int64
	channels []channelRow
	tenant   string
}

// newTicketSyncer finds the tenant's ticket-sync channels that can deliver: enabled, with a
// signing secret (a channel is created first and its secret sealed and stored right after;
// nothing is queued for it in between).
func newTicketSyncer(tx *gorm.DB, tenantID int64) (*ticketSyncer, error) {
	s := &ticketSyncer{tx: tx, tenantID: tenantID}
	if err := tx.Where("tenant_id = ? AND kind = ? AND enabled AND length(secret) > 0", tenantID, notify.TicketSyncKind).
		Order("id").Find(&s.channels).Error; err != nil {
		return nil, err
	}
	if len(s.channels) > 0 {
		var ten tenantRow
		if err := tx.Select("id, slug").Where("id = ?", tenantID).Take(&ten).Error; err != nil {
			return nil, err
		}
		s.tenant = ten.Slug
	}
	return s, nil
}

// queueByID loads the ticket as it is after the change and queues it.
func (s *ticketSyncer) queueByID(id int64, actor string, changes []notify.TicketFieldChange, comment *TicketComment, at time.Time) error {
	if len(s.channels) == 0 {
		return nil
	}
	t, err := loadTicket(s.tx, s.tenantID, id)
	if err != nil {
		return err
	}
	return s.queue(notify.TicketChange{Ticket: *t, Actor: actor, Changes: changes, Comment: comment, At: at})
}

// queue writes one delivery per channel. A change queued twice (same version) is kept once.
func (s *ticketSyncer) queue(c notify.TicketChange) error {
	c.Tenant = s.tenant
	for _, ch := range s.channels {
		// Settings were checked when the channel was made; should they be wrong, the
		// delivery fails visibly when the sender is built.
		opts, _ := notify.TicketSyncSettings(stringMap(ch.Settings))
		body, err := notify.NewTicketEvent(c, opts).Encode()
		if err != nil {
			return err
		}
		row := syncOutboxRow{TenantID: s.tenantID, ChannelID: ch.ID, DedupKey: notify.TicketSyncDedupKey(ch.ID, c.Ticket.Key, c.Ticket.Version),
			Payload: string(body), Status: "pending", NextAttemptAt: c.At, CreatedAt: c.At, OrderKey: c.Ticket.Key, OrderSeq: c.Ticket.Version}
		if err := s.tx.Omit("id").Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
	}
	return nil
}
