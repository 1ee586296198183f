package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
)

// statusOf is the one table mapping domain error codes to HTTP status codes.
var statusOf = map[string]int{
	posture.EINVALID:      http.StatusBadRequest,
	posture.ENOTFOUND:     http.StatusNotFound,
	posture.ECONFLICT:     http.StatusConflict,
	posture.EUNAUTHORIZED: http.StatusUnauthorized,
	posture.EFORBIDDEN:    http.StatusForbidden,
	posture.EINTERNAL:     http.StatusInternalServerError,
	ERATELIMITED:          http.StatusTooManyRequests,
	EUNAVAILABLE:          http.StatusServiceUnavailable,
	ETOOLARGE:             http.StatusRequestEntityTooLarge,
	EMETHOD:               http.StatusMethodNotAllowed,
}

// ErrorBody is the one JSON shape every error response has.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code, a user-safe message and the request id to quote.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with err's status and a safe message; internal errors are logged with
// the request id and shown as a generic message.
func writeError(c *gin.Context, log *slog.Logger, err error) {
	code := posture.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	rid := requestID(c)
	switch status {
	case http.StatusTooManyRequests:
		c.Header("Retry-After", "60")
	case http.StatusServiceUnavailable:
		c.Header("Retry-After", "5") // a busy or restarting database is usually back within seconds
	}
	switch {
	case status == http.StatusServiceUnavailable:
		// Expected while a dependency is away, and many at once: not an error of ours.
		log.WarnContext(c.Request.Context(), "request refused: unavailable", "request_id", rid, "path", c.FullPath(), "error", err.Error())
	case status >= 500:
		log.ErrorContext(c.Request.Context(), "request failed", "request_id", rid, "path", c.FullPath(), "error", err.Error())
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: code, Message: posture.ErrorMessage(err), RequestID: rid}})
}

var (
	errNotFound = &posture.Error{Code: posture.ENOTFOUND, Message: "no such route"}
	errMethod   = &posture.Error{Code: EMETHOD, Message: "method not allowed on this route"}
	errMetrics  = &posture.Error{Code: posture.EUNAUTHORIZED, Message: "metrics need the bearer token set in server.metrics_token"}
)
