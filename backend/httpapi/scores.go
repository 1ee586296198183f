package httpapi

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

// scoreValueJSON is the ScoreValue schema: both numbers of docs/scoring.md and their parts.
type scoreValueJSON struct {
	Compliance                  *float64       `json:"compliance"`
	ComplianceWithoutExceptions *float64       `json:"compliance_without_exceptions"`
	Recommendations             int            `json:"recommendations"`
	Risk                        float64        `json:"risk"`
	RiskWithoutExceptions       float64        `json:"risk_without_exceptions"`
	Open                        int            `json:"open"`
	OpenBySeverity              map[string]int `json:"open_by_severity"`
	Evaluated                   int            `json:"evaluated"`
	Failed                      int            `json:"failed"`
	Excepted                    int            `json:"excepted"`
	NotApplicable               int            `json:"not_applicable"`
	NeedsAttestation            int            `json:"needs_attestation"`
}

type areaScoreJSON struct {
	scoreValueJSON
	ID    string `json:"id"`
	Title string `json:"title"`
}

type targetScoreJSON struct {
	scoreValueJSON
	TargetID int64      `json:"target_id"`
	Name     string     `json:"name"`
	RunID    *int64     `json:"run_id"`
	TakenAt  *time.Time `json:"taken_at"`
	Stale    bool       `json:"stale"`
}

// value is a snapshot's numbers as every view shows them: one decimal.
func value(s posture.ScoreSnapshot) scoreValueJSON {
	v := scoreValueJSON{Compliance: round1(s.Compliance), ComplianceWithoutExceptions: round1(s.ComplianceWithoutExceptions),
		Recommendations: s.Recommendations, Risk: roundRisk(s.Risk), RiskWithoutExceptions: roundRisk(s.RiskWithoutExceptions),
		Open: s.OpenBySeverity.Total(), OpenBySeverity: s.OpenBySeverity.ByName(), Evaluated: s.Evaluated,
		Failed: s.Failed, Excepted: s.Excepted, NotApplicable: s.NotApplicable, NeedsAttestation: s.NeedsAttestation}
	return v
}

// round1 and roundRisk round as every view does (scoring.Round1).
func round1(v *float64) *float64 { return scoring.Round1Ptr(v) }

func roundRisk(v float64) float64 { return scoring.Round1(v) }

// tenantSnapshots reads each target's latest snapshots, grouped by scope kind and key.
type tenantSnapshots struct {
	byScope map[string][]posture.ScoreSnapshot // "kind/key" -> one per target
	targets []targetScoreJSON
	stale   int
	// byTarget holds each target's snapshots of the current model.
	byTarget map[int64][]posture.ScoreSnapshot
}

// combine is the tenant's numbers for one scope, added up over its targets.
func (ts *tenantSnapshots) combine(kind, key string) posture.ScoreSnapshot {
	s := tenantModes.Combine(ts.byScope[kind+"/"+key], scoring.DefaultMaxContributors)
	s.ScopeKind, s.ScopeKey = kind, key
	return s
}

// tenantModes are the catalog's recommendation modes, for adding snapshots up.
var tenantModes = scoring.ModesOf(nil)

func (a *api) loadTenantSnapshots(c *gin.Context) (*tenantSnapshots, error) {
	return a.snapshotsOf(c.Request.Context(), tenantOf(c).Tenant.ID)
}

