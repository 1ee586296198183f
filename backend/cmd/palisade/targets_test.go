package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// A configured target is synced, collected, scored, and then reported stale once its last
// complete collection is older than its schedule allows: never shown as current.
func TestIntegrationTargetsStatusAndStaleness(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d)
			demo, _ := filepath.Abs("../../../e2e/demo/manifests")
			cfg := config.Default()
			cfg.Tenant = "demo"
			cfg.Targets = []config.Target{
				{Name: "demo", Kind: "manifests", Path: demo, Schedule: "5m"},
				{Name: "no-cluster", Kind: "cluster", Kubeconfig: filepath.Join(t.TempDir(), "none"), Schedule: "15m", Optional: true},
			}
			log := slog.New(slog.DiscardHandler)
			targets, err := syncConfigTargets(ctx, db, cfg, log)
			if err != nil || len(targets) != 1 {
				t.Fatalf("synced %d targets, %v; want the manifests one (the optional cluster skipped)", len(targets), err)
			}
			now := time.Now()
			st, err := targetStatuses(ctx, db, now)
			if err != nil || len(st) != 1 || !st[0].Stale || st[0].Compliance != nil || st[0].Risk != nil || st[0].LastComplete != nil {
				t.Fatalf("before any run: %+v, %v; want stale without score", st, err)
			}
			sched, _, err := startScheduler(ctx, db, cfg, nil, log, noRegistry{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				// The run and its score are read by two queries: wait for both to show it.
				if st, _ = targetStatuses(ctx, db, time.Now()); st[0].Compliance != nil && st[0].LastStatus == "complete" {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err := sched.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if st[0].Compliance == nil || st[0].Risk == nil || *st[0].Risk <= 0 || st[0].Open == 0 || st[0].Stale || st[0].LastStatus != "complete" {
				t.Fatalf("after the first run: %+v", st[0])
			}
			// Syncing again (a restart) updates, never duplicates.
			if _, err := syncConfigTargets(ctx, db, cfg, log); err != nil {
				t.Fatal(err)
			}
			later, err := targetStatuses(ctx, db, time.Now().Add(time.Hour))
			if err != nil || len(later) != 1 || !later[0].Stale || later[0].Compliance == nil {
				t.Fatalf("an hour later: %+v, %v; want stale, score kept as history", later, err)
			}
		})
	}
}

func TestTargetsListCommand(t *testing.T) {
	vars := sqliteEnv(t)
	if r := palisade(t, vars, "migrate", "up"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := palisade(t, vars, "targets", "list", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"targets"`) {
		t.Fatalf("targets list: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// noRegistry accepts metrics registrations and drops them.
type noRegistry struct{}

func (noRegistry) Register(prometheus.Collector) error  { return nil }
func (noRegistry) MustRegister(...prometheus.Collector) {}
func (noRegistry) Unregister(prometheus.Collector) bool { return true }
