package report

import (
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

// A report is written as findings arrive, so that `palisade scan` holds one check's results
// at a time, never the document: memory follows the input, not the number of findings. What
// only the end can know (scores, counts, errors, warnings) goes after the findings: JSON
// readers do not care about key order, SARIF keeps results before invocations, CSV has only
// rows, and the table prints its summary last as it always did.

// Meta is what a report needs before its first finding.
type Meta struct {
	// Checks looks up check metadata; nil means none is known (titles and remediations empty).
	Checks CheckLookup
	// Rules are the check IDs SARIF declares as rules, before its results: every check the
	// scan can report. Nil: the checks of the findings (only Write, which has them all, can).
	Rules []string
	// ToolVersion is Palisade's version, shown in SARIF; "" means "dev".
	ToolVersion string
	// seen is what Write learned from the findings about checks the lookup does not know
	// (their worst severity and CSA IDs), for their SARIF rules.
	seen map[string]CheckInfo
}

// Summary is what a scan counted: findings by severity, and what happened to every object.
type Summary struct {
	Findings   int
	BySeverity map[posture.Severity]int
	// Unlisted findings went over the per-object limit: counted (and in --fail-on and the
	// score), not listed; a warning names each object.
	Unlisted int
	Objects  *Accounting
}

// Accounting says what became of every object read: each one was evaluated, skipped (by
// kind, with why) or could not be read (an error). Read = Evaluated + skipped + Errors.
type Accounting struct {
	Read      int            `json:"read"`
	Evaluated int            `json:"evaluated"`
	Skipped   []SkippedKind  `json:"skipped"`
	Errors    int            `json:"errors"`
	Files     int            `json:"files"`
	ByKind    map[string]int `json:"evaluated_by_kind,omitempty"`
}

// SkippedKind is objects of one apiVersion and kind that were not evaluated, and why.
type SkippedKind struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Count      int    `json:"count"`
	Reason     string `json:"reason"`
}

// SkippedTotal is the number of skipped objects.
func (a *Accounting) SkippedTotal() int {
	n := 0
	for _, s := range a.Skipped {
		n += s.Count
	}
	return n
}

// End is what a report knows only after its last finding.
type End struct {
	Score    scoring.Scorecard
	Errors   []posture.CollectionError
	Warnings []posture.CollectionError
	Summary  Summary
}

// Stream writes one report, a finding at a time.
type Stream interface {
	// Finding writes one finding; findings arrive in report order (see SortFindings).
	Finding(f Finding) error
	// Close writes what comes after the findings and ends the document.
	Close(end End) error
}

// NewStream starts a report in format f on w.
func NewStream(w io.Writer, f Format, m Meta) (Stream, error) {
	switch f {
	case FormatTable, "":
		return newTableStream(w, m), nil
	case FormatJSON:
		return newJSONStream(w, m)
	case FormatSARIF:
		return newSARIFStream(w, m)
	case FormatCSV:
		return newCSVStream(w, m)
	}
	return nil, posture.Errorf(posture.EINVALID, "unknown output format %q", string(f))
}

// Write writes a whole scan in format f: the findings in report order, then the rest.
func Write(w io.Writer, f Format, s Scan) error {
	fs := SortFindings(append([]Finding(nil), s.Findings...))
	m := Meta{Checks: s.Checks, ToolVersion: s.ToolVersion}
	if f == FormatSARIF {
		m.Rules, m.seen = ruleIDsOf(fs)
	}
	st, err := NewStream(w, f, m)
	if err != nil {
		return err
	}
	for _, fd := range fs {
		if err := st.Finding(fd); err != nil {
			return err
		}
	}
	sum := Summary{Findings: len(fs), BySeverity: severityCounts(fs), Objects: s.Objects}
	return st.Close(End{Score: s.Score, Errors: s.Errors, Warnings: s.Warnings, Summary: sum})
}

// SortFindings puts findings in report order: severity (worst first), check ID, then
// resource kind, namespace, name, container, message, file and line. A check's findings
// share its severity, so a scan that runs checks in (severity, ID) order and sorts each
// check's findings writes this order without holding them all.
func SortFindings(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool { return lessFinding(fs[i], fs[j]) })
	return fs
}

func lessFinding(a, b Finding) bool {
	if a.Result.Severity != b.Result.Severity {
		return a.Result.Severity > b.Result.Severity
	}
	if a.Result.CheckID != b.Result.CheckID {
		return a.Result.CheckID < b.Result.CheckID
	}
	ra, rb := a.resource(), b.resource()
	for _, p := range [][2]string{
		{ra.Kind, rb.Kind}, {ra.Namespace, rb.Namespace}, {ra.Name, rb.Name}, {a.Container, b.Container},
		{a.Result.Message, b.Result.Message}, {a.file(), b.file()},
	} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return a.Line < b.Line
}

// ruleIDsOf lists the checks of the findings, with what the findings say of each (the worst
// severity, every CSA ID).
func ruleIDsOf(fs []Finding) ([]string, map[string]CheckInfo) {
	seen := map[string]CheckInfo{}
	var ids []string
	for _, f := range fs {
		id := f.Result.CheckID
		info, ok := seen[id]
		if !ok {
			ids = append(ids, id)
			info = CheckInfo{ID: id, Severity: f.Result.Severity}
		}
		info.Severity = max(info.Severity, f.Result.Severity)
		info.CSA = append(info.CSA, f.Result.CSA...)
		seen[id] = info
	}
	sort.Strings(ids)
	return ids, seen
}

func severityCounts(fs []Finding) map[posture.Severity]int {
	n := map[posture.Severity]int{}
	for _, f := range fs {
		n[f.Result.Severity]++
	}
	return n
}

// sortErrors orders collection errors (and warnings) by source, then message.
func sortErrors(in []posture.CollectionError) []posture.CollectionError {
	es := append([]posture.CollectionError(nil), in...)
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Source != es[j].Source {
			return es[i].Source < es[j].Source
		}
		return es[i].Message < es[j].Message
	})
	return es
}

// csaOf is the finding's CSA IDs, falling back on the check's.
func csaOf(checks CheckLookup, f Finding) []string {
	if len(f.Result.CSA) > 0 {
		return f.Result.CSA
	}
	c, _ := checks.lookup(f.Result.CheckID)
	return c.CSA
}

func joinCSA(checks CheckLookup, f Finding, sep string) string {
	return strings.Join(csaOf(checks, f), sep)
}

// jsonArray writes the elements of a JSON array, already opened, one at a time, indented to
// sit where the array is in the document written around it (indent is the elements').
type jsonArray struct {
	w      io.Writer
	indent string
	count  int
}

func (a *jsonArray) add(v any) error {
	b, err := json.MarshalIndent(v, a.indent, "  ")
	if err != nil {
		return err
	}
	sep := ",\n"
	if a.count == 0 {
		sep = "\n"
	}
	a.count++
	if _, err := io.WriteString(a.w, sep+a.indent); err != nil {
		return err
	}
	_, err = a.w.Write(b)
	return err
}

// closing is what ends the array: "]" when it is empty, else "]" on a line of its own, one
// level out from the elements.
func (a *jsonArray) closing() string {
	if a.count == 0 {
		return "]"
	}
	return "\n" + a.indent[:len(a.indent)-2] + "]"
}
