package watch

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

const (
	classKey = "palisade.dev/classification"
	ownerKey = "palisade.dev/owner"
	web      = "apps/Deployment/shop/web"
)

var opts = Options{LabelKeys: []string{classKey, ownerKey}}

// cluster is the fixture: a namespace with watched (and other) labels, a Deployment whose
// two running pods report their image digests (a tag and a digest-pinned sidecar), RBAC
// bindings, two NetworkPolicies and a backup Schedule, and things that must never be
// watched (a Secret's value, an environment variable, annotations).
type cluster struct {
	ns        corev1.Namespace
	dep       appsv1.Deployment
	rs        appsv1.ReplicaSet
	pods      []corev1.Pod
	roles     []rbacv1.ClusterRole
	rbs       []rbacv1.RoleBinding
	crbs      []rbacv1.ClusterRoleBinding
	netpols   []networkingv1.NetworkPolicy
	schedules []kubeinv.VeleroSchedule
	missing   []string
}

func ptr[T any](v T) *T { return &v }

func owner(kind, name, uid string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{Kind: kind, Name: name, UID: types.UID(uid), Controller: ptr(true)}}
}

func pod(name, webDigest string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID("p-" + name), OwnerReferences: owner("ReplicaSet", "web-1", "r1")},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "web", Image: "nginx:1.27"},
			{Name: "envoy", Image: "envoy@sha256:1111"},
		}},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "web", ImageID: "docker.io/library/nginx@" + webDigest},
			{Name: "envoy", ImageID: "docker.io/library/envoy@sha256:1111"},
		}},
	}
}

func base() *cluster {
	c := &cluster{}
	c.ns = corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop",
		Labels:      map[string]string{classKey: "confidential", ownerKey: "team-shop", "team": "a"},
		Annotations: map[string]string{"note": "annotation-value-never-watched"}}}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", classKey: "confidential"}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true)},
			Volumes:         []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			Containers: []corev1.Container{
				{Name: "web", Image: "nginx:1.27",
					Env: []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "env-value-never-watched"}},
					SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
						RunAsUser: ptr(int64(1000)), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE", "CHOWN"}}}},
				{Name: "envoy", Image: "envoy@sha256:1111"},
			},
		},
	}
	c.dep = appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "d1",
		Labels: map[string]string{ownerKey: "team-shop"}, Annotations: map[string]string{"deploy": "annotation-value-never-watched"}},
		Spec: appsv1.DeploymentSpec{Template: template}}
	c.rs = appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-1", UID: "r1", OwnerReferences: owner("Deployment", "web", "d1")},
		Spec: appsv1.ReplicaSetSpec{Template: template}}
	c.pods = []corev1.Pod{pod("web-1-a", "sha256:aaaa"), pod("web-1-b", "sha256:aaaa")}
	c.roles = []rbacv1.ClusterRole{
		{ObjectMeta: metav1.ObjectMeta{Name: "view"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, Resources: []string{"pods"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "everything"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, Resources: []string{"pods"}}}},
	}
	c.rbs = []rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "devs"},
		RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "Group", Name: "dev"}, {Kind: "User", Name: "bob"}, {Kind: "ServiceAccount", Name: "ci"}}}}
	c.crbs = []rbacv1.ClusterRoleBinding{{ObjectMeta: metav1.ObjectMeta{Name: "ops"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "root"}}}}
	c.netpols = []networkingv1.NetworkPolicy{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "default-deny"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "allow-web"}},
	}
	c.schedules = []kubeinv.VeleroSchedule{{Namespace: "velero", Name: "daily", Schedule: "0 1 * * *"}}
	return c
}

