package httpapi

// The manager's rankings: every namespace, owner or target of a tenant, and every tenant of a
// person, by risk. Both read the targets' latest snapshots (scores.go), never the findings.

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

type scopeScoreJSON struct {
	scoreValueJSON
	Kind       string `json:"kind"`
	Key        string `json:"key"`
	TargetID   *int64 `json:"target_id"`
	TargetName string `json:"target_name"`
}

// listScoreScopes ranks every namespace, owner or target by risk, then lowest compliance:
// what a manager asks first ("who has the most to fix?"), with nothing to type in.
func (a *api) listScoreScopes(c *gin.Context) {
	kind := c.Query("kind")
	if kind != posture.ScopeNamespace && kind != posture.ScopeOwner && kind != "target" {
		a.fail(c, posture.Errorf(posture.EINVALID, "kind must be namespace, owner or target"))
		return
	}
	target, err := queryInt(c, "target", 0, 1, 1<<62)
	if err != nil {
		a.fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		a.fail(c, err)
		return
	}
	ts, err := a.loadTenantSnapshots(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var items []scopeScoreJSON
	owners := map[string][]posture.ScoreSnapshot{}
	found := target == 0
	for _, t := range ts.targets {
		if target != 0 && t.TargetID != target {
			continue
		}
		found = true
		id := t.TargetID
		for _, s := range ts.byTarget[id] {
			switch {
			case kind == "target" && s.ScopeKind == posture.ScopeOverall:
				items = append(items, scopeScoreJSON{scoreValueJSON: value(s), Kind: kind, Key: t.Name, TargetID: &id, TargetName: t.Name})
			case kind == posture.ScopeNamespace && s.ScopeKind == kind:
				items = append(items, scopeScoreJSON{scoreValueJSON: value(s), Kind: kind, Key: s.ScopeKey, TargetID: &id, TargetName: t.Name})
			case kind == posture.ScopeOwner && s.ScopeKind == kind:
				owners[s.ScopeKey] = append(owners[s.ScopeKey], s)
			}
		}
	}
	if !found {
		a.fail(c, posture.Errorf(posture.ENOTFOUND, "no target %d in this tenant", target))
		return
	}
	for key, snaps := range owners {
		item := scopeScoreJSON{scoreValueJSON: value(tenantModes.Combine(snaps, 0)), Kind: kind, Key: key}
		if target != 0 {
			item.TargetID, item.TargetName = &target, ts.targetName(target)
		}
		items = append(items, item)
	}
	sort.Slice(items, func(i, j int) bool {
		x, y := items[i], items[j]
		if x.Risk != y.Risk {
			return x.Risk > y.Risk
		}
		if cx, cy := complianceOrTop(x.Compliance), complianceOrTop(y.Compliance); cx != cy {
			return cx < cy
		}
		if x.TargetName != y.TargetName {
			return x.TargetName < y.TargetName
		}
		return x.Key < y.Key
	})
	total := len(items)
	if int64(len(items)) > limit {
		items = items[:limit]
	}
	if items == nil {
		items = []scopeScoreJSON{}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total})
}

// complianceOrTop sorts scopes without evidence after every number.
func complianceOrTop(v *float64) float64 {
	if v == nil {
		return 101
	}
	return *v
}

func (ts *tenantSnapshots) targetName(id int64) string {
	for _, t := range ts.targets {
		if t.TargetID == id {
			return t.Name
		}
	}
	return ""
}

type tenantOverviewJSON struct {
	scoreValueJSON
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	Targets      int    `json:"targets"`
	StaleTargets int    `json:"stale_targets"`
}

// getOverview is every tenant the caller has a role in, with its numbers: the view of someone
// who looks after several (a consultant, a central security team). Only their tenants.
func (a *api) getOverview(c *gin.Context) {
	ctx := c.Request.Context()
	p := c.MustGet(principalKey).(*principal)
	all, err := a.opts.Store.ListTenants(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := []tenantOverviewJSON{}
	for _, t := range all {
		role, ok := p.roles[t.ID]
		if !ok {
			continue
		}
		ts, err := a.snapshotsOf(ctx, t.ID)
		if err != nil {
			a.fail(c, err)
			return
		}
		items = append(items, tenantOverviewJSON{scoreValueJSON: value(ts.combine(posture.ScopeOverall, "")), Slug: t.Slug,
			Name: t.Name, Role: string(role), Targets: len(ts.targets), StaleTargets: ts.stale})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Risk > items[j].Risk })
	c.JSON(http.StatusOK, gin.H{"model": scoring.Model, "items": items})
}
