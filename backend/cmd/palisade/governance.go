package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/palisade-dev/palisade/backend/store"
)

// runGovernance ends what expires with time, every minute until ctx ends: exceptions past
// their expiry become expired (their findings reopen at the next run); lapsed attestations
// and overdue tickets raise their alert, once each.
func runGovernance(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if expired, err := db.ExpireExceptions(ctx); err != nil {
			log.Error("expiring exceptions", "error", err.Error())
		} else {
			for _, e := range expired {
				log.Info("exception expired", "tenant_id", e.TenantID, "exception", e.ID)
			}
		}
		if _, err := db.AlertLapsedAttestations(ctx); err != nil {
			log.Error("checking attestations", "error", err.Error())
		}
		if _, err := db.AlertOverdueTickets(ctx); err != nil {
			log.Error("checking ticket due dates", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
