package kubernetes_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	collector "github.com/palisade-dev/palisade/collectors/kubernetes"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// lastApplied is what `kubectl apply` stores on the Secret: a copy of its data.
var lastApplied = fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"stringData":{"password":%q}}`, canary)

const (
	rbacFile   = "../../deploy/kubernetes/collector-rbac.yaml"
	pageSize   = 2
	canary     = "palisade-canary-hunter2" // a Secret value that must never show up
	webReplica = 3                         // pods of the Deployment: more than a page
)

// TestIntegrationCollector runs the collector against a real kube-apiserver with a
// ServiceAccount token bound only to the shipped ClusterRole, then evaluates the checks.
func TestIntegrationCollector(t *testing.T) {
	start := time.Now()
	c := kubeharness.Start(t)
	t.Logf("cluster ready in %v", time.Since(start).Round(time.Millisecond))
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())

	seedCluster(t, c, admin)
	objs := applyCollectorRBAC(t, admin)
	token := collectorToken(t, admin)
	waitForAccess(t, c, token, func(cs clientset.Interface) error {
		_, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1})
		return err
	})
	kubeconfig := c.Kubeconfig(t, token)

	// The shipped role alone suffices for a complete collection (Secrets are not listed).
	shipped, err := collector.Collect(ctx, collector.Options{Kubeconfig: kubeconfig, Context: kubeharness.ContextName,
		PageSize: pageSize, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("collect with the shipped role: %v", err)
	}
	if shipped.Status != posture.RunComplete || len(shipped.Errors) != 0 || len(shipped.Inventory.Secrets) != 0 {
		t.Fatalf("shipped role: status %s, errors %v, %d secrets: the shipped ClusterRole does not suffice",
			shipped.Status, shipped.Errors, len(shipped.Inventory.Secrets))
	}

	// Opting in to Secret metadata needs a separate grant; with it, metadata arrives and
	// values do not.
	grantSecretList(t, admin)
	waitForAccess(t, c, token, func(cs clientset.Interface) error {
		_, err := cs.CoreV1().Secrets("").List(ctx, metav1.ListOptions{Limit: 1})
		return err
	})
	collectStart := time.Now()
	res, err := collector.Collect(ctx, collector.Options{
		Kubeconfig:     kubeconfig,
		Context:        kubeharness.ContextName,
		PageSize:       pageSize,
		Timeout:        30 * time.Second,
		SecretMetadata: true,
	})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	t.Logf("collected %d objects in %v (status %s)", res.Objects, time.Since(collectStart).Round(time.Millisecond), res.Status)
	if res.Status != posture.RunComplete || len(res.Errors) != 0 {
		t.Fatalf("status %s, errors %v", res.Status, res.Errors)
	}
	if res.ClusterName != kubeharness.ContextName || res.ServerVersion == "" {
		t.Errorf("cluster %q, version %q", res.ClusterName, res.ServerVersion)
	}

	t.Run("inventory", func(t *testing.T) { checkInventory(t, res) })
	t.Run("no secret value", func(t *testing.T) { checkNoSecretValue(t, res) })
	t.Run("findings", func(t *testing.T) { checkFindings(t, res) })
	t.Run("forbidden resource is partial", func(t *testing.T) { checkPartial(t, c, admin, objs.role, token) })
	t.Logf("whole test took %v", time.Since(start).Round(time.Millisecond))
}

// ---- seeding ----

func create[T any](t *testing.T, what string, fn func(context.Context, T, metav1.CreateOptions) (T, error), obj T) T {
	t.Helper()
	got, err := fn(t.Context(), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", what, err)
	}
	return got
}

func ns(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func container(name, image string, privileged bool) corev1.Container {
	return corev1.Container{Name: name, Image: image,
		SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}
}

func ptr[T any](v T) *T { return &v }

func seedCluster(t *testing.T, c *kubeharness.Cluster, cs clientset.Interface) {
	t.Helper()
	tenancy := func(team string) map[string]string {
		return map[string]string{"palisade.dev/tenant": "acme", "palisade.dev/owner": team, "palisade.dev/classification": "internal"}
	}
	for _, n := range []*corev1.Namespace{
		ns("shop", tenancy("shop")), ns("payments", tenancy("payments")),
		ns("warehouse", tenancy("logistics")), ns("monitoring", tenancy("sre")), ns("velero", nil),
	} {
		create(t, "namespace "+n.Name, cs.CoreV1().Namespaces().Create, n)
	}

	// shop: a Deployment with a privileged container, its ReplicaSet and pods wired with
	// real owner references (no controller-manager runs), and a standalone pod.
	labels := map[string]string{"app": "web"}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{container("web", "registry.example/shop/web:1.4.2", true)}}}
	dep := create(t, "deployment", cs.AppsV1().Deployments("shop").Create, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr(int32(webReplica)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	})
	controller := func(kind string, m metav1.ObjectMeta) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: m.Name, UID: m.UID, Controller: ptr(true)}}
	}
	rs := create(t, "replicaset", cs.AppsV1().ReplicaSets("shop").Create, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f7", Labels: labels, OwnerReferences: controller("Deployment", dep.ObjectMeta)},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr(int32(webReplica)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	})
	for i := range webReplica {
		create(t, "pod", cs.CoreV1().Pods("shop").Create, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-5d8f7-%d", i), Labels: labels, OwnerReferences: controller("ReplicaSet", rs.ObjectMeta)},
			Spec:       tmpl.Spec,
		})
	}
	create(t, "standalone pod", cs.CoreV1().Pods("shop").Create, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "debug"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{container("sh", "busybox:latest", false)}},
	})
	create(t, "service", cs.CoreV1().Services("shop").Create, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}},
	})
	create(t, "nodeport service", cs.CoreV1().Services("shop").Create, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web-nodeport"},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}},
	})
	create(t, "ingress", cs.NetworkingV1().Ingresses("shop").Create, &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "shop.example.com",
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: ptr(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
			}}}}}}},
	})
	create(t, "default-deny", cs.NetworkingV1().NetworkPolicies("shop").Create, &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "default-deny"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}},
	})
	// A Secret with data, created the way `kubectl apply` does: the last-applied
	// annotation repeats the data.
	create(t, "secret", cs.CoreV1().Secrets("shop").Create, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Annotations: map[string]string{kubeinv.LastAppliedAnnotation: lastApplied}},
		Data:       map[string][]byte{"password": []byte(canary)},
	})

	// payments: a StatefulSet with volumeClaimTemplates and a CronJob; covered by Velero.
	dbLabels := map[string]string{"app": "ledger"}
	create(t, "statefulset", cs.AppsV1().StatefulSets("payments").Create, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "ledger"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(1)), ServiceName: "ledger", Selector: &metav1.LabelSelector{MatchLabels: dbLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: dbLabels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{container("db", "registry.example/postgres:16.4", false)}}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}}}},
	})
	create(t, "cronjob", cs.BatchV1().CronJobs("payments").Create, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "report"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure,
				Containers: []corev1.Container{container("report", "registry.example/payments/report:2.0.1", false)}}}}}},
	})
	// warehouse: a PVC that no Velero Schedule covers.
	create(t, "pvc", cs.CoreV1().PersistentVolumeClaims("warehouse").Create, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "stock"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	})
	// monitoring: a log agent DaemonSet.
	agent := map[string]string{"app": "fluent-bit"}
	create(t, "daemonset", cs.AppsV1().DaemonSets("monitoring").Create, &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "fluent-bit"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: agent},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: agent},
				Spec: corev1.PodSpec{Containers: []corev1.Container{container("fluent-bit", "fluent/fluent-bit:3.1.9", false)}}}},
	})

	// RBAC: cluster-admin bound to a person, and an ordinary namespaced role.
	create(t, "clusterrolebinding", cs.RbacV1().ClusterRoleBindings().Create, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "alice@example.com"}},
	})
	create(t, "role", cs.RbacV1().Roles("shop").Create, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "web-config-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}},
	})
	create(t, "rolebinding", cs.RbacV1().RoleBindings("shop").Create, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "web-config-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "web-config-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: "shop"}},
	})

	seedVelero(t, c)
}

var (
	schedulesGVR = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}
	backupsGVR   = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backups"}
)

func seedVelero(t *testing.T, c *kubeharness.Cluster) {
	ctx := t.Context()
	for _, crd := range []*unstructured.Unstructured{kubeharness.VeleroCRD("Schedule", "schedules"), kubeharness.VeleroCRD("Backup", "backups")} {
		if err := c.CreateCRD(ctx, crd); err != nil {
			t.Fatal(err)
		}
	}
	dyn := dynamic.NewForConfigOrDie(c.AdminConfig())
	sched := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "velero.io/v1", "kind": "Schedule",
		"metadata": map[string]any{"name": "payments-daily", "namespace": "velero"},
		"spec":     map[string]any{"schedule": "0 1 * * *", "template": map[string]any{"includedNamespaces": []any{"payments"}, "ttl": "720h0m0s"}},
	}}
	if _, err := dyn.Resource(schedulesGVR).Namespace("velero").Create(ctx, sched, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create schedule: %v", err)
	}
	done := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	backup := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "velero.io/v1", "kind": "Backup",
		"metadata": map[string]any{"name": "payments-daily-20260101", "namespace": "velero",
			"labels": map[string]any{"velero.io/schedule-name": "payments-daily"}},
		"spec":   map[string]any{"includedNamespaces": []any{"payments"}},
		"status": map[string]any{"phase": "Completed", "completionTimestamp": done},
	}}
	if _, err := dyn.Resource(backupsGVR).Namespace("velero").Create(ctx, backup, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create backup: %v", err)
	}
}

// ---- the shipped RBAC ----

type rbacObjects struct {
	sa      *corev1.ServiceAccount
	role    *rbacv1.ClusterRole
	binding *rbacv1.ClusterRoleBinding
}

// loadRBAC decodes deploy/kubernetes/collector-rbac.yaml into typed objects.
func loadRBAC(t *testing.T) rbacObjects {
	t.Helper()
	data, err := os.ReadFile(rbacFile)
	if err != nil {
		t.Fatal(err)
	}
	var out rbacObjects
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", rbacFile, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", rbacFile, err)
		}
		switch o := obj.(type) {
		case *corev1.ServiceAccount:
			out.sa = o
		case *rbacv1.ClusterRole:
			out.role = o
		case *rbacv1.ClusterRoleBinding:
			out.binding = o
		default:
			t.Fatalf("%s: unexpected %T", rbacFile, obj)
		}
	}
	if out.sa == nil || out.role == nil || out.binding == nil {
		t.Fatalf("%s: want a ServiceAccount, a ClusterRole and a ClusterRoleBinding", rbacFile)
	}
	return out
}

func applyCollectorRBAC(t *testing.T, cs clientset.Interface) rbacObjects {
	t.Helper()
	objs := loadRBAC(t)
	// The role is read-only: no verb other than list, no wildcard, no subresource.
	for _, rule := range objs.role.Rules {
		for _, v := range rule.Verbs {
			if v != "list" && v != "get" {
				t.Errorf("ClusterRole grants %q on %v", v, rule.Resources)
			}
		}
		for _, r := range append(append([]string{}, rule.Resources...), rule.APIGroups...) {
			if r == "*" || strings.Contains(r, "/") {
				t.Errorf("ClusterRole rule names %q", r)
			}
		}
	}
	create(t, "namespace palisade", cs.CoreV1().Namespaces().Create, ns(objs.sa.Namespace, nil))
	objs.sa = create(t, "serviceaccount", cs.CoreV1().ServiceAccounts(objs.sa.Namespace).Create, objs.sa)
	objs.role = create(t, "clusterrole", cs.RbacV1().ClusterRoles().Create, objs.role)
	objs.binding = create(t, "clusterrolebinding", cs.RbacV1().ClusterRoleBindings().Create, objs.binding)
	return objs
}

// grantSecretList is the opt-in grant for Secret metadata, kept out of the shipped role.
func grantSecretList(t *testing.T, cs clientset.Interface) {
	t.Helper()
	create(t, "clusterrole secret metadata", cs.RbacV1().ClusterRoles().Create, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "palisade-collector-secret-metadata"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}}},
	})
	create(t, "clusterrolebinding secret metadata", cs.RbacV1().ClusterRoleBindings().Create, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "palisade-collector-secret-metadata"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "palisade-collector-secret-metadata"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "palisade-collector", Namespace: "palisade"}},
	})
}

// collectorToken gets a short-lived token for the collector's ServiceAccount through the
// TokenRequest API, as a projected token in the Palisade pod would be.
func collectorToken(t *testing.T, cs clientset.Interface) string {
	t.Helper()
	tr, err := cs.CoreV1().ServiceAccounts("palisade").CreateToken(t.Context(), "palisade-collector",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	return tr.Status.Token
}

// waitForAccess polls until try succeeds with the token: RBAC changes reach the
// authorizer through an informer, so they are eventually consistent.
func waitForAccess(t *testing.T, c *kubeharness.Cluster, token string, try func(clientset.Interface) error) {
	t.Helper()
	cs := clientset.NewForConfigOrDie(c.TokenConfig(token))
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 15*time.Second, true, func(context.Context) (bool, error) {
		last = try(cs)
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("RBAC not in effect: %v", last)
	}
}

// ---- assertions ----

func checkInventory(t *testing.T, res *collector.Result) {
	inv := res.Inventory
	names := func(n int, name func(i int) string) map[string]bool {
		m := map[string]bool{}
		for i := range n {
			m[name(i)] = true
		}
		return m
	}
	want := []struct {
		what string
		have map[string]bool
		keys []string
	}{
		{"namespaces", names(len(inv.Namespaces), func(i int) string { return inv.Namespaces[i].Name }),
			[]string{"shop", "payments", "warehouse", "monitoring", "velero", "palisade", "kube-system", "default"}},
		{"pods", names(len(inv.PodNames()), func(i int) string { return inv.PodNames()[i] }),
			[]string{"shop/web-5d8f7-0", "shop/web-5d8f7-1", "shop/web-5d8f7-2", "shop/debug"}},
		{"deployments", names(len(inv.Deployments), func(i int) string { return inv.Deployments[i].Name }), []string{"web"}},
		{"replicasets", names(len(inv.ReplicaSets), func(i int) string { return inv.ReplicaSets[i].Name }), []string{"web-5d8f7"}},
		{"statefulsets", names(len(inv.StatefulSets), func(i int) string { return inv.StatefulSets[i].Name }), []string{"ledger"}},
		{"daemonsets", names(len(inv.DaemonSets), func(i int) string { return inv.DaemonSets[i].Name }), []string{"fluent-bit"}},
		{"cronjobs", names(len(inv.CronJobs), func(i int) string { return inv.CronJobs[i].Name }), []string{"report"}},
		{"services", names(len(inv.Services), func(i int) string { return inv.Services[i].Namespace + "/" + inv.Services[i].Name }),
			[]string{"shop/web", "shop/web-nodeport", "default/kubernetes"}},
		{"ingresses", names(len(inv.Ingresses), func(i int) string { return inv.Ingresses[i].Name }), []string{"web"}},
		{"networkpolicies", names(len(inv.NetworkPolicies), func(i int) string { return inv.NetworkPolicies[i].Name }), []string{"default-deny"}},
		{"pvcs", names(len(inv.PVCs), func(i int) string { return inv.PVCs[i].Name }), []string{"stock"}},
		{"clusterrolebindings", names(len(inv.ClusterRoleBindings), func(i int) string { return inv.ClusterRoleBindings[i].Name }),
			[]string{"alice-admin", "palisade-collector", "cluster-admin"}},
		{"clusterroles", names(len(inv.ClusterRoles), func(i int) string { return inv.ClusterRoles[i].Name }),
			[]string{"palisade-collector", "cluster-admin", "view"}},
		{"roles", names(len(inv.Roles), func(i int) string { return inv.Roles[i].Name }), []string{"web-config-reader"}},
		{"rolebindings", names(len(inv.RoleBindings), func(i int) string { return inv.RoleBindings[i].Name }), []string{"web-config-reader"}},
		{"serviceaccounts", names(len(inv.ServiceAccounts), func(i int) string { return inv.ServiceAccounts[i].Namespace + "/" + inv.ServiceAccounts[i].Name }),
			[]string{"palisade/palisade-collector", "shop/default"}},
		{"secrets", names(len(inv.Secrets), func(i int) string { return inv.Secrets[i].Namespace + "/" + inv.Secrets[i].Name }), []string{"shop/db"}},
		{"velero schedules", names(len(inv.VeleroSchedules), func(i int) string { return inv.VeleroSchedules[i].Name }), []string{"payments-daily"}},
		{"velero backups", names(len(inv.VeleroBackups), func(i int) string { return inv.VeleroBackups[i].Name }), []string{"payments-daily-20260101"}},
	}
	for _, w := range want {
		for _, k := range w.keys {
			if !w.have[k] {
				t.Errorf("%s: %s missing (have %v)", w.what, k, w.have)
			}
		}
	}
	if s := inv.VeleroSchedules; len(s) == 1 && (s[0].Schedule != "0 1 * * *" || fmt.Sprint(s[0].IncludedNamespaces) != "[payments]") {
		t.Errorf("schedule read as %+v", s[0])
	}
	if b := inv.VeleroBackups; len(b) == 1 && (b[0].Phase != "Completed" || b[0].CompletionTime == nil || b[0].ScheduleName != "payments-daily") {
		t.Errorf("backup read as %+v", b[0])
	}
	if ss := inv.StatefulSets; len(ss) == 1 && len(ss[0].Spec.VolumeClaimTemplates) != 1 {
		t.Errorf("statefulset lost its volumeClaimTemplates")
	}
	if ns := inv.Namespaces; len(ns) > 0 {
		for _, n := range ns {
			if n.Name == "shop" && n.Labels["palisade.dev/owner"] != "shop" {
				t.Errorf("namespace labels lost: %v", n.Labels)
			}
		}
	}
	// Pagination really happened: the pods and the cluster roles span several pages.
	for _, s := range res.Resources {
		if (s.Source == "v1 pods" || s.Source == "rbac.authorization.k8s.io/v1 clusterroles") && (s.Pages < 2 || s.Objects <= pageSize) {
			t.Errorf("%s: %d objects in %d pages; want several pages of %d", s.Source, s.Objects, s.Pages, pageSize)
		}
	}
	if inv.Count(kubeinv.KindPod) <= pageSize || len(inv.ClusterRoles) <= pageSize {
		t.Errorf("%d pods, %d cluster roles: not more than a page", inv.Count(kubeinv.KindPod), len(inv.ClusterRoles))
	}
}

func checkNoSecretValue(t *testing.T, res *collector.Result) {
	encoded := base64.StdEncoding.EncodeToString([]byte(canary))
	for _, s := range res.Inventory.Secrets {
		if _, ok := s.Annotations[kubeinv.LastAppliedAnnotation]; ok {
			t.Errorf("secret %s/%s kept the last-applied annotation", s.Namespace, s.Name)
		}
	}
	dump := fmt.Sprintf("%+v", *res.Inventory)
	if strings.Contains(dump, canary) || strings.Contains(dump, encoded) {
		t.Error("the Secret's value is somewhere in the inventory")
	}
	results := checks.Evaluate(res.Inventory, checks.DefaultConfig())
	if strings.Contains(fmt.Sprintf("%+v", results), canary) || strings.Contains(fmt.Sprintf("%+v", results), encoded) {
		t.Error("the Secret's value is somewhere in the check results")
	}
}

func checkFindings(t *testing.T, res *collector.Result) {
	results := checks.Evaluate(res.Inventory, checks.DefaultConfig())
	type key struct{ check, asset string }
	byKey := map[key][]posture.Result{}
	for _, r := range results {
		byKey[key{r.CheckID, r.Asset.Key}] = append(byKey[key{r.CheckID, r.Asset.Key}], r)
	}
	expect := func(check, asset string, status posture.ResultStatus) {
		t.Helper()
		rs := byKey[key{check, asset}]
		if len(rs) == 0 {
			t.Errorf("%s on %s: no result", check, asset)
			return
		}
		for _, r := range rs {
			if r.Status != status {
				t.Errorf("%s on %s%s: %s (%s), want %s", check, asset, r.SubKey, r.Status, r.Message, status)
			}
		}
	}

	// The privileged container is one finding on the Deployment, not one per pod.
	priv := byKey[key{"k8s.privileged-container", "apps/Deployment/shop/web"}]
	if len(priv) != 1 || priv[0].Status != posture.Fail || priv[0].SubKey != "container:web" {
		t.Errorf("privileged-container on the Deployment: %+v; want one fail on container:web", priv)
	}
	for _, r := range results {
		if r.CheckID == "k8s.privileged-container" && (strings.Contains(r.Asset.Key, "/Pod/shop/web-") || strings.Contains(r.Asset.Key, "/ReplicaSet/")) {
			t.Errorf("privileged-container reported on %s: pods and ReplicaSets belong to the Deployment", r.Asset.Key)
		}
	}
	expect("k8s.privileged-container", "core/Pod/shop/debug", posture.Pass)
	expect("k8s.rbac-cluster-admin", "rbac.authorization.k8s.io/ClusterRoleBinding/alice-admin", posture.Fail)
	expect("k8s.namespace-default-deny", kubeinv.NamespaceKey("shop"), posture.Pass)
	expect("k8s.namespace-default-deny", kubeinv.NamespaceKey("payments"), posture.Fail)
	expect("k8s.service-exposed", "core/Service/shop/web-nodeport", posture.Fail)
	expect("k8s.service-exposed", "core/Service/shop/web", posture.Pass)
	expect("k8s.ingress-tls", "networking.k8s.io/Ingress/shop/web", posture.Fail)
	expect("k8s.backup-schedule", kubeinv.NamespaceKey("payments"), posture.Pass)
	expect("k8s.backup-schedule", kubeinv.NamespaceKey("warehouse"), posture.Fail)
	expect("k8s.backup-rpo", kubeinv.NamespaceKey("payments"), posture.Pass)
	expect("k8s.default-service-account-bound", "core/ServiceAccount/shop/default", posture.Fail)

	// Palisade's own collector RBAC passes Palisade's checks.
	for _, r := range results {
		if strings.HasSuffix(r.Asset.Key, "/palisade-collector") && r.Status == posture.Fail {
			t.Errorf("own RBAC: %s fails on %s: %s", r.CheckID, r.Asset.Key, r.Message)
		}
	}
}

// requestCounts counts requests, list requests that carry a continue token, and
// responses that carried the Secret's value over the wire.
type requestCounts struct {
	continues atomic.Int64
	requests  atomic.Int64
	leaks     atomic.Int64
	// responses that carried the Secret's last-applied annotation
	lastApplied atomic.Int64
}

// countingTransport feeds requestCounts; each client built from the config gets one.
type countingTransport struct {
	next   http.RoundTripper
	counts *requestCounts
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.counts.requests.Add(1)
	if r.URL.Query().Get("continue") != "" {
		c.counts.continues.Add(1)
	}
	resp, err := c.next.RoundTrip(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	// The one copy the API cannot hold back: kubectl's last-applied annotation is
	// metadata, so the metadata API sends it (the collector drops it on receipt). Any
	// other occurrence of the value means Secret data crossed the wire.
	scan := bytes.ReplaceAll(body, []byte(lastApplied), nil)
	if bytes.Contains(scan, []byte(canary)) || bytes.Contains(scan, []byte(base64.StdEncoding.EncodeToString([]byte(canary)))) {
		c.counts.leaks.Add(1)
	}
	if len(scan) != len(body) {
		c.counts.lastApplied.Add(1)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func checkPartial(t *testing.T, c *kubeharness.Cluster, admin clientset.Interface, role *rbacv1.ClusterRole, token string) {
	ctx := t.Context()
	role, err := admin.RbacV1().ClusterRoles().Get(ctx, role.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	removed := false
	for i := range role.Rules {
		var keep []string
		for _, r := range role.Rules[i].Resources {
			if r == "networkpolicies" {
				removed = true
				continue
			}
			keep = append(keep, r)
		}
		role.Rules[i].Resources = keep
	}
	if !removed {
		t.Fatal("the ClusterRole has no networkpolicies rule to remove")
	}
	if _, err := admin.RbacV1().ClusterRoles().Update(ctx, role, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForAccess(t, c, token, func(cs clientset.Interface) error {
		_, err := cs.NetworkingV1().NetworkPolicies("").List(ctx, metav1.ListOptions{Limit: 1})
		if apierrors.IsForbidden(err) {
			return nil
		}
		return fmt.Errorf("still allowed (err %v)", err)
	})

	// This time through a *rest.Config (built from the same kubeconfig) with a transport
	// that counts continue requests (independent proof that pages were followed) and
	// scans every response for the Secret's value (proof that it never crossed the wire).
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig(t, token)},
		&clientcmd.ConfigOverrides{CurrentContext: kubeharness.ContextName}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	counter := &requestCounts{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &countingTransport{next: rt, counts: counter} })
	res, err := collector.Collect(ctx, collector.Options{RESTConfig: cfg, PageSize: pageSize, Timeout: 30 * time.Second, SecretMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	want := posture.CollectionError{Source: "networking.k8s.io/v1 networkpolicies",
		Message: "forbidden: the collector's role cannot list networkpolicies"}
	if res.Status != posture.RunPartial || len(res.Errors) != 1 || res.Errors[0] != want {
		t.Fatalf("status %s, errors %v; want partial with [%v]", res.Status, res.Errors, want)
	}
	if len(res.Inventory.NetworkPolicies) != 0 || res.Inventory.Count(kubeinv.KindPod) < webReplica+1 || len(res.Inventory.Deployments) != 1 {
		t.Errorf("the rest was not collected: %d pods, %d deployments", res.Inventory.Count(kubeinv.KindPod), len(res.Inventory.Deployments))
	}
	if got := res.Inventory.MissingKinds(); len(got) != 1 || got[0] != kubeinv.KindNetworkPolicy {
		t.Errorf("missing kinds = %v, want [NetworkPolicy]", got)
	}
	// The namespaces are not judged on policies that could not be listed, while the
	// checks that do not need them judge as on the complete run.
	for _, r := range checks.Evaluate(res.Inventory, checks.DefaultConfig()) {
		switch {
		case r.CheckID == "k8s.namespace-default-deny" || r.CheckID == "k8s.workload-network-policy":
			if r.Status != posture.NotApplicable || r.Evidence["incomplete"] != "NetworkPolicy could not be collected" {
				t.Errorf("%s on %s: %s %q; want not_applicable: NetworkPolicies could not be listed", r.CheckID, r.Asset.Key, r.Status, r.Message)
			}
		case r.CheckID == "k8s.privileged-container" && r.Asset.Key == "apps/Deployment/shop/web":
			if r.Status != posture.Fail {
				t.Errorf("privileged-container on the Deployment: %s; want fail as on the complete run", r.Status)
			}
		}
	}
	if counter.continues.Load() < 2 {
		t.Errorf("%d list requests carried a continue token; want pagination", counter.continues.Load())
	}
	if n := counter.leaks.Load(); n > 0 {
		t.Errorf("%d responses carried the Secret's value to the collector", n)
	}
	if n := counter.lastApplied.Load(); n != 1 {
		t.Errorf("%d responses carried the last-applied annotation; want 1 (the Secret list page): is the scan blind?", n)
	}
	t.Logf("partial collection: %d requests, %d with a continue token", counter.requests.Load(), counter.continues.Load())
}
