package httpapi

import (
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestRoutesMatchSpec keeps the router and api/openapi.yaml in step: every served route is
// in the spec and every spec operation is served.
func TestRoutesMatchSpec(t *testing.T) {
	raw, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("parse spec: %v", err)
	}
	inSpec := map[string]bool{}
	for path, ops := range spec.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				inSpec[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	served := map[string]bool{}
	s := New(testConfig(), slog.New(slog.DiscardHandler), nil)
	s.MountAPI(APIOptions{})
	for _, r := range s.engine.Routes() {
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, unserved []string
	for r := range served {
		if !inSpec[r] {
			missing = append(missing, r)
		}
	}
	for r := range inSpec {
		if !served[r] {
			unserved = append(unserved, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(unserved)
	if len(missing) > 0 {
		t.Errorf("served but not in api/openapi.yaml: %v", missing)
	}
	if len(unserved) > 0 {
		t.Errorf("in api/openapi.yaml but not served: %v", unserved)
	}
}
