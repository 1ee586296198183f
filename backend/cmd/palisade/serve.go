package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-dev/palisade/backend/httpapi"
	"github.com/palisade-dev/palisade/backend/outbox"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/webui"
)

func newServeCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the web server and the collection scheduler",
		Long: `Run Palisade's HTTP server: the API, the web UI, /healthz, /readyz and /metrics.
Applies pending database migrations first unless database.migrate_on_start is false.
Stops gracefully on SIGTERM or SIGINT: in-flight requests finish, background work stops.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), opts)
		},
	}
}

func serve(ctx context.Context, opts *globalOptions) error {
	cfg, err := opts.loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, opts.env.stderr)
	credSealer, err := sealer(cfg.Secrets)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Database.MigrateOnStart {
		n, err := db.MigrateUp(ctx)
		if err != nil {
			return fmt.Errorf("%w (the failed migration was rolled back; the schema is at the last good version)", err)
		}
		log.Info("database ready", "driver", db.Dialect(), "migrations_applied", n)
	} else if pending, err := db.Pending(ctx); err != nil {
		return err
	} else if pending > 0 {
		return fmt.Errorf("%d database migrations are pending: run `palisade migrate up` or set database.migrate_on_start", pending)
	}
	metricsToken, err := cfg.Server.MetricsToken.Resolve()
	if err != nil {
		return fmt.Errorf("server.metrics_token: %w", err)
	}
	srv := httpapi.New(httpapi.Config{
		Listen: cfg.Server.Listen, ReadTimeout: cfg.Server.ReadTimeout, WriteTimeout: cfg.Server.WriteTimeout,
		IdleTimeout: cfg.Server.IdleTimeout, RequestTimeout: cfg.Server.RequestTimeout,
		ShutdownTimeout: cfg.Server.ShutdownTimeout, MaxBodyBytes: cfg.Server.MaxBodyBytes, MaxUploadBytes: cfg.Vulnerabilities.MaxUploadBytes,
		TLSCertFile: cfg.Server.TLSCertFile, TLSKeyFile: cfg.Server.TLSKeyFile, Version: version,
		HSTS: strings.HasPrefix(cfg.PublicURL(), "https://"), MetricsToken: metricsToken,
	}, log, map[string]httpapi.Checker{
		"database": httpapi.CheckerFunc(db.Ping),
	})
	vulnSvc := newVulnService(db, cfg, log)
	srv.Registry().MustRegister(newFeedCollector(vulnSvc))
	sched, catalog, err := startScheduler(ctx, db, cfg, credSealer, log, srv.Registry(), vulnSvc)
	if err != nil {
		return err
	}
	apiOpts, err := apiOptions(ctx, db, cfg, credSealer, sched, log)
	if err != nil {
		return err
	}
	apiOpts.Catalog = catalog
	apiOpts.Vulns, apiOpts.MaxUploadBytes = vulnAPI{db, vulnSvc}, cfg.Vulnerabilities.MaxUploadBytes
	apiOpts.AdvisoryMaxAge = cfg.Checks.AdvisoryMaxAge
	srv.MountAPI(apiOpts)
	srv.MountUI(webui.Handler(webui.Assets()))
	// Alerts queued by runs (or left by a previous process) go out from here.
	worker := &outbox.Worker{Store: db, Sealer: credSealer, Context: store.ChannelSecretContext, Log: log, BaseURL: cfg.PublicURL(),
		Lease: cfg.Alerts.DeliveryLease, Outbound: outboundPolicy(cfg)}
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	go func() { worker.Run(workerCtx); close(workerDone) }()
	govDone := make(chan struct{})
	go func() { runGovernance(workerCtx, db, log); close(govDone) }()
	advDone := make(chan struct{})
	go func() { runAdvisoryRefresh(workerCtx, db, vulnSvc, cfg.Advisories.Interval, log); close(advDone) }()
	defer func() { stopWorker(); <-workerDone; <-govDone; <-advDone }()
	if cfg.Auth.OIDC.Issuer == "" {
		log.Warn("login is off: auth.oidc.issuer is not set (API tokens still work)")
	}
	defer func() {
		// Stop collections after the server has drained; a cancelled run is still recorded.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
		defer cancel()
		if err := sched.Shutdown(sctx); err != nil {
			log.Warn("scheduler shutdown", "error", err.Error())
		}
	}()
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (server.listen): %w", cfg.Server.Listen, err)
	}
	scheme := "http"
	if cfg.Server.TLSCertFile != "" {
		scheme = "https"
	}
	log.Info("palisade serving", "url", fmt.Sprintf("%s://%s", scheme, ln.Addr()), "version", version, "database", db.Dialect())
	if err := srv.Serve(ctx, ln); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("palisade stopped cleanly")
	return nil
}
