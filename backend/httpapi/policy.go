package httpapi

import "github.com/palisade-dev/palisade/backend/posture"

// Permission names one kind of action. Every route needs exactly one (see routes in api.go);
// the table below is the only place that says which role holds which.
type Permission string

const (
	// PermAuthenticated: any signed-in caller, for routes that read only the caller's own data.
	PermAuthenticated Permission = "authenticated"
	PermRead          Permission = "read"           // targets, findings, scores, catalog, inventory
	PermTargetWrite   Permission = "target.write"   // add, change and delete targets
	PermRunNow        Permission = "target.run"     // start a collection now
	PermTriage        Permission = "finding.triage" // triage state and assignee
	PermExceptionAsk  Permission = "exception.request"
	PermExceptionRule Permission = "exception.decide"
	PermAttest        Permission = "attestation.write"
	PermTrustWrite    Permission = "trust.write" // the image trust policy: whose signatures count
	PermSBOMWrite     Permission = "sbom.write"  // upload an image's SBOM or scanner report (CI)
	PermAlertWrite    Permission = "alert.write" // notification channels and alert rules
	PermAuditRead     Permission = "audit.read"  // the audit log and its export
	PermAdminRead     Permission = "admin.read"  // role mappings and API tokens (without secrets)
	PermAdminWrite    Permission = "admin.write"
)

// policy says what each role may do in a tenant. The auditor reads everything and changes
// nothing; the viewer sees posture but not the audit log or access settings.
var policy = map[posture.Role][]Permission{
	posture.RoleAdmin: {PermAuthenticated, PermRead, PermTargetWrite, PermRunNow, PermTriage, PermExceptionAsk,
		PermExceptionRule, PermAttest, PermTrustWrite, PermSBOMWrite, PermAlertWrite, PermAuditRead, PermAdminRead, PermAdminWrite},
	posture.RoleSecurityManager: {PermAuthenticated, PermRead, PermRunNow, PermTriage, PermExceptionAsk,
		PermExceptionRule, PermAttest, PermTrustWrite, PermSBOMWrite, PermAlertWrite, PermAuditRead},
	posture.RoleOperator: {PermAuthenticated, PermRead, PermTargetWrite, PermRunNow, PermTriage, PermExceptionAsk, PermSBOMWrite},
	posture.RoleAuditor:  {PermAuthenticated, PermRead, PermAuditRead, PermAdminRead},
	posture.RoleViewer:   {PermAuthenticated, PermRead},
}

// Allowed reports whether role holds perm.
func Allowed(role posture.Role, perm Permission) bool {
	for _, p := range policy[role] {
		if p == perm {
			return true
		}
	}
	return false
}
