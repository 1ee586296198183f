package kubeinv

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

func meta(ns, name, uid string, owner ...metav1.OwnerReference) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), OwnerReferences: owner}
}

func ctrl(kind, name, uid string) metav1.OwnerReference {
	t := true
	return metav1.OwnerReference{Kind: kind, Name: name, UID: types.UID(uid), Controller: &t}
}

func keys(ws []*Workload) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Key())
	}
	return strings.Join(out, " ")
}

func TestWorkloadsAttribution(t *testing.T) {
	notController := metav1.OwnerReference{Kind: "Deployment", Name: "web", UID: "d1"}
	tests := []struct {
		name     string
		objs     []any
		wantKeys string
		wantPods map[string]int
	}{
		{
			name: "deployment > replicaset > pods is one workload",
			objs: []any{
				&appsv1.Deployment{ObjectMeta: meta("shop", "web", "d1")},
				&appsv1.ReplicaSet{ObjectMeta: meta("shop", "web-1", "r1", ctrl("Deployment", "web", "d1"))},
				&corev1.Pod{ObjectMeta: meta("shop", "web-1-a", "p1", ctrl("ReplicaSet", "web-1", "r1"))},
				&corev1.Pod{ObjectMeta: meta("shop", "web-1-b", "p2", ctrl("ReplicaSet", "web-1", "r1"))},
			},
			wantKeys: "apps/Deployment/shop/web",
			wantPods: map[string]int{"apps/Deployment/shop/web": 2},
		},
		{
			name: "cronjob > job > pod",
			objs: []any{
				&batchv1.CronJob{ObjectMeta: meta("ops", "nightly", "c1")},
				&batchv1.Job{ObjectMeta: meta("ops", "nightly-1", "j1", ctrl("CronJob", "nightly", "c1"))},
				&corev1.Pod{ObjectMeta: meta("ops", "nightly-1-x", "p1", ctrl("Job", "nightly-1", "j1"))},
			},
			wantKeys: "batch/CronJob/ops/nightly",
			wantPods: map[string]int{"batch/CronJob/ops/nightly": 1},
		},
		{
			name: "owner absent: replicaset and its pod stay separate from nothing",
			objs: []any{
				&appsv1.ReplicaSet{ObjectMeta: meta("shop", "web-1", "r1", ctrl("Deployment", "web", "d1"))},
				&corev1.Pod{ObjectMeta: meta("shop", "web-1-a", "p1", ctrl("ReplicaSet", "web-1", "r1"))},
				&corev1.Pod{ObjectMeta: meta("shop", "orphan", "p2", ctrl("ReplicaSet", "gone", "r9"))},
			},
			wantKeys: "apps/ReplicaSet/shop/web-1 core/Pod/shop/orphan",
			wantPods: map[string]int{"apps/ReplicaSet/shop/web-1": 1},
		},
		{
			name: "uid mismatch means a different (recreated) owner",
			objs: []any{
				&appsv1.StatefulSet{ObjectMeta: meta("db", "pg", "s2")},
				&corev1.Pod{ObjectMeta: meta("db", "pg-0", "p1", ctrl("StatefulSet", "pg", "s1"))},
			},
			wantKeys: "apps/StatefulSet/db/pg core/Pod/db/pg-0",
		},
		{
			name: "same name in another namespace is not the owner",
			objs: []any{
				&appsv1.DaemonSet{ObjectMeta: meta("a", "agent", "")},
				&corev1.Pod{ObjectMeta: meta("b", "agent-x", "", ctrl("DaemonSet", "agent", ""))},
			},
			wantKeys: "apps/DaemonSet/a/agent core/Pod/b/agent-x",
		},
		{
			name: "non-controller owner reference does not attribute",
			objs: []any{
				&appsv1.Deployment{ObjectMeta: meta("shop", "web", "d1")},
				&corev1.Pod{ObjectMeta: meta("shop", "p", "p1", notController)},
			},
			wantKeys: "apps/Deployment/shop/web core/Pod/shop/p",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := &Inventory{}
			for _, o := range tc.objs {
				if err := inv.Add(o); err != nil {
					t.Fatal(err)
				}
			}
			ws := inv.Workloads()
			if got := keys(ws); got != tc.wantKeys {
				t.Fatalf("workloads = %q, want %q", got, tc.wantKeys)
			}
			inv.Compact()
			if got := keys(inv.Workloads()); got != tc.wantKeys {
				t.Fatalf("after Compact workloads = %q, want %q", got, tc.wantKeys)
			}
			for _, w := range ws {
				if want := tc.wantPods[w.Key()]; w.AttributedPods != want {
					t.Errorf("%s attributed pods = %d, want %d", w.Key(), w.AttributedPods, want)
				}
			}
		})
	}
}

