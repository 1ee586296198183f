package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

// SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.
//
// The structs below are written by hand rather than taken from a SARIF library: we emit a small,
// fixed subset of the format (one run, rules, results, locations, invocation notifications), the
// Go SARIF libraries are large generated models whose churn we would inherit, and the module rule
// is "no new dependencies unless essential". Omitted optional fields are simply absent.
// testdata/scan.sarif (reviewed) and TestSARIFShape pin the output.

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is Palisade's home page, shown by SARIF viewers.
	InformationURI = "https://github.com/palisade-dev/palisade"
	// fingerprintKey names Palisade's partial fingerprint, so viewers can follow a finding
	// across runs even when its line moves.
	fingerprintKey = "palisade/v1"
)

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 *sarifText         `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	// SecuritySeverity is a number in a string, as GitHub code scanning expects
	// (>= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
	SecuritySeverity string   `json:"security-severity"`
	Severity         string   `json:"palisade-severity"`
	Tags             []string `json:"tags"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Severity  string   `json:"palisade-severity"`
	CSA       []string `json:"csa"`
	Container string   `json:"container,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifInvocation struct {
	// ExecutionSuccessful is false when some input could not be collected (the scan is partial).
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level      string            `json:"level"`
	Message    sarifText         `json:"message"`
	Properties map[string]string `json:"properties"`
}

// sarifLevel maps a severity to a SARIF level: critical and high are errors, medium a warning,
// low and info notes.
func sarifLevel(s posture.Severity) string {
	switch {
	case s >= posture.SeverityHigh:
		return "error"
	case s == posture.SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity maps a severity into GitHub's security-severity bands.
func securitySeverity(s posture.Severity) string {
	switch s {
	case posture.SeverityCritical:
		return "9.5"
	case posture.SeverityHigh:
		return "8.0"
	case posture.SeverityMedium:
		return "5.5"
	case posture.SeverityLow:
		return "2.0"
	}
	return "0.0"
}

// WriteSARIF writes the scan as a SARIF 2.1.0 log with one run (see sarifStream).
func WriteSARIF(w io.Writer, s Scan) error { return Write(w, FormatSARIF, s) }

// sarifStream writes a SARIF 2.1.0 log with one run. Rules are Meta.Rules, sorted by ID;
// results follow report order. Findings with a source file get a physical location (file
// and line); every result also names the resource as a logical location "Kind/namespace/name"
// (or "Kind/name" when cluster-scoped). Errors and warnings are the invocation's
// notifications; the scores are the run's properties.
type sarifStream struct {
	w       io.Writer
	m       Meta
	index   map[string]int
	results jsonArray
}

func newSARIFStream(w io.Writer, m Meta) (*sarifStream, error) {
	ids := append([]string(nil), m.Rules...)
	sort.Strings(ids)
	st := &sarifStream{w: w, m: m, index: map[string]int{}, results: jsonArray{w: w, indent: "        "}}
	rules := make([]sarifRule, 0, len(ids))
	for _, id := range ids {
		if _, dup := st.index[id]; dup {
			continue
		}
		st.index[id] = len(rules)
		info, known := m.Checks.lookup(id)
		seen := m.seen[id]
		if !known {
			info.Severity = seen.Severity
		}
		info.CSA = append(append([]string(nil), info.CSA...), seen.CSA...)
		title := firstNonEmpty(info.Title, id)
		rule := sarifRule{
			ID: id, Name: title, ShortDescription: sarifText{Text: title},
			FullDescription:      sarifText{Text: firstNonEmpty(info.Description, title)},
			HelpURI:              info.HelpURI,
			DefaultConfiguration: sarifConfiguration{Level: sarifLevel(info.Severity)},
			Properties: sarifRuleProps{SecuritySeverity: securitySeverity(info.Severity), Severity: info.Severity.String(),
				Tags: ruleTags(info.CSA)},
		}
		if info.Remediation != "" {
			rule.Help = &sarifText{Text: info.Remediation}
		}
		rules = append(rules, rule)
	}
	tool, err := json.MarshalIndent(sarifTool{Driver: sarifDriver{Name: "palisade", InformationURI: InformationURI,
		Version: firstNonEmpty(m.ToolVersion, "dev"), Rules: rules}}, "      ", "  ")
	if err != nil {
		return nil, err
	}
	head := "{\n  \"version\": \"" + sarifVersion + "\",\n  \"$schema\": \"" + sarifSchema + "\",\n  \"runs\": [\n    {\n      \"tool\": " +
		string(tool) + ",\n      \"results\": ["
	_, err = io.WriteString(w, head)
	return st, err
}

func (st *sarifStream) Finding(f Finding) error {
	id := f.Result.CheckID
	at, ok := st.index[id]
	if !ok {
		return posture.Errorf(posture.EINTERNAL, "SARIF: finding of check %s, which is not among the declared rules", id)
	}
	r := f.resource()
	fqn := r.Kind + "/" + r.Name
	if r.Namespace != "" {
		fqn = r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	loc := sarifLocation{LogicalLocations: []sarifLogicalLocation{{Name: r.Name, FullyQualifiedName: fqn, Kind: "resource"}}}
	if file := f.file(); file != "" {
		loc.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: fileURI(file)}}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
		}
	}
	csaIDs := csaOf(st.m.Checks, f)
	if csaIDs == nil {
		csaIDs = []string{}
	}
	return st.results.add(sarifResult{
		RuleID: id, RuleIndex: at, Level: sarifLevel(f.Result.Severity),
		Message:             sarifText{Text: firstNonEmpty(f.Result.Message, st.m.Checks.check(id).Title, id)},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f, r)},
		Properties:          sarifResultProps{Severity: f.Result.Severity.String(), CSA: csaIDs, Container: f.Container},
	})
}

func (st *sarifStream) Close(end End) error {
	inv := sarifInvocation{ExecutionSuccessful: len(end.Errors) == 0}
	for _, e := range sortErrors(end.Errors) {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "error", Message: sarifText{Text: errorText(e)}, Properties: map[string]string{"source": e.Source}})
	}
	for _, e := range sortErrors(end.Warnings) {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "warning", Message: sarifText{Text: errorText(e)}, Properties: map[string]string{"source": e.Source}})
	}
	areas := map[string]float64{}
	for _, a := range end.Score.Areas {
		if a.Compliance != nil {
			areas[a.ScopeKey] = round2(*a.Compliance)
		}
	}
	invs, err := json.MarshalIndent([]sarifInvocation{inv}, "      ", "  ")
	if err != nil {
		return err
	}
	props, err := json.MarshalIndent(map[string]any{
		"score":                    roundPtr(end.Score.Overall.Compliance),
		"score-without-exceptions": roundPtr(end.Score.Overall.ComplianceWithoutExceptions),
		"area-scores":              areas,
		"compliance":               roundPtr(end.Score.Overall.Compliance),
		"risk":                     round2(end.Score.Overall.Risk),
		"score-model":              end.Score.Overall.Model,
		"unlisted-findings":        end.Summary.Unlisted,
	}, "      ", "  ")
	if err != nil {
		return err
	}
	closing := st.results.closing()
	_, err = io.WriteString(st.w, closing+",\n      \"invocations\": "+string(invs)+",\n      \"properties\": "+string(props)+"\n    }\n  ]\n}\n")
	return err
}

// lookup is Scan.check without the fallback, telling whether the check is known.
func (l CheckLookup) lookup(id string) (CheckInfo, bool) {
	if l == nil {
		return CheckInfo{ID: id}, false
	}
	c, ok := l(id)
	if !ok {
		return CheckInfo{ID: id}, false
	}
	return c, true
}

// ruleTags are "security" plus one "CSA-<id>" tag per CSA recommendation (the check's and its
// findings'), sorted and unique (SARIF requires unique tags).
func ruleTags(csaIDs []string) []string {
	seen := map[string]bool{}
	tags := []string{"security"}
	var ids []string
	for _, id := range csaIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, "CSA-"+id)
		}
	}
	sort.Strings(ids)
	return append(tags, ids...)
}

// fileURI turns a file path into a SARIF artifact URI: relative paths stay relative (GitHub
// resolves them against the repository root), absolute ones become file:// URIs.
func fileURI(p string) string {
	slash := filepath.ToSlash(p)
	if filepath.IsAbs(p) || path.IsAbs(slash) {
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // Windows drive letter
		}
		return (&url.URL{Scheme: "file", Path: slash}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(slash, "./")}).String()
}

// fingerprint identifies a finding independently of where it sits in the file.
func fingerprint(f Finding, r Resource) string {
	h := sha256.Sum256([]byte(strings.Join([]string{f.Result.CheckID, r.Kind, r.Namespace, r.Name, f.Container, f.Result.SubKey}, "\x00")))
	return hex.EncodeToString(h[:16])
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// errorText is a collection error as one line: "source: message".
func errorText(e posture.CollectionError) string {
	switch {
	case e.Source == "":
		return firstNonEmpty(e.Message, "collection error")
	case e.Message == "":
		return e.Source + ": collection error"
	}
	return e.Source + ": " + e.Message
}