func (c *cluster) inventory(t *testing.T) *kubeinv.Inventory {
	t.Helper()
	inv := &kubeinv.Inventory{}
	add := func(o any) {
		if err := inv.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	add(&c.ns)
	add(&c.dep)
	add(&c.rs)
	for i := range c.pods {
		add(&c.pods[i])
	}
	for i := range c.roles {
		add(&c.roles[i])
	}
	for i := range c.rbs {
		add(&c.rbs[i])
	}
	for i := range c.crbs {
		add(&c.crbs[i])
	}
	for i := range c.netpols {
		add(&c.netpols[i])
	}
	for i := range c.schedules {
		add(&c.schedules[i])
	}
	add(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db"}, Data: map[string][]byte{"password": []byte("secret-value-never-watched")}})
	for _, k := range c.missing {
		inv.MarkMissing(k)
	}
	return inv
}

func webContainer(c *cluster) *corev1.Container { return &c.dep.Spec.Template.Spec.Containers[0] }

// describe renders events compactly: "watch severity asset | field: before → after; ...".
func describe(events []alerting.Event) []string {
	var out []string
	for _, e := range events {
		var changes []string
		for _, ch := range e.Changes {
			changes = append(changes, ch.String())
		}
		out = append(out, fmt.Sprintf("%s %s %s | %s", e.Details["watch"], e.Severity, e.AssetKey, strings.Join(changes, "; ")))
	}
	return out
}

func drift(t *testing.T, before, after *cluster) []alerting.Event {
	t.Helper()
	prev, cur := Extract(before.inventory(t), opts), Extract(after.inventory(t), opts)
	alerting.CarryDigests(prev, cur)
	events := alerting.ConfigDrift(1, 2, 20, 10, time.Unix(0, 0), prev, cur)
	for _, e := range events {
		if e.Kind != alerting.KindConfigDrift || e.TenantID != 1 || e.TargetID != 2 || e.RunID != 20 || e.PrevRunID != 10 || e.Summary == "" {
			t.Errorf("event %+v: kind, ids or summary wrong", e)
		}
	}
	return events
}

func TestConfigDriftOfInventories(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *cluster)
		want   []string
	}{
		{name: "no change", change: func(*cluster) {}},
		{name: "lists reordered, pods replaced by pods of the same digest", change: func(c *cluster) {
			slices.Reverse(c.rbs[0].Subjects)
			slices.Reverse(webContainer(c).SecurityContext.Capabilities.Add)
			webContainer(c).SecurityContext.Capabilities.Add = append(webContainer(c).SecurityContext.Capabilities.Add, "cap_chown")
			slices.Reverse(c.dep.Spec.Template.Spec.Containers)
			slices.Reverse(c.netpols)
			c.pods = []corev1.Pod{pod("web-1-c", "sha256:aaaa")}
		}},
		{name: "not watched: annotations, env values, replicas, other labels", change: func(c *cluster) {
			c.dep.Annotations["deploy"] = "changed"
			webContainer(c).Env[0].Value = "rotated"
			c.dep.Spec.Replicas = ptr(int32(9))
			delete(c.ns.Labels, "team")
		}},
		{name: "container turns privileged", change: func(c *cluster) {
			webContainer(c).SecurityContext.Privileged = ptr(true)
		}, want: []string{"security_context high " + web + " | containers[web].securityContext.privileged: unset → true"}},
		{name: "host namespaces and a hostPath volume, one event for the workload", change: func(c *cluster) {
			s := &c.dep.Spec.Template.Spec
			s.HostNetwork, s.HostPID = true, true
			s.Volumes = append(s.Volumes, corev1.Volume{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}, want: []string{"security_context high " + web + " | hostNetwork: unset → true; hostPID: unset → true; volumes[root].hostPath: unset → /"}},
		{name: "capability added", change: func(c *cluster) {
			webContainer(c).SecurityContext.Capabilities.Add = append(webContainer(c).SecurityContext.Capabilities.Add, "CAP_SYS_ADMIN")
		}, want: []string{"security_context high " + web + " | containers[web].securityContext.capabilities.add: CHOWN,NET_BIND_SERVICE → CHOWN,NET_BIND_SERVICE,SYS_ADMIN"}},
		{name: "escalation allowed, root filesystem writable, runs as root", change: func(c *cluster) {
			sc := webContainer(c).SecurityContext
			sc.AllowPrivilegeEscalation, sc.ReadOnlyRootFilesystem, sc.RunAsUser = nil, ptr(false), ptr(int64(0))
			c.dep.Spec.Template.Spec.SecurityContext.RunAsNonRoot = ptr(false)
		}, want: []string{"security_context high " + web + " | containers[web].securityContext.allowPrivilegeEscalation: false → unset; " +
			"containers[web].securityContext.readOnlyRootFilesystem: true → unset; containers[web].securityContext.runAsUser: 1000 → 0; " +
			"securityContext.runAsNonRoot: true → false"}},
		{name: "hardening is a low-severity change", change: func(c *cluster) {
			c.dep.Spec.Template.Spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
			webContainer(c).SecurityContext.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
		}, want: []string{"security_context low " + web + " | containers[web].securityContext.capabilities.add: CHOWN,NET_BIND_SERVICE → NET_BIND_SERVICE; securityContext.seccompProfile: unset → RuntimeDefault"}},
		{name: "digest moved behind the same tag", change: func(c *cluster) {
			c.pods = []corev1.Pod{pod("web-1-a", "sha256:bbbb"), pod("web-1-b", "sha256:bbbb")}
		}, want: []string{"image_digest high " + web + " | containers[web].imageID: sha256:aaaa → sha256:bbbb"}},
		{name: "rolling update: some pods on a new digest of the same tag", change: func(c *cluster) {
			c.pods = []corev1.Pod{pod("web-1-a", "sha256:aaaa"), pod("web-1-b", "sha256:bbbb")}
		}, want: []string{"image_digest high " + web + " | containers[web].imageID: sha256:aaaa → sha256:aaaa,sha256:bbbb"}},
		{name: "a new tag is a deliberate change, not drift", change: func(c *cluster) {
			webContainer(c).Image = "nginx:1.28"
			c.pods = nil
			for _, name := range []string{"web-2-a", "web-2-b"} {
				p := pod(name, "sha256:bbbb")
				p.Spec.Containers[0].Image = "nginx:1.28"
				p.OwnerReferences = owner("ReplicaSet", "web-1", "r1")
				c.pods = append(c.pods, p)
			}
		}},
		{name: "a digest-pinned image cannot move", change: func(c *cluster) {
			for i := range c.pods {
				c.pods[i].Status.ContainerStatuses[1].ImageID = "docker.io/library/envoy@sha256:2222"
			}
		}},
		{name: "no pod running: nothing to compare", change: func(c *cluster) { c.pods = nil }},
		{name: "new binding", change: func(c *cluster) {
			c.rbs = append(c.rbs, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "ci"},
				RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}, Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "ci", Namespace: "build"}}})
		}, want: []string{"rbac_binding medium rbac.authorization.k8s.io/RoleBinding/shop/ci | roleRef: unset → ClusterRole/view; subjects: unset → ServiceAccount:build/ci"}},
		{name: "new binding of cluster-admin and of a wildcard role", change: func(c *cluster) {
			c.crbs = append(c.crbs,
				rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "oops"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"},
					Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:authenticated"}}},
				rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wild"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "everything"},
					Subjects: []rbacv1.Subject{{Kind: "User", Name: "eve"}}})
		}, want: []string{
			"rbac_binding high rbac.authorization.k8s.io/ClusterRoleBinding/oops | roleRef: unset → ClusterRole/cluster-admin; subjects: unset → Group:system:authenticated",
			"rbac_binding high rbac.authorization.k8s.io/ClusterRoleBinding/wild | roleRef: unset → ClusterRole/everything; subjects: unset → User:eve",
		}},
		{name: "binding gains a subject", change: func(c *cluster) {
			c.rbs[0].Subjects = append(c.rbs[0].Subjects, rbacv1.Subject{Kind: "User", Name: "mallory"})
		}, want: []string{"rbac_binding medium rbac.authorization.k8s.io/RoleBinding/shop/devs | subjects: Group:dev,ServiceAccount:shop/ci,User:bob → Group:dev,ServiceAccount:shop/ci,User:bob,User:mallory"}},
		{name: "binding loses a subject, a binding is deleted: less access is not drift", change: func(c *cluster) {
			c.rbs[0].Subjects = c.rbs[0].Subjects[:1]
			c.crbs = nil
		}},
		{name: "watched label removed from the namespace and the pod template", change: func(c *cluster) {
			delete(c.ns.Labels, classKey)
			delete(c.dep.Spec.Template.Labels, classKey)
		}, want: []string{
			"labels medium " + web + " | template.metadata.labels[palisade.dev/classification]: confidential → unset",
			"labels medium core/Namespace/shop | metadata.labels[palisade.dev/classification]: confidential → unset",
		}},
		{name: "watched label changed", change: func(c *cluster) {
			c.dep.Labels[ownerKey] = "team-x"
		}, want: []string{"labels low " + web + " | metadata.labels[palisade.dev/owner]: team-shop → team-x"}},
		{name: "a label added is not drift", change: func(c *cluster) {
			c.dep.Labels[classKey] = "public"
		}},
		{name: "NetworkPolicy and backup Schedule deleted", change: func(c *cluster) {
			c.netpols = c.netpols[1:]
			c.schedules = nil
		}, want: []string{
			"network_policy medium networking.k8s.io/NetworkPolicy/shop/default-deny | object: present → deleted",
			"backup_schedule high velero.io/Schedule/velero/daily | object: present → deleted",
		}},
		{name: "NetworkPolicies not listed: no deletion", change: func(c *cluster) {
			c.netpols = nil
			c.missing = []string{kubeinv.KindNetworkPolicy}
		}},
		{name: "workloads and namespaces come and go without drift", change: func(c *cluster) {
			c.ns.Name = "shop2"
			c.dep.Name = "web2"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after := base()
			tc.change(after)
			got := describe(drift(t, base(), after))
			if !slices.Equal(got, tc.want) {
				t.Errorf("events:\n  got  %q\n  want %q", got, tc.want)
			}
		})
	}
}

