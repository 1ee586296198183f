package checks

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// syntheticInventory builds deployments x podsPer pods (each Deployment > ReplicaSet >
// pods), spread over namespaces, with bindings and policies. It is a quick stand-in for
// the benchmark generator of issue 3 item 9.
func syntheticInventory(namespaces, deployments, podsPer, bindings int) *kubeinv.Inventory {
	inv := &kubeinv.Inventory{}
	t := true
	spec := corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example.com/shop/app:1.0.0",
		Env: []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "literal"}, {Name: "LOG_LEVEL", Value: "info"}},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
	}}}
	for n := 0; n < namespaces; n++ {
		ns := fmt.Sprintf("ns-%d", n)
		inv.Namespaces = append(inv.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": "a"}}})
		inv.NetworkPolicies = append(inv.NetworkPolicies, networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web-0"}}}})
	}
	for d := 0; d < deployments; d++ {
		ns := fmt.Sprintf("ns-%d", d%namespaces)
		name := fmt.Sprintf("web-%d", d)
		labels := map[string]string{"app": name}
		dep := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("d" + name)}}
		dep.Spec.Template.Labels = labels
		dep.Spec.Template.Spec = spec
		inv.Deployments = append(inv.Deployments, dep)
		rs := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name + "-1", Namespace: ns, UID: types.UID("r" + name),
			OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: name, UID: dep.UID, Controller: &t}}}}
		rs.Spec.Template = dep.Spec.Template
		inv.ReplicaSets = append(inv.ReplicaSets, rs)
		for p := 0; p < podsPer; p++ {
			inv.Pods = append(inv.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-1-%d", name, p), Namespace: ns, Labels: labels,
				OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &t}}}, Spec: spec})
		}
	}
	for b := 0; b < bindings; b++ {
		ns := fmt.Sprintf("ns-%d", b%namespaces)
		inv.RoleBindings = append(inv.RoleBindings, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("b-%d", b), Namespace: ns},
			RoleRef:  rbacv1.RoleRef{Kind: "Role", Name: fmt.Sprintf("r-%d", b)},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: ns}}})
		inv.Roles = append(inv.Roles, rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("r-%d", b), Namespace: ns},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}})
	}
	return inv
}

func TestSyntheticScaleIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	inv := syntheticInventory(50, 2000, 5, 500)
	rs := Evaluate(inv, Config{})
	perWorkload := 0
	for _, r := range rs {
		if r.CheckID == "k8s.privileged-container" {
			perWorkload++
		}
	}
	if perWorkload != 2000 {
		t.Fatalf("privileged-container results = %d, want one per Deployment container (2000)", perWorkload)
	}
}

func BenchmarkEvaluate100kPods(b *testing.B) {
	inv := syntheticInventory(500, 20_000, 5, 5_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = Evaluate(inv, Config{})
	}
	objects := len(inv.Pods) + len(inv.Deployments) + len(inv.ReplicaSets) + len(inv.RoleBindings) + len(inv.Roles)
	b.ReportMetric(float64(objects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
