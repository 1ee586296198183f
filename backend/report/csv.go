package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// csvHeader names the CSV columns; one row per finding follows, in report order.
var csvHeader = []string{
	"severity", "check_id", "title", "csa", "kind", "namespace", "name", "container",
	"message", "remediation", "source_file", "line",
}

// WriteCSV writes one row per finding under a header row (see csvStream).
func WriteCSV(w io.Writer, s Scan) error { return Write(w, FormatCSV, s) }

// csvStream writes one row per finding, as it comes, under a header row. CSA IDs are joined
// with spaces. Every cell is guarded against CSV (formula) injection.
type csvStream struct {
	cw *csv.Writer
	m  Meta
	n  int
}

func newCSVStream(w io.Writer, m Meta) (*csvStream, error) {
	cw := csv.NewWriter(w)
	return &csvStream{cw: cw, m: m}, cw.Write(csvHeader)
}

func (c *csvStream) Finding(f Finding) error {
	info := c.m.Checks.check(f.Result.CheckID)
	r := f.resource()
	line := ""
	if f.Line > 0 {
		line = strconv.Itoa(f.Line)
	}
	row := []string{
		f.Result.Severity.String(), f.Result.CheckID, info.Title, joinCSA(c.m.Checks, f, " "),
		r.Kind, r.Namespace, r.Name, f.Container,
		f.Result.Message, info.Remediation, f.file(), line,
	}
	for i := range row {
		row[i] = csvSafe(row[i])
	}
	if c.n++; c.n%1000 == 0 {
		c.cw.Flush() // hand rows on instead of buffering the report
	}
	return c.cw.Write(row)
}

func (c *csvStream) Close(End) error {
	c.cw.Flush()
	return c.cw.Error()
}

// csvSafe defuses spreadsheet formulas (OWASP "CSV injection"): a cell starting with = + - @
// (or a tab or carriage return, which some spreadsheets skip before one of those) is prefixed
// with a single quote so it is read as text. Quoting of commas and quotes is encoding/csv's job.
//
// Other control characters (ESC, BEL, ...) and bidirectional overrides become '?', so that
// printing the file in a terminal cannot run escape sequences; line breaks inside a cell stay
// (encoding/csv quotes them).
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return r
		}
		if unsafeRune(r) {
			return '?'
		}
		return r
	}, s)
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