// A digest that moved while no pod ran (scaled to zero) is caught when pods run again:
// the stored state keeps the last digests seen for the tag.
func TestDigestCarriedWhileScaledDown(t *testing.T) {
	running, down, moved := base(), base(), base()
	down.pods = nil
	moved.pods = []corev1.Pod{pod("web-1-z", "sha256:bbbb")}
	s1, s2, s3 := Extract(running.inventory(t), opts), Extract(down.inventory(t), opts), Extract(moved.inventory(t), opts)
	alerting.CarryDigests(s1, s2)
	if ev := alerting.ConfigDrift(1, 2, 3, 2, time.Now(), s1, s2); len(ev) != 0 {
		t.Fatalf("scaling down raised %q", describe(ev))
	}
	alerting.CarryDigests(s2, s3)
	got := describe(alerting.ConfigDrift(1, 2, 4, 3, time.Now(), s2, s3))
	want := []string{"image_digest high " + web + " | containers[web].imageID: sha256:aaaa → sha256:bbbb"}
	if !slices.Equal(got, want) {
		t.Errorf("after scaling up on a moved digest: %q, want %q", got, want)
	}
}

func TestExtractKeepsNoSecretsAndUsesAssetKeys(t *testing.T) {
	st := Extract(base().inventory(t), opts)
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, never := range []string{"never-watched", "DB_PASSWORD", "team-a", `"team"`, "password"} {
		if strings.Contains(string(raw), never) {
			t.Errorf("state holds %q: %s", never, raw)
		}
	}
	var keys []string
	for k := range st.Objects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{web, "core/Namespace/shop", "networking.k8s.io/NetworkPolicy/shop/allow-web", "networking.k8s.io/NetworkPolicy/shop/default-deny",
		"rbac.authorization.k8s.io/ClusterRoleBinding/ops", "rbac.authorization.k8s.io/RoleBinding/shop/devs", "velero.io/Schedule/velero/daily"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	w := st.Objects[web]
	if w.Images["containers[web]"] != "nginx:1.27" || !slices.Equal(w.Digests["containers[web]"], []string{"sha256:aaaa"}) ||
		w.Digests["containers[envoy]"] != nil {
		t.Errorf("images %v, digests %v: want the tag's digest and none for the pinned image", w.Images, w.Digests)
	}
	if crb := st.Objects["rbac.authorization.k8s.io/ClusterRoleBinding/ops"]; crb.Risk != "cluster-admin" || crb.RoleRef != "ClusterRole/cluster-admin" {
		t.Errorf("cluster-admin binding = %+v", crb)
	}
	if !slices.Equal(st.LabelKeys, []string{classKey, ownerKey}) || st.Version != posture.WatchedStateVersion || len(st.Incomplete) != 0 {
		t.Errorf("state header = %v %d %v", st.LabelKeys, st.Version, st.Incomplete)
	}
}

func TestPinned(t *testing.T) {
	if !Pinned("nginx@sha256:ab") || !Pinned("nginx:1@sha256:ab") || Pinned("registry:5000/nginx:1") {
		t.Error("Pinned")
	}
}

// A hostile cluster cannot blow up the state: entries per object, values and the number
// of objects are bounded, and what did not fit is marked so that it is not reported.
func TestExtractIsBounded(t *testing.T) {
	c := base()
	long := strings.Repeat("x", 10_000)
	c.ns.Labels[classKey] = long
	s := &c.dep.Spec.Template.Spec
	for i := range 300 {
		s.Containers = append(s.Containers, corev1.Container{Name: fmt.Sprint("c", i), Image: "img:" + long,
			SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}})
	}
	for i := range 500 {
		c.rbs[0].Subjects = append(c.rbs[0].Subjects, rbacv1.Subject{Kind: "User", Name: fmt.Sprint("u", i)})
	}
	st := Extract(c.inventory(t), opts)
	w := st.Objects[web]
	if !w.Truncated || len(w.Security) > MaxEntries || len(w.Images) > MaxEntries {
		t.Errorf("workload: truncated %v, %d security fields, %d images", w.Truncated, len(w.Security), len(w.Images))
	}
	for _, v := range w.Images {
		if len(v) > MaxValueLen+len("…") {
			t.Fatalf("image value of %d bytes", len(v))
		}
	}
	if v := st.Objects["core/Namespace/shop"].Labels[classKey]; len(v) > MaxValueLen+len("…") {
		t.Errorf("label value of %d bytes", len(v))
	}
	if b := st.Objects["rbac.authorization.k8s.io/RoleBinding/shop/devs"]; !b.Truncated || len(b.Subjects) != MaxEntries {
		t.Errorf("binding: truncated %v, %d subjects", b.Truncated, len(b.Subjects))
	}

	small := extract(base().inventory(t), opts, 3, MaxBytes)
	if len(small.Objects) != 3 || !small.IsIncomplete(posture.WatchedWorkload) || !small.IsIncomplete(posture.WatchedNamespace) {
		t.Errorf("over the object limit: %d objects, incomplete %v", len(small.Objects), small.Incomplete)
	}
	tiny := extract(base().inventory(t), opts, MaxObjects, 200)
	if len(tiny.Objects) == 0 || len(tiny.Objects) == 7 || len(tiny.Incomplete) == 0 {
		t.Errorf("over the byte limit: %d objects, incomplete %v", len(tiny.Objects), tiny.Incomplete)
	}
	// An incomplete kind reports no deletion: the objects left out are not gone.
	prev := Extract(base().inventory(t), opts)
	if ev := alerting.ConfigDrift(1, 2, 3, 2, time.Now(), prev, small); len(ev) != 0 {
		t.Errorf("state cut by the limit raised %q", describe(ev))
	}
}

