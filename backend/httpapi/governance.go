package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

func (a *api) listExceptions(c *gin.Context) {
	list, err := a.opts.Store.ListExceptions(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]exceptionJSON, len(list))
	for i := range list {
		items[i] = toException(&list[i])
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// exceptionReport lists the approved exceptions that expire within within_days (default
// 14) and those that cover nothing any more.
func (a *api) exceptionReport(c *gin.Context) {
	days, err := queryInt(c, "within_days", 14, 1, 366)
	if err != nil {
		a.fail(c, err)
		return
	}
	rep, err := a.opts.Store.ExceptionReport(c.Request.Context(), tenantOf(c).Tenant.ID, time.Duration(days)*24*time.Hour)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := exceptionReportJSON{GeneratedAt: rep.GeneratedAt, WithinDays: days,
		Expiring: make([]exceptionJSON, len(rep.Expiring)), Unmatched: make([]unmatchedExceptionJSON, len(rep.Unmatched))}
	for i := range rep.Expiring {
		out.Expiring[i] = toException(&rep.Expiring[i])
	}
	for i := range rep.Unmatched {
		out.Unmatched[i] = unmatchedExceptionJSON{Exception: toException(&rep.Unmatched[i].Exception), Reason: rep.Unmatched[i].Reason}
	}
	c.JSON(http.StatusOK, out)
}

type exceptionReportJSON struct {
	GeneratedAt time.Time                `json:"generated_at"`
	WithinDays  int64                    `json:"within_days"`
	Expiring    []exceptionJSON          `json:"expiring"`
	Unmatched   []unmatchedExceptionJSON `json:"unmatched"`
}

type unmatchedExceptionJSON struct {
	Exception exceptionJSON `json:"exception"`
	Reason    string        `json:"reason"`
}

type exceptionInput struct {
	FindingID     *int64    `json:"finding_id"`
	CheckID       string    `json:"check_id"`
	TargetID      *int64    `json:"target_id"`
	Namespace     string    `json:"namespace"`
	LabelSelector string    `json:"label_selector"`
	Reason        string    `json:"reason"`
	ExpiresAt     time.Time `json:"expires_at"`
}

func (a *api) requestException(c *gin.Context) {
	var in exceptionInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	if in.CheckID != "" && a.check(in.CheckID) == nil {
		a.fail(c, posture.Errorf(posture.EINVALID, "unknown check %q", in.CheckID))
		return
	}
	e := &posture.Exception{TenantID: tenantOf(c).Tenant.ID, FindingID: in.FindingID, CheckID: in.CheckID,
		TargetID: in.TargetID, Namespace: in.Namespace, LabelSelector: in.LabelSelector, Reason: in.Reason,
		RequestedBy: principalOf(c).person(), ExpiresAt: in.ExpiresAt}
	ctx, settle := audited(a, c, "exception.request", func(any) auditLine {
		return auditLine{"exception:" + strconv.FormatInt(e.ID, 10), nil, toException(e)}
	})
	if err := a.opts.Store.CreateException(ctx, e); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusCreated, toException(e))
}

func (a *api) getException(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	e, err := a.opts.Store.Exception(c.Request.Context(), tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toException(e))
}

func (a *api) decideException(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var in struct {
		Decision posture.ExceptionStatus `json:"decision"`
	}
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	switch in.Decision {
	case posture.ExceptionApproved, posture.ExceptionRejected, posture.ExceptionRevoked:
	default:
		a.fail(c, posture.Errorf(posture.EINVALID, "decision must be approved, rejected or revoked"))
		return
	}
	tenantID := tenantOf(c).Tenant.ID
	before, err := a.opts.Store.Exception(c.Request.Context(), tenantID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "exception."+string(in.Decision), func(e *posture.Exception) auditLine {
		l := auditLine{object: "exception:" + strconv.FormatInt(id, 10), before: toException(before)}
		if e != nil {
			l.after = toException(e)
		}
		return l
	})
	e, err := a.opts.Store.DecideException(ctx, tenantID, id, in.Decision, principalOf(c).person())
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(e)
	c.JSON(http.StatusOK, toException(e))
}

func (a *api) listAttestations(c *gin.Context) {
	list, err := a.opts.Store.ListAttestations(c.Request.Context(), tenantOf(c).Tenant.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	now := a.now()
	items := make([]attestationJSON, len(list))
	for i := range list {
		items[i] = toAttestation(&list[i], now)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type attestationInput struct {
	CSAID       string    `json:"csa_id"`
	Statement   string    `json:"statement"`
	EvidenceURL string    `json:"evidence_url"`
	Owner       string    `json:"owner"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func (a *api) createAttestation(c *gin.Context) {
	var in attestationInput
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	rec, ok := csa.Lookup(in.CSAID)
	if !ok {
		a.fail(c, posture.Errorf(posture.EINVALID, "unknown CSA recommendation %q", in.CSAID))
		return
	}
	if rec.Mode == csa.ModeAuto {
		a.fail(c, posture.Errorf(posture.EINVALID, "%s is evaluated by checks; only attest and partial recommendations take attestations", in.CSAID))
		return
	}
	x := &posture.Attestation{TenantID: tenantOf(c).Tenant.ID, CSAID: in.CSAID, Statement: in.Statement,
		EvidenceURL: in.EvidenceURL, Owner: in.Owner, CreatedBy: principalOf(c).actor(), ExpiresAt: in.ExpiresAt}
	ctx, settle := audited(a, c, "attestation.create", func(any) auditLine {
		return auditLine{"attestation:" + strconv.FormatInt(x.ID, 10), nil, toAttestation(x, a.now())}
	})
	if err := a.opts.Store.CreateAttestation(ctx, x); err != nil {
		a.fail(c, err)
		return
	}
	settle(nil)
	c.JSON(http.StatusCreated, toAttestation(x, a.now()))
}

func (a *api) revokeAttestation(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx, settle := audited(a, c, "attestation.revoke", func(x *posture.Attestation) auditLine {
		l := auditLine{object: "attestation:" + strconv.FormatInt(id, 10)}
		if x != nil {
			l.after = toAttestation(x, a.now())
		}
		return l
	})
	x, err := a.opts.Store.RevokeAttestation(ctx, tenantOf(c).Tenant.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	settle(x)
	c.JSON(http.StatusOK, toAttestation(x, a.now()))
}
