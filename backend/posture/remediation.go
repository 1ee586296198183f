package posture

import "time"

// RemediationStats is how fast a tenant fixes what it finds (issue 14, the manager's
// dashboard): per severity its open findings by age and against the SLA, what was resolved in
// the period and how long that took, and per day what runs opened and resolved.
type RemediationStats struct {
	Since, Now time.Time
	Severities []SeverityRemediation // critical first
	Flow       []DayFlow             // oldest first; days without runs are left out
}

// SeverityRemediation is one severity's remediation numbers.
type SeverityRemediation struct {
	Severity Severity
	// Open findings now, by age since first seen.
	Open                                          int
	Under7Days, Days7To30, Days30To90, Over90Days int
	OldestOpen                                    *time.Time
	// Resolved in the period, and the mean time from first seen to resolved (nil: none).
	Resolved int
	MTTR     *time.Duration
	// SLADays is the severity's SLA (0: none); the counts say who is within it.
	SLADays           int
	OpenWithinSLA     int
	OpenBreaching     int
	ResolvedWithinSLA int
	ResolvedLate      int
}

// SLACompliance is the share, 0–100, of the period's findings (open now or resolved in it)
// that are or were fixed within the SLA; nil when there is no SLA or nothing to judge.
func (s SeverityRemediation) SLACompliance() *float64 {
	n := s.Open + s.Resolved
	if s.SLADays <= 0 || n == 0 {
		return nil
	}
	v := 100 * float64(s.OpenWithinSLA+s.ResolvedWithinSLA) / float64(n)
	return &v
}

// DayFlow is what a day's runs did to findings (UTC days).
type DayFlow struct {
	Day                        string // 2006-01-02
	Opened, Resolved, Reopened int
}