// A watched label key longer than MaxValueLen (a label key may be 317 bytes: a 253-byte
// DNS prefix, "/" and a 63-byte name) is kept whole and so still matches its label; its
// value is still bounded.
func TestLongLabelKeyIsWatched(t *testing.T) {
	longKey := strings.Repeat("a", 61) + "." + strings.Repeat("b", 61) + "." + strings.Repeat("c", 61) + "." +
		strings.Repeat("d", 61) + ".io/" + strings.Repeat("n", 63)
	if len(longKey) <= MaxValueLen || len(longKey) > 317 {
		t.Fatalf("test key of %d bytes", len(longKey))
	}
	if got := labelKeys([]string{classKey, longKey, "", longKey}); !slices.Equal(got, []string{longKey, classKey}) {
		t.Fatalf("labelKeys = %q", got)
	}
	c := base()
	c.ns.Labels[longKey] = strings.Repeat("v", 1000)
	c.dep.Spec.Template.Labels[longKey] = "restricted"
	c.rs.Spec.Template.Labels[longKey] = "restricted"
	st := Extract(c.inventory(t), Options{LabelKeys: []string{classKey, longKey}})
	if !slices.Contains(st.LabelKeys, longKey) {
		t.Fatalf("label keys = %q", st.LabelKeys)
	}
	v, ok := st.Objects["core/Namespace/shop"].Labels[longKey]
	if !ok || len(v) > MaxValueLen+len("…") {
		t.Errorf("namespace label %q (%d bytes), found %v", v, len(v), ok)
	}
	if got := st.Objects[web].PodLabels[longKey]; got != "restricted" {
		t.Errorf("pod label = %q, want restricted (pod labels %v)", got, st.Objects[web].PodLabels)
	}
}
