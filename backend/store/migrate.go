package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/palisade-dev/palisade/migrations"
)

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

func (db *DB) provider() (*goose.Provider, error) {
	fsys := db.migs
	if fsys == nil {
		var err error
		if fsys, err = migrations.For(db.dialect); err != nil {
			return nil, err
		}
	}
	dialect := goose.DialectPostgres
	if db.dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	// Each migration runs in its own transaction (goose's default for SQL files), so a
	// failing migration leaves the schema at the previous version, never half applied.
	return goose.NewProvider(dialect, db.sql, fsys)
}

// MigrateUp applies every pending migration and returns how many ran.
func (db *DB) MigrateUp(ctx context.Context) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			return len(partial.Applied), fmt.Errorf("migrate up: %s failed (rolled back): %w", partial.Failed.Source.Path, partial.Err)
		}
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// MigrateDown rolls back to the given version (0 removes everything).
func (db *DB) MigrateDown(ctx context.Context, to int64) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.DownTo(ctx, to)
	if err != nil {
		return len(res), fmt.Errorf("migrate down: %w", err)
	}
	return len(res), nil
}

// MigrationStatus lists every known migration.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{
			Version:   s.Source.Version,
			Name:      s.Source.Path,
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// Pending reports how many migrations are not applied; readiness needs zero.
func (db *DB) Pending(ctx context.Context) (int, error) {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if !s.Applied {
			n++
		}
	}
	return n, nil
}
