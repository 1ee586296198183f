package posture

// WatchedStateVersion is the version of the layout of WatchedState. States of different
// versions are not compared: a run after an upgrade that changes the layout is a new
// baseline rather than a flood of false drift.
const WatchedStateVersion = 1

// Kinds of watched objects (WatchedObject.Kind).
const (
	WatchedWorkload           = "Workload"
	WatchedNamespace          = "Namespace"
	WatchedRoleBinding        = "RoleBinding"
	WatchedClusterRoleBinding = "ClusterRoleBinding"
	WatchedNetworkPolicy      = "NetworkPolicy"
	WatchedBackupSchedule     = "VeleroSchedule"
)

// WatchedState is what a complete run saw of the configuration fields Palisade watches
// for drift even when no check flags them: workload security contexts, the image digests
// behind tags, RBAC bindings, classification labels, NetworkPolicies and backup Schedules.
// It holds normalised field values only: never Secret data, environment values or
// annotations. Built by backend/watch, compared by alerting.ConfigDrift, stored by the store
// with the run.
type WatchedState struct {
	Version int `json:"v"`
	// LabelKeys are the label keys watched when the state was taken; labels are compared
	// only under keys watched by both states (a configuration change is not drift).
	LabelKeys []string `json:"labels,omitempty"`
	// Incomplete lists the object kinds (Watched*) that were not all seen (not collected, or
	// over a size limit): no object of such a kind is reported new or deleted.
	Incomplete []string `json:"incomplete,omitempty"`
	// Objects by asset key.
	Objects map[string]WatchedObject `json:"objects"`
}

// IsIncomplete reports whether objects of kind were not all seen.
func (s *WatchedState) IsIncomplete(kind string) bool {
	for _, k := range s.Incomplete {
		if k == kind {
			return true
		}
	}
	return false
}

// WatchedObject is the watched configuration of one object. Field paths are relative to
// the pod spec for workloads ("hostNetwork", "containers[web].securityContext.privileged",
// "volumes[data].hostPath"); lists are sorted so that reordering is no change.
type WatchedObject struct {
	Kind      string `json:"k"`
	Namespace string `json:"ns,omitempty"`
	// Security holds a workload's security-relevant pod spec fields by path; a field at its
	// default is absent.
	Security map[string]string `json:"sc,omitempty"`
	// Images maps a container ("containers[web]") to its image reference; Digests maps the
	// same container to the sorted image digests its pods reported running for that
	// reference (absent for a reference pinned by digest, or when no pod reported one).
	Images  map[string]string   `json:"img,omitempty"`
	Digests map[string][]string `json:"dig,omitempty"`
	// Labels are the object's labels under the watched keys; PodLabels those of a
	// workload's pod template.
	Labels    map[string]string `json:"l,omitempty"`
	PodLabels map[string]string `json:"pl,omitempty"`
	// RoleRef ("ClusterRole/view") and sorted Subjects ("User:alice",
	// "ServiceAccount:ns/name") of a binding.
	RoleRef  string   `json:"rr,omitempty"`
	Subjects []string `json:"sub,omitempty"`
	// Risk says why the bound role is powerful ("cluster-admin", "admin", "wildcard"); it
	// sets the severity of a new binding and is not itself compared.
	Risk string `json:"risk,omitempty"`
	// Truncated: the object had more entries than the limits keep; what was kept is compared.
	Truncated bool `json:"t,omitempty"`
}
