package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	contract "github.com/palisade-dev/palisade/api"
	"github.com/palisade-dev/palisade/backend/posture"
)

// specRouter finds the operation of a request in the embedded api/openapi.yaml.
func specRouter() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(contract.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: "/"}} // match any host: the server does not know its name
	return gorillamux.NewRouter(doc)
}

// validateRequests enforces the contract's limits (lengths, counts, enums, required fields,
// unknown body fields) on every API request before a handler sees it, so the spec is the
// one place those bounds are written.
func (a *api) validateRequests(router routers.Router) gin.HandlerFunc {
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return func(c *gin.Context) {
		route, params, err := router.FindRoute(c.Request)
		if err != nil {
			c.Next() // every served route is in the spec (tested); nothing to check against
			return
		}
		// The router keeps path values encoded (sha256%3A...); validate them as the handler
		// sees them, decoded.
		for k, v := range params {
			if u, err := url.PathUnescape(v); err == nil {
				params[k] = u
			}
		}
		in := &openapi3filter.RequestValidationInput{Request: c.Request, PathParams: params, Route: route, Options: opts}
		if isDocumentUpload(c.Request) {
			// The document is read by its parser, streaming and bounded; decoding it here
			// would hold it in memory several times over.
			in.Options = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}
		}
		if err := openapi3filter.ValidateRequest(c.Request.Context(), in); err != nil {
			if big := bodyTooLarge(err); big != nil {
				a.fail(c, big)
				return
			}
			a.fail(c, posture.Errorf(posture.EINVALID, "%s", requestErrorMessage(err)))
			return
		}
		c.Next()
	}
}

// requestErrorMessage names the parameter or body and the rule it broke, briefly, without
// echoing whole values (a rejected kubeconfig would come back otherwise).
func requestErrorMessage(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return "the request does not match the API contract"
	}
	where := "request body"
	if re.Parameter != nil {
		where = fmt.Sprintf("%s parameter %q", re.Parameter.In, re.Parameter.Name)
	}
	reason := re.Reason
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		reason = se.Reason
		if p := se.JSONPointer(); len(p) > 0 && re.Parameter == nil {
			where = fmt.Sprintf("request body field %q", joinPointer(p))
		}
	} else if reason == "" && re.Err != nil {
		reason = re.Err.Error()
	}
	return truncate(fmt.Sprintf("%s: %s", where, schemaReason(reason)), 300)
}

// schemaReason says what a pattern wants in words, and keeps only the last line of the
// JSON Schema validator's multi-line report (the first names a placeholder schema URL).
// Neither repeats the refused value: it may be what a terminal must not see.
func schemaReason(reason string) string {
	switch {
	case strings.Contains(reason, `x00-\x1F`) || strings.Contains(reason, `x00-\\x1F`):
		return "must not contain control characters"
	case strings.Contains(reason, "[a-z0-9][a-z0-9-]"):
		return "must be 1 to 63 lowercase letters, digits and dashes, not starting with a dash"
	}
	if i := strings.LastIndex(reason, "\n- at "); i >= 0 {
		line := reason[i+len("\n- at "):]
		if j := strings.Index(line, "': "); j >= 0 {
			return line[j+3:]
		}
	}
	return reason
}

func joinPointer(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += "."
		}
		out += s
	}
	return out
}
