package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/vulns"
)

// syncConfigTargets makes the configuration's tenants and targets exist in the database and
// returns the config targets it synced.
func syncConfigTargets(ctx context.Context, db *store.DB, cfg config.Config, log *slog.Logger) ([]posture.Target, error) {
	var out []posture.Target
	for _, spec := range cfg.AllTenants() {
		if len(spec.Targets) == 0 && len(cfg.Tenants) == 0 {
			continue // the implicit default tenant, with nothing declared in it
		}
		ten, err := ensureTenant(ctx, db, spec)
		if err != nil {
			return nil, err
		}
		if err := syncTrustPolicy(ctx, db, spec, ten.ID, log); err != nil {
			return nil, err
		}
		for _, ct := range spec.Targets {
			t, err := syncTarget(ctx, db, ct, ten.ID, log)
			if err != nil {
				return nil, err
			}
			if t != nil {
				out = append(out, *t)
			}
		}
	}
	return out, nil
}

func ensureTenant(ctx context.Context, db *store.DB, spec config.TenantSpec) (*posture.Tenant, error) {
	ten, err := db.TenantBySlug(ctx, spec.Slug)
	if posture.ErrorCode(err) == posture.ENOTFOUND {
		name := spec.Name
		if name == "" {
			name = spec.Slug
		}
		ten = &posture.Tenant{Slug: spec.Slug, Name: name}
		err = db.CreateTenant(ctx, ten)
	}
	if err != nil {
		return nil, fmt.Errorf("tenant %q: %w", spec.Slug, err)
	}
	return ten, nil
}

// syncTarget creates or updates one config target; nil when an optional one is skipped.
func syncTarget(ctx context.Context, db *store.DB, ct config.Target, tenantID int64, log *slog.Logger) (*posture.Target, error) {
	t, err := targetFromConfig(ct, tenantID)
	if err != nil {
		if ct.Optional {
			log.Info("optional target skipped", "target", ct.Name, "reason", err.Error())
			return nil, nil
		}
		return nil, err
	}
	existing, err := db.TargetByName(ctx, tenantID, t.Name)
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
	return &t, nil
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
	case posture.TargetRegistry:
		if err := registrySettingsFromConfig(ct, t.Settings); err != nil {
			return t, fmt.Errorf("target %q: %w", t.Name, err)
		}
	}
	if _, err := schedule.ParseSchedule(t.Schedule); err != nil {
		return t, fmt.Errorf("target %q: %w", t.Name, err)
	}
	return t, nil
}

// outboundPolicy is where notification channels may connect (server.outbound_allow).
func outboundPolicy(cfg config.Config) egress.Policy {
	return egress.Policy{Allow: cfg.Server.OutboundPrefixes()}
}

// clusterPolicy is where uploaded kubeconfigs may connect: as channels, plus this host with
// server.allow_loopback_clusters (kind, minikube, tests).
func clusterPolicy(cfg config.Config) egress.Policy {
	if cfg.Server.AllowLoopbackClusters {
		return outboundPolicy(cfg).WithLoopback()
	}
	return outboundPolicy(cfg)
}

// startScheduler builds the runner and scheduler for the configuration's targets.
func startScheduler(ctx context.Context, db *store.DB, cfg config.Config, sealer *seal.Sealer, log *slog.Logger, reg registerer, svc *vulns.Service) (*schedule.Scheduler, *checks.Catalog, error) {
	if _, err := syncConfigTargets(ctx, db, cfg, log); err != nil {
		return nil, nil, err
	}
	catalog, checkCfg, err := checkSetup(cfg.Checks)
	if err != nil {
		return nil, nil, err
	}
	var openCredentials func(posture.Target) ([]byte, error)
	if sealer != nil {
		openCredentials = func(t posture.Target) ([]byte, error) {
			return sealer.Open(t.Credentials, store.TargetCredentialsContext(t.ID))
		}
	}
	registryOpts := sources.RegistryOptions{Images: db, Judge: sources.TrustJudge(db.TrustPolicy, time.Now),
		OpenCredentials: openCredentials, Outbound: clusterPolicy(cfg), Log: log, Reinspect: cfg.Checks.ImageReinspect}
	if svc != nil {
		registryOpts.Vulns = svc
		registryOpts.Acquire = vulns.AcquireOptions{MaxExtractions: cfg.Vulnerabilities.ExtractionsPerRun,
			Budget: cfg.Vulnerabilities.ExtractionBudget}
	}
	r := &runner.Runner{
		Runs: db,
		Sources: map[posture.TargetKind]runner.Source{
			posture.TargetManifests: sources.Manifests(cfg.Server.ManifestRoots...),
			posture.TargetCluster: sources.Cluster(sources.ClusterOptions{Log: log, OpenCredentials: openCredentials,
				Outbound: clusterPolicy(cfg), Images: &sources.RunningImages{Images: db, Usages: db, Targets: db.ListTargets, Registry: registryOpts,
					MaxAge: cfg.Checks.ImageReinspect}}),
			posture.TargetRegistry: sources.Registry(registryOpts),
		},
		Catalog:      catalog,
		CheckConfig:  checkCfg,
		Weights:      posture.DefaultWeights(),
		Log:          log,
		Exceptions:   db.ActiveExceptions,
		WatchLabels:  cfg.Checks.WatchedLabels,
		Attestations: db.ListAttestations,
	}
	r.RegisterMetrics(reg)
	sched, err := schedule.New(r, schedule.Options{Owner: db.Owner(), Locks: db, Runs: db, Reconciler: db, Log: log, Timeout: 10 * time.Minute})
	if err != nil {
		return nil, nil, err
	}
	// Every enabled target in the database runs: those from this configuration and those
	// added through the API.
	tenants, err := db.ListTenants(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, ten := range tenants {
		targets, err := db.ListTargets(ctx, ten.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range targets {
			if !t.Enabled {
				continue
			}
			if err := sched.Add(t); err != nil {
				return nil, nil, fmt.Errorf("schedule target %q: %w", t.Name, err)
			}
			log.Info("target scheduled", "tenant", ten.Slug, "target", t.Name, "kind", t.Kind, "schedule", t.Schedule)
		}
	}
	sched.Start()
	return sched, catalog, nil
}
