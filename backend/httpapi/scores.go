package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

type scoreValueJSON struct {
	Score     *float64 `json:"score"`
	Evaluated int      `json:"evaluated"`
	Failed    int      `json:"failed"`
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
	TakenAt  *time.Time `json:"taken_at"`
	Stale    bool       `json:"stale"`
}

func value(c scoring.Combined) scoreValueJSON {
	return scoreValueJSON{Score: round1(c.Value), Evaluated: c.Evaluated, Failed: c.Failed}
}

// round1 keeps one decimal, as every view shows scores.
func round1(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := float64(int64(*v*10+0.5)) / 10
	return &r
}

// tenantSnapshots reads each target's latest snapshots, grouped by scope kind and key.
type tenantSnapshots struct {
	byScope map[string][]posture.ScoreSnapshot // "kind/key" -> one per target
	targets []targetScoreJSON
}

func (a *api) loadTenantSnapshots(c *gin.Context) (*tenantSnapshots, error) {
	ctx := c.Request.Context()
	tenantID := tenantOf(c).Tenant.ID
	targets, err := a.opts.Store.ListTargets(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := &tenantSnapshots{byScope: map[string][]posture.ScoreSnapshot{}, targets: []targetScoreJSON{}}
	for i := range targets {
		t := &targets[i]
		snaps, err := a.opts.Store.LatestScores(ctx, tenantID, t.ID)
		if err != nil {
			return nil, err
		}
		ts := targetScoreJSON{TargetID: t.ID, Name: t.Name}
		for _, s := range snaps {
			key := s.ScopeKind + "/" + s.ScopeKey
			out.byScope[key] = append(out.byScope[key], s)
			if s.ScopeKind == posture.ScopeOverall {
				ts.scoreValueJSON = scoreValueJSON{Score: round1(s.Score), Evaluated: s.Evaluated, Failed: s.Failed}
				at := s.TakenAt
				ts.TakenAt = &at
			}
		}
		var last *time.Time
		if ts.TakenAt != nil {
			last = ts.TakenAt
		}
		ts.Stale = a.stale(t, last)
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
	var combined []scoring.Combined
	for _, id := range csa.Areas() {
		cb := scoring.Combine(ts.byScope[posture.ScopeArea+"/"+id])
		combined = append(combined, cb)
		areas = append(areas, areaScoreJSON{scoreValueJSON: value(cb), ID: id, Title: csa.AreaTitles[id]})
	}
	overall := scoring.Combine(ts.byScope[posture.ScopeOverall+"/"])
	overall.Value = scoring.MeanOfAreas(combined)
	c.JSON(http.StatusOK, gin.H{"overall": value(overall), "areas": areas, "targets": ts.targets})
}

// scope reads and validates the scope and key query parameters.
func scope(c *gin.Context) (string, string, error) {
	kind, key := c.DefaultQuery("scope", posture.ScopeOverall), c.Query("key")
	switch kind {
	case posture.ScopeOverall:
		key = ""
	case posture.ScopeArea, posture.ScopeRecommendation, posture.ScopeNamespace, posture.ScopeOwner:
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
	RunID     int64     `json:"run_id"`
	At        time.Time `json:"at"`
	Score     *float64  `json:"score"`
	Evaluated int       `json:"evaluated"`
	Failed    int       `json:"failed"`
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
		items[i] = scorePointJSON{RunID: s.RunID, At: s.TakenAt, Score: round1(s.Score), Evaluated: s.Evaluated, Failed: s.Failed}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type contributorJSON struct {
	CheckID    string  `json:"check_id"`
	Severity   string  `json:"severity"`
	Failed     int     `json:"failed"`
	PointsLost float64 `json:"points_lost"`
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
			cs[i] = contributorJSON{CheckID: x.CheckID, Severity: x.Severity.String(), Failed: x.Failed, PointsLost: x.PointsLost}
		}
		c.JSON(http.StatusOK, gin.H{"target_id": t.ID, "run_id": s.RunID, "scope": kind, "key": key,
			"score": round1(s.Score), "score_without_exceptions": round1(s.ScoreWithoutExceptions),
			"evaluated": s.Evaluated, "failed": s.Failed, "contributors": cs})
		return
	}
	a.fail(c, posture.Errorf(posture.ENOTFOUND, "no score for %s %q on this target yet", kind, key))
}