// snapshotsOf reads each of a tenant's targets' latest snapshots.
func (a *api) snapshotsOf(ctx context.Context, tenantID int64) (*tenantSnapshots, error) {
	targets, err := a.opts.Store.ListTargets(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := &tenantSnapshots{byScope: map[string][]posture.ScoreSnapshot{}, targets: []targetScoreJSON{},
		byTarget: map[int64][]posture.ScoreSnapshot{}}
	for i := range targets {
		t := &targets[i]
		snaps, err := a.opts.Store.LatestScores(ctx, tenantID, t.ID)
		if err != nil {
			return nil, err
		}
		ts := targetScoreJSON{TargetID: t.ID, Name: t.Name, scoreValueJSON: value(posture.ScoreSnapshot{})}
		for _, s := range snaps {
			if s.Model != scoring.Model {
				continue // another model's numbers do not add up with these: shown once re-collected
			}
			key := s.ScopeKind + "/" + s.ScopeKey
			out.byScope[key] = append(out.byScope[key], s)
			out.byTarget[t.ID] = append(out.byTarget[t.ID], s)
			if s.ScopeKind == posture.ScopeOverall {
				ts.scoreValueJSON = value(s)
				at, run := s.TakenAt, s.RunID
				ts.TakenAt, ts.RunID = &at, &run
			}
		}
		ts.Stale = a.stale(t, ts.TakenAt)
		if ts.Stale {
			out.stale++
		}
		out.targets = append(out.targets, ts)
	}
	return out, nil
}

func (a *api) getScores(c *gin.Context) {
	ts, err := a.loadTenantSnapshots(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	areas := []areaScoreJSON{}
	for _, id := range csa.Areas() {
		areas = append(areas, areaScoreJSON{scoreValueJSON: value(ts.combine(posture.ScopeArea, id)), ID: id, Title: csa.AreaTitles[id]})
	}
	c.JSON(http.StatusOK, gin.H{"model": scoring.Model, "overall": value(ts.combine(posture.ScopeOverall, "")), "areas": areas,
		"targets": ts.targets, "stale_targets": ts.stale})
}

// scope reads and validates the scope and key query parameters.
func scope(c *gin.Context) (string, string, error) {
	kind, key := c.DefaultQuery("scope", posture.ScopeOverall), c.Query("key")
	switch kind {
	case posture.ScopeOverall:
		key = ""
	case posture.ScopeOwner:
		// "" is a real owner scope: the assets without an owner label.
	case posture.ScopeArea, posture.ScopeRecommendation, posture.ScopeNamespace:
		if key == "" {
			return "", "", posture.Errorf(posture.EINVALID, "key is required for scope %s", kind)
		}
	default:
		return "", "", posture.Errorf(posture.EINVALID, "scope must be overall, area, recommendation, namespace or owner")
	}
	return kind, key, nil
}

// scoredTarget reads the target query parameter and checks that the target is the tenant's.
func (a *api) scoredTarget(c *gin.Context) (*posture.Target, error) {
	id, err := queryInt(c, "target", 0, 1, 1<<62)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, posture.Errorf(posture.EINVALID, "target is required")
	}
	return a.opts.Store.Target(c.Request.Context(), tenantOf(c).Tenant.ID, id)
}

// scoreQuery reads the target, scope and key a history or explanation is about.
func (a *api) scoreQuery(c *gin.Context) (*posture.Target, string, string, error) {
	t, err := a.scoredTarget(c)
	if err != nil {
		return nil, "", "", err
	}
	kind, key, err := scope(c)
	return t, kind, key, err
}

type scorePointJSON struct {
	RunID      int64          `json:"run_id"`
	At         time.Time      `json:"at"`
	Compliance *float64       `json:"compliance"`
	Risk       float64        `json:"risk"`
	Open       int            `json:"open"`
	BySeverity map[string]int `json:"open_by_severity"`
	Evaluated  int            `json:"evaluated"`
	Failed     int            `json:"failed"`
}

func (a *api) getScoreHistory(c *gin.Context) {
	t, kind, key, err := a.scoreQuery(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	days, err := queryInt(c, "days", 30, 1, 366)
	if err != nil {
		a.fail(c, err)
		return
	}
	since := a.now().Add(-time.Duration(days) * 24 * time.Hour)
	snaps, err := a.opts.Store.ScoreHistory(c.Request.Context(), t.TenantID, t.ID, kind, key, since)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]scorePointJSON, len(snaps))
	for i, s := range snaps {
		items[i] = scorePointJSON{RunID: s.RunID, At: s.TakenAt, Compliance: round1(s.Compliance), Risk: roundRisk(s.Risk),
			Open: s.OpenBySeverity.Total(), BySeverity: s.OpenBySeverity.ByName(), Evaluated: s.Evaluated, Failed: s.Failed}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type contributorJSON struct {
	CheckID  string  `json:"check_id"`
	Severity string  `json:"severity"`
	Failed   int     `json:"failed"`
	Risk     float64 `json:"risk"`
}

type recommendationScoreJSON struct {
	ID          string   `json:"id"`
	Mode        string   `json:"mode"`
	Compliance  *float64 `json:"compliance"`
	Subjects    int      `json:"subjects"`
	Passed      int      `json:"passed"`
	Attestation string   `json:"attestation"`
}

// recommendationScores lists the recommendations behind a compliance, lowest first.
func recommendationScores(recs map[string]posture.RecTally) []recommendationScoreJSON {
	out := make([]recommendationScoreJSON, 0, len(recs))
	for id, t := range recs {
		mode := tenantModes.Of(id)
		v := scoring.RecCompliance(mode, t, true)
		if v == nil {
			continue
		}
		att := string(t.Attestation)
		if att == "" {
			att = "not_counted"
		}
		out = append(out, recommendationScoreJSON{ID: id, Mode: modeName[mode], Compliance: round1(v), Subjects: t.Subjects,
			Passed: t.Passed, Attestation: att})
	}
	sort.Slice(out, func(i, j int) bool {
		if *out[i].Compliance != *out[j].Compliance {
			return *out[i].Compliance < *out[j].Compliance
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (a *api) explainScore(c *gin.Context) {
	t, kind, key, err := a.scoreQuery(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	snaps, err := a.opts.Store.LatestScores(c.Request.Context(), t.TenantID, t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	for _, s := range snaps {
		if s.ScopeKind != kind || s.ScopeKey != key {
			continue
		}
		cs := make([]contributorJSON, len(s.Contributors))
		for i, x := range s.Contributors {
			cs[i] = contributorJSON{CheckID: x.CheckID, Severity: x.Severity.String(), Failed: x.Failed, Risk: roundRisk(x.Risk)}
		}
		c.JSON(http.StatusOK, struct {
			scoreValueJSON
			TargetID        int64                     `json:"target_id"`
			RunID           int64                     `json:"run_id"`
			Model           int                       `json:"model"`
			Scope           string                    `json:"scope"`
			Key             string                    `json:"key"`
			Contributors    []contributorJSON         `json:"contributors"`
			Recommendations []recommendationScoreJSON `json:"recommendation_scores"`
		}{value(s), t.ID, s.RunID, s.Model, kind, key, cs, recommendationScores(s.Recs)})
		return
	}
	a.fail(c, posture.Errorf(posture.ENOTFOUND, "no score for %s %q on this target yet", kind, key))
}
