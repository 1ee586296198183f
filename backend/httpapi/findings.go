package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
)

// listValues reads a comma-separated (or repeated) query parameter.
func listValues(c *gin.Context, name string) []string {
	var out []string
	for _, v := range c.QueryArray(name) {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// findingFilter turns the query string into a filter, naming the first bad parameter.
func (a *api) findingFilter(c *gin.Context) (posture.FindingFilter, error) {
	f := posture.FindingFilter{Namespace: c.Query("namespace"), Owner: c.Query("owner"), Text: c.Query("q"),
		Assignee: c.Query("assignee"), Label: c.Query("label"), Sort: c.Query("sort"), Cursor: c.Query("cursor")}
	statuses := listValues(c, "status")
	if len(statuses) == 0 {
		statuses = []string{string(posture.FindingOpen)}
	}
	for _, s := range statuses {
		st := posture.FindingStatus(s)
		if st != posture.FindingOpen && st != posture.FindingResolved && st != posture.FindingSuppressed {
			return f, posture.Errorf(posture.EINVALID, "status must be open, resolved or suppressed")
		}
		f.Statuses = append(f.Statuses, st)
	}
	if s := c.Query("severity"); s != "" {
		sev, err := posture.ParseSeverity(s)
		if err != nil {
			return f, posture.Errorf(posture.EINVALID, "severity must be info, low, medium, high or critical")
		}
		f.MinSeverity = &sev
	}
	for _, t := range listValues(c, "triage") {
		if !posture.Triage(t).Valid() {
			return f, posture.Errorf(posture.EINVALID, "triage must be new, acknowledged, in_progress, false_positive or wont_fix")
		}
		f.Triage = append(f.Triage, posture.Triage(t))
	}
	f.CheckIDs = listValues(c, "check")
	f.TextChecks = a.checksTitled(f.Text)
	if csaID := c.Query("csa"); csaID != "" {
		ids := a.checksFor(csaID)
		if len(ids) == 0 {
			// No check maps to it: an empty result, not every finding. The ID is no valid check
			// ID and is valid UTF-8 (PostgreSQL refuses a NUL byte in text).
			ids = []string{"(no check maps to " + csaID + ")"}
		}
		f.CheckIDs = append(f.CheckIDs, ids...)
	}
	target, err := queryInt(c, "target", 0, 1, 1<<62)
	if err != nil {
		return f, err
	}
	f.TargetID = target
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		return f, err
	}
	f.Limit = int(limit)
	return f, nil
}

// checksTitled lists the checks whose title holds text (case-insensitive): free text matches
// them as it matches check ids.
func (a *api) checksTitled(text string) []string {
	if text == "" || a.opts.Catalog == nil {
		return nil
	}
	text = strings.ToLower(text)
	var ids []string
	for _, ch := range a.opts.Catalog.Checks() {
		if strings.Contains(strings.ToLower(ch.Title), text) {
			ids = append(ids, ch.ID)
		}
	}
	return ids
}

// checksFor lists the checks mapped to a CSA recommendation (or every recommendation of an
// area, when given an area id).
func (a *api) checksFor(csaID string) []string {
	if a.opts.Catalog == nil {
		return nil
	}
	var ids []string
	for _, ch := range a.opts.Catalog.Checks() {
		for _, r := range ch.CSA {
			if r == csaID || strings.HasPrefix(r, csaID+".") {
				ids = append(ids, ch.ID)
				break
			}
		}
	}
	return ids
}

func (a *api) listFindings(c *gin.Context) {
	f, err := a.findingFilter(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	page, err := a.opts.Store.ListFindings(c.Request.Context(), tenantOf(c).Tenant.ID, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]findingJSON, len(page.Findings))
	for i, fd := range page.Findings {
		items[i] = a.toFinding(fd)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}

func (a *api) getFinding(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	f, err := a.opts.Store.Finding(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := findingDetailJSON{findingJSON: a.toFinding(*f), Evidence: f.Evidence, References: []string{}}
	if out.Evidence == nil {
		out.Evidence = map[string]string{}
	}
	if ch := a.check(f.CheckID); ch != nil {
		out.Remediation = ch.Remediation.Text
		if ch.Remediation.Example != "" {
			out.Remediation += "\n\n" + ch.Remediation.Example
		}
		out.References = referenceStrings(ch.References)
	}
	c.JSON(http.StatusOK, out)
}

type findingEventJSON struct {
	ID    int64                    `json:"id"`
	Kind  posture.FindingEventKind `json:"kind"`
	Actor string                   `json:"actor"`
	Note  string                   `json:"note"`
	RunID *int64                   `json:"run_id"`
	At    string                   `json:"at"`
}

func (a *api) getFindingHistory(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	events, err := a.opts.Store.FindingEvents(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]findingEventJSON, len(events))
	for i, e := range events {
		items[i] = findingEventJSON{ID: e.ID, Kind: e.Kind, Actor: e.Actor, Note: e.Note, RunID: e.RunID,
			At: e.At.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type triageInput struct {
	IDs      []int64         `json:"ids"`
	Triage   *posture.Triage `json:"triage"`
	Assignee *string         `json:"assignee"`
	Note     string          `json:"note"`
}

func (a *api) triageFindings(c *gin.Context) {
	var in triageInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if len(in.Note) > 2000 {
		a.fail(c, posture.Errorf(posture.EINVALID, "note must be at most 2000 characters"))
		return
	}
	p := principalOf(c)
	// The store reports the ids it changed (deduplicated, in order).
	ctx, settle := audited(a, c, "finding.triage", func(changed []int64) auditLine {
		ids := make([]string, len(changed))
		for i, id := range changed {
			ids[i] = strconv.FormatInt(id, 10)
		}
		return auditLine{"findings:" + truncate(strings.Join(ids, ","), 2000), nil,
			gin.H{"triage": in.Triage, "assignee": in.Assignee, "note": in.Note, "count": len(changed)}}
	})
	changed, err := a.opts.Store.UpdateFindings(ctx, tenantOf(c).Tenant.ID, posture.FindingUpdate{
		IDs: in.IDs, Triage: in.Triage, Assignee: in.Assignee, Actor: p.actor(), Note: in.Note})
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]findingJSON, len(changed))
	ids := make([]int64, len(changed))
	for i, f := range changed {
		items[i] = a.toFinding(f)
		ids[i] = f.ID
	}
	settle(ids)
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (a *api) listAssets(c *gin.Context) {
	f := posture.AssetFilter{Kind: posture.AssetKind(c.Query("kind")), Namespace: c.Query("namespace"), Text: c.Query("q")}
	if p, ok := c.GetQuery("parent"); ok {
		f.ParentKey = &p
	}
	var err error
	if f.TargetID, err = queryInt(c, "target", 0, 1, 1<<62); err != nil {
		a.fail(c, err)
		return
	}
	if f.AfterID, err = queryInt(c, "after", 0, 0, 1<<62); err != nil {
		a.fail(c, err)
		return
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		a.fail(c, err)
		return
	}
	f.Limit = int(limit)
	assets, err := a.opts.Store.ListAssets(c.Request.Context(), tenantOf(c).Tenant.ID, f)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]assetJSON, len(assets))
	for i, s := range assets {
		items[i] = toAsset(s)
	}
	var next *int64
	if len(assets) == f.Limit {
		next = &assets[len(assets)-1].ID
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": next})
}

func (a *api) getAsset(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	as, err := a.opts.Store.Asset(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toAsset(*as))
}
