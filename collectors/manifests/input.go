package manifests

import "github.com/palisade-dev/palisade/backend/posture"

// Some findings are about the manifest rather than the object it describes: the scan reports
// them beside the checks' findings (they fail --fail-on like any other) but they are not
// posture, so they stay out of the score.

// InputCheck is what a report says about such a finding.
type InputCheck struct {
	ID          string
	Title       string
	Description string
	Remediation string
	Severity    posture.Severity
}

// The input checks.
var (
	DuplicateKeyCheck = InputCheck{
		ID:    "manifest.duplicate-key",
		Title: "Ambiguous manifest: a key is given twice",
		Description: "A mapping in the manifest gives the same key twice. kubectl's YAML reader silently keeps the later " +
			"value and the API server's strict field validation refuses the object, so what was reviewed may not be what " +
			"runs. The finding's severity is that of the worst check the hidden (earlier) value fails, low when it fails none.",
		Remediation: "Remove the duplicated key, keeping the value you mean.",
		Severity:    posture.SeverityLow,
	}
	RemovedAPICheck = InputCheck{
		ID:    "manifest.removed-api",
		Title: "apiVersion removed from Kubernetes",
		Description: "The object uses an apiVersion that Kubernetes has removed: current API servers refuse it. Palisade " +
			"still evaluates it as its current version, so its settings are judged.",
		Remediation: "Move the manifest to the current apiVersion (kubectl convert, or by hand) and review the fields that changed.",
		Severity:    posture.SeverityMedium,
	}
)

// InputChecks lists the input checks, for reports that declare every check (SARIF rules).
func InputChecks() []InputCheck { return []InputCheck{DuplicateKeyCheck, RemovedAPICheck} }

// InputCheckByID returns an input check by ID.
func InputCheckByID(id string) (InputCheck, bool) {
	for _, c := range InputChecks() {
		if c.ID == id {
			return c, true
		}
	}
	return InputCheck{}, false
}

// removedAPIs maps apiVersions Kubernetes removed, per kind, to the current one and the
// release that removed them (the deprecation guide).
var removedAPIs = map[gvk]struct{ now, removedIn string }{
	{"extensions/v1beta1", "Deployment"}:                        {"apps/v1", "1.16"},
	{"apps/v1beta1", "Deployment"}:                              {"apps/v1", "1.16"},
	{"apps/v1beta2", "Deployment"}:                              {"apps/v1", "1.16"},
	{"extensions/v1beta1", "DaemonSet"}:                         {"apps/v1", "1.16"},
	{"apps/v1beta2", "DaemonSet"}:                               {"apps/v1", "1.16"},
	{"extensions/v1beta1", "ReplicaSet"}:                        {"apps/v1", "1.16"},
	{"apps/v1beta2", "ReplicaSet"}:                              {"apps/v1", "1.16"},
	{"apps/v1beta1", "StatefulSet"}:                             {"apps/v1", "1.16"},
	{"apps/v1beta2", "StatefulSet"}:                             {"apps/v1", "1.16"},
	{"extensions/v1beta1", "NetworkPolicy"}:                     {"networking.k8s.io/v1", "1.16"},
	{"extensions/v1beta1", "Ingress"}:                           {"networking.k8s.io/v1", "1.22"},
	{"networking.k8s.io/v1beta1", "Ingress"}:                    {"networking.k8s.io/v1", "1.22"},
	{"rbac.authorization.k8s.io/v1beta1", "Role"}:               {"rbac.authorization.k8s.io/v1", "1.22"},
	{"rbac.authorization.k8s.io/v1beta1", "ClusterRole"}:        {"rbac.authorization.k8s.io/v1", "1.22"},
	{"rbac.authorization.k8s.io/v1beta1", "RoleBinding"}:        {"rbac.authorization.k8s.io/v1", "1.22"},
	{"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"}: {"rbac.authorization.k8s.io/v1", "1.22"},
	{"storage.k8s.io/v1beta1", "StorageClass"}:                  {"storage.k8s.io/v1", "1.22"},
	{"batch/v1beta1", "CronJob"}:                                {"batch/v1", "1.25"},
	{"policy/v1beta1", "PodDisruptionBudget"}:                   {"policy/v1", "1.25"},
	{"autoscaling/v2beta1", "HorizontalPodAutoscaler"}:          {"autoscaling/v2", "1.25"},
	{"autoscaling/v2beta2", "HorizontalPodAutoscaler"}:          {"autoscaling/v2", "1.26"},
}

// RemovedAPI is an object read from an apiVersion Kubernetes removed, evaluated as the
// current one.
type RemovedAPI struct {
	Source     string
	Document   int
	Item       int
	Label      string
	AssetKey   string
	APIVersion string // as written
	Kind       string
	Current    string // the apiVersion it was evaluated as
	RemovedIn  string // "1.16"
}
