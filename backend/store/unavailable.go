package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

// A database that is down, restarting or busy is not the caller's fault and not a miss:
// every error of that class leaves the store as posture.EUNAVAILABLE, so the API answers 503
// with Retry-After (never 401 "sign in again" or 404 "not found"), and a run that could not
// be recorded says why. The dialectors below classify every error GORM reports (queries,
// begin, commit); direct driver calls go through unavailable themselves.

// SQLite's primary result codes for "another connection holds the lock".
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// unavailable returns err as an EUNAVAILABLE domain error when it says the database cannot
// answer now, and err unchanged otherwise.
func unavailable(err error) error {
	if err == nil || posture.ErrorCode(err) != posture.EINTERNAL {
		return err
	}
	if msg := unavailableReason(err); msg != "" {
		return posture.WrapError(posture.EUNAVAILABLE, err, "%s", msg)
	}
	return err
}

func unavailableReason(err error) string {
	var se *gosqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == sqliteBusy || c == sqliteLocked {
			return "the database is busy; try again shortly"
		}
		return ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources (too many connections)
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutting down, crashed, starting up
			pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock: retrying succeeds
			return "the database is unavailable; try again shortly"
		}
		return ""
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), pgconn.SafeToRetry(err), pgconn.Timeout(err),
		strings.Contains(err.Error(), "conn closed"), strings.Contains(err.Error(), "connection refused"):
		return "the database is unavailable; try again shortly"
	case errors.Is(err, context.DeadlineExceeded):
		return "the database did not answer in time; try again shortly"
	}
	return ""
}

// postgresDialector and sqliteDialector are GORM's dialectors with unavailable added to
// their error translation; embedding keeps every other capability (savepoints, migrator).
type postgresDialector struct{ *postgres.Dialector }

func (d postgresDialector) Translate(err error) error { return unavailable(d.Dialector.Translate(err)) }

type sqliteDialector struct{ *sqlite.Dialector }

func (d sqliteDialector) Translate(err error) error { return unavailable(d.Dialector.Translate(err)) }

var (
	_ gorm.ErrorTranslator = postgresDialector{}
	_ gorm.ErrorTranslator = sqliteDialector{}
)
