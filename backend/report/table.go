package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/backend/termsafe"
)

// WriteTable writes the scan for people (see tableStream).
func WriteTable(w io.Writer, s Scan) error { return Write(w, FormatTable, s) }

// tableRows is how many findings share one alignment of columns: the table is written as
// findings come, a block at a time, instead of being held whole.
const tableRows = 1000

// tableStream writes findings aligned in columns (worst first), then collection errors, area
// scores and a summary line. Plain text, no colour, no terminal control sequences: every
// value from the scanned input is sanitized so a hostile label cannot rewrite the terminal.
type tableStream struct {
	w     io.Writer
	m     Meta
	block []Finding
	n     int
}

func newTableStream(w io.Writer, m Meta) *tableStream { return &tableStream{w: w, m: m} }

func (t *tableStream) Finding(f Finding) error {
	t.block = append(t.block, f)
	t.n++
	if len(t.block) == tableRows {
		return t.flush()
	}
	return nil
}

// flush writes the block under a header of its own widths.
func (t *tableStream) flush() error {
	if len(t.block) == 0 {
		return nil
	}
	withFile := false
	for _, f := range t.block {
		withFile = withFile || f.file() != ""
	}
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	header := "SEVERITY\tCHECK\tRESOURCE\tCONTAINER\tCSA\tMESSAGE"
	if withFile {
		header += "\tLOCATION"
	}
	if t.n > tableRows {
		fmt.Fprintln(tw) // a new block of columns
	}
	fmt.Fprintln(tw, header)
	for _, f := range t.block {
		r := f.resource()
		res := r.Kind + " " + r.Name
		if r.Namespace != "" {
			res = r.Kind + " " + r.Namespace + "/" + r.Name
		}
		row := []string{f.Result.Severity.String(), f.Result.CheckID, res, dash(f.Container),
			dash(joinCSA(t.m.Checks, f, ",")), dash(f.Result.Message)}
		if withFile {
			loc := f.file()
			if loc != "" && f.Line > 0 {
				loc = fmt.Sprintf("%s:%d", loc, f.Line)
			}
			row = append(row, dash(loc))
		}
		for i := range row {
			row[i] = clean(row[i])
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	t.block = t.block[:0]
	return tw.Flush()
}

func (t *tableStream) Close(end End) error {
	if err := t.flush(); err != nil {
		return err
	}
	var b strings.Builder
	if t.n == 0 {
		b.WriteString("No findings.\n")
	}
	if errs := sortErrors(end.Errors); len(errs) > 0 {
		fmt.Fprintf(&b, "\nErrors (%d):\n", len(errs))
		for _, e := range errs {
			fmt.Fprintf(&b, "  %s: %s\n", clean(e.Source), clean(e.Message))
		}
	}
	var scored []string
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, a := range end.Score.Areas {
		if a.Compliance == nil {
			continue
		}
		scored = append(scored, a.ScopeKey)
		fmt.Fprintf(tw, "  %s\t%s\tcompliance %s\trisk %s\t%d evaluated, %d failed, %d not applicable\n",
			clean(a.ScopeKey), clean(csa.AreaTitles[a.ScopeKey]), scoring.FormatCompliance(a.Compliance), scoring.FormatNumber(a.Risk),
			a.Evaluated, a.Failed, a.NotApplicable)
	}
	if len(scored) > 0 {
		b.WriteString("\nCSA areas:\n")
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	o := end.Score.Overall
	var sev []string
	for _, v := range severitiesDesc {
		if v == 0 && end.Summary.BySeverity[v] == 0 {
			continue // info findings are rare: only shown when present
		}
		sev = append(sev, fmt.Sprintf("%s %d", v, end.Summary.BySeverity[v]))
	}
	compliance := "Compliance: " + scoring.FormatCompliance(o.Compliance)
	if o.Compliance != nil {
		compliance += fmt.Sprintf("%% over %d recommendations", o.Recommendations)
	}
	if w, wo := scoring.FormatCompliance(o.Compliance), scoring.FormatCompliance(o.ComplianceWithoutExceptions); w != wo {
		compliance += " (without exceptions " + wo + ")"
	}
	if note := end.Score.LeftOutNote(); note != "" {
		compliance += "; " + note
	}
	risk := fmt.Sprintf("Risk: %s from %d open findings", scoring.FormatNumber(o.Risk), o.OpenBySeverity.Total())
	if o.Risk != o.RiskWithoutExceptions {
		risk += " (without exceptions " + scoring.FormatNumber(o.RiskWithoutExceptions) + ")"
	}
	fmt.Fprintf(&b, "\n%s\n%s | %d evaluated, %d not applicable, %d need attestation | Findings: %d (%s) | Errors: %d\n",
		compliance, risk, o.Evaluated, o.NotApplicable, o.NeedsAttestation,
		end.Summary.Findings, strings.Join(sev, ", "), len(end.Errors))
	if a := end.Summary.Objects; a != nil {
		fmt.Fprintf(&b, "Objects: %d read, %d evaluated, %d skipped, %d could not be read (%d files)\n",
			a.Read, a.Evaluated, a.SkippedTotal(), a.Errors, a.Files)
	}
	if end.Summary.Unlisted > 0 {
		fmt.Fprintf(&b, "%d more findings over the per-object limit are counted but not listed (see the warnings)\n", end.Summary.Unlisted)
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clean makes a value safe and single-line for a terminal: whitespace controls become spaces
// (a tab would break the columns), every other control character, bidirectional override
// ("Trojan Source") and invalid UTF-8 byte becomes a visible escape (termsafe.String).
func clean(s string) string {
	return termsafe.String(strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s))
}

// unsafeRune reports control characters and bidirectional formatting characters.
func unsafeRune(r rune) bool { return termsafe.Unsafe(r) }
