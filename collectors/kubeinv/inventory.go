// Package kubeinv is the typed Kubernetes inventory that collectors produce
// (collectors/manifests from files, collectors/kubernetes from a live cluster) and
// that checks read. It holds k8s.io/api typed objects, never Secret data, and
// attributes Pods and intermediate controllers to their top-level workload.
package kubeinv

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// LastAppliedAnnotation is stripped from Secret metadata: kubectl stores the whole
// applied object there, Secret data included.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// SecretMeta is a Secret without its data: there is no field that could hold a value.
type SecretMeta struct {
	metav1.ObjectMeta
	Type corev1.SecretType
	// Keys are the data keys' names only (never values); useful for checks that look for
	// e.g. a tls.key. Collectors may leave it empty.
	Keys []string
}

// VeleroSchedule is the part of a velero.io/v1 Schedule that checks need.
type VeleroSchedule struct {
	Name               string
	Namespace          string
	Schedule           string // cron expression
	IncludedNamespaces []string
	ExcludedNamespaces []string
	Paused             bool
	LastBackup         *time.Time
}

// VeleroBackup is the part of a velero.io/v1 Backup that checks need.
type VeleroBackup struct {
	Name               string
	Namespace          string
	ScheduleName       string // label velero.io/schedule-name
	IncludedNamespaces []string
	ExcludedNamespaces []string
	Phase              string // Completed, PartiallyFailed, Failed, InProgress, ...
	CompletionTime     *time.Time
}

// Covers reports whether a Velero namespace selection (included/excluded lists, "*"
// wildcard, empty included = all) covers namespace ns.
func Covers(included, excluded []string, ns string) bool {
	for _, e := range excluded {
		if e == ns || e == "*" {
			return false
		}
	}
	if len(included) == 0 {
		return true
	}
	for _, i := range included {
		if i == ns || i == "*" {
			return true
		}
	}
	return false
}

// Inventory is everything a collection saw, as typed objects, and which kinds it could
// not see completely (Missing). Pods, ReplicaSets and Jobs are kept raw; Workloads()
// attributes them to their top-level owner.
type Inventory struct {
	Namespaces          []corev1.Namespace
	Nodes               []corev1.Node
	Pods                []corev1.Pod
	Deployments         []appsv1.Deployment
	ReplicaSets         []appsv1.ReplicaSet
	StatefulSets        []appsv1.StatefulSet
	DaemonSets          []appsv1.DaemonSet
	Jobs                []batchv1.Job
	CronJobs            []batchv1.CronJob
	ServiceAccounts     []corev1.ServiceAccount
	Roles               []rbacv1.Role
	ClusterRoles        []rbacv1.ClusterRole
	RoleBindings        []rbacv1.RoleBinding
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
	NetworkPolicies     []networkingv1.NetworkPolicy
	Services            []corev1.Service
	Ingresses           []networkingv1.Ingress
	PVCs                []corev1.PersistentVolumeClaim
	StorageClasses      []storagev1.StorageClass
	ResourceQuotas      []corev1.ResourceQuota
	LimitRanges         []corev1.LimitRange
	PDBs                []policyv1.PodDisruptionBudget
	HPAs                []autoscalingv2.HorizontalPodAutoscaler
	Secrets             []SecretMeta
	VeleroSchedules     []VeleroSchedule
	VeleroBackups       []VeleroBackup

	// Missing holds the kinds (see Kinds) whose objects were not (fully) collected: a
	// live collection that could not list them (forbidden, timed out, failed part-way)
	// marks them with MarkMissing. The slices of those kinds hold what was seen, which
	// may be nothing. Nil or empty: every kind was collected.
	Missing map[string]bool

	// ownedSinceCompact counts Pods, ReplicaSets and Jobs added since the last Compact: a
	// large cluster is compacted as it streams in, so its peak memory is not every pod spec.
	ownedSinceCompact int
	ownedTotal        int
	// podStubs are Pods that Compact attributed to their controller: only what attribution
	// needs is kept (a full corev1.Pod is 1.2 KB even when emptied; a cluster has 100,000).
	podStubs []podStub
	// stubImages are the images the stubs' pods reported running, merged per controller
	// (distinct and bounded: a ReplicaSet's pods mostly run the same), in the order first
	// seen; stubImageIdx indexes them; interned holds their references and container names
	// once each.
	stubImages   []controllerImages
	stubImageIdx map[controllerKey]int
	interned     map[string]string
}

