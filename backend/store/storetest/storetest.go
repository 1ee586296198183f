// Package storetest opens real databases for tests: a fresh SQLite file, and a fresh schema
// in the PostgreSQL named by PALISADE_TEST_POSTGRES_DSN (`make test` starts one). Under
// CI=true a missing PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// DSNEnv names the variable holding the test PostgreSQL DSN.
const DSNEnv = "PALISADE_TEST_POSTGRES_DSN"

// Dialects returns the dialects to run a suite against: always sqlite, and postgres when
// available.
func Dialects(t testing.TB) []string {
	t.Helper()
	if os.Getenv(DSNEnv) != "" {
		return []string{store.SQLite, store.Postgres}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set: the PostgreSQL suite must run in CI (make test provisions one)", DSNEnv)
	}
	t.Logf("%s not set: PostgreSQL cases not run (make test provisions one)", DSNEnv)
	return []string{store.SQLite}
}

// Options for Open.
type Options struct {
	Now     func() time.Time
	Migrate bool // apply all migrations (default true through Open)
	// Owner names the process in the runs the database starts (store.Options.Owner).
	Owner string
	// DSN reopens an existing database of the dialect instead of a fresh one.
	DSN string
	// BusyTimeout is SQLite's wait for another's write lock (store.Options.BusyTimeout).
	BusyTimeout time.Duration
}

// Open returns a migrated, empty database of the dialect, removed when the test ends.
func Open(t testing.TB, dialect string) *store.DB {
	return OpenWith(t, dialect, Options{Migrate: true})
}

// OpenWith is Open with options.
func OpenWith(t testing.TB, dialect string, o Options) *store.DB {
	t.Helper()
	ctx := context.Background()
	opts := store.Options{Driver: dialect, Now: o.Now, MaxOpenConns: 8, Owner: o.Owner, BusyTimeout: o.BusyTimeout, DSN: o.DSN}
	switch {
	case opts.DSN != "":
	case dialect == store.SQLite:
		opts.DSN = filepath.Join(t.TempDir(), "palisade.db")
	case dialect == store.Postgres:
		opts.DSN = freshSchema(t)
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if o.Migrate {
		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatalf("migrate %s: %v", dialect, err)
		}
	}
	return db
}

// DSN returns a DSN for a fresh, empty schema in the test PostgreSQL.
func DSN(t testing.TB) string {
	t.Helper()
	return freshSchema(t)
}

// freshSchema creates a schema of its own for one test, so tests never see each other's
// rows, and returns a DSN whose search_path points at it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(DSNEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set", DSNEnv)
		}
		t.Skipf("%s not set", DSNEnv)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := store.Open(context.Background(), store.Options{Driver: store.Postgres, DSN: base})
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	if err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", DSNEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Seed creates a tenant with the slug and one enabled target of the kind in it, the
// starting point of most store and pipeline tests.
func Seed(t testing.TB, db *store.DB, slug string, kind posture.TargetKind) (*posture.Tenant, *posture.Target) {
	t.Helper()
	ctx := context.Background()
	ten := &posture.Tenant{Slug: slug, Name: slug}
	if err := db.CreateTenant(ctx, ten); err != nil {
		t.Fatalf("seed tenant %s: %v", slug, err)
	}
	tgt := &posture.Target{TenantID: ten.ID, Name: "prod", Kind: kind, Schedule: "15m", Enabled: true,
		Settings: map[string]string{"context": "prod"}}
	if err := db.CreateTarget(ctx, tgt); err != nil {
		t.Fatalf("seed target: %v", err)
	}
	return ten, tgt
}

// Clock is a controllable clock for tests of expiry, leases and timeouts.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
