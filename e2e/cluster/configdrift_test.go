package cluster_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// TestConfigDriftAgainstRealCluster: changes that no check flags, made on a real
// kube-apiserver, become config_drift events in the API and alerts at a webhook: the image
// digest a pod runs moves behind an unchanged tag (the pod's status is patched through the
// status subresource, as a kubelet would after a re-pull; the harness has none), a
// NetworkPolicy and a backup Schedule are deleted, a binding grants cluster-admin.
func TestConfigDriftAgainstRealCluster(t *testing.T) {
	c := kubeharness.Start(t)
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())
	bindCollector(t, admin, shippedCollectorRole(t))
	seed(t, admin)
	webPod := seedRunningPod(t, admin, "sha256:"+sha("first build"))
	_, err := admin.NetworkingV1().NetworkPolicies("shop").Create(ctx, &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "default-deny", Namespace: "shop"},
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}, metav1.CreateOptions{})
	must(t, err)
	must(t, c.CreateCRD(ctx, kubeharness.VeleroCRD("Schedule", "schedules")))
	must(t, c.CreateCRD(ctx, kubeharness.VeleroCRD("Backup", "backups")))
	if _, err := c.Apply(ctx, []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: velero}\n---\n"+
		"apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: daily, namespace: velero}\nspec: {schedule: '0 1 * * *', template: {}}\n")); err != nil {
		t.Fatal(err)
	}

	l := newLoop(t, c, alerting.Rule{Name: "config drift", MinSeverity: posture.SeverityHigh,
		Kinds: []string{alerting.KindConfigDrift}}, posture.RoleViewer)
	type event struct {
		RunID    int64                  `json:"run_id"`
		Kind     string                 `json:"kind"`
		Severity string                 `json:"severity"`
		AssetKey string                 `json:"asset_key"`
		Summary  string                 `json:"summary"`
		Details  map[string]string      `json:"details"`
		Changes  []alerting.FieldChange `json:"changes"`
	}
	configDrift := func(runID int64) map[string]event {
		var body struct {
			Items []event `json:"items"`
		}
		if code := l.call("GET", "/api/v1/tenants/acme/drift?limit=500&kind=config_drift", "", &body); code != 200 {
			t.Fatalf("drift: %d", code)
		}
		out := map[string]event{}
		for _, e := range body.Items {
			if e.Kind == alerting.KindConfigDrift && e.RunID == runID {
				out[e.AssetKey] = e
			}
		}
		return out
	}
	run := l.run

	baseline := run("baseline")
	if ev := configDrift(baseline.ID); len(ev) != 0 {
		t.Fatalf("the baseline raised %+v", ev)
	}
	// Nothing changed: nothing to say.
	if ev := configDrift(run("unchanged").ID); len(ev) != 0 {
		t.Fatalf("an unchanged cluster raised %+v", ev)
	}

	// The tag nginx:1.27 now resolves to another digest; a NetworkPolicy and a backup
	// Schedule are deleted; someone binds cluster-admin.
	before := webPod.Status.ContainerStatuses[0].ImageID
	webPod = setImageID(t, admin, webPod, "docker.io/library/nginx@sha256:"+sha("rebuilt behind the same tag"))
	must(t, admin.NetworkingV1().NetworkPolicies("shop").Delete(ctx, "default-deny", metav1.DeleteOptions{}))
	dyn := dynamic.NewForConfigOrDie(c.AdminConfig())
	must(t, dyn.Resource(schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}).Namespace("velero").
		Delete(ctx, "daily", metav1.DeleteOptions{}))
	_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "oops"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mallory"}}}, metav1.CreateOptions{})
	must(t, err)
	changed := run("after the changes")
	ev := configDrift(changed.ID)

	digest := ev["apps/Deployment/shop/web"]
	if digest.Severity != "high" || digest.Details["watch"] != alerting.WatchImageDigest || digest.Details["image"] != "nginx:1.27" ||
		len(digest.Changes) != 1 || digest.Changes[0].Field != "containers[web].imageID" ||
		digest.Changes[0].Before != before[len("docker.io/library/nginx@"):] ||
		digest.Changes[0].After != webPod.Status.ContainerStatuses[0].ImageID[len("docker.io/library/nginx@"):] {
		t.Errorf("digest event = %+v", digest)
	}
	if np := ev["networking.k8s.io/NetworkPolicy/shop/default-deny"]; np.Details["watch"] != alerting.WatchNetworkPolicy || np.Severity != "medium" {
		t.Errorf("NetworkPolicy event = %+v", np)
	}
	if s := ev["velero.io/Schedule/velero/daily"]; s.Details["watch"] != alerting.WatchBackupSchedule || s.Severity != "high" {
		t.Errorf("Schedule event = %+v", s)
	}
	if b := ev["rbac.authorization.k8s.io/ClusterRoleBinding/oops"]; b.Details["watch"] != alerting.WatchRBACBinding || b.Severity != "high" ||
		b.Details["risk"] != "cluster-admin" || b.Details["subjects_added"] != "User:mallory" {
		t.Errorf("binding event = %+v", b)
	}
	if len(ev) != 4 {
		t.Errorf("config drift events = %+v, want exactly the four changes", ev)
	}

	// The high ones reach the SOC's webhook, signed, with the change in the text.
	if n := l.worker.Once(ctx); n == 0 {
		t.Fatal("no alert was delivered")
	}
	msgs, bad := l.received()
	var got []string
	for _, m := range msgs {
		if m.Kind == "drift."+alerting.KindConfigDrift {
			got = append(got, m.Fields["watch"])
		}
	}
	if len(got) != 3 || bad != 0 {
		t.Errorf("alerts at the receiver: %q (bad signatures %d); want the digest, the Schedule and the binding", got, bad)
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// seedRunningPod creates the ReplicaSet and a Pod of the seeded Deployment shop/web (the
// harness has no controller manager to do it) and reports the pod running imageID.
func seedRunningPod(t *testing.T, cs clientset.Interface, digest string) *corev1.Pod {
	t.Helper()
	ctx := t.Context()
	dep, err := cs.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
	must(t, err)
	yes := true
	rs, err := cs.AppsV1().ReplicaSets("shop").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: dep.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Selector: dep.Spec.Selector, Template: dep.Spec.Template},
	}, metav1.CreateOptions{})
	must(t, err)
	pod, err := cs.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1-a", Namespace: "shop", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: rs.UID, Controller: &yes}}},
		Spec: dep.Spec.Template.Spec,
	}, metav1.CreateOptions{})
	must(t, err)
	return setImageID(t, cs, pod, "docker.io/library/nginx@"+digest)
}

// setImageID writes the pod's status as a kubelet would once its container runs imageID.
func setImageID(t *testing.T, cs clientset.Interface, pod *corev1.Pod, imageID string) *corev1.Pod {
	t.Helper()
	ctx := t.Context()
	cur, err := cs.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	must(t, err)
	c := cur.Spec.Containers[0]
	cur.Status.Phase = corev1.PodRunning
	cur.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: c.Name, Image: "docker.io/library/" + c.Image, ImageID: imageID,
		Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}
	out, err := cs.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	must(t, err)
	if out.Status.ContainerStatuses[0].ImageID != imageID {
		t.Fatalf("status update kept image ID %q", out.Status.ContainerStatuses[0].ImageID)
	}
	return out
}
