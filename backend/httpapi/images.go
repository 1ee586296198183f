package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

// ImageStore serves the image facts, where images run, and trust policies (backend/store).
type ImageStore interface {
	ListImageFacts(ctx context.Context, tenantID int64, q imagefacts.Query) ([]imagefacts.Record, error)
	ImageRecord(ctx context.Context, tenantID int64, digest string) (*imagefacts.Record, error)
	ImageUsages(ctx context.Context, tenantID int64, digest string, limit int) ([]imagefacts.Usage, error)
	ImageUsageCounts(ctx context.Context, tenantID int64, digests []string) (map[string]int, error)
	TrustPolicy(ctx context.Context, tenantID int64) (string, int64, error)
	SaveTrustPolicy(ctx context.Context, tenantID int64, policyJSON, by string) (int64, error)
}

type imageSummaryJSON struct {
	Digest      string     `json:"digest"`
	Registry    string     `json:"registry"`
	Repository  string     `json:"repository"`
	Tags        []string   `json:"tags"`
	Platforms   []string   `json:"platforms"`
	Created     *time.Time `json:"created,omitempty"`
	Size        int64      `json:"size"`
	User        string     `json:"user"`
	Signed      *bool      `json:"signed,omitempty"` // nil: not judged
	SignedBy    string     `json:"signed_by,omitempty"`
	Provenance  *bool      `json:"provenance,omitempty"`
	TrustRule   string     `json:"trust_rule,omitempty"`
	TrustReason []string   `json:"trust_reasons,omitempty"`
	RunningIn   int        `json:"running_in"` // containers
	ObservedAt  time.Time  `json:"observed_at"`
}

type variantJSON struct {
	Digest          string            `json:"digest"`
	Platform        string            `json:"platform"`
	Created         *time.Time        `json:"created,omitempty"`
	Size            int64             `json:"size"`
	Layers          int               `json:"layers"`
	User            string            `json:"user"`
	ExposedPorts    []string          `json:"exposed_ports"`
	EnvNames        []string          `json:"env_names"`
	SecretEnv       []string          `json:"secret_env"`
	Labels          map[string]string `json:"labels"`
	Shell           string            `json:"shell,omitempty"`
	PackageManagers []string          `json:"package_managers"`
	BaseImage       string            `json:"base_image,omitempty"`
}

type verificationJSON struct {
	Format        string `json:"format"`
	Source        string `json:"source"`
	Attestation   bool   `json:"attestation"`
	PredicateType string `json:"predicate_type,omitempty"`
	Verified      bool   `json:"verified"`
	Identity      string `json:"identity,omitempty"`
	Reason        string `json:"reason"`
}

type usageJSON struct {
	TargetID   int64     `json:"target_id"`
	TargetName string    `json:"target_name"`
	Namespace  string    `json:"namespace"`
	Workload   string    `json:"workload"`
	Container  string    `json:"container"`
	Image      string    `json:"image"`
	SeenAt     time.Time `json:"seen_at"`
}

type imageDetailJSON struct {
	imageSummaryJSON
	MediaType     string             `json:"media_type"`
	Variants      []variantJSON      `json:"variants"`
	Verifications []verificationJSON `json:"verifications"`
	Problems      []string           `json:"problems"`
	Usages        []usageJSON        `json:"usages"`
	// Set when vulnerabilities are available: the SBOM (null: never scanned), counts and
	// the advisory feeds the image's packages need.
	SBOM            *gin.H  `json:"sbom,omitempty"`
	Vulnerabilities gin.H   `json:"vulnerabilities,omitempty"`
	AdvisoryFeeds   []gin.H `json:"advisory_feeds,omitempty"`
}

