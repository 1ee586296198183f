package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// VulnStore serves SBOMs, vulnerabilities, VEX statements and the advisory feeds
// (backend/store and backend/vulns together).
type VulnStore interface {
	ListImageVulns(ctx context.Context, tenantID int64, q vulns.VulnQuery) (vulns.VulnPage, error)
	ResolveVulnerability(ctx context.Context, id string) ([]string, error)
	Advisories(ctx context.Context, ids []string) (map[string]vulns.Advisory, error)
	SBOM(ctx context.Context, tenantID int64, digest string) (*sbom.SBOM, error)
	SBOMInfos(ctx context.Context, tenantID int64, digests []string) (map[string]vulns.SBOMInfo, error)
	ImageUsages(ctx context.Context, tenantID int64, digest string, limit int) ([]imagefacts.Usage, error)
	CreateVEX(ctx context.Context, tenantID int64, v *vulns.VEXStatement) error
	ListVEX(ctx context.Context, tenantID int64, includeExpired bool) ([]vulns.VEXStatement, error)
	RevokeVEX(ctx context.Context, tenantID, id int64) error
	// Ingest stores an SBOM and matches it (vulns.Service).
	Ingest(ctx context.Context, tenantID int64, s *sbom.SBOM) (vulns.SBOMSaved, error)
	Summaries(ctx context.Context, tenantID int64, digests []string) (map[string]*imagefacts.Vulnerabilities, error)
	Feeds(ctx context.Context) ([]vulns.FeedStatus, error)
}

func (a *api) vulns(c *gin.Context) (VulnStore, bool) {
	if a.opts.Vulns == nil {
		a.fail(c, posture.Errorf(EUNAVAILABLE, "vulnerabilities are not available in this build"))
		return nil, false
	}
	return a.opts.Vulns, true
}

type feedJSON struct {
	Ecosystem   string     `json:"ecosystem"`
	Source      string     `json:"source"`
	Configured  bool       `json:"configured"`
	RefreshedAt *time.Time `json:"refreshed_at"`
	FeedDate    *time.Time `json:"feed_date"`
	AttemptedAt *time.Time `json:"attempted_at"`
	Records     int        `json:"records"`
	Error       string     `json:"error"`
	MaxAgeHours float64    `json:"max_age_hours"`
}

// advisoryMaxAgeHours is the age past which feeds are stale, in hours.
func (a *api) advisoryMaxAgeHours() float64 {
	if a.opts.AdvisoryMaxAge <= 0 {
		return 72
	}
	return a.opts.AdvisoryMaxAge.Hours()
}

func (a *api) feedsJSON(ctx context.Context, st VulnStore) ([]feedJSON, error) {
	feeds, err := st.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]feedJSON, len(feeds))
	for i, f := range feeds {
		out[i] = feedJSON{Ecosystem: f.Ecosystem, Source: f.Source, Configured: f.Configured, RefreshedAt: f.RefreshedAt,
			FeedDate: f.FeedDate, Records: f.Records, Error: f.Error, MaxAgeHours: a.advisoryMaxAgeHours()}
		if !f.AttemptedAt.IsZero() {
			at := f.AttemptedAt
			out[i].AttemptedAt = &at
		}
	}
	return out, nil
}

func (a *api) listAdvisoryFeeds(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	feeds, err := a.feedsJSON(c.Request.Context(), st)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": feeds})
}

type vulnJSON struct {
	Digest      string     `json:"digest"`
	Registry    string     `json:"registry"`
	Repository  string     `json:"repository"`
	Advisory    string     `json:"advisory"`
	Aliases     []string   `json:"aliases"`
	Package     string     `json:"package"`
	Installed   string     `json:"installed"`
	Fixed       string     `json:"fixed"`
	FixAvail    bool       `json:"fix_available"`
	Severity    string     `json:"severity"`
	CVSS        float64    `json:"cvss"`
	CVSSVector  string     `json:"cvss_vector,omitempty"`
	Summary     string     `json:"summary"`
	Published   *time.Time `json:"published"`
	FirstSeen   time.Time  `json:"first_seen"`
	NotAffected bool       `json:"not_affected"`
	RunningIn   int        `json:"running_in"`
}