func TestCompactKeepsUnattributedSpecs(t *testing.T) {
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}
	inv := &Inventory{
		Deployments: []appsv1.Deployment{{ObjectMeta: meta("a", "web", "d1")}},
		ReplicaSets: []appsv1.ReplicaSet{{ObjectMeta: meta("a", "web-1", "r1", ctrl("Deployment", "web", "d1"))}},
		Pods: []corev1.Pod{
			{ObjectMeta: meta("a", "web-1-x", "p1", ctrl("ReplicaSet", "web-1", "r1")), Spec: spec},
			{ObjectMeta: meta("a", "bare", "p2"), Spec: spec},
		},
	}
	inv.Compact()
	if len(inv.Pods) != 1 || inv.Pods[0].Name != "bare" || len(inv.Pods[0].Spec.Containers) != 1 {
		t.Errorf("pods held in full after Compact = %+v; want only the bare pod, spec intact", inv.Pods)
	}
	if inv.Count(KindPod) != 2 {
		t.Errorf("Count(Pod) = %d, want 2 (the attributed pod is kept as a stub)", inv.Count(KindPod))
	}
	attributed := 0
	for _, w := range inv.Workloads() {
		if w.Kind == "Deployment" {
			attributed = w.AttributedPods
		}
	}
	if attributed != 1 {
		t.Errorf("Deployment has %d attributed pods after Compact, want 1", attributed)
	}
	for _, w := range inv.Workloads() {
		if w.Kind == "Pod" && len(w.PodSpec.Containers) != 1 {
			t.Errorf("workload %s lost its spec", w.Key())
		}
	}
}

func TestWorkloadAssetAndContainers(t *testing.T) {
	w := &Workload{Group: "apps", Kind: "Deployment", ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Labels: map[string]string{"a": "b"}},
		PodSpec: corev1.PodSpec{
			InitContainers:      []corev1.Container{{Name: "init"}},
			Containers:          []corev1.Container{{Name: "web"}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug"}}},
		}}
	a := w.Asset()
	if a.Key != "apps/Deployment/shop/web" || a.ParentKey != "core/Namespace/shop" || a.Kind != "workload" || a.Labels["a"] != "b" {
		t.Errorf("asset = %+v", a)
	}
	var subs []string
	for _, c := range w.Containers() {
		subs = append(subs, c.SubKey())
	}
	if got := strings.Join(subs, ","); got != "initContainer:init,container:web,ephemeralContainer:debug" {
		t.Errorf("subkeys = %s", got)
	}
	if got := AssetKey("rbac.authorization.k8s.io", "ClusterRole", "", "admin"); got != "rbac.authorization.k8s.io/ClusterRole/admin" {
		t.Errorf("cluster-scoped key = %s", got)
	}
}

func TestAddSecretDropsData(t *testing.T) {
	inv := &Inventory{}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Annotations: map[string]string{LastAppliedAnnotation: `{"data":{"k":"c2VjcmV0"}}`}},
		Data: map[string][]byte{"k": []byte("secret")}}
	if err := inv.Add(s); err != nil {
		t.Fatal(err)
	}
	got := inv.Secrets[0]
	if len(got.Keys) != 1 || got.Keys[0] != "k" || len(got.Annotations) != 0 {
		t.Errorf("secret meta = %+v", got)
	}
	if s.Annotations[LastAppliedAnnotation] == "" {
		t.Error("caller's object was modified")
	}
}

func TestAddSecretMetadataOnly(t *testing.T) {
	inv := &Inventory{}
	m := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "a", Annotations: map[string]string{LastAppliedAnnotation: "{}"}}}
	if err := inv.Add(m); err != nil || len(inv.Secrets) != 1 || len(inv.Secrets[0].Annotations) != 0 {
		t.Fatalf("err=%v secrets=%+v", err, inv.Secrets)
	}
	m.Kind = "ConfigMap"
	if err := inv.Add(m); err == nil {
		t.Error("metadata of a ConfigMap accepted as a Secret")
	}
}

func TestAddUnsupported(t *testing.T) {
	inv := &Inventory{}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": map[string]any{"name": "x"}}}
	if err := inv.Add(u); err == nil || !strings.Contains(err.Error(), "example.com/v1 Thing") {
		t.Errorf("err = %v", err)
	}
	if err := inv.Add(&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}); err == nil {
		t.Error("ConfigMap accepted")
	}
	v := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "velero.io/v1", "kind": "Schedule",
		"metadata": map[string]any{"name": "daily", "namespace": "velero"},
		"spec":     map[string]any{"schedule": "@daily", "template": map[string]any{"includedNamespaces": []any{"shop"}}}}}
	if err := inv.Add(v); err != nil || len(inv.VeleroSchedules) != 1 || inv.VeleroSchedules[0].IncludedNamespaces[0] != "shop" {
		t.Errorf("velero schedule: err=%v %+v", err, inv.VeleroSchedules)
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		inc, exc []string
		ns       string
		want     bool
	}{
		{nil, nil, "a", true},
		{[]string{"*"}, []string{"a"}, "a", false},
		{[]string{"b"}, nil, "a", false},
		{[]string{"a"}, nil, "a", true},
	}
	for _, tc := range tests {
		if got := Covers(tc.inc, tc.exc, tc.ns); got != tc.want {
			t.Errorf("Covers(%v,%v,%s) = %v", tc.inc, tc.exc, tc.ns, got)
		}
	}
}

func TestPodNamesIncludeCompactedPods(t *testing.T) {
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}
	inv := &Inventory{
		ReplicaSets: []appsv1.ReplicaSet{{ObjectMeta: meta("a", "web-1", "r1")}},
		Pods: []corev1.Pod{
			{ObjectMeta: meta("a", "web-1-x", "p1", ctrl("ReplicaSet", "web-1", "r1")), Spec: spec},
			{ObjectMeta: meta("a", "bare", "p2"), Spec: spec},
		},
	}
	inv.Compact()
	got := strings.Join(inv.PodNames(), ",")
	if got != "a/bare,a/web-1-x" {
		t.Errorf("PodNames = %s", got)
	}
}
