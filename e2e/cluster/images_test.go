package cluster_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/egress"
	"github.com/palisade-dev/palisade/backend/imagetrust"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/sources"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// The second "done when": a workload in the real kube-apiserver that runs the
// unsigned image gets the finding, the one that runs the signed image does not, and the
// image's record lists where it runs. The images live on Debian's docker-registry (TLS,
// htpasswd); Palisade reads them through the tenant's registry target, not the cluster.
func TestRunningImagesAreJudgedThroughTheRegistryTarget(t *testing.T) {
	c := kubeharness.Start(t)
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())
	bindCollector(t, admin, shippedCollectorRole(t))

	reg := rt.Distribution(t, "palisade", "registry-pass")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signed := reg.Pusher.Push(t, "shop/api:1.0", rt.Image(t, rt.Spec{User: "app"}))
	reg.Pusher.SignCosign(t, "shop/api", signed, key)
	unsigned := reg.Pusher.Push(t, "shop/batch:1.0", rt.Image(t, rt.Spec{User: "app"}))

	_, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "imgs"}}, metav1.CreateOptions{})
	must(t, err)
	runDeployment(t, admin, "api", reg.Host+"/shop/api:1.0", reg.Host+"/shop/api@"+signed)
	runDeployment(t, admin, "batch", reg.Host+"/shop/batch:1.0", reg.Host+"/shop/batch@"+unsigned)

	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			db := storetest.Open(t, d)
			ten := &posture.Tenant{Slug: "acme", Name: "Acme"}
			must(t, db.CreateTenant(ctx, ten))
			policy, _ := json.Marshal(imagetrust.Policy{Rules: []imagetrust.Rule{{Name: "shop", Images: []string{reg.Host + "/shop/*"},
				Keys: []imagetrust.Key{{Name: "release", PEM: rt.PublicKeyPEM(t, key)}}}}})
			_, err := db.SaveTrustPolicy(ctx, ten.ID, string(policy), "test")
			must(t, err)
			creds, _ := json.Marshal(map[string]string{"username": "palisade", "password": "registry-pass"})
			regTarget := &posture.Target{TenantID: ten.ID, Name: "registry", Kind: posture.TargetRegistry, Schedule: "1h", Enabled: true,
				Settings: map[string]string{sources.SettingURL: reg.URL, sources.SettingCABundle: string(reg.CAPEM)}, Credentials: []byte("sealed")}
			must(t, db.CreateTarget(ctx, regTarget))
			cluster := &posture.Target{TenantID: ten.ID, Name: "harness", Kind: posture.TargetCluster, Schedule: "10m", Enabled: true,
				Settings: map[string]string{"kubeconfig": c.Kubeconfig(t, c.CollectorToken), "context": kubeharness.ContextName}}
			must(t, db.CreateTarget(ctx, cluster))

			regOpts := sources.RegistryOptions{Images: db, Judge: sources.TrustJudge(db.TrustPolicy, time.Now),
				Outbound: egress.Policy{}.WithLoopback(), OpenCredentials: func(posture.Target) ([]byte, error) { return creds, nil }}
			r := &runner.Runner{Runs: db, Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(),
				Weights: posture.DefaultWeights(), Log: slog.New(slog.DiscardHandler),
				Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: sources.Cluster(sources.ClusterOptions{
					Images: &sources.RunningImages{Images: db, Usages: db, Targets: db.ListTargets, Registry: regOpts}})}}
			run, err := r.Run(ctx, *cluster, "test")
			if err != nil || run.Status != posture.RunComplete {
				t.Fatalf("cluster run = %+v, %v", run, err)
			}
			untrusted := openFindings(t, db, ten.ID, "image.signature-trusted")
			if len(untrusted) != 1 || untrusted[0].AssetKey != "apps/Deployment/imgs/batch" || !strings.Contains(untrusted[0].Message, "no signature found") {
				t.Fatalf("untrusted-image findings = %+v; want one, on the Deployment running the unsigned image", untrusted)
			}
			where, err := db.ImageUsages(ctx, ten.ID, unsigned, 10)
			if err != nil || len(where) != 1 || where[0].TargetName != "harness" || where[0].Namespace != "imgs" ||
				where[0].Workload != "apps/Deployment/imgs/batch" || where[0].Container != "container:app" {
				t.Fatalf("where the unsigned image runs = %+v, %v", where, err)
			}
			facts, _ := db.ImageFacts(ctx, ten.ID, []string{signed, unsigned})
			if facts[signed] == nil || facts[signed].Trust == nil || !facts[signed].Trust.Signed || facts[unsigned] == nil {
				t.Fatalf("stored facts = %+v", facts)
			}
		})
	}
}

// runDeployment makes a Deployment with one running pod whose container reports imageID,
// as a kubelet would once it pulled image.
func runDeployment(t *testing.T, cs clientset.Interface, name, image, imageID string) {
	t.Helper()
	ctx := t.Context()
	labels := map[string]string{"app": name}
	yes := true
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}
	dep, err := cs.AppsV1().Deployments("imgs").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "imgs"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}}}, metav1.CreateOptions{})
	must(t, err)
	rs, err := cs.AppsV1().ReplicaSets("imgs").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-1", Namespace: "imgs", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: dep.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Selector: dep.Spec.Selector, Template: dep.Spec.Template}}, metav1.CreateOptions{})
	must(t, err)
	pod, err := cs.CoreV1().Pods("imgs").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-1-a", Namespace: "imgs", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}}},
		Spec: spec}, metav1.CreateOptions{})
	must(t, err)
	pod.Status.Phase = corev1.PodRunning
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: image, ImageID: imageID, Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}
	_, err = cs.CoreV1().Pods("imgs").UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	must(t, err)
}
