package manifests

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// decodeFunc turns one object's JSON into something kubeinv.Inventory.Add accepts, plus
// warnings about fields that were ignored (unknown or duplicated: often a typo such as
// "securityContex" that silently drops a security setting).
type decodeFunc func(data []byte) (obj any, warnings []string, err error)

type gvk struct{ apiVersion, kind string }

// maxWarningsPerObject bounds the warnings one object can produce.
const maxWarningsPerObject = 10

// typed decodes into a fresh T with case-sensitive field matching (as the API server does)
// and reports unknown and duplicate fields as warnings.
func typed[T any]() decodeFunc {
	return func(data []byte) (any, []string, error) {
		v := new(T)
		strictErrs, err := sigsjson.UnmarshalStrict(data, v)
		if err != nil {
			return nil, nil, err
		}
		var warnings []string
		for i, e := range strictErrs {
			if i == maxWarningsPerObject {
				warnings = append(warnings, fmt.Sprintf("%d more field warnings", len(strictErrs)-i))
				break
			}
			warnings = append(warnings, e.Error()+" (ignored)")
		}
		return v, warnings, nil
	}
}

func strictJSON(data []byte, v any) error {
	return sigsjson.UnmarshalCaseSensitivePreserveInts(data, v)
}

// lenient adapts a decoder without field warnings.
func lenient(f func(data []byte) (any, error)) decodeFunc {
	return func(data []byte) (any, []string, error) {
		v, err := f(data)
		return v, nil, err
	}
}

// kinds lists every apiVersion/kind the decoder understands. Anything else is ignored with
// a note (see Result.Ignored), not an error: repositories hold ConfigMaps, CRDs and more.
var kinds = map[gvk]decodeFunc{
	{"v1", "Namespace"}:                                    typed[corev1.Namespace](),
	{"v1", "Node"}:                                         typed[corev1.Node](),
	{"v1", "Pod"}:                                          typed[corev1.Pod](),
	{"v1", "ServiceAccount"}:                               typed[corev1.ServiceAccount](),
	{"v1", "Service"}:                                      typed[corev1.Service](),
	{"v1", "PersistentVolumeClaim"}:                        typed[corev1.PersistentVolumeClaim](),
	{"v1", "ResourceQuota"}:                                typed[corev1.ResourceQuota](),
	{"v1", "LimitRange"}:                                   typed[corev1.LimitRange](),
	{"v1", "Secret"}:                                       lenient(decodeSecret),
	{"apps/v1", "Deployment"}:                              typed[appsv1.Deployment](),
	{"apps/v1", "ReplicaSet"}:                              typed[appsv1.ReplicaSet](),
	{"apps/v1", "StatefulSet"}:                             typed[appsv1.StatefulSet](),
	{"apps/v1", "DaemonSet"}:                               typed[appsv1.DaemonSet](),
	{"batch/v1", "Job"}:                                    typed[batchv1.Job](),
	{"batch/v1", "CronJob"}:                                typed[batchv1.CronJob](),
	{"rbac.authorization.k8s.io/v1", "Role"}:               typed[rbacv1.Role](),
	{"rbac.authorization.k8s.io/v1", "ClusterRole"}:        typed[rbacv1.ClusterRole](),
	{"rbac.authorization.k8s.io/v1", "RoleBinding"}:        typed[rbacv1.RoleBinding](),
	{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"}: typed[rbacv1.ClusterRoleBinding](),
	{"networking.k8s.io/v1", "NetworkPolicy"}:              typed[networkingv1.NetworkPolicy](),
	{"networking.k8s.io/v1", "Ingress"}:                    typed[networkingv1.Ingress](),
	{"storage.k8s.io/v1", "StorageClass"}:                  typed[storagev1.StorageClass](),
	{"policy/v1", "PodDisruptionBudget"}:                   typed[policyv1.PodDisruptionBudget](),
	{"autoscaling/v2", "HorizontalPodAutoscaler"}:          typed[autoscalingv2.HorizontalPodAutoscaler](),
	{"autoscaling/v1", "HorizontalPodAutoscaler"}:          lenient(decodeHPAv1),
	{kubeinv.VeleroGroup + "/v1", "Schedule"}:              lenient(decodeVeleroSchedule),
	{kubeinv.VeleroGroup + "/v1", "Backup"}:                lenient(decodeVeleroBackup),
}

// IsCheckedKind reports whether Palisade reads objects of this kind (in some apiVersion).
func IsCheckedKind(kind string) bool { return knownKinds[kind] }

// knownKinds are the kinds of the table above, whatever their apiVersion.
var knownKinds = func() map[string]bool {
	m := map[string]bool{}
	for k := range kinds {
		m[k.kind] = true
	}
	return m
}()

// secretDoc has no field for values: data and stringData are read as key names only.
type secretDoc struct {
	metav1.ObjectMeta `json:"metadata"`
	Type              corev1.SecretType          `json:"type"`
	Data              map[string]json.RawMessage `json:"data"`
	StringData        map[string]json.RawMessage `json:"stringData"`
}

func decodeSecret(data []byte) (any, error) {
	var d secretDoc
	if err := strictJSON(data, &d); err != nil {
		return nil, err
	}
	m := &kubeinv.SecretMeta{ObjectMeta: d.ObjectMeta, Type: d.Type}
	for k := range d.Data {
		m.Keys = append(m.Keys, k)
	}
	for k := range d.StringData {
		m.Keys = append(m.Keys, k)
	}
	return m, nil
}

// decodeHPAv1 converts the fields checks use (target, replica bounds) to autoscaling/v2.
func decodeHPAv1(data []byte) (any, error) {
	var h autoscalingv1.HorizontalPodAutoscaler
	if err := strictJSON(data, &h); err != nil {
		return nil, err
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: h.ObjectMeta,
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				Kind: h.Spec.ScaleTargetRef.Kind, Name: h.Spec.ScaleTargetRef.Name, APIVersion: h.Spec.ScaleTargetRef.APIVersion,
			},
			MinReplicas: h.Spec.MinReplicas,
			MaxReplicas: h.Spec.MaxReplicas,
		},
	}, nil
}

func decodeVeleroSchedule(data []byte) (any, error) {
	var m map[string]any
	if err := strictJSON(data, &m); err != nil {
		return nil, err
	}
	s, err := kubeinv.VeleroScheduleFrom(m)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func decodeVeleroBackup(data []byte) (any, error) {
	var m map[string]any
	if err := strictJSON(data, &m); err != nil {
		return nil, err
	}
	b, err := kubeinv.VeleroBackupFrom(m)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// clusterScoped kinds get no default namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "ClusterRole": true, "ClusterRoleBinding": true, "StorageClass": true,
}

// objectMeta returns the metadata of a decoded object (nil for Velero objects, which carry
// their own name fields) so the decoder can validate the name and default the namespace.
func objectMeta(obj any) metav1.Object {
	if o, ok := obj.(metav1.Object); ok {
		return o
	}
	return nil
}
