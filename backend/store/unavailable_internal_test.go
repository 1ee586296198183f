package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/palisade-dev/palisade/backend/posture"
)

// The errors a stopped, restarting or overloaded PostgreSQL gives are EUNAVAILABLE; a
// constraint or a bad value stays what it is (the SQLite case runs against a real lock in
// TestIntegrationBusySQLiteIsUnavailable, the PostgreSQL one against a stopped server in
// e2e/fault).
func TestUnavailableClassifiesDriverErrors(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"admin shutdown":       {&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, posture.EUNAVAILABLE},
		"starting up":          {&pgconn.PgError{Code: "57P03"}, posture.EUNAVAILABLE},
		"too many connections": {&pgconn.PgError{Code: "53300"}, posture.EUNAVAILABLE},
		"connection failure":   {&pgconn.PgError{Code: "08006"}, posture.EUNAVAILABLE},
		"deadlock":             {&pgconn.PgError{Code: "40P01"}, posture.EUNAVAILABLE},
		"connect refused":      {fmt.Errorf("failed to connect: %w", refused), posture.EUNAVAILABLE},
		"broken connection":    {fmt.Errorf("read: %w", io.ErrUnexpectedEOF), posture.EUNAVAILABLE},
		"bad conn":             {driver.ErrBadConn, posture.EUNAVAILABLE},
		"query timed out":      {fmt.Errorf("query: %w", context.DeadlineExceeded), posture.EUNAVAILABLE},
		"NUL byte":             {&pgconn.PgError{Code: "22021", Message: "invalid byte sequence"}, posture.EINTERNAL},
		"unique violation":     {&pgconn.PgError{Code: "23505"}, posture.EINTERNAL},
		"plain error":          {errors.New("boom"), posture.EINTERNAL},
		"already a domain err": {posture.Errorf(posture.ENOTFOUND, "run not found"), posture.ENOTFOUND},
	} {
		t.Run(name, func(t *testing.T) {
			got := unavailable(tc.err)
			if c := posture.ErrorCode(got); c != tc.want {
				t.Fatalf("code %s, want %s", c, tc.want)
			}
			if tc.want == posture.EUNAVAILABLE && !errors.Is(got, tc.err) {
				t.Fatal("the cause is lost")
			}
		})
	}
}
