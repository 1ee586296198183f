// Package outbox delivers queued notifications: it claims due deliveries with a lease,
// sends each through its channel and records the outcome, retrying with backoff. Because
// deliveries are queued in the same transaction as what raised them and only marked sent
// after the receiver accepted them, a crash at any point loses nothing: at least once, with
// a stable id receivers use to drop repeats.
package outbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/seal"
)

// Store is the outbox's storage (backend/store).
type Store interface {
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]alerting.Delivery, error)
	MarkSent(ctx context.Context, id int64) error
	MarkFailed(ctx context.Context, id int64, msg string, retryAt *time.Time) error
	Channel(ctx context.Context, tenantID, id int64) (*alerting.Channel, error)
}

// ChannelSecretContext binds a channel's sealed secret to its row (store.ChannelSecretContext).
type ChannelSecretContext func(channelID int64) string

// Worker sends deliveries.
type Worker struct {
	Store    Store
	Sealer   *seal.Sealer
	Context  ChannelSecretContext
	Log      *slog.Logger
	BaseURL  string        // links in messages point here
	Outbound egress.Policy // where channels may connect (server.outbound_allow)
	Interval time.Duration // between polls; default 5s
	Lease    time.Duration // how long a claimed delivery is ours; default 2m
	Now      func() time.Time
}

// Run polls until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	every := w.Interval
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if w.Once(ctx) > 0 && ctx.Err() == nil {
			// Something was sent: look again at once. A ticket's next version becomes due
			// only when the one before it was sent, so a burst of changes drains without
			// waiting an interval per version.
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once sends what is due now and returns how many were sent.
func (w *Worker) Once(ctx context.Context) int {
	lease := w.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	batch, err := w.Store.ClaimDeliveries(ctx, 50, lease)
	if err != nil {
		w.Log.Error("outbox: claim failed", "error", err.Error())
		return 0
	}
	sent := 0
	for _, d := range batch {
		if err := w.deliver(ctx, d); err != nil {
			w.failed(ctx, d, err)
			continue
		}
		if err := w.Store.MarkSent(context.WithoutCancel(ctx), d.ID); err != nil {
			w.Log.Error("outbox: delivered but not marked sent (it will be sent again)", "delivery", d.ID, "error", err.Error())
			continue
		}
		sent++
	}
	return sent
}

func (w *Worker) deliver(ctx context.Context, d alerting.Delivery) error {
	ch, err := w.Store.Channel(ctx, d.TenantID, d.ChannelID)
	if err != nil {
		return &notify.DeliveryError{Err: err}
	}
	sender, err := Build(*ch, w.Sealer, w.Context, w.Outbound)
	if err != nil {
		return &notify.DeliveryError{Err: err}
	}
	if ps, ok := sender.(notify.PayloadSender); ok {
		// Ticket sync: the payload was built with the change, in its transaction.
		return ps.SendPayload(ctx, d.DedupKey, d.Payload, w.BaseURL)
	}
	var msg notify.Message
	if err := json.Unmarshal(d.Payload, &msg); err != nil {
		return &notify.DeliveryError{Err: err} // corrupt payload: retrying cannot help
	}
	if msg.URL == "" && w.BaseURL != "" && msg.Tenant != "" {
		msg.URL = w.BaseURL + "/t/" + msg.Tenant + "/drift"
	}
	return sender.Send(ctx, msg)
}

func (w *Worker) failed(ctx context.Context, d alerting.Delivery, err error) {
	retry, after := notify.IsRetryable(err)
	var at *time.Time
	if retry && d.Attempts < alerting.MaxAttempts {
		wait := max(alerting.Backoff(d.Attempts), after)
		next := w.now().Add(wait)
		at = &next
	}
	if e := w.Store.MarkFailed(context.WithoutCancel(ctx), d.ID, err.Error(), at); e != nil {
		w.Log.Error("outbox: cannot record a failed delivery", "delivery", d.ID, "error", e.Error())
	}
	w.Log.Warn("outbox: delivery failed", "delivery", d.ID, "attempt", d.Attempts, "retry", at != nil, "error", err.Error())
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Build makes the sender of a channel, opening its sealed secret.
func Build(ch alerting.Channel, sealer *seal.Sealer, sealContext ChannelSecretContext, policy egress.Policy) (notify.Channel, error) {
	secret := []byte(nil)
	if len(ch.Secret) > 0 {
		if sealer == nil {
			return nil, posture.Errorf(posture.EINVALID, "channel %q has a sealed secret but no sealing key is configured", ch.Name)
		}
		var err error
		if secret, err = sealer.Open(ch.Secret, sealContext(ch.ID)); err != nil {
			return nil, posture.Errorf(posture.EINVALID, "channel %q: its secret cannot be opened (was the sealing key changed?)", ch.Name)
		}
	}
	return Sender(ch, secret, policy)
}

// Sender makes the sender of a channel given its secret in the clear; it may connect only
// where policy allows.
func Sender(ch alerting.Channel, secret []byte, policy egress.Policy) (notify.Channel, error) {
	switch ch.Kind {
	case "webhook":
		return notify.NewWebhook(notify.WebhookConfig{URL: ch.Settings["url"], Secret: secret, Policy: policy})
	case "slack":
		return notify.NewSlack(notify.SlackConfig{URL: string(secret), Policy: policy}) // the URL is the secret
	case notify.TicketSyncKind:
		return notify.NewTicketSync(notify.TicketSyncConfig{URL: ch.Settings["url"], Secret: secret,
			ProjectKey: ch.Settings["project_key"], IssueType: ch.Settings["issue_type"], Policy: policy})
	case "email":
		port, _ := strconv.Atoi(ch.Settings["port"])
		return notify.NewEmail(notify.EmailConfig{Host: ch.Settings["host"], Port: port, From: ch.Settings["from"],
			To: splitList(ch.Settings["to"]), Username: ch.Settings["username"], Password: string(secret), Policy: policy})
	}
	return nil, posture.Errorf(posture.EINVALID, "unknown channel kind %q", ch.Kind)
}

// SenderFor is Sender bound to policy: what the API validates and tests channels with.
func SenderFor(policy egress.Policy) func(ch alerting.Channel, secret []byte) (notify.Channel, error) {
	return func(ch alerting.Channel, secret []byte) (notify.Channel, error) { return Sender(ch, secret, policy) }
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
