package report

import (
	"encoding/json"
	"io"

	"github.com/palisade-dev/palisade/backend/posture"
)

// The JSON shape is a contract (issue 3, item 6): top-level score {overall, areas}, findings
// [{check_id, severity, csa, resource {kind, namespace, name}, container, message, remediation}],
// errors [{source, message}]. Fields may be added; these must never be renamed.
// TestJSONKeys pins every key. Issue 16 added warnings [{source, message}] and
// summary.{warnings, unlisted, objects}; findings now come first in the document.

// jsonScore holds the two numbers of docs/scoring.md. Overall and Areas are the contract's
// names for compliance (kept: they must never be renamed).
type jsonScore struct {
	// Overall is the compliance; null when no recommendation has evidence.
	Overall *float64 `json:"overall"`
	// Areas holds only the areas that have a compliance, keyed by CSA area ("3.1.2").
	Areas map[string]float64 `json:"areas"`
	// The same without approved exceptions.
	OverallWithoutExceptions *float64 `json:"overall_without_exceptions"`
	// AreasAveraged counts the areas with a compliance; Recommendations, the recommendations
	// the compliance averages.
	AreasAveraged   int `json:"areas_averaged"`
	Recommendations int `json:"recommendations"`
	// LeftOut says what a scan cannot judge: it has no attestations.
	LeftOut               jsonLeftOut    `json:"left_out"`
	Compliance            *float64       `json:"compliance"`
	Risk                  float64        `json:"risk"`
	RiskWithoutExceptions float64        `json:"risk_without_exceptions"`
	OpenBySeverity        map[string]int `json:"open_by_severity"`
	Model                 int            `json:"model"`
	Evaluated             int            `json:"evaluated"`
	Passed                int            `json:"passed"`
	Failed                int            `json:"failed"`
	NotApplicable         int            `json:"not_applicable"`
	Excepted              int            `json:"excepted"`
	NeedsAttestation      int            `json:"needs_attestation"`
}

type jsonLeftOut struct {
	AttestOnly          int `json:"attest_only_recommendations"`
	PartialAttestedHalf int `json:"partial_recommendations_attested_half"`
}

type jsonSummary struct {
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"by_severity"` // every severity, zeros included
	Errors     int            `json:"errors"`
	Warnings   int            `json:"warnings"`
	// Unlisted findings went over the per-object limit (counted, not listed).
	Unlisted int         `json:"unlisted"`
	Objects  *Accounting `json:"objects,omitempty"`
}

type jsonFinding struct {
	CheckID     string           `json:"check_id"`
	Title       string           `json:"title,omitempty"`
	Severity    posture.Severity `json:"severity"` // marshals as its name: "high"
	CSA         []string         `json:"csa"`
	Resource    jsonResource     `json:"resource"`
	Container   string           `json:"container,omitempty"`
	Message     string           `json:"message"`
	Remediation string           `json:"remediation"`
	SourceFile  string           `json:"source_file,omitempty"`
	Line        int              `json:"line,omitempty"`
}

type jsonResource struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

type jsonError struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}

// WriteJSON writes the scan as indented JSON (see the shape above).
func WriteJSON(w io.Writer, s Scan) error { return Write(w, FormatJSON, s) }

// jsonStream writes {"findings": [...], "errors", "warnings", "summary", "score"}: the
// findings as they come, the rest at the end. Scores are rounded to two decimals; lists are
// never null.
type jsonStream struct {
	w        io.Writer
	m        Meta
	findings jsonArray
}

func newJSONStream(w io.Writer, m Meta) (*jsonStream, error) {
	_, err := io.WriteString(w, "{\n  \"findings\": [")
	return &jsonStream{w: w, m: m, findings: jsonArray{w: w, indent: "    "}}, err
}

func (j *jsonStream) Finding(f Finding) error {
	info := j.m.Checks.check(f.Result.CheckID)
	ids := csaOf(j.m.Checks, f)
	if ids == nil {
		ids = []string{}
	}
	return j.findings.add(jsonFinding{
		CheckID: f.Result.CheckID, Title: info.Title, Severity: f.Result.Severity, CSA: ids, Resource: jsonResource(f.resource()),
		Container: f.Container, Message: f.Result.Message, Remediation: info.Remediation, SourceFile: f.file(), Line: f.Line,
	})
}

func (j *jsonStream) Close(end End) error {
	closing := j.findings.closing()
	overall := end.Score.Overall
	score := jsonScore{
		Overall: roundPtr(overall.Compliance), Compliance: roundPtr(overall.Compliance), Areas: map[string]float64{},
		OverallWithoutExceptions: roundPtr(overall.ComplianceWithoutExceptions), Recommendations: overall.Recommendations,
		Risk: round2(overall.Risk), RiskWithoutExceptions: round2(overall.RiskWithoutExceptions), OpenBySeverity: overall.OpenBySeverity.ByName(),
		Model: overall.Model, Evaluated: overall.Evaluated, Passed: overall.Passed, Failed: overall.Failed,
		NotApplicable: overall.NotApplicable, Excepted: overall.Excepted, NeedsAttestation: overall.NeedsAttestation,
	}
	score.LeftOut.AttestOnly, score.LeftOut.PartialAttestedHalf = end.Score.LeftOut()
	for _, a := range end.Score.Areas {
		if a.Compliance != nil {
			score.Areas[a.ScopeKey] = round2(*a.Compliance)
			score.AreasAveraged++
		}
	}
	summary := jsonSummary{Findings: end.Summary.Findings, BySeverity: map[string]int{}, Errors: len(end.Errors),
		Warnings: len(end.Warnings), Unlisted: end.Summary.Unlisted, Objects: end.Summary.Objects}
	for _, sev := range severitiesDesc {
		summary.BySeverity[sev.String()] = end.Summary.BySeverity[sev]
	}
	if summary.Objects != nil && summary.Objects.Skipped == nil {
		summary.Objects.Skipped = []SkippedKind{}
	}
	tail := []struct {
		key string
		v   any
	}{
		{"errors", jsonErrors(end.Errors)}, {"warnings", jsonErrors(end.Warnings)}, {"summary", summary}, {"score", score},
	}
	if _, err := io.WriteString(j.w, closing); err != nil {
		return err
	}
	for _, t := range tail {
		b, err := json.MarshalIndent(t.v, "  ", "  ")
		if err != nil {
			return err
		}
		if _, err := io.WriteString(j.w, ",\n  \""+t.key+"\": "); err != nil {
			return err
		}
		if _, err := j.w.Write(b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(j.w, "\n}\n")
	return err
}

func jsonErrors(in []posture.CollectionError) []jsonError {
	out := []jsonError{}
	for _, e := range sortErrors(in) {
		out = append(out, jsonError(e))
	}
	return out
}
