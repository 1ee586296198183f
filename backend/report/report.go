// Package report turns one scan (findings, scores, collection errors) into the output of
// `palisade scan`: a readable table, JSON, SARIF 2.1.0 or CSV. It does no I/O beyond the writer
// it is given and knows nothing about flags; the command in cmd wires it.
//
// Check metadata (title, remediation, help URI) comes through Scan.Checks, a lookup function, so
// that this package does not depend on the check catalog.
package report

import (
	"math"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

// CheckInfo is what a report needs to know about a check.
type CheckInfo struct {
	ID          string
	Title       string
	Description string
	Severity    posture.Severity
	CSA         []string
	Remediation string
	HelpURI     string
}

// CheckLookup returns the metadata of a check by ID, false when the check is unknown.
type CheckLookup func(checkID string) (CheckInfo, bool)

// Resource names the Kubernetes (or other) object a finding is about.
type Resource struct {
	Kind      string
	Namespace string // "" for cluster-scoped resources
	Name      string
}

// ResourceOf derives a Resource from an asset. The kind is read from the asset key when it has
// the documented form "group/Kind/namespace/name" (e.g. "apps/Deployment/shop/web"; the name is
// everything after the third slash); otherwise
// the asset kind ("workload", "rbac", ...) is used.
func ResourceOf(a posture.Asset) Resource {
	kind := string(a.Kind)
	// Keys are "<group>/<Kind>/<namespace>/<name>", or "<group>/<Kind>/<name>" for
	// cluster-scoped objects (Kubernetes names never contain a slash).
	if parts := strings.SplitN(a.Key, "/", 4); len(parts) >= 3 && parts[1] != "" {
		kind = parts[1]
	}
	return Resource{Kind: kind, Namespace: a.Namespace, Name: a.Name}
}

// Finding is one failed result as reported, with where it came from.
type Finding struct {
	Result posture.Result
	// Resource overrides ResourceOf(Result.Asset) when its Kind is set.
	Resource Resource
	// Container is the container the finding is about, "" when none.
	Container string
	// SourceFile and Line locate the resource in a manifest file (scan --path); optional.
	// "-" (stdin) is treated as no file.
	SourceFile string
	Line       int
}

// resource is the effective resource of f.
func (f Finding) resource() Resource {
	if f.Resource.Kind != "" {
		return f.Resource
	}
	return ResourceOf(*f.Result.Asset)
}

// file is the effective source file of f ("" when none).
func (f Finding) file() string {
	if f.SourceFile == "-" {
		return ""
	}
	return f.SourceFile
}

// FindingsFrom keeps the results that are findings: every status other than pass and
// not_applicable (the same fail-closed rule as scoring). Container is taken from SubKey, which
// posture.Result documents as the container name for container-level checks.
func FindingsFrom(results []posture.Result) []Finding {
	var out []Finding
	for _, r := range results {
		if r.Status == posture.Pass || r.Status == posture.NotApplicable {
			continue
		}
		out = append(out, Finding{Result: r, Container: containerOf(r.SubKey)})
	}
	return out
}

// containerOf names the container a sub-key is about: "container:web" is "web",
// "initContainer:setup" is "setup (init)"; sub-keys about anything else name no container.
func containerOf(subKey string) string {
	kind, name, ok := strings.Cut(subKey, ":")
	if !ok {
		return ""
	}
	switch kind {
	case "container":
		return name
	case "initContainer":
		return name + " (init)"
	case "ephemeralContainer":
		return name + " (ephemeral)"
	}
	return ""
}

// FailOn reports whether any finding is at or above threshold, for `--fail-on`.
func FailOn(findings []Finding, threshold posture.Severity) bool {
	for _, f := range findings {
		if f.Result.Severity >= threshold {
			return true
		}
	}
	return false
}

// Scan is everything one `palisade scan` reports, for Write (a scan too large to hold is
// written with NewStream instead).
type Scan struct {
	Score    scoring.Scorecard
	Findings []Finding
	Errors   []posture.CollectionError
	Warnings []posture.CollectionError
	Objects  *Accounting
	// Checks looks up check metadata; nil means none is known (titles and remediations empty).
	Checks CheckLookup
	// ToolVersion is Palisade's version, shown in SARIF; "" means "dev".
	ToolVersion string
}

// check returns the metadata of a check, or just its ID when unknown.
func (l CheckLookup) check(id string) CheckInfo {
	c, _ := l.lookup(id)
	return c
}

// severitiesDesc lists the severities from critical to info.
var severitiesDesc = []posture.Severity{
	posture.SeverityCritical, posture.SeverityHigh, posture.SeverityMedium, posture.SeverityLow, posture.SeverityInfo,
}

// Format is an output format of `palisade scan`.
type Format string

const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatSARIF Format = "sarif"
	FormatCSV   Format = "csv"
)

// Formats lists the formats in the order help text shows them.
func Formats() []Format { return []Format{FormatTable, FormatJSON, FormatSARIF, FormatCSV} }

// ParseFormat reads a format name ("" means table).
func ParseFormat(name string) (Format, error) {
	if name == "" {
		return FormatTable, nil
	}
	for _, f := range Formats() {
		if strings.EqualFold(name, string(f)) {
			return f, nil
		}
	}
	return "", posture.Errorf(posture.EINVALID, "unknown output format %q (want table, json, sarif or csv)", name)
}

// round2 rounds a score to two decimals for output; scoring keeps full precision.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

func roundPtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := round2(*v)
	return &r
}
