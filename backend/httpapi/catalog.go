package httpapi

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
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
	Compliance   *float64         `json:"compliance"`
	Subjects     int              `json:"subjects"`
	Passed       int              `json:"passed"`
	Checks       []string         `json:"checks"`
	OpenFindings int              `json:"open_findings"`
	Attestation  *attestationJSON `json:"attestation"`
}

// modeName is the API's word for a coverage mode.
var modeName = map[csa.Mode]string{csa.ModeAuto: "automated", csa.ModePartial: "partial", csa.ModeAttest: "attest"}

// recommendationStatus: automated recommendations pass or fail on evidence; attest-only ones
// need a valid attestation; partial ones fail on evidence and otherwise need an attestation.
// failed counts open findings, evaluated all results that passed or failed.
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
		cb := ts.combine(posture.ScopeRecommendation, r.ID)
		open, tally := cb.OpenBySeverity.Total(), cb.Recs[r.ID]
		item := recommendationJSON{ID: r.ID, Area: r.Area(), AreaTitle: csa.AreaTitles[r.Area()], Title: r.Text,
			Mode: modeName[r.Mode], Compliance: round1(cb.Compliance), Subjects: tally.Subjects, Passed: tally.Passed,
			Checks:       append([]string{}, checksOf[r.ID]...),
			OpenFindings: open, Status: recommendationStatus(r.Mode, cb.Evaluated, open, valid[r.ID] != nil)}
		if x := valid[r.ID]; x != nil {
			j := toAttestation(x, now)
			item.Attestation = &j
		}
		items = append(items, item)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
