package report

import (
	"encoding/json"
	"io"

	"github.com/palisade-dev/palisade/backend/posture"
)

// The JSON shape is a contract (issue 3, item 6): top-level score {overall, areas}, findings
// [{check_id, severity, csa, resource {kind, namespace, name}, container, message, remediation}],
// errors [{source, message}]. Fields may be added; these must never be renamed.
// TestJSONKeys pins every key.

type jsonReport struct {
	Score    jsonScore     `json:"score"`
	Summary  jsonSummary   `json:"summary"`
	Findings []jsonFinding `json:"findings"`
	Errors   []jsonError   `json:"errors"`
}

type jsonScore struct {
	// Overall is null when nothing was evaluated.
	Overall *float64 `json:"overall"`
	// Areas holds only the areas that have a score, keyed by CSA area ("3.1.2").
	Areas map[string]float64 `json:"areas"`
	// The same without approved exceptions, and the denominator of Overall.
	OverallWithoutExceptions *float64 `json:"overall_without_exceptions"`
	AreasAveraged            int      `json:"areas_averaged"`
	Evaluated                int      `json:"evaluated"`
	Passed                   int      `json:"passed"`
	Failed                   int      `json:"failed"`
	NotApplicable            int      `json:"not_applicable"`
	Excepted                 int      `json:"excepted"`
	NeedsAttestation         int      `json:"needs_attestation"`
}

type jsonSummary struct {
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"by_severity"` // every severity, zeros included
	Errors     int            `json:"errors"`
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

// WriteJSON writes the scan as indented JSON (see the shape above). Scores are rounded to two
// decimals; lists are never null.
func WriteJSON(w io.Writer, s Scan) error {
	overall := s.Score.Overall
	rep := jsonReport{
		Score: jsonScore{
			Overall:                  roundPtr(overall.Score.Value),
			Areas:                    map[string]float64{},
			OverallWithoutExceptions: roundPtr(overall.ScoreWithoutExceptions.Value),
			AreasAveraged:            overall.Score.AreasAveraged,
			Evaluated:                overall.Score.Evaluated,
			Passed:                   overall.Score.Passed,
			Failed:                   overall.Score.Failed,
			NotApplicable:            overall.Score.NotApplicable,
			Excepted:                 overall.Score.Excepted,
			NeedsAttestation:         overall.Score.NeedsAttestation,
		},
		Summary: jsonSummary{
			Findings:   len(s.Findings),
			BySeverity: map[string]int{},
			Errors:     len(s.Errors),
		},
		Findings: []jsonFinding{},
		Errors:   []jsonError{},
	}
	for _, a := range s.Score.Areas {
		if a.Score.Value != nil {
			rep.Score.Areas[a.Key] = round2(*a.Score.Value)
		}
	}
	counts := s.severityCounts()
	for _, sev := range severitiesDesc {
		rep.Summary.BySeverity[sev.String()] = counts[sev]
	}
	for _, f := range s.sorted() {
		info := s.check(f.Result.CheckID)
		r := f.resource()
		ids := s.csaOf(f)
		if ids == nil {
			ids = []string{}
		}
		rep.Findings = append(rep.Findings, jsonFinding{
			CheckID:     f.Result.CheckID,
			Title:       info.Title,
			Severity:    f.Result.Severity,
			CSA:         ids,
			Resource:    jsonResource(r),
			Container:   f.Container,
			Message:     f.Result.Message,
			Remediation: info.Remediation,
			SourceFile:  f.file(),
			Line:        f.Line,
		})
	}
	for _, e := range s.sortedErrors() {
		rep.Errors = append(rep.Errors, jsonError(e))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
