// Package cluster_test runs Palisade's whole collection pipeline against a real
// kube-apiserver: scheduler > client-go collector > checks > store > scores.
package cluster_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/schedule"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

const privilegedCheck = "k8s.privileged-container"

func TestIntegrationPipelineAgainstRealCluster(t *testing.T) {
	c := kubeharness.Start(t)
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())
	role := shippedCollectorRole(t)
	bindCollector(t, admin, role)
	seed(t, admin)

	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			db := storetest.Open(t, d)
			ten := &posture.Tenant{Slug: "acme", Name: "Acme"}
			if err := db.CreateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
			tgt := &posture.Target{TenantID: ten.ID, Name: "harness", Kind: posture.TargetCluster, Schedule: "10m", Enabled: true,
				Settings: map[string]string{"kubeconfig": c.Kubeconfig(t, c.CollectorToken), "context": kubeharness.ContextName}}
			if err := db.CreateTarget(ctx, tgt); err != nil {
				t.Fatal(err)
			}
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(),
				Weights: posture.DefaultWeights(), Log: slog.New(slog.DiscardHandler),
				Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: sources.Cluster(sources.ClusterOptions{PageSize: 3})}}
			setPrivileged(t, admin, true)

			// 1. The scheduler's first run (it starts at once) stores findings and scores.
			scheduled := runScheduledOnce(t, db, r, *tgt)
			if scheduled.Status != posture.RunComplete || len(scheduled.Errors) != 0 {
				t.Fatalf("scheduled run: %s %v", scheduled.Status, scheduled.Errors)
			}
			priv := openFindings(t, db, ten.ID, privilegedCheck)
			if len(priv) != 1 || priv[0].AssetKey != "apps/Deployment/shop/web" {
				t.Fatalf("privileged findings = %+v; want one on the Deployment", priv)
			}
			before := overallRisk(t, db, ten.ID, tgt.ID)

			// 2. A fix applied in the cluster resolves the finding on the next complete run.
			setPrivileged(t, admin, false)
			fixed, err := r.Run(ctx, *tgt, "test")
			if err != nil || fixed.Status != posture.RunComplete || fixed.Resolved == 0 {
				t.Fatalf("run after fix = %+v, %v", fixed, err)
			}
			if got := openFindings(t, db, ten.ID, privilegedCheck); len(got) != 0 {
				t.Fatalf("fixed finding still open: %+v", got)
			}
			// The critical finding's weight (10) times its exposure (1 or more) leaves risk.
			if after := overallRisk(t, db, ten.ID, tgt.ID); after > before-10 {
				t.Errorf("risk did not fall by a critical finding's weight after the fix: %.2f -> %.2f", before, after)
			}

			// 3. A forced partial run (the role loses NetworkPolicies) resolves nothing, even
			// though the cluster changed: the debug Pod's findings stay open though it is gone.
			debugBefore := openFindingsOn(t, db, ten.ID, "core/Pod/shop/debug")
			if len(debugBefore) == 0 {
				t.Fatal("the debug pod has no open findings to keep")
			}
			withoutNetworkPolicies(t, admin, role, func() {
				deletePod(t, admin, "shop", "debug")
				partial, err := r.Run(ctx, *tgt, "test")
				if err != nil || partial.Status != posture.RunPartial || partial.Resolved != 0 || len(partial.Errors) != 1 {
					t.Fatalf("forced partial run = %+v, %v", partial, err)
				}
				if got := openFindingsOn(t, db, ten.ID, "core/Pod/shop/debug"); len(got) != len(debugBefore) {
					t.Fatalf("partial run resolved findings of the deleted pod: %d -> %d open", len(debugBefore), len(got))
				}
			})
			// The next complete run does resolve them.
			complete, err := r.Run(ctx, *tgt, "test")
			if err != nil || complete.Status != posture.RunComplete || complete.Resolved < len(debugBefore) {
				t.Fatalf("complete run after the partial = %+v, %v", complete, err)
			}
			if got := openFindingsOn(t, db, ten.ID, "core/Pod/shop/debug"); len(got) != 0 {
				t.Fatalf("findings of the deleted pod still open after a complete run: %d", len(got))
			}
			createDebugPod(t, admin) // for the next dialect
		})
	}
}

