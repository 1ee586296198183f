package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Every string a request carries ends up in a database or a log sooner or later, and
// PostgreSQL refuses NUL characters and invalid UTF-8 (a 500 there, a silent difference
// from SQLite). checkRequestText refuses them up front on every API route, naming the
// field: query parameters, path parameters and every string (keys included) of a JSON body.

// refuseBadText answers 400 before the request reaches anything that stores or looks up
// its strings (the tenant slug and the token are looked up before the contract check).
func (a *api) refuseBadText(c *gin.Context) {
	if err := checkRequestText(c); err != nil {
		a.fail(c, err)
	}
}

// checkRequestText returns an EINVALID error naming the first bad field, or nil.
func checkRequestText(c *gin.Context) error {
	for _, p := range c.Params {
		if !posture.TextIsClean(p.Value) {
			return badText(fmt.Sprintf("path parameter %q", p.Key), p.Value)
		}
	}
	query := c.Request.URL.Query()
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names) // the same request always names the same field
	for _, name := range names {
		if !posture.TextIsClean(name) {
			return badText("a query parameter name", name)
		}
		for _, v := range query[name] {
			if !posture.TextIsClean(v) {
				return badText(fmt.Sprintf("query parameter %q", name), v)
			}
		}
	}
	return checkJSONBodyText(c.Request)
}

// checkJSONBodyText reads a JSON body (already bounded by limitBody), checks its strings
// and puts it back for the handler. A body that is not JSON is left to the contract check.
func checkJSONBodyText(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody || isDocumentUpload(r) {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil
	}
	raw, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		if big := bodyTooLarge(err); big != nil {
			return big
		}
		return posture.Errorf(posture.EINVALID, "request body could not be read")
	}
	if !utf8.Valid(raw) {
		return posture.Errorf(posture.EINVALID, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return walkJSONText(v, "")
}

func walkJSONText(v any, path string) error {
	switch x := v.(type) {
	case string:
		if !posture.TextIsClean(x) {
			return badText(bodyField(path), x)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if !posture.TextIsClean(k) {
				return badText("a request body field name under "+bodyField(path), k)
			}
			if err := walkJSONText(x[k], p); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := walkJSONText(e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func bodyField(path string) string {
	if path == "" {
		return "request body"
	}
	return fmt.Sprintf("request body field %q", path)
}

// badText says what is wrong without echoing the value.
func badText(where, value string) error {
	if !utf8.ValidString(value) {
		return posture.Errorf(posture.EINVALID, "%s is not valid UTF-8", where)
	}
	return posture.Errorf(posture.EINVALID, "%s contains a NUL character, which is not allowed", where)
}
