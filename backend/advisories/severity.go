package advisories

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Severity rules (README.md): every CVSS vector of the record and of its affected entries
// is scored; the score shown is the highest of the preferred version (v3.x, else v4, else
// v2), and that score decides the label. Without a usable score, the worst label given
// (GHSA's database_specific.severity, Ubuntu's priority) decides. Otherwise: unknown.

// cvssPreference ranks CVSS versions for the score shown: v3.x is what most databases and
// users quote, v4 is newer but still rare and scored differently, v2 is the last resort.
var cvssPreference = map[string]int{"3.1": 3, "3.0": 3, "4.0": 2, "2.0": 1}

type cvssScore struct {
	version string // "2.0", "3.0", "3.1", "4.0"
	vector  string
	score   float64
}

func (a *Advisory) readSeverity(rec osvRecord) {
	entries := append([]osvSeverity(nil), rec.Severity...)
	for _, af := range rec.Affected {
		entries = append(entries, af.Severity...)
	}
	var best *cvssScore
	label := SeverityUnknown
	for _, e := range entries {
		typ := strings.ToUpper(strings.TrimSpace(e.Type))
		switch typ {
		case "CVSS_V2", "CVSS_V3", "CVSS_V4":
			s, err := scoreVector(typ, strings.TrimSpace(e.Score))
			if err != nil {
				a.note("%s vector %q ignored: %v", typ, clip(posture.CleanText(e.Score), 80), err)
				continue
			}
			if best == nil || better(s, *best) {
				best = &s
			}
		case "UBUNTU":
			label = worse(label, labelSeverity(e.Score))
		}
	}
	label = worse(label, databaseSeverity(rec.DatabaseSpecific))
	a.Severity = label
	if best != nil && best.score > 0 {
		a.CVSS, a.CVSSVector = best.score, best.vector
		a.Severity = ScoreSeverity(best.score)
	}
}

// better reports whether s should be shown rather than cur.
func better(s, cur cvssScore) bool {
	ps, pc := cvssPreference[s.version], cvssPreference[cur.version]
	if ps != pc {
		return ps > pc
	}
	return s.score > cur.score
}

// scoreVector computes the base score of one OSV severity entry with go-cvss. A panic in
// the parser on a hostile vector is turned into an error: one bad vector must not stop a
// feed.
func scoreVector(typ, vector string) (s cvssScore, err error) {
	if vector == "" || len(vector) > maxVectorBytes {
		return s, fmt.Errorf("empty or over %d bytes", maxVectorBytes)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable vector")
		}
	}()
	s.vector = posture.CleanText(vector)
	switch {
	case typ == "CVSS_V3" && strings.HasPrefix(vector, "CVSS:3.1/"):
		v, perr := gocvss31.ParseVector(vector)
		if perr != nil {
			return s, perr
		}
		s.version, s.score = "3.1", v.BaseScore()
	case typ == "CVSS_V3" && strings.HasPrefix(vector, "CVSS:3.0/"):
		v, perr := gocvss30.ParseVector(vector)
		if perr != nil {
			return s, perr
		}
		s.version, s.score = "3.0", v.BaseScore()
	case typ == "CVSS_V4" && strings.HasPrefix(vector, "CVSS:4.0/"):
		v, perr := gocvss40.ParseVector(vector)
		if perr != nil {
			return s, perr
		}
		s.version, s.score = "4.0", v.Score()
	case typ == "CVSS_V2":
		v, perr := gocvss20.ParseVector(strings.TrimPrefix(vector, "CVSS:2.0/"))
		if perr != nil {
			return s, perr
		}
		s.version, s.score = "2.0", v.BaseScore()
	default:
		return s, fmt.Errorf("not a %s vector", typ)
	}
	s.score = math.Round(s.score*10) / 10
	if s.score < 0 || s.score > 10 || math.IsNaN(s.score) {
		return s, fmt.Errorf("score %v out of range", s.score)
	}
	return s, nil
}

// ScoreSeverity maps a CVSS base score to its qualitative rating: 9.0–10 critical,
// 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. A score of 0 tells nothing: unknown.
func ScoreSeverity(score float64) Severity {
	score = math.Round(score*10) / 10
	switch {
	case score >= 9.0:
		return SeverityCritical
	case score >= 7.0:
		return SeverityHigh
	case score >= 4.0:
		return SeverityMedium
	case score >= 0.1:
		return SeverityLow
	}
	return SeverityUnknown
}

// labelSeverity reads the labels databases give: GHSA's CRITICAL/HIGH/MODERATE/LOW and
// Ubuntu's priorities (negligible is low; untriaged tells nothing).
func labelSeverity(label string) Severity {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "critical":
		return SeverityCritical
	case "high", "important":
		return SeverityHigh
	case "moderate", "medium":
		return SeverityMedium
	case "low", "negligible":
		return SeverityLow
	}
	return SeverityUnknown
}

// databaseSeverity reads database_specific.severity, when it is a string (GHSA).
func databaseSeverity(raw json.RawMessage) Severity {
	if len(raw) == 0 {
		return SeverityUnknown
	}
	var ds struct {
		Severity json.RawMessage `json:"severity"`
	}
	var label string
	if json.Unmarshal(raw, &ds) != nil || json.Unmarshal(ds.Severity, &label) != nil || len(label) > maxLabelBytes {
		return SeverityUnknown
	}
	return labelSeverity(label)
}

func worse(a, b Severity) Severity {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}