var vulnSeverities = map[string]int{"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// vulnQuery reads the list's filters (the spec bounds each one).
func (a *api) vulnQuery(c *gin.Context, st VulnStore) (vulns.VulnQuery, error) {
	q := vulns.VulnQuery{Package: c.Query("package"), Digest: c.Query("image"), Namespace: c.Query("namespace"),
		Workload: c.Query("workload"), Cursor: c.Query("cursor"), NotAffected: c.Query("not_affected") == "true"}
	if s := c.Query("severity"); s != "" {
		q.MinSeverity = vulnSeverities[s]
	}
	if s := c.Query("fixable"); s != "" {
		b := s == "true"
		q.Fixable = &b
	}
	if s := c.Query("limit"); s != "" {
		q.Limit, _ = strconv.Atoi(s)
	}
	if s := c.Query("target"); s != "" {
		q.TargetID, _ = strconv.ParseInt(s, 10, 64)
	}
	if id := strings.TrimSpace(c.Query("vulnerability")); id != "" {
		ids, err := st.ResolveVulnerability(c.Request.Context(), id)
		if err != nil {
			return q, err
		}
		q.AdvisoryIDs = append(ids, id)
	}
	return q, nil
}

func (a *api) listVulnerabilities(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	q, err := a.vulnQuery(c, st)
	if err != nil {
		a.fail(c, err)
		return
	}
	page, err := st.ListImageVulns(c.Request.Context(), tenantOf(c).Tenant.ID, q)
	if err != nil {
		a.fail(c, err)
		return
	}
	feeds, err := a.feedsJSON(c.Request.Context(), st)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]vulnJSON, len(page.Items))
	for i, v := range page.Items {
		items[i] = vulnJSON{Digest: v.Digest, Registry: v.Registry, Repository: v.Repository, Advisory: v.AdvisoryID,
			Aliases: nonNil(v.Aliases), Package: v.Component, Installed: v.Installed, Fixed: v.Fixed, FixAvail: v.Fixed != "",
			Severity: vulns.SeverityName(v.Severity), CVSS: v.CVSS, CVSSVector: v.CVSSVector, Summary: v.Summary, Published: v.Published,
			FirstSeen: v.FirstSeenAt, NotAffected: v.NotAffected, RunningIn: v.RunningIn}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor, "advisory_data": feeds})
}

// maxAffectedImages bounds the images one "where does it run" answer lists.
const maxAffectedImages = 200