func toImageSummary(r imagefacts.Record, running int) imageSummaryJSON {
	im := r.Image
	out := imageSummaryJSON{Digest: im.Digest, Registry: im.Registry, Repository: im.Repository, Tags: nonNil(r.Tags),
		Platforms: []string{}, Created: im.Created(), RunningIn: running, ObservedAt: im.ObservedAt}
	if len(out.Tags) == 0 {
		out.Tags = nonNil(im.Tags)
	}
	for _, v := range im.Variants {
		out.Platforms = append(out.Platforms, v.Platform.String())
		out.Size += v.Size
	}
	if len(im.Variants) > 0 {
		out.User = im.Variants[0].User
	}
	if tr := im.Trust; tr != nil {
		signed, prov := tr.Signed, tr.Provenance
		out.Signed, out.Provenance, out.SignedBy, out.TrustRule, out.TrustReason = &signed, &prov, tr.SignedBy, tr.Rule, nonNil(tr.Reasons)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *api) images() (ImageStore, bool) { return a.opts.Images, a.opts.Images != nil }

func (a *api) noImages(c *gin.Context) {
	a.fail(c, posture.Errorf(EUNAVAILABLE, "image facts are not available in this build"))
}

func (a *api) listImages(c *gin.Context) {
	st, ok := a.images()
	if !ok {
		a.noImages(c)
		return
	}
	limit := 100
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			a.fail(c, posture.Errorf(posture.EINVALID, "limit must be 1 to 500"))
			return
		}
		limit = n
	}
	q := imagefacts.Query{Registry: c.Query("registry"), Repository: c.Query("repository"), Workload: c.Query("workload"),
		Cursor: c.Query("cursor"), Limit: limit + 1}
	if s := c.Query("target"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			a.fail(c, posture.Errorf(posture.EINVALID, "target must be a target id"))
			return
		}
		q.TargetID = id
	}
	tenantID := tenantOf(c).Tenant.ID
	recs, err := st.ListImageFacts(c.Request.Context(), tenantID, q)
	if err != nil {
		a.fail(c, err)
		return
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[limit-1].Image
		next = last.Registry + "|" + last.Repository + "|" + last.Digest
	}
	digests := make([]string, len(recs))
	for i, r := range recs {
		digests[i] = r.Image.Digest
	}
	counts, err := st.ImageUsageCounts(c.Request.Context(), tenantID, digests)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]imageSummaryJSON, len(recs))
	for i, r := range recs {
		items[i] = toImageSummary(r, counts[r.Image.Digest])
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

var digestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

func (a *api) getImage(c *gin.Context) {
	st, ok := a.images()
	if !ok {
		a.noImages(c)
		return
	}
	digest := c.Param("digest")
	if !digestPattern.MatchString(digest) {
		a.fail(c, posture.Errorf(posture.EINVALID, "digest must be sha256:<64 hex>"))
		return
	}
	tenantID := tenantOf(c).Tenant.ID
	rec, err := st.ImageRecord(c.Request.Context(), tenantID, digest)
	if err != nil {
		a.fail(c, err)
		return
	}
	usages, err := st.ImageUsages(c.Request.Context(), tenantID, digest, 500)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := imageDetailJSON{imageSummaryJSON: toImageSummary(*rec, len(usages)), MediaType: rec.Image.MediaType,
		Variants: []variantJSON{}, Verifications: []verificationJSON{}, Problems: nonNil(rec.Image.Problems), Usages: []usageJSON{}}
	for _, v := range rec.Image.Variants {
		vj := variantJSON{Digest: v.Digest, Platform: v.Platform.String(), Created: v.Created, Size: v.Size, Layers: v.Layers,
			User: v.User, ExposedPorts: nonNil(v.ExposedPorts), EnvNames: nonNil(v.EnvNames), SecretEnv: []string{},
			Labels: v.Labels, Shell: v.Shell, PackageManagers: nonNil(v.PackageManagers), BaseImage: v.BaseImage}
		if vj.Labels == nil {
			vj.Labels = map[string]string{}
		}
		for _, e := range v.SecretEnv {
			vj.SecretEnv = append(vj.SecretEnv, e.Name)
		}
		out.Variants = append(out.Variants, vj)
	}
	for _, v := range rec.Image.Verifications {
		out.Verifications = append(out.Verifications, verificationJSON{Format: string(v.Format), Source: v.Source,
			Attestation: v.Attestation, PredicateType: v.PredicateType, Verified: v.Verified, Identity: v.Identity, Reason: v.Reason})
	}
	for _, u := range usages {
		out.Usages = append(out.Usages, usageJSON{TargetID: u.TargetID, TargetName: u.TargetName, Namespace: u.Namespace,
			Workload: u.Workload, Container: u.Container, Image: u.Image, SeenAt: u.SeenAt})
	}
	if err := a.addVulnerabilities(c.Request.Context(), tenantID, digest, &out); err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

type trustPolicyJSON struct {
	Policy  json.RawMessage `json:"policy"`
	Version int64           `json:"version"`
}

func (a *api) getTrustPolicy(c *gin.Context) {
	st, ok := a.images()
	if !ok {
		a.noImages(c)
		return
	}
	raw, version, err := st.TrustPolicy(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	if raw == "" {
		raw = `{"rules":[]}`
	}
	c.JSON(http.StatusOK, trustPolicyJSON{Policy: json.RawMessage(raw), Version: version})
}

type trustPolicyInput struct {
	Policy *imagetrust.Policy `json:"policy"`
}

func (a *api) putTrustPolicy(c *gin.Context) {
	st, ok := a.images()
	if !ok {
		a.noImages(c)
		return
	}
	var in trustPolicyInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if in.Policy == nil {
		a.fail(c, posture.Errorf(posture.EINVALID, "policy is required"))
		return
	}
	if in.Policy.Rules == nil {
		in.Policy.Rules = []imagetrust.Rule{}
	}
	if err := in.Policy.Validate(); err != nil {
		a.fail(c, posture.Errorf(posture.EINVALID, "%s", strings.TrimPrefix(err.Error(), "trust policy: ")))
		return
	}
	canonical, err := json.Marshal(in.Policy)
	if err != nil {
		a.fail(c, err)
		return
	}
	tenantID := tenantOf(c).Tenant.ID
	before, _, err := st.TrustPolicy(c.Request.Context(), tenantID)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "trust_policy.update", func(v *int64) auditLine {
		l := auditLine{object: "trust-policy", before: json.RawMessage(orEmptyPolicy(before))}
		if v != nil {
			l.after = json.RawMessage(canonical)
		}
		return l
	})
	version, err := st.SaveTrustPolicy(ctx, tenantID, string(canonical), principalOf(c).actor())
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(&version)
	c.JSON(http.StatusOK, trustPolicyJSON{Policy: canonical, Version: version})
}

func orEmptyPolicy(s string) string {
	if s == "" {
		return `{"rules":[]}`
	}
	return s
}