func runScheduledOnce(t *testing.T, db *store.DB, r *runner.Runner, tgt posture.Target) posture.Run {
	t.Helper()
	s, err := schedule.New(r, schedule.Options{Owner: "test", Locks: db, Runs: db, Log: slog.New(slog.DiscardHandler), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(tgt); err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown(context.Background())
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		runs, err := db.ListRuns(t.Context(), tgt.TenantID, tgt.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status != posture.RunRunning {
			return runs[0]
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the scheduler did not complete a run within 60s")
	return posture.Run{}
}

func openFindings(t *testing.T, db *store.DB, tenantID int64, check string) []posture.Finding {
	t.Helper()
	page, err := db.ListFindings(t.Context(), tenantID, posture.FindingFilter{Statuses: []posture.FindingStatus{posture.FindingOpen},
		CheckIDs: []string{check}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Findings
}

func openFindingsOn(t *testing.T, db *store.DB, tenantID int64, assetKey string) []posture.Finding {
	t.Helper()
	page, err := db.ListFindings(t.Context(), tenantID, posture.FindingFilter{Statuses: []posture.FindingStatus{posture.FindingOpen}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []posture.Finding
	for _, f := range page.Findings {
		if f.AssetKey == assetKey {
			out = append(out, f)
		}
	}
	return out
}

func overallRisk(t *testing.T, db *store.DB, tenantID, targetID int64) float64 {
	t.Helper()
	snaps, err := db.LatestScores(t.Context(), tenantID, targetID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		if s.ScopeKind == posture.ScopeOverall {
			return s.Risk
		}
	}
	t.Fatal("no overall score stored")
	return 0
}

// shippedCollectorRole reads the ClusterRole Palisade ships, so the pipeline runs with
// exactly the access a real installation grants.
func shippedCollectorRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	raw, err := os.ReadFile("../../deploy/kubernetes/collector-rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range bytes.Split(raw, []byte("\n---")) {
		var role rbacv1.ClusterRole
		if err := yaml.Unmarshal(doc, &role); err == nil && role.Kind == "ClusterRole" {
			return &role
		}
	}
	t.Fatal("no ClusterRole in deploy/kubernetes/collector-rbac.yaml")
	return nil
}

func bindCollector(t *testing.T, cs clientset.Interface, role *rbacv1.ClusterRole) {
	t.Helper()
	ctx := t.Context()
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "palisade-collector"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: kubeharness.CollectorUser}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func withoutNetworkPolicies(t *testing.T, cs clientset.Interface, role *rbacv1.ClusterRole, fn func()) {
	t.Helper()
	ctx := t.Context()
	restricted := role.DeepCopy()
	var rules []rbacv1.PolicyRule
	for _, r := range restricted.Rules {
		var res []string
		for _, name := range r.Resources {
			if name != "networkpolicies" {
				res = append(res, name)
			}
		}
		if len(res) > 0 {
			r.Resources = res
			rules = append(rules, r)
		}
	}
	restricted.Rules = rules
	update := func(r *rbacv1.ClusterRole) {
		cur, err := cs.RbacV1().ClusterRoles().Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Rules = r.Rules
		if _, err := cs.RbacV1().ClusterRoles().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond) // the authorizer's RBAC cache catches up
	}
	update(restricted)
	defer update(role)
	fn()
}

func seed(t *testing.T, cs clientset.Interface) {
	t.Helper()
	ctx := t.Context()
	for _, name := range []string{"shop", "payments"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	replicas := int32(2)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("shop").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createDebugPod(t, cs)
}

func createDebugPod(t *testing.T, cs clientset.Interface) {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug", Namespace: "shop"},
		Spec: corev1.PodSpec{HostPID: true, Containers: []corev1.Container{{Name: "sh", Image: "busybox:latest"}}}}
	if _, err := cs.CoreV1().Pods("shop").Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func deletePod(t *testing.T, cs clientset.Interface, ns, name string) {
	t.Helper()
	zero := int64(0)
	if err := cs.CoreV1().Pods(ns).Delete(t.Context(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	// With no kubelet, a pod given a zero grace period is removed at once; wait to be sure.
	for i := 0; i < 50; i++ {
		if _, err := cs.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{}); err != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pod %s/%s not deleted", ns, name)
}

func setPrivileged(t *testing.T, cs clientset.Interface, on bool) {
	t.Helper()
	ctx := t.Context()
	dep, err := cs.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dep.Spec.Template.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &on}
	if _, err := cs.AppsV1().Deployments("shop").Update(ctx, dep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
