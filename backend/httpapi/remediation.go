package httpapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

// remediationTTL is how long a tenant's remediation metrics are reused: summing a million
// findings takes a few hundred milliseconds, and findings change only when runs land (minutes
// apart), so the dashboard reads numbers at most this old.
const remediationTTL = time.Minute

// remediationCache keeps each tenant's latest remediation metrics per period, in this process.
type remediationCache struct {
	mu      sync.Mutex
	entries map[remediationKey]remediationEntry
}

type remediationKey struct {
	tenantID int64
	days     int64
}

type remediationEntry struct {
	at    time.Time
	stats *posture.RemediationStats
}

func (c *remediationCache) get(tenantID, days int64, now time.Time) (*posture.RemediationStats, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[remediationKey{tenantID, days}]
	if !ok || now.Sub(e.at) >= remediationTTL || now.Before(e.at) {
		return nil, false
	}
	return e.stats, true
}

func (c *remediationCache) put(tenantID, days int64, now time.Time, st *posture.RemediationStats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 10_000 {
		c.entries = map[remediationKey]remediationEntry{} // bounded: start over rather than grow
	}
	c.entries[remediationKey{tenantID, days}] = remediationEntry{at: now, stats: st}
}

type openAgesJSON struct {
	Under7  int `json:"under_7_days"`
	D7To30  int `json:"days_7_to_30"`
	D30To90 int `json:"days_30_to_90"`
	Over90  int `json:"over_90_days"`
}

type severityRemediationJSON struct {
	Severity          string       `json:"severity"`
	Open              int          `json:"open"`
	OpenAges          openAgesJSON `json:"open_ages"`
	OldestOpen        *time.Time   `json:"oldest_open"`
	Resolved          int          `json:"resolved"`
	MTTRHours         *float64     `json:"mttr_hours"`
	SLADays           *int         `json:"sla_days"`
	OpenWithinSLA     int          `json:"open_within_sla"`
	OpenBreaching     int          `json:"open_breaching"`
	ResolvedWithinSLA int          `json:"resolved_within_sla"`
	ResolvedLate      int          `json:"resolved_late"`
	SLACompliance     *float64     `json:"sla_compliance"`
}

type dayFlowJSON struct {
	Day      string `json:"day"`
	Opened   int    `json:"opened"`
	Resolved int    `json:"resolved"`
	Reopened int    `json:"reopened"`
}

// getRemediationMetrics answers "how fast do we fix things?": per severity, open findings by
// age and against the SLA tickets use, and the mean time to remediate; per day, what runs
// opened and resolved.
func (a *api) getRemediationMetrics(c *gin.Context) {
	days, err := queryInt(c, "days", 90, 1, 366)
	if err != nil {
		a.fail(c, err)
		return
	}
	sla := a.opts.TicketSLA
	if sla == nil {
		sla = posture.DefaultSLA
	}
	now := a.now()
	since := now.Add(-time.Duration(days) * 24 * time.Hour)
	tenantID := tenantOf(c).Tenant.ID
	st, ok := a.remediation.get(tenantID, days, now)
	if !ok {
		if st, err = a.opts.Store.RemediationStats(c.Request.Context(), tenantID, since, now, sla); err != nil {
			a.fail(c, err)
			return
		}
		a.remediation.put(tenantID, days, now, st)
	}
	sevs := make([]severityRemediationJSON, 0, len(st.Severities))
	for _, s := range st.Severities {
		j := severityRemediationJSON{Severity: s.Severity.String(), Open: s.Open,
			OpenAges:   openAgesJSON{Under7: s.Under7Days, D7To30: s.Days7To30, D30To90: s.Days30To90, Over90: s.Over90Days},
			OldestOpen: s.OldestOpen, Resolved: s.Resolved, OpenWithinSLA: s.OpenWithinSLA, OpenBreaching: s.OpenBreaching,
			ResolvedWithinSLA: s.ResolvedWithinSLA, ResolvedLate: s.ResolvedLate, SLACompliance: scoring.Round1Ptr(s.SLACompliance())}
		if s.MTTR != nil {
			h := scoring.Round1(s.MTTR.Hours())
			j.MTTRHours = &h
		}
		if s.SLADays > 0 {
			d := s.SLADays
			j.SLADays = &d
		}
		sevs = append(sevs, j)
	}
	flow := make([]dayFlowJSON, len(st.Flow))
	for i, f := range st.Flow {
		flow[i] = dayFlowJSON(f)
	}
	c.JSON(http.StatusOK, gin.H{"since": st.Since, "generated_at": st.Now, "days": days, "severities": sevs, "flow": flow})
}
