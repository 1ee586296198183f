package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade-dev/palisade/backend/config"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/seal"
	"github.com/palisade-dev/palisade/backend/store"
)

// globalOptions are the flags every command shares, and what they lead to.
type globalOptions struct {
	env        env
	configPath string
}

// loadConfig reads the configuration; any problem is a usage error (exit 2) naming the key.
func (o *globalOptions) loadConfig() (config.Config, error) {
	path, explicit := o.configPath, o.configPath != ""
	if !explicit {
		path = config.DefaultPath
	}
	cfg, err := config.Load(path, explicit, o.env.vars)
	if err != nil {
		return cfg, usageError("invalid configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cfg, nil
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openDB connects to the configured database.
func openDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, error) {
	dsn, err := cfg.Database.DSN.Resolve()
	if err != nil {
		return nil, usageError("database.dsn: %v", err)
	}
	// The owner names this process in the runs it starts and the locks it takes, so that
	// a later process can tell they were left by one that stopped (schedule.Reconcile).
	db, err := store.Open(ctx, store.Options{Driver: cfg.Database.Driver, DSN: dsn, MaxOpenConns: cfg.Database.MaxOpenConns, Logger: log,
		Owner: schedule.NewOwnerID()})
	if err != nil {
		return nil, fmt.Errorf("%w (check database.dsn / PALISADE_DATABASE_DSN)", err)
	}
	return db, nil
}

// sealer builds the credential sealer from secrets.key and secrets.previous_keys.
// Without a key the sealer is nil and storing credentials is refused.
func sealer(cfg config.Secrets) (*seal.Sealer, error) {
	if cfg.Key == "" {
		return nil, nil
	}
	parse := func(name string, s config.Secret) (*seal.Key, error) {
		v, err := s.Resolve()
		if err != nil {
			return nil, usageError("%s: %v", name, err)
		}
		k, err := seal.ParseKey(v)
		if err != nil {
			return nil, usageError("%s: %v", name, err)
		}
		return k, nil
	}
	cur, err := parse("secrets.key", cfg.Key)
	if err != nil {
		return nil, err
	}
	var prev []*seal.Key
	for i, s := range cfg.PreviousKeys {
		k, err := parse(fmt.Sprintf("secrets.previous_keys[%d]", i), s)
		if err != nil {
			return nil, err
		}
		prev = append(prev, k)
	}
	return seal.New(cur, prev...), nil
}

// withDB loads the configuration, connects, runs fn and closes the connection: the shape of
// every command that works on the database without serving.
func (o *globalOptions) withDB(cmd interface{ Context() context.Context }, fn func(*store.DB) error) error {
	cfg, err := o.loadConfig()
	if err != nil {
		return err
	}
	db, err := openDB(cmd.Context(), cfg, newLogger(cfg.Log, o.env.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// registerer is where components register their Prometheus metrics.
type registerer = prometheus.Registerer