// controllerKey names the controller of compacted pods.
type controllerKey struct {
	namespace, kind, name string
	uid                   types.UID
}

// controllerImages are the images the compacted pods of one controller reported running.
type controllerImages struct {
	controller controllerKey
	images     []PodImage
}

// ErrUnsupported is returned by Add for an object of a kind the inventory does not hold.
type ErrUnsupported struct{ APIVersion, Kind string }

func (e *ErrUnsupported) Error() string {
	return fmt.Sprintf("unsupported kind %s %s", e.APIVersion, e.Kind)
}

// Add routes one typed object (a pointer to a k8s.io/api type, *SecretMeta,
// *metav1.PartialObjectMetadata of kind Secret, *VeleroSchedule or *VeleroBackup) into
// the inventory. Secrets are reduced to metadata
// (a *corev1.Secret's data is never kept). *unstructured.Unstructured is accepted for
// Velero Schedules and Backups. Unknown types return *ErrUnsupported.
func (inv *Inventory) Add(obj any) error {
	switch o := obj.(type) {
	case *corev1.Namespace:
		inv.Namespaces = append(inv.Namespaces, *o)
	case *corev1.Node:
		inv.Nodes = append(inv.Nodes, *o)
	case *corev1.Pod:
		inv.Pods = append(inv.Pods, *o)
		inv.compactEvery()
	case *appsv1.Deployment:
		inv.Deployments = append(inv.Deployments, *o)
	case *appsv1.ReplicaSet:
		inv.ReplicaSets = append(inv.ReplicaSets, *o)
		inv.compactEvery()
	case *appsv1.StatefulSet:
		inv.StatefulSets = append(inv.StatefulSets, *o)
	case *appsv1.DaemonSet:
		inv.DaemonSets = append(inv.DaemonSets, *o)
	case *batchv1.Job:
		inv.Jobs = append(inv.Jobs, *o)
		inv.compactEvery()
	case *batchv1.CronJob:
		inv.CronJobs = append(inv.CronJobs, *o)
	case *corev1.ServiceAccount:
		inv.ServiceAccounts = append(inv.ServiceAccounts, *o)
	case *rbacv1.Role:
		inv.Roles = append(inv.Roles, *o)
	case *rbacv1.ClusterRole:
		inv.ClusterRoles = append(inv.ClusterRoles, *o)
	case *rbacv1.RoleBinding:
		inv.RoleBindings = append(inv.RoleBindings, *o)
	case *rbacv1.ClusterRoleBinding:
		inv.ClusterRoleBindings = append(inv.ClusterRoleBindings, *o)
	case *networkingv1.NetworkPolicy:
		inv.NetworkPolicies = append(inv.NetworkPolicies, *o)
	case *corev1.Service:
		inv.Services = append(inv.Services, *o)
	case *networkingv1.Ingress:
		inv.Ingresses = append(inv.Ingresses, *o)
	case *corev1.PersistentVolumeClaim:
		inv.PVCs = append(inv.PVCs, *o)
	case *storagev1.StorageClass:
		inv.StorageClasses = append(inv.StorageClasses, *o)
	case *corev1.ResourceQuota:
		inv.ResourceQuotas = append(inv.ResourceQuotas, *o)
	case *corev1.LimitRange:
		inv.LimitRanges = append(inv.LimitRanges, *o)
	case *policyv1.PodDisruptionBudget:
		inv.PDBs = append(inv.PDBs, *o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		inv.HPAs = append(inv.HPAs, *o)
	case *corev1.Secret:
		inv.Secrets = append(inv.Secrets, SecretMetaOf(o))
	case *metav1.PartialObjectMetadata:
		// what a metadata-only list of Secrets returns (the way a live collector should read them)
		if o.Kind != "Secret" {
			return &ErrUnsupported{APIVersion: o.APIVersion, Kind: o.Kind}
		}
		inv.Secrets = append(inv.Secrets, SecretMeta{ObjectMeta: stripLastApplied(o.ObjectMeta)})
	case *SecretMeta:
		m := *o
		m.ObjectMeta = stripLastApplied(o.ObjectMeta)
		inv.Secrets = append(inv.Secrets, m)
	case *VeleroSchedule:
		inv.VeleroSchedules = append(inv.VeleroSchedules, *o)
	case *VeleroBackup:
		inv.VeleroBackups = append(inv.VeleroBackups, *o)
	case *unstructured.Unstructured:
		return inv.addUnstructured(o)
	case runtime.Object:
		gvk := o.GetObjectKind().GroupVersionKind()
		return &ErrUnsupported{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind}
	default:
		return &ErrUnsupported{Kind: fmt.Sprintf("%T", obj)}
	}
	return nil
}

// SecretMetaOf copies a Secret's metadata, type and key names; never its values.
func SecretMetaOf(s *corev1.Secret) SecretMeta {
	m := SecretMeta{ObjectMeta: stripLastApplied(s.ObjectMeta), Type: s.Type}
	for k := range s.Data {
		m.Keys = append(m.Keys, k)
	}
	for k := range s.StringData {
		m.Keys = append(m.Keys, k)
	}
	return m
}

func stripLastApplied(m metav1.ObjectMeta) metav1.ObjectMeta {
	if _, ok := m.Annotations[LastAppliedAnnotation]; !ok {
		return m
	}
	a := make(map[string]string, len(m.Annotations))
	for k, v := range m.Annotations {
		if k != LastAppliedAnnotation {
			a[k] = v
		}
	}
	m.Annotations = a
	m.ManagedFields = nil
	return m
}

// VeleroGroup is the API group of Velero's CRDs.
const VeleroGroup = "velero.io"

func (inv *Inventory) addUnstructured(u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	if gvk.Group != VeleroGroup {
		return &ErrUnsupported{APIVersion: u.GetAPIVersion(), Kind: u.GetKind()}
	}
	switch gvk.Kind {
	case "Schedule":
		s, err := VeleroScheduleFrom(u.Object)
		if err != nil {
			return err
		}
		inv.VeleroSchedules = append(inv.VeleroSchedules, s)
	case "Backup":
		b, err := VeleroBackupFrom(u.Object)
		if err != nil {
			return err
		}
		inv.VeleroBackups = append(inv.VeleroBackups, b)
	default:
		return &ErrUnsupported{APIVersion: u.GetAPIVersion(), Kind: u.GetKind()}
	}
	return nil
}

// VeleroScheduleFrom reads a Schedule from its unstructured form.
func VeleroScheduleFrom(obj map[string]any) (VeleroSchedule, error) {
	var s VeleroSchedule
	var err error
	if s.Name, s.Namespace, err = nameNS(obj); err != nil {
		return s, err
	}
	if s.Schedule, _, err = unstructured.NestedString(obj, "spec", "schedule"); err != nil {
		return s, fmt.Errorf("velero Schedule %s/%s: spec.schedule: %w", s.Namespace, s.Name, err)
	}
	if s.Paused, _, err = unstructured.NestedBool(obj, "spec", "paused"); err != nil {
		return s, fmt.Errorf("velero Schedule %s/%s: spec.paused: %w", s.Namespace, s.Name, err)
	}
	if s.IncludedNamespaces, _, err = unstructured.NestedStringSlice(obj, "spec", "template", "includedNamespaces"); err != nil {
		return s, fmt.Errorf("velero Schedule %s/%s: spec.template.includedNamespaces: %w", s.Namespace, s.Name, err)
	}
	if s.ExcludedNamespaces, _, err = unstructured.NestedStringSlice(obj, "spec", "template", "excludedNamespaces"); err != nil {
		return s, fmt.Errorf("velero Schedule %s/%s: spec.template.excludedNamespaces: %w", s.Namespace, s.Name, err)
	}
	if s.LastBackup, err = nestedTime(obj, "status", "lastBackup"); err != nil {
		return s, fmt.Errorf("velero Schedule %s/%s: %w", s.Namespace, s.Name, err)
	}
	return s, nil
}

// VeleroBackupFrom reads a Backup from its unstructured form.
func VeleroBackupFrom(obj map[string]any) (VeleroBackup, error) {
	var b VeleroBackup
	var err error
	if b.Name, b.Namespace, err = nameNS(obj); err != nil {
		return b, err
	}
	labels, _, _ := unstructured.NestedStringMap(obj, "metadata", "labels")
	b.ScheduleName = labels["velero.io/schedule-name"]
	if b.IncludedNamespaces, _, err = unstructured.NestedStringSlice(obj, "spec", "includedNamespaces"); err != nil {
		return b, fmt.Errorf("velero Backup %s/%s: spec.includedNamespaces: %w", b.Namespace, b.Name, err)
	}
	if b.ExcludedNamespaces, _, err = unstructured.NestedStringSlice(obj, "spec", "excludedNamespaces"); err != nil {
		return b, fmt.Errorf("velero Backup %s/%s: spec.excludedNamespaces: %w", b.Namespace, b.Name, err)
	}
	if b.Phase, _, err = unstructured.NestedString(obj, "status", "phase"); err != nil {
		return b, fmt.Errorf("velero Backup %s/%s: status.phase: %w", b.Namespace, b.Name, err)
	}
	if b.CompletionTime, err = nestedTime(obj, "status", "completionTimestamp"); err != nil {
		return b, fmt.Errorf("velero Backup %s/%s: %w", b.Namespace, b.Name, err)
	}
	return b, nil
}

func nameNS(obj map[string]any) (string, string, error) {
	name, _, err := unstructured.NestedString(obj, "metadata", "name")
	if err != nil {
		return "", "", fmt.Errorf("metadata.name: %w", err)
	}
	if name == "" {
		return "", "", fmt.Errorf("metadata.name is empty")
	}
	ns, _, err := unstructured.NestedString(obj, "metadata", "namespace")
	if err != nil {
		return "", "", fmt.Errorf("metadata.namespace: %w", err)
	}
	return name, ns, nil
}

func nestedTime(obj map[string]any, fields ...string) (*time.Time, error) {
	s, found, err := unstructured.NestedString(obj, fields...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(fields, "."), err)
	}
	if !found || s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(fields, "."), err)
	}
	return &t, nil
}

// compactInterval is how many Pods, ReplicaSets and Jobs may arrive between compactions at
// first; then the interval is a quarter of all received so far, so a pass, which costs
// O(inventory), runs O(log n) times in all while at most a few hundred unneeded pod specs
// are held at once in a small scan and a quarter of the inventory in a large one.
const compactInterval = 500

func (inv *Inventory) compactEvery() {
	inv.ownedSinceCompact++
	inv.ownedTotal++
	if inv.ownedSinceCompact >= max(compactInterval, inv.ownedTotal/4) {
		inv.Compact()
	}
}

// podStub is an attributed Pod reduced to what Workloads needs to attribute it again.
type podStub struct {
	namespace, name string
	controller      metav1.OwnerReference
}

// PodNames lists every Pod collected as "namespace/name": those held in full and those
// compacted to a stub because their controller is in the inventory.
func (inv *Inventory) PodNames() []string {
	out := make([]string, 0, len(inv.Pods)+len(inv.podStubs))
	for i := range inv.Pods {
		out = append(out, inv.Pods[i].Namespace+"/"+inv.Pods[i].Name)
	}
	for _, s := range inv.podStubs {
		out = append(out, s.namespace+"/"+s.name)
	}
	return out
}
