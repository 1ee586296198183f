package main

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// `palisade scan --kubeconfig` against a real kube-apiserver: findings, exit codes, and a
// clear error for a context that does not exist.
func TestIntegrationScanKubeconfig(t *testing.T) {
	c := kubeharness.Start(t)
	cs := clientset.NewForConfigOrDie(c.AdminConfig())
	ctx := t.Context()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	privileged := true
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27",
					SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("shop").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig := c.Kubeconfig(t, c.AdminToken)

	r := palisade(t, nil, "scan", "--kubeconfig", kubeconfig, "--context", kubeharness.ContextName, "-o", "json", "--fail-on", "critical")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (a critical finding)\nstderr: %s", r.code, r.stderr)
	}
	var out struct {
		Findings []struct {
			CheckID  string `json:"check_id"`
			Resource struct{ Kind, Namespace, Name string }
		} `json:"findings"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range out.Findings {
		if f.CheckID == "k8s.privileged-container" && f.Resource.Kind == "Deployment" && f.Resource.Name == "web" {
			found = true
		}
	}
	if !found || len(out.Errors) != 0 {
		t.Fatalf("privileged Deployment not reported (errors %v)", out.Errors)
	}
	if !strings.Contains(r.stderr, "cluster "+kubeharness.ContextName) {
		t.Errorf("progress line does not name the cluster: %q", r.stderr)
	}

	r = palisade(t, nil, "scan", "--kubeconfig", kubeconfig, "--context", "no-such-context")
	if r.code != 2 || !strings.Contains(r.stderr, "no-such-context") {
		t.Fatalf("unknown context: exit %d, stderr %q", r.code, r.stderr)
	}
}
