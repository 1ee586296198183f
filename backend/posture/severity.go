package posture

import (
	"fmt"
	"strings"
)

// Severity ranks how bad a failed check is. Higher is worse.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < SeverityInfo || s > SeverityCritical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return Severity(i), nil
		}
	}
	return 0, Errorf(EINVALID, "unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// MarshalText writes the severity as its name, so JSON and YAML show "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Weights gives each severity its weight in scores (ARCHITECTURE.md: critical 10, high 7,
// medium 4, low 1; configurable).
type Weights map[Severity]float64

// DefaultWeights are the score weights used unless configuration says otherwise.
func DefaultWeights() Weights {
	return Weights{SeverityCritical: 10, SeverityHigh: 7, SeverityMedium: 4, SeverityLow: 1, SeverityInfo: 0}
}
