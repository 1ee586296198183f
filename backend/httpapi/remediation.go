package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

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
	st, err := a.opts.Store.RemediationStats(c.Request.Context(), tenantOf(c).Tenant.ID, since, now, sla)
	if err != nil {
		a.fail(c, err)
		return
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
