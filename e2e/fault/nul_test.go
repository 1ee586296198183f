package fault_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// nulManifest is a workload whose label, annotation, env value and image reference hold
// NUL characters (JSON "\u0000", YAML "\0"), beside an ordinary file.
const nulManifest = `{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "web", "namespace": "shop", "labels": {"palisade.dev/owner": "team\u0000shop"}, "annotations": {"note": "a\u0000b"}},
 "spec": {"selector": {"matchLabels": {"app": "web"}},
   "template": {"metadata": {"labels": {"app": "web"}},
     "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1.0\u0000latest",
       "securityContext": {"privileged": true}, "env": [{"name": "MODE", "value": "x\u0000y"}]}]}}}}
`

const nulYAML = `apiVersion: v1
kind: Pod
metadata: {name: job, namespace: batch, labels: {team: "ops\0x"}}
spec:
  containers: [{name: job, image: "busybox:1.36\0"}]
`

const plainManifest = `apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: shop}
spec:
  containers: [{name: app, image: nginx:1.27}]
`

// TestFaultNULThroughEveryCollector: NUL characters from a manifests target (JSON and YAML
// files) and from live objects of a real kube-apiserver are recorded on both databases, as
// U+FFFD, in complete runs with their findings; the other files' findings are recorded too.
// On PostgreSQL such a run failed to record (SQLSTATE 22P05) and stayed "running".
func TestFaultNULThroughEveryCollector(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"web.json": nulManifest, "job.yaml": nulYAML, "plain.yaml": plainManifest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := kubeharness.Start(t)
	seedNULObjects(t, clientset.NewForConfigOrDie(c.AdminConfig()))
	kubeconfig := c.Kubeconfig(t, c.AdminToken)

	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			db := storetest.Open(t, dialect)
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(),
				Log: slog.New(slog.DiscardHandler), Sources: map[posture.TargetKind]runner.Source{
					posture.TargetManifests: sources.Manifests(),
					posture.TargetCluster:   sources.Cluster(sources.ClusterOptions{}),
				}}
			for _, tc := range []struct {
				kind     posture.TargetKind
				settings map[string]string
				wantKeys []string // assets that must be stored
			}{
				{posture.TargetManifests, map[string]string{"path": dir}, []string{"apps/Deployment/shop/web", "core/Pod/batch/job", "core/Pod/shop/plain"}},
				{posture.TargetCluster, map[string]string{"kubeconfig": kubeconfig, "context": kubeharness.ContextName}, []string{"apps/Deployment/nul/web"}},
			} {
				t.Run(string(tc.kind), func(t *testing.T) {
					ctx := context.Background()
					ten, tgt := storetest.Seed(t, db, "t-"+string(tc.kind), tc.kind)
					tgt.Settings = tc.settings
					run, err := r.Run(ctx, *tgt, "test")
					if err != nil || run.Status != posture.RunComplete || run.Opened == 0 {
						t.Fatalf("run = %+v, %v", run, err)
					}
					assets, err := db.ListAssets(ctx, ten.ID, posture.AssetFilter{Limit: 1000})
					if err != nil {
						t.Fatal(err)
					}
					stored := map[string]posture.AssetSummary{}
					for _, a := range assets {
						stored[a.Key] = a
					}
					for _, k := range tc.wantKeys {
						if _, ok := stored[k]; !ok {
							t.Errorf("asset %s not stored", k)
						}
					}
					findings, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{Limit: 500})
					if err != nil {
						t.Fatal(err)
					}
					replaced := 0
					for _, f := range findings.Findings {
						if strings.ContainsRune(f.Message+f.AssetKey, 0) {
							t.Fatalf("a NUL was stored: %+v", f)
						}
						for _, v := range f.Evidence {
							if strings.ContainsRune(v, 0) {
								t.Fatalf("a NUL was stored in evidence: %+v", f)
							}
							if strings.ContainsRune(v, '\uFFFD') {
								replaced++
							}
						}
					}
					if replaced == 0 {
						t.Errorf("no finding shows the replaced NUL (U+FFFD) in its evidence: the hostile value never reached the store")
					}
				})
			}
		})
	}
}

// seedNULObjects creates, through the API server, a workload with NUL characters where
// Kubernetes accepts any text: annotations, env values and the image reference.
func seedNULObjects(t *testing.T, cs *clientset.Clientset) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "nul"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	priv := true
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "nul", Annotations: map[string]string{"note": "a\x00b"}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"build": "b\x00"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example.com/web:1.0\x00latest",
					SecurityContext: &corev1.SecurityContext{Privileged: &priv},
					Env:             []corev1.EnvVar{{Name: "MODE", Value: "x\x00y"}}}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments("nul").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the API server refused the workload: %v", err)
	}
}
