// Package posture is Palisade's domain: the types every other package shares
// and the service interfaces they implement. It imports only the standard library.
package posture

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in httpapi and one exit code in cmd.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	// EUNAVAILABLE: a dependency (the database, the identity provider) cannot answer now;
	// trying again later can succeed. Never a miss, never the caller's fault.
	EUNAVAILABLE = "unavailable"
)

// Error is a domain error whose Message is safe to show to a user.
type Error struct {
	Code    string
	Message string
	Err     error // the cause; never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError attaches a code and a user-safe message to a cause.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first domain error in err's chain, or
// EINTERNAL for any other error (and "" for nil).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err; internal errors get a
// generic message so that no detail leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
