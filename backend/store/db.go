// Package store persists Palisade's domain in SQL through GORM, on PostgreSQL or SQLite.
// It is the only package that imports gorm. Every query on customer data is scoped by
// tenant here, not left to callers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Dialects Palisade supports.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Options configure a connection.
type Options struct {
	Driver       string
	DSN          string
	MaxOpenConns int
	Logger       *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Migrations replaces the embedded migrations (tests of migration failure use it).
	Migrations fs.FS
	// BusyTimeout is how long an SQLite write waits for another's lock before it fails
	// (then: EUNAVAILABLE, a 503). Default 10s.
	BusyTimeout time.Duration
	// Owner names this process in the runs it starts (schedule.NewOwnerID); the scheduler
	// uses the same name in its locks. Empty: runs are reconciled by their heartbeat only.
	Owner string
}

// DB is an open database with the stores built on it.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	dialect string
	log     *slog.Logger
	now     func() time.Time
	migs    fs.FS
	owner   string
	// lastStamp is the last first-seen stamp handed out (unix microseconds): see stamp.
	lastStamp atomic.Int64
}

// Open connects and pings, so that an unreachable database fails here with a clear error.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var dial gorm.Dialector
	switch o.Driver {
	case Postgres:
		dial = postgresDialector{postgres.New(postgres.Config{DSN: o.DSN}).(*postgres.Dialector)}
	case SQLite:
		if o.BusyTimeout <= 0 {
			o.BusyTimeout = 10 * time.Second
		}
		dsn, err := sqliteDSN(o.DSN, o.BusyTimeout)
		if err != nil {
			return nil, err
		}
		dial = sqliteDialector{sqlite.Open(dsn).(*sqlite.Dialector)}
	default:
		return nil, fmt.Errorf("unknown database driver %q (want postgres or sqlite)", o.Driver)
	}
	g, err := gorm.Open(dial, &gorm.Config{
		Logger:                 logger.Discard, // queries carry evidence; we log outcomes, not SQL
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return o.Now().UTC() },
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to %s database: %s", o.Driver, redactDSN(err.Error(), o.DSN))
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if o.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(o.MaxOpenConns)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %s", o.Driver, redactDSN(err.Error(), o.DSN))
	}
	return &DB{gorm: g, sql: sqlDB, dialect: o.Driver, log: o.Logger, now: o.Now, migs: o.Migrations, owner: o.Owner}, nil
}

// sqliteDSN turns a file path into a DSN with the pragmas Palisade relies on: foreign keys
// enforced, WAL for concurrent readers, a busy timeout instead of instant "database is locked",
// and IMMEDIATE transactions so two writers queue rather than deadlock on upgrade.
func sqliteDSN(path string, busy time.Duration) (string, error) {
	if strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return "", errors.New("sqlite dsn must be a file path; Palisade sets the connection options itself")
	}
	if path != ":memory:" {
		if err := privateFile(path); err != nil {
			return "", err
		}
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	// A run's transaction touches more pages than the default 2 MB cache: spilling them and
	// the statement journal to disk mid-transaction doubled the time it held the write lock.
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode(), nil
}

// privateFile makes the SQLite file (and a directory made for it) readable by Palisade's
// user only: the database holds findings, sessions and sealed credentials. SQLite gives its
// -wal and -shm files the database file's mode.
func privateFile(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create database directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("database file %s is readable by others and cannot be made private: %w", path, err)
		}
	}
	return nil
}

// redactDSN removes a password that a driver error might echo back.
func redactDSN(msg, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "password="); ok && v != "" {
			msg = strings.ReplaceAll(msg, v, "xxxxx")
		}
	}
	return msg
}

// Owner is the name this process gives the runs it starts.
func (db *DB) Owner() string { return db.owner }

// Dialect is "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return unavailable(db.sql.PingContext(ctx)) }

// Close releases the connections.
func (db *DB) Close() error { return db.sql.Close() }

// SQL exposes the database handle for migrations.
func (db *DB) SQL() *sql.DB { return db.sql }

// tx runs fn in a transaction. When ctx carries an audit intent (posture.WithAuditIntent),
// its entry is appended in the same transaction after fn, so that a change and its audit
// entry are committed together: if the entry cannot be written, the change is rolled back.
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	intent := posture.AuditIntentOf(ctx)
	claimed := false
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		e := intent.Claim()
		if e == nil {
			return nil
		}
		claimed = true
		if err := db.appendAudit(tx, e); err != nil {
			return fmt.Errorf("audit entry %s: %w", e.Action, err)
		}
		return nil
	})
	if claimed {
		intent.Done(err == nil)
	}
	return err
}

// notFound converts gorm's record-not-found into the domain's ENOTFOUND.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return posture.Errorf(posture.ENOTFOUND, "%s not found", what)
	}
	return err
}

// conflict converts a unique-constraint violation into ECONFLICT.
func conflict(err error, format string, args ...any) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return posture.WrapError(posture.ECONFLICT, err, format, args...)
	}
	return err
}

// Exec runs a statement outside the domain API: schema set-up in tests and tools.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) error {
	return db.gorm.WithContext(ctx).Exec(sql, args...).Error
}
