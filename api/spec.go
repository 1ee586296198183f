// Package api holds Palisade's HTTP contract, api/openapi.yaml, embedded so that the server
// validates requests against the same file the tests and the UI's client are built from.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
