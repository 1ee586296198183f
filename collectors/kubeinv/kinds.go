package kubeinv

import (
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// Kind names: the stable names of the object kinds an Inventory holds, as used in
// Inventory.Missing and in a check's Needs. They are the Kubernetes Kinds, except for
// Velero's Schedule and Backup, which are prefixed to say whose they are.
const (
	KindNamespace               = "Namespace"
	KindNode                    = "Node"
	KindPod                     = "Pod"
	KindDeployment              = "Deployment"
	KindReplicaSet              = "ReplicaSet"
	KindStatefulSet             = "StatefulSet"
	KindDaemonSet               = "DaemonSet"
	KindJob                     = "Job"
	KindCronJob                 = "CronJob"
	KindServiceAccount          = "ServiceAccount"
	KindRole                    = "Role"
	KindClusterRole             = "ClusterRole"
	KindRoleBinding             = "RoleBinding"
	KindClusterRoleBinding      = "ClusterRoleBinding"
	KindNetworkPolicy           = "NetworkPolicy"
	KindService                 = "Service"
	KindIngress                 = "Ingress"
	KindPersistentVolumeClaim   = "PersistentVolumeClaim"
	KindStorageClass            = "StorageClass"
	KindResourceQuota           = "ResourceQuota"
	KindLimitRange              = "LimitRange"
	KindPodDisruptionBudget     = "PodDisruptionBudget"
	KindHorizontalPodAutoscaler = "HorizontalPodAutoscaler"
	KindSecret                  = "Secret"
	KindVeleroSchedule          = "VeleroSchedule"
	KindVeleroBackup            = "VeleroBackup"
)

// WorkloadKinds returns the kinds Workloads builds workloads from (a new slice each call).
func WorkloadKinds() []string {
	return []string{KindPod, KindDeployment, KindReplicaSet, KindStatefulSet, KindDaemonSet, KindJob, KindCronJob}
}

// kindField ties a kind name to the Inventory field that holds its objects.
type kindField struct {
	name string
	len  func(*Inventory) int
	drop func(*Inventory)
}

func field[T any](name string, f func(*Inventory) *[]T) kindField {
	return kindField{
		name: name,
		len:  func(inv *Inventory) int { return len(*f(inv)) },
		drop: func(inv *Inventory) { *f(inv) = nil },
	}
}

// kindFields lists every kind the inventory holds, one per slice field of Inventory (a
// test keeps the two in step).
var kindFields = []kindField{
	field(KindNamespace, func(i *Inventory) *[]corev1.Namespace { return &i.Namespaces }),
	field(KindNode, func(i *Inventory) *[]corev1.Node { return &i.Nodes }),
	{name: KindPod, // the Pods held in full and the attributed ones kept as stubs
		len:  func(i *Inventory) int { return len(i.Pods) + len(i.podStubs) },
		drop: func(i *Inventory) { i.Pods, i.podStubs = nil, nil }},
	field(KindDeployment, func(i *Inventory) *[]appsv1.Deployment { return &i.Deployments }),
	field(KindReplicaSet, func(i *Inventory) *[]appsv1.ReplicaSet { return &i.ReplicaSets }),
	field(KindStatefulSet, func(i *Inventory) *[]appsv1.StatefulSet { return &i.StatefulSets }),
	field(KindDaemonSet, func(i *Inventory) *[]appsv1.DaemonSet { return &i.DaemonSets }),
	field(KindJob, func(i *Inventory) *[]batchv1.Job { return &i.Jobs }),
	field(KindCronJob, func(i *Inventory) *[]batchv1.CronJob { return &i.CronJobs }),
	field(KindServiceAccount, func(i *Inventory) *[]corev1.ServiceAccount { return &i.ServiceAccounts }),
	field(KindRole, func(i *Inventory) *[]rbacv1.Role { return &i.Roles }),
	field(KindClusterRole, func(i *Inventory) *[]rbacv1.ClusterRole { return &i.ClusterRoles }),
	field(KindRoleBinding, func(i *Inventory) *[]rbacv1.RoleBinding { return &i.RoleBindings }),
	field(KindClusterRoleBinding, func(i *Inventory) *[]rbacv1.ClusterRoleBinding { return &i.ClusterRoleBindings }),
	field(KindNetworkPolicy, func(i *Inventory) *[]networkingv1.NetworkPolicy { return &i.NetworkPolicies }),
	field(KindService, func(i *Inventory) *[]corev1.Service { return &i.Services }),
	field(KindIngress, func(i *Inventory) *[]networkingv1.Ingress { return &i.Ingresses }),
	field(KindPersistentVolumeClaim, func(i *Inventory) *[]corev1.PersistentVolumeClaim { return &i.PVCs }),
	field(KindStorageClass, func(i *Inventory) *[]storagev1.StorageClass { return &i.StorageClasses }),
	field(KindResourceQuota, func(i *Inventory) *[]corev1.ResourceQuota { return &i.ResourceQuotas }),
	field(KindLimitRange, func(i *Inventory) *[]corev1.LimitRange { return &i.LimitRanges }),
	field(KindPodDisruptionBudget, func(i *Inventory) *[]policyv1.PodDisruptionBudget { return &i.PDBs }),
	field(KindHorizontalPodAutoscaler, func(i *Inventory) *[]autoscalingv2.HorizontalPodAutoscaler { return &i.HPAs }),
	field(KindSecret, func(i *Inventory) *[]SecretMeta { return &i.Secrets }),
	field(KindVeleroSchedule, func(i *Inventory) *[]VeleroSchedule { return &i.VeleroSchedules }),
	field(KindVeleroBackup, func(i *Inventory) *[]VeleroBackup { return &i.VeleroBackups }),
}

var kindIndex = func() map[string]kindField {
	m := make(map[string]kindField, len(kindFields))
	for _, k := range kindFields {
		m[k.name] = k
	}
	return m
}()

// Kinds returns every kind name the inventory holds, in a fixed order.
func Kinds() []string {
	out := make([]string, len(kindFields))
	for i, k := range kindFields {
		out[i] = k.name
	}
	return out
}

// IsKind reports whether name is one of the kind names of Kinds.
func IsKind(name string) bool {
	_, ok := kindIndex[name]
	return ok
}

// MarkMissing records that objects of kind were not (fully) collected: listing them
// failed, was refused or stopped part-way, so the inventory cannot say which exist.
// Manifest scans never call it: what the files hold is all there is.
func (inv *Inventory) MarkMissing(kind string) {
	if inv.Missing == nil {
		inv.Missing = map[string]bool{}
	}
	inv.Missing[kind] = true
}

// Has reports whether kind was completely collected (it was not marked missing).
func (inv *Inventory) Has(kind string) bool { return !inv.Missing[kind] }

// MissingKinds returns the kinds marked missing, sorted.
func (inv *Inventory) MissingKinds() []string {
	out := make([]string, 0, len(inv.Missing))
	for k, missing := range inv.Missing {
		if missing {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Count returns how many objects of kind the inventory holds (0 for an unknown kind).
func (inv *Inventory) Count(kind string) int {
	if k, ok := kindIndex[kind]; ok {
		return k.len(inv)
	}
	return 0
}

// Without returns a shallow copy of the inventory that holds no objects of the given
// kinds (the objects of other kinds are shared, not copied; Missing is copied). It is
// what a collection that could not list those kinds would have seen.
func (inv *Inventory) Without(kinds ...string) *Inventory {
	out := *inv
	if inv.Missing != nil {
		out.Missing = make(map[string]bool, len(inv.Missing))
		for k, v := range inv.Missing {
			out.Missing[k] = v
		}
	}
	for _, name := range kinds {
		if k, ok := kindIndex[name]; ok {
			k.drop(&out)
		}
	}
	return &out
}
