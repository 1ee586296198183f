package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
)

// syncConfigTargets makes the configuration's targets exist in the database, in the
// configured tenant, and returns the enabled ones to schedule.
func syncConfigTargets(ctx context.Context, db *store.DB, cfg config.Config, log *slog.Logger) ([]posture.Target, error) {
	if len(cfg.Targets) == 0 {
		return nil, nil
	}
	ten, err := db.TenantBySlug(ctx, cfg.Tenant)
	if posture.ErrorCode(err) == posture.ENOTFOUND {
		ten = &posture.Tenant{Slug: cfg.Tenant, Name: cfg.Tenant}
		err = db.CreateTenant(ctx, ten)
	}
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", cfg.Tenant, err)
	}
	var out []posture.Target
	for _, ct := range cfg.Targets {
		t, err := targetFromConfig(ct, ten.ID)
		if err != nil {
			if ct.Optional {
				log.Info("optional target skipped", "target", ct.Name, "reason", err.Error())
				continue
			}
			return nil, err
		}
		existing, err := db.TargetByName(ctx, ten.ID, t.Name)
		switch {
		case posture.ErrorCode(err) == posture.ENOTFOUND:
			err = db.CreateTarget(ctx, &t)
		case err == nil:
			t.ID, t.Credentials = existing.ID, existing.Credentials
			err = db.UpdateTarget(ctx, &t)
		}
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func targetFromConfig(ct config.Target, tenantID int64) (posture.Target, error) {
	t := posture.Target{TenantID: tenantID, Name: ct.Name, Kind: posture.TargetKind(ct.Kind), Schedule: ct.Schedule,
		Enabled: true, Settings: map[string]string{}}
	switch t.Kind {
	case posture.TargetManifests:
		t.Settings["path"] = ct.Path
	case posture.TargetCluster:
		kubeconfig, context, err := resolveKubeconfig(ct.Kubeconfig, ct.Context)
		if err != nil {
			return t, err
		}
		t.Settings["kubeconfig"], t.Settings["context"] = kubeconfig, context
	}
	if _, err := schedule.ParseSchedule(t.Schedule); err != nil {
		return t, fmt.Errorf("target %q: %w", t.Name, err)
	}
	return t, nil
}

// replicaID names this process in scheduler locks.
func replicaID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// startScheduler builds the runner and scheduler for the configuration's targets.
func startScheduler(ctx context.Context, db *store.DB, cfg config.Config, log *slog.Logger, reg registerer) (*schedule.Scheduler, error) {
	targets, err := syncConfigTargets(ctx, db, cfg, log)
	if err != nil {
		return nil, err
	}
	catalog, checkCfg, err := checkSetup(cfg.Checks)
	if err != nil {
		return nil, err
	}
	r := &runner.Runner{
		Runs: db,
		Sources: map[posture.TargetKind]runner.Source{
			posture.TargetManifests: sources.Manifests(),
			posture.TargetCluster:   sources.Cluster(sources.ClusterOptions{Log: log}),
		},
		Catalog:     catalog,
		CheckConfig: checkCfg,
		Weights:     posture.DefaultWeights(),
		Log:         log,
	}
	r.RegisterMetrics(reg)
	sched, err := schedule.New(r, schedule.Options{Owner: replicaID(), Locks: db, Runs: db, Log: log, Timeout: 10 * time.Minute})
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if err := sched.Add(t); err != nil {
			return nil, fmt.Errorf("schedule target %q: %w", t.Name, err)
		}
		log.Info("target scheduled", "target", t.Name, "kind", t.Kind, "schedule", t.Schedule)
	}
	sched.Start()
	return sched, nil
}
