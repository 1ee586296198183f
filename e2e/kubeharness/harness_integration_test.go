package kubeharness_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

const testNS = "palisade-it"

func TestIntegrationHarness(t *testing.T) {
	start := time.Now()
	c := kubeharness.Start(t)
	t.Logf("cluster ready at %s in %v", c.Host, time.Since(start).Round(time.Millisecond))

	admin := kubernetes.NewForConfigOrDie(c.AdminConfig())
	createWorkloads(t, admin)

	t.Run("collector RBAC", func(t *testing.T) { checkCollectorRBAC(t, c, admin) })
	t.Run("velero CRD", func(t *testing.T) { checkVeleroCRD(t, c) })
}

func createWorkloads(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNS}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	if _, err := cs.AppsV1().Deployments(testNS).Create(ctx, deployment(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	pod, err := cs.CoreV1().Pods(testNS).Create(ctx, privilegedPod(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create privileged pod: %v", err)
	}
	// Proves ServiceAccount admission ran against the harness-created SA.
	if pod.Spec.ServiceAccountName != "default" {
		t.Errorf("pod serviceAccountName = %q, want default", pod.Spec.ServiceAccountName)
	}
	if pod.Status.Phase != corev1.PodPending {
		t.Errorf("pod phase = %q, want Pending (no scheduler)", pod.Status.Phase)
	}
}

func podSpec(privileged bool) corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{
		Name:            "app",
		Image:           "registry.example/app:1.0",
		SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
	}}}
}

func deployment() *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	replicas := int32(2)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       podSpec(false),
			},
		},
	}
}

// privilegedPod is accepted only because of --allow-privileged=true.
func privilegedPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "priv"}, Spec: podSpec(true)}
}

func checkCollectorRBAC(t *testing.T, c *kubeharness.Cluster, admin kubernetes.Interface) {
	ctx := t.Context()
	collector := kubernetes.NewForConfigOrDie(c.TokenConfig(c.CollectorToken))
	_, err := collector.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("collector list pods before grant: err = %v, want 403 Forbidden", err)
	}
	grantPodRead(t, admin)

	// Go through a kubeconfig file, the way collectors are configured.
	path := c.Kubeconfig(t, c.CollectorToken)
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path},
		&clientcmd.ConfigOverrides{CurrentContext: kubeharness.ContextName},
	).ClientConfig()
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	viaKubeconfig := kubernetes.NewForConfigOrDie(cfg)
	// RBAC reads bindings from an informer cache, so the grant is eventual.
	var pods *corev1.PodList
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true,
		func(ctx context.Context) (bool, error) {
			pods, err = viaKubeconfig.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
			return err == nil, nil
		})
	if err != nil {
		t.Fatalf("collector list pods after grant: %v", err)
	}
	if len(pods.Items) != 1 || pods.Items[0].Name != "priv" {
		t.Errorf("collector saw %d pods, want just priv", len(pods.Items))
	}
}

func grantPodRead(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "palisade-collector"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"},
		}},
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create clusterrole: %v", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "palisade-collector"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: kubeharness.CollectorUser}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create clusterrolebinding: %v", err)
	}
}

var scheduleGVR = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}

func checkVeleroCRD(t *testing.T, c *kubeharness.Cluster) {
	ctx := t.Context()
	if err := c.CreateCRD(ctx, scheduleCRD()); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(c.AdminConfig())
	schedules := dyn.Resource(scheduleGVR).Namespace(testNS)
	if _, err := schedules.Create(ctx, schedule(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create schedule: %v", err)
	}
	list, err := schedules.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list schedules: %v", err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("got %d schedules, want 1", len(list.Items))
	}
	cron, _, _ := unstructured.NestedString(list.Items[0].Object, "spec", "schedule")
	if cron != "0 1 * * *" {
		t.Errorf("schedule spec.schedule = %q", cron)
	}
}

// scheduleCRD is a minimal stand-in for Velero's Schedule CRD: same group,
// names and scope, with a permissive schema.
func scheduleCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "schedules.velero.io"},
		"spec": map[string]any{
			"group": "velero.io",
			"scope": "Namespaced",
			"names": map[string]any{
				"kind": "Schedule", "listKind": "ScheduleList", "plural": "schedules", "singular": "schedule",
			},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
}

func schedule() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "velero.io/v1",
		"kind":       "Schedule",
		"metadata":   map[string]any{"name": "daily"},
		"spec": map[string]any{
			"schedule": "0 1 * * *",
			"template": map[string]any{
				"includedNamespaces": []any{"*"},
				"ttl":                "720h0m0s",
			},
		},
	}}
}