func (a *api) getVulnerability(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	ctx, tenantID, id := c.Request.Context(), tenantOf(c).Tenant.ID, c.Param("vulnerability")
	ids, err := st.ResolveVulnerability(ctx, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	advs, err := st.Advisories(ctx, ids)
	if err != nil {
		a.fail(c, err)
		return
	}
	if len(advs) == 0 {
		a.fail(c, posture.Errorf(posture.ENOTFOUND, "no advisory %s in the advisory database", id))
		return
	}
	page, err := st.ListImageVulns(ctx, tenantID, vulns.VulnQuery{AdvisoryIDs: ids, NotAffected: true, Limit: maxAffectedImages})
	if err != nil {
		a.fail(c, err)
		return
	}
	images := make([]gin.H, 0, len(page.Items))
	usages := map[string][]gin.H{}
	for _, v := range page.Items {
		if _, done := usages[v.Digest]; !done {
			us, err := st.ImageUsages(ctx, tenantID, v.Digest, 100)
			if err != nil {
				a.fail(c, err)
				return
			}
			list := make([]gin.H, 0, len(us))
			for _, u := range us {
				list = append(list, gin.H{"target_id": u.TargetID, "target_name": u.TargetName, "namespace": u.Namespace,
					"workload": u.Workload, "container": u.Container, "image": u.Image})
			}
			usages[v.Digest] = list
		}
		images = append(images, gin.H{"digest": v.Digest, "registry": v.Registry, "repository": v.Repository, "advisory": v.AdvisoryID,
			"package": v.Component, "installed": v.Installed, "fixed": v.Fixed, "not_affected": v.NotAffected, "usages": usages[v.Digest]})
	}
	feeds, err := a.feedsJSON(ctx, st)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := make([]gin.H, 0, len(advs))
	for _, adv := range advs {
		list = append(list, gin.H{"id": adv.ID, "aliases": nonNil(adv.Aliases), "severity": vulns.SeverityName(adv.Severity), "cvss": adv.CVSS,
			"cvss_vector": adv.CVSSVector, "summary": adv.Summary, "details": adv.Details, "references": nonNil(adv.References),
			"published": adv.Published, "modified": adv.Modified, "withdrawn": adv.Withdrawn, "feed": adv.Feed})
	}
	c.JSON(http.StatusOK, gin.H{"query": id, "advisories": list, "images": images, "truncated": page.NextCursor != "", "advisory_data": feeds})
}

func (a *api) getImageSBOM(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	digest := c.Param("digest")
	if !digestPattern.MatchString(digest) {
		a.fail(c, posture.Errorf(posture.EINVALID, "digest must be sha256:<64 hex>"))
		return
	}
	s, err := st.SBOM(c.Request.Context(), tenantOf(c).Tenant.ID, digest)
	if err != nil {
		a.fail(c, err)
		return
	}
	subject := digest
	if a.opts.Images != nil {
		if rec, err := a.opts.Images.ImageRecord(c.Request.Context(), tenantOf(c).Tenant.ID, digest); err == nil {
			subject = rec.Image.Registry + "/" + rec.Image.Repository
		}
	}
	c.Header("Content-Type", "application/vnd.cyclonedx+json")
	c.Header("Content-Disposition", `attachment; filename="sbom-`+strings.Replace(digest, ":", "-", 1)[:7+19]+`.cdx.json"`)
	c.Status(http.StatusOK)
	if err := sbom.WriteCycloneDX(c.Writer, s, subject); err != nil {
		a.log.ErrorContext(c.Request.Context(), "write SBOM", "request_id", requestID(c), "error", err.Error())
	}
}

func sbomInfoJSON(in vulns.SBOMInfo) gin.H {
	distro := ""
	if in.Distro != nil {
		distro = strings.TrimSpace(in.Distro.ID + " " + in.Distro.Version)
	}
	return gin.H{"source": in.Source, "format": in.Format, "origin": in.Origin, "tool": in.Tool, "created_at": in.CreatedAt,
		"observed_at": in.ObservedAt, "distro": distro, "components": in.Components, "problems": nonNil(in.Problems)}
}

func countsJSON(v *imagefacts.Vulnerabilities) gin.H {
	if v == nil {
		v = &imagefacts.Vulnerabilities{}
	}
	return gin.H{"critical": v.Critical, "high": v.High, "medium": v.Medium, "low": v.Low, "unknown": v.Unknown,
		"fixable_critical": v.FixableCritical, "fixable_high": v.FixableHigh, "not_affected": v.NotAffected}
}

func (a *api) uploadImageSBOM(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	digest := c.Param("digest")
	if !digestPattern.MatchString(digest) {
		a.fail(c, posture.Errorf(posture.EINVALID, "digest must be sha256:<64 hex>"))
		return
	}
	var doc *sbom.SBOM
	var err error
	if f := c.Query("format"); f != "" {
		doc, err = sbom.ParseFormat(c.Request.Body, sbom.Format(f), a.opts.MaxUploadBytes)
	} else {
		doc, err = sbom.Parse(c.Request.Body, a.opts.MaxUploadBytes)
	}
	if err != nil {
		if big := bodyTooLarge(err); big != nil {
			err = big
		}
		a.fail(c, err)
		return
	}
	tenantID, actor := tenantOf(c).Tenant.ID, principalOf(c).actor()
	doc.Digest, doc.Source, doc.ObservedAt = digest, sbom.SourceUpload, a.now().UTC()
	doc.Origin = "upload by " + actor
	if doc.Tool != "" {
		doc.Origin += " (" + doc.Tool + ")"
	}
	ctx, settle := audited(a, c, "sbom.upload", func(vulns.SBOMSaved) auditLine {
		return auditLine{object: "image/" + digest, after: gin.H{"format": doc.Format, "tool": doc.Tool, "components": len(doc.Components)}}
	})
	saved, err := st.Ingest(ctx, tenantID, doc)
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(saved)
	infos, err := st.SBOMInfos(c.Request.Context(), tenantID, []string{digest})
	if err != nil {
		a.fail(c, err)
		return
	}
	sums, err := st.Summaries(c.Request.Context(), tenantID, []string{digest})
	if err != nil {
		a.fail(c, err)
		return
	}
	out := gin.H{"stored": saved.Kept == "", "sbom": sbomInfoJSON(infos[digest]), "vulnerabilities": countsJSON(sums[digest])}
	if saved.Kept != "" {
		out["kept_by"] = saved.Kept
	}
	c.JSON(http.StatusOK, out)
}

func (a *api) listVEX(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	list, err := st.ListVEX(c.Request.Context(), tenantOf(c).Tenant.ID, c.Query("expired") == "true")
	if err != nil {
		a.fail(c, err)
		return
	}
	if list == nil {
		list = []vulns.VEXStatement{}
	}
	c.JSON(http.StatusOK, gin.H{"items": list})
}

type vexInput struct {
	Vulnerability string    `json:"vulnerability"`
	Digest        string    `json:"digest"`
	Component     string    `json:"component"`
	Justification string    `json:"justification"`
	Reason        string    `json:"reason"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// maxVEXLifetime bounds a statement's expiry, as exceptions are bounded: a statement must
// be looked at again.
const maxVEXLifetime = 366 * 24 * time.Hour

func (a *api) createVEX(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	var in vexInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if in.ExpiresAt.After(a.now().Add(maxVEXLifetime)) {
		a.fail(c, posture.Errorf(posture.EINVALID, "expires_at must be within a year: a statement must be reviewed"))
		return
	}
	v := &vulns.VEXStatement{Vulnerability: strings.TrimSpace(in.Vulnerability), Digest: in.Digest, Component: strings.TrimSpace(in.Component),
		Justification: in.Justification, Reason: strings.TrimSpace(in.Reason), ExpiresAt: in.ExpiresAt, CreatedBy: principalOf(c).actor()}
	ctx, settle := audited(a, c, "vex.create", func(*vulns.VEXStatement) auditLine {
		return auditLine{object: "vex/" + v.Vulnerability, after: v}
	})
	if err := st.CreateVEX(ctx, tenantOf(c).Tenant.ID, v); err != nil {
		a.fail(c, err)
		return
	}
	settle(v)
	c.JSON(http.StatusCreated, v)
}

func (a *api) revokeVEX(c *gin.Context) {
	st, ok := a.vulns(c)
	if !ok {
		return
	}
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "vex.revoke", func(bool) auditLine {
		return auditLine{object: "vex/" + strconv.FormatInt(id, 10)}
	})
	if err := st.RevokeVEX(ctx, tenantOf(c).Tenant.ID, id); err != nil {
		a.fail(c, err)
		return
	}
	settle(true)
	c.Status(http.StatusNoContent)
}

// addVulnerabilities adds an image's SBOM, vulnerability counts and feeds to its detail.
func (a *api) addVulnerabilities(ctx context.Context, tenantID int64, digest string, out *imageDetailJSON) error {
	if a.opts.Vulns == nil {
		return nil
	}
	sums, err := a.opts.Vulns.Summaries(ctx, tenantID, []string{digest})
	if err != nil {
		return err
	}
	v := sums[digest]
	out.Vulnerabilities = countsJSON(v)
	null := gin.H(nil)
	out.SBOM = &null
	if v != nil && v.SBOM != nil {
		infos, err := a.opts.Vulns.SBOMInfos(ctx, tenantID, []string{digest})
		if err != nil {
			return err
		}
		info := sbomInfoJSON(infos[digest])
		out.SBOM = &info
	}
	if v != nil {
		out.AdvisoryFeeds = []gin.H{}
		for _, f := range v.Feeds {
			out.AdvisoryFeeds = append(out.AdvisoryFeeds, gin.H{"ecosystem": f.Ecosystem, "configured": f.Configured,
				"refreshed_at": f.RefreshedAt, "feed_date": f.FeedDate, "error": f.Error, "max_age_hours": a.advisoryMaxAgeHours()})
		}
	}
	return nil
}
