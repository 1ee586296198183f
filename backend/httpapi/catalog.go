package httpapi

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

type checkJSON struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	CSA         []string `json:"csa"`
	Kinds       []string `json:"kinds"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references"`
	Custom      bool     `json:"custom"`
}

func (a *api) listChecks(c *gin.Context) {
	items := []checkJSON{}
	if a.opts.Catalog != nil {
		for _, ch := range a.opts.Catalog.Checks() {
			kinds := append([]string{string(ch.Applies)}, ch.Needs...)
			items = append(items, checkJSON{ID: ch.ID, Title: ch.Title, Severity: ch.Severity.String(),
				CSA: append([]string{}, ch.CSA...), Kinds: kinds, Remediation: ch.Remediation.Text,
				References: referenceStrings(ch.References), Custom: ch.Custom})
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type recommendationJSON struct {
	ID           string           `json:"id"`
	Area         string           `json:"area"`
	AreaTitle    string           `json:"area_title"`
	Title        string           `json:"title"`
	Mode         string           `json:"mode"`
	Status       string           `json:"status"`
	Score        *float64         `json:"score"`
	Checks       []string         `json:"checks"`
	OpenFindings int              `json:"open_findings"`
	Attestation  *attestationJSON `json:"attestation"`
}

// modeName is the API's word for a coverage mode.
var modeName = map[csa.Mode]string{csa.ModeAuto: "automated", csa.ModePartial: "partial", csa.ModeAttest: "attest"}

// recommendationStatus: automated recommendations pass or fail on evidence; attest-only ones
// need a valid attestation; partial ones fail on evidence and otherwise need an attestation.
// failed counts failed check results only (checkFailures), evaluated all results.
func recommendationStatus(mode csa.Mode, evaluated, failed int, attested bool) string {
	switch {
	case mode != csa.ModeAttest && failed > 0:
		return "failing"
	case mode != csa.ModeAuto && attested:
		return "attested"
	case mode != csa.ModeAuto:
		return "needs_attestation"
	case evaluated == 0:
		return "not_evaluated"
	}
	return "passing"
}

// checkFailures counts the failed check results in a recommendation's snapshots (one per
// target). Scores count a missing attestation as one failed result of an attest or partial
// recommendation (scoring.AttestationCheckID), which is no finding: a snapshot that needed
// an attestation holds one such failure, taken out here.
func checkFailures(mode csa.Mode, snaps []posture.ScoreSnapshot) int {
	n := 0
	for _, s := range snaps {
		f := s.Failed
		if mode != csa.ModeAuto {
			f -= s.NeedsAttestation
		}
		n += max(f, 0)
	}
	return n
}

func (a *api) listRecommendations(c *gin.Context) {
	ts, err := a.loadTenantSnapshots(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	atts, err := a.opts.Store.ListAttestations(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	now := a.now()
	valid := map[string]*posture.Attestation{}
	for i := range atts {
		if x := &atts[i]; x.Valid(now) && valid[x.CSAID] == nil {
			valid[x.CSAID] = x // newest first: the newest valid one represents it
		}
	}
	checksOf := map[string][]string{}
	if a.opts.Catalog != nil {
		for _, rc := range a.opts.Catalog.Recommendations() {
			checksOf[rc.ID] = rc.Checks
		}
	}
	items := make([]recommendationJSON, 0, 54)
	for _, r := range csa.All() {
		snaps := ts.byScope[posture.ScopeRecommendation+"/"+r.ID]
		cb, failed := scoring.Combine(snaps), checkFailures(r.Mode, snaps)
		item := recommendationJSON{ID: r.ID, Area: r.Area(), AreaTitle: csa.AreaTitles[r.Area()], Title: r.Text,
			Mode: modeName[r.Mode], Score: round1(cb.Value), Checks: append([]string{}, checksOf[r.ID]...),
			OpenFindings: failed, Status: recommendationStatus(r.Mode, cb.Evaluated, failed, valid[r.ID] != nil)}
		if x := valid[r.ID]; x != nil {
			j := toAttestation(x, now)
			item.Attestation = &j
		}
		items = append(items, item)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
