package main

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/vulns"
)

// feedSources are the configured advisory feeds: a local file where one is given, else the
// mirror, else osv.dev.
func feedSources(a config.Advisories) []advisories.FeedSource {
	names := append([]string(nil), a.Ecosystems...)
	for e := range a.Files {
		if !slices.Contains(names, e) {
			names = append(names, e)
		}
	}
	sort.Strings(names)
	out := make([]advisories.FeedSource, 0, len(names))
	for _, e := range names {
		src := advisories.FeedSource{Ecosystem: e, URL: a.MirrorURL}
		if f := a.Files[e]; f != "" {
			src = advisories.FeedSource{Ecosystem: e, File: f}
		}
		out = append(out, src)
	}
	return out
}

// newVulnService builds the vulnerability service; feeds are fetched through the outbound
// policy (an internal mirror on a private address needs server.outbound_allow).
func newVulnService(db *store.DB, cfg config.Config, log *slog.Logger) *vulns.Service {
	client := &http.Client{Transport: outboundPolicy(cfg).Transport(), Timeout: 30 * time.Minute}
	return vulns.New(vulns.Options{Store: db, Feeds: feedSources(cfg.Advisories), HTTP: client, Log: log,
		MaxFeedBytes: cfg.Advisories.MaxDownloadBytes})
}

// vulnAPI serves the vulnerability endpoints from the store and the service together.
type vulnAPI struct {
	*store.DB
	*vulns.Service
}

// advisoryLock is the lock one replica holds while it refreshes the feeds.
const advisoryLock = "advisories.refresh"

// runAdvisoryRefresh refreshes the advisory feeds every interval, on one replica at a time:
// at start-up when the last refresh is older than the interval, then on schedule.
func runAdvisoryRefresh(ctx context.Context, db *store.DB, svc *vulns.Service, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		interval = 6 * time.Hour
	}
	check := min(interval, 5*time.Minute)
	t := time.NewTicker(check)
	defer t.Stop()
	for {
		if due, err := refreshDue(ctx, svc, interval); err != nil {
			log.Warn("advisory feeds: reading their state", "error", err.Error())
		} else if due {
			// The lock outlives the refresh on purpose: other replicas skip this interval.
			if ok, err := db.TryLock(ctx, advisoryLock, db.Owner(), interval*9/10); err != nil {
				log.Warn("advisory feeds: lock", "error", err.Error())
			} else if ok {
				svc.Refresh(ctx)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refreshDue reports whether a configured feed was not attempted within the interval.
func refreshDue(ctx context.Context, svc *vulns.Service, interval time.Duration) (bool, error) {
	feeds, err := svc.Feeds(ctx)
	if err != nil {
		return false, err
	}
	for _, f := range feeds {
		if f.Configured && (f.AttemptedAt.IsZero() || time.Since(f.AttemptedAt) >= interval) {
			return true, nil
		}
	}
	return false, nil
}

// feedCollector exports each advisory feed's freshness for alerting on stale data:
// palisade_advisory_feed_age_seconds (since the last successful load; absent before the
// first) and palisade_advisory_feed_failing (1 when the last attempt failed).
type feedCollector struct {
	svc       *vulns.Service
	age, fail *prometheus.Desc
}

func newFeedCollector(svc *vulns.Service) *feedCollector {
	return &feedCollector{svc: svc,
		age: prometheus.NewDesc("palisade_advisory_feed_age_seconds", "Seconds since the advisory feed was last loaded successfully.",
			[]string{"ecosystem"}, nil),
		fail: prometheus.NewDesc("palisade_advisory_feed_failing", "1 when the feed's last load failed.", []string{"ecosystem"}, nil)}
}

func (c *feedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.age; ch <- c.fail }

func (c *feedCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	feeds, err := c.svc.Feeds(ctx)
	if err != nil {
		return // the database is down: /readyz says so
	}
	for _, f := range feeds {
		if !f.Configured {
			continue
		}
		if f.RefreshedAt != nil {
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, time.Since(*f.RefreshedAt).Seconds(), f.Ecosystem)
		}
		failing := 0.0
		if f.Error != "" {
			failing = 1
		}
		ch <- prometheus.MustNewConstMetric(c.fail, prometheus.GaugeValue, failing, f.Ecosystem)
	}
}
