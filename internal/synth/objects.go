package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Label keys the generated objects use (the defaults of checks.DefaultConfig).
const (
	ClassificationLabel = "palisade.dev/classification"
	TenantLabel         = "palisade.dev/tenant"
	OwnerLabel          = "palisade.dev/owner"
	ZoneLabel           = "palisade.dev/zone"
	versionLabel        = "app.kubernetes.io/version"
)

// AllowedRegistry is the registry most generated images come from; pass it as
// checks.Config.AllowedRegistries to exercise the allowlist check.
const AllowedRegistry = "registry.example.com"

type profile int

const (
	hardened profile = iota
	typical
	bad
)

type gen struct {
	spec  Spec
	plan  *clusterPlan
	rng   *rand.Rand
	emit  func(file string, obj any) error
	stats Stats
	uids  uint64
	err   error
}

var (
	tmDeployment  = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
	tmReplicaSet  = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"}
	tmStatefulSet = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"}
	tmDaemonSet   = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}
	tmCronJob     = metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"}
	tmJob         = metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}
	tmPod         = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
)

func (g *gen) put(file string, obj any) {
	if g.err != nil {
		return
	}
	g.stats.Objects++
	g.err = g.emit(file, obj)
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) uid() types.UID {
	g.uids++
	h := g.uids*0x9E3779B97F4A7C15 ^ g.spec.Seed
	return types.UID(fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, g.uids&0xfff, g.uids))
}

func (g *gen) ago(d time.Duration) metav1.Time { return metav1.NewTime(g.spec.Now.Add(-d)) }

func (g *gen) meta(name, ns string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, UID: g.uid(), Labels: labels,
		ResourceVersion:   strconv.Itoa(100000 + g.rng.IntN(9000000)),
		CreationTimestamp: g.ago(time.Duration(1+g.rng.IntN(400*24)) * time.Hour)}
}

func ptr[T any](v T) *T { return &v }

func controllerRef(kind, apiVersion string, m *metav1.ObjectMeta) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: m.Name, UID: m.UID,
		Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}
}

func (g *gen) run() error {
	g.nodes()
	g.storageClasses()
	g.clusterRBAC()
	for i := range g.plan.namespaces {
		g.namespace(i)
		if g.err != nil {
			return g.err
		}
	}
	g.velero()
	return g.err
}

func (g *gen) nodeName() string { return fmt.Sprintf("node-%04d", g.rng.IntN(g.spec.Nodes)) }

func (g *gen) nodes() {
	for i := 0; i < g.spec.Nodes; i++ {
		labels := map[string]string{
			"kubernetes.io/hostname": fmt.Sprintf("node-%04d", i), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
			"node.kubernetes.io/instance-type": "m6i.2xlarge", "topology.kubernetes.io/zone": fmt.Sprintf("eu-west-1%c", 'a'+rune(i%3)),
		}
		switch u := g.rng.Float64(); {
		case u < 0.80:
			labels[ZoneLabel] = "general"
		case u < 0.90:
			labels[ZoneLabel] = "confidential"
		case u < 0.95:
			labels[ZoneLabel] = "restricted"
		}
		n := &corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: g.meta(fmt.Sprintf("node-%04d", i), "", labels)}
		if z := labels[ZoneLabel]; z == "confidential" || z == "restricted" {
			n.Spec.Taints = []corev1.Taint{{Key: ZoneLabel, Value: z, Effect: corev1.TaintEffectNoSchedule}}
		}
		n.Spec.PodCIDR = fmt.Sprintf("10.%d.%d.0/24", 64+i/256, i%256)
		n.Status = corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7910m"), corev1.ResourceMemory: resource.MustParse("30Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: g.ago(time.Minute)}},
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.33.2", ContainerRuntimeVersion: "containerd://1.7.24", OSImage: "Ubuntu 24.04.1 LTS",
				KernelVersion: "6.8.0-1019-aws", OperatingSystem: "linux", Architecture: "amd64"},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.%d.%d", i/250, 1+i%250)}},
		}
		g.put("cluster/nodes.yaml", n)
	}
	g.stats.Nodes = g.spec.Nodes
}

var storageClasses = []struct {
	name      string
	encrypted bool
}{{"gp3-encrypted", true}, {"standard", false}, {"fast-ssd", true}}

func (g *gen) storageClasses() {
	for _, s := range storageClasses {
		sc := &storagev1.StorageClass{TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
			ObjectMeta: g.meta(s.name, "", nil), Provisioner: "ebs.csi.aws.com", Parameters: map[string]string{"type": "gp3"},
			ReclaimPolicy: ptr(corev1.PersistentVolumeReclaimDelete), VolumeBindingMode: ptr(storagev1.VolumeBindingWaitForFirstConsumer)}
		if s.encrypted {
			sc.Parameters["encrypted"] = "true"
		}
		g.put("cluster/storage.yaml", sc)
	}
}

var (
	tmClusterRole        = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}
	tmClusterRoleBinding = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"}
	tmRole               = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"}
	tmRoleBinding        = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}
)

// rules returns a role's rules: mostly read-only and scoped, sometimes risky.
func (g *gen) rules() []rbacv1.PolicyRule {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps", "services", "endpoints"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get", "list", "watch"}},
	}
	switch u := g.rng.Float64(); {
	case u < 0.10:
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}})
	case u < 0.14:
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create"}})
	case u < 0.17:
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}})
	case u < 0.18:
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles", "rolebindings"}, Verbs: []string{"escalate", "bind"}})
	case u < 0.19:
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"users", "serviceaccounts"}, Verbs: []string{"impersonate"}})
	case u < 0.40:
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"create", "update", "patch", "delete"}})
	}
	return rules
}

var builtinClusterRoles = []string{"cluster-admin", "admin", "edit", "view", "system:node", "system:kube-scheduler",
	"system:kube-controller-manager", "system:discovery", "system:basic-user", "system:aggregate-to-view"}

func (g *gen) customClusterRoles() int { return max(1, g.plan.crb/2) }

func (g *gen) clusterRBAC() {
	for _, name := range builtinClusterRoles {
		r := &rbacv1.ClusterRole{TypeMeta: tmClusterRole, ObjectMeta: g.meta(name, "", map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}),
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
		if name != "cluster-admin" {
			r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "services"}, Verbs: []string{"get", "list", "watch"}}}
		}
		g.put("cluster/rbac.yaml", r)
	}
	for i := 0; i < g.customClusterRoles(); i++ {
		g.put("cluster/rbac.yaml", &rbacv1.ClusterRole{TypeMeta: tmClusterRole,
			ObjectMeta: g.meta(fmt.Sprintf("%s-operator-%d", teams[i%len(teams)], i), "", map[string]string{"app.kubernetes.io/managed-by": "Helm"}),
			Rules:      g.rules()})
	}
	for i := 0; i < g.plan.crb; i++ {
		b := &rbacv1.ClusterRoleBinding{TypeMeta: tmClusterRoleBinding, ObjectMeta: g.meta(fmt.Sprintf("crb-%04d", i), "", nil)}
		j := g.rng.IntN(g.customClusterRoles())
		b.RoleRef = rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: fmt.Sprintf("%s-operator-%d", teams[j%len(teams)], j)}
		b.Subjects = []rbacv1.Subject{{Kind: "ServiceAccount", Name: "operator", Namespace: g.plan.namespaces[g.rng.IntN(len(g.plan.namespaces))].name}}
		switch u := g.rng.Float64(); {
		case i == 0:
			b.Name, b.RoleRef.Name = "cluster-admin", "cluster-admin"
			b.Subjects = []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "system:masters"}}
		case i == 1 && g.plan.crb > 20:
			b.RoleRef.Name = "view" // a classic mistake: discovery for everyone, including anonymous
			b.Subjects = []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "system:unauthenticated"}}
		case u < 0.06:
			b.RoleRef.Name = "cluster-admin"
			b.Subjects = []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: fmt.Sprintf("admin%d@example.com", i)}}
		case u < 0.15:
			b.RoleRef.Name = "view"
			b.Subjects = []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "sre"}}
		}
		g.put("cluster/rbac.yaml", b)
	}
	g.stats.RBACBindings += g.plan.crb
}

// nsObjects collects one namespace's objects by file, in emission order.
type nsObjects struct {
	ns, rbac, network, workloads, pods []any
	serviceAccounts                    []string
}

func (g *gen) namespace(i int) {
	np := g.plan.namespaces[i]
	name := np.name
	g.stats.Namespaces++
	nsLabels := map[string]string{"kubernetes.io/metadata.name": name}
	team := name
	if !np.infra {
		team = name[:len(name)-4]
		if g.chance(0.85) {
			nsLabels[OwnerLabel] = "team-" + team
		}
		if g.chance(0.80) {
			nsLabels[TenantLabel] = team
		}
		if g.chance(0.60) {
			nsLabels[ClassificationLabel] = []string{"internal", "internal", "public", "confidential", "restricted"}[g.rng.IntN(5)]
		}
		if g.chance(0.5) {
			nsLabels["pod-security.kubernetes.io/enforce"] = []string{"restricted", "baseline", "baseline", "privileged"}[g.rng.IntN(4)]
		}
	}
	var o nsObjects
	o.ns = append(o.ns, &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: g.meta(name, "", nsLabels),
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}})

	pdbs, hpas, services, ingresses, pvcs := []any{}, []any{}, []any{}, []any{}, []any{}
	var appLabels []map[string]string
	for _, wp := range g.plan.workloads[i] {
		w := g.workload(np, wp, team, &o)
		g.stats.Workloads++
		if w.labels == nil {
			continue
		}
		appLabels = append(appLabels, w.selector)
		if w.kind == kDeployment || w.kind == kStatefulSet {
			services = append(services, g.service(name, w))
			if w.kind == kDeployment && g.chance(0.05) {
				ingresses = append(ingresses, g.ingress(name, w))
			}
			if wp.replicas > 1 && g.chance(0.4) {
				pdbs = append(pdbs, &policyv1.PodDisruptionBudget{TypeMeta: metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
					ObjectMeta: g.meta(w.name, name, w.selector),
					Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(1)),
						Selector: &metav1.LabelSelector{MatchLabels: w.selector}}})
			}
			if w.kind == kDeployment && g.chance(0.2) {
				hpas = append(hpas, &autoscalingv2.HorizontalPodAutoscaler{TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
					ObjectMeta: g.meta(w.name, name, nil),
					Spec: autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: w.name},
						MinReplicas: ptr(int32(max(1, wp.replicas))), MaxReplicas: int32(max(2, wp.replicas*3)),
						Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
							Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(70))}}}}}})
			}
		}
		pvcs = append(pvcs, w.pvcs...)
	}
	// ServiceAccounts, quota, limit range, secrets.
	o.ns = append(o.ns, &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: g.meta("default", name, nil)})
	seenSA := map[string]bool{"default": true}
	for _, sa := range o.serviceAccounts {
		if seenSA[sa] {
			continue
		}
		seenSA[sa] = true
		a := &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: g.meta(sa, name, nil)}
		if g.chance(0.3) {
			a.AutomountServiceAccountToken = ptr(false)
		}
		o.ns = append(o.ns, a)
	}
	if !np.infra && g.chance(0.6) {
		o.ns = append(o.ns, &corev1.ResourceQuota{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"}, ObjectMeta: g.meta("compute", name, nil),
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.cpu": resource.MustParse("40"), "requests.memory": resource.MustParse("80Gi"),
				"limits.cpu": resource.MustParse("80"), "limits.memory": resource.MustParse("160Gi"), "requests.storage": resource.MustParse("2Ti")}}})
	}
	if !np.infra && g.chance(0.5) {
		o.ns = append(o.ns, &corev1.LimitRange{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"}, ObjectMeta: g.meta("defaults", name, nil),
			Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer,
				Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
				DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}}}})
	}
	for s := 0; s < 2+g.rng.IntN(4); s++ {
		sec := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: g.meta(fmt.Sprintf("%s-secret-%d", team, s), name, nil),
			Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"username": []byte("app"), "password": []byte("synthetic-not-a-secret")}}
		if s == 0 {
			sec.Name, sec.Type = team+"-tls", corev1.SecretTypeTLS
			sec.Data = map[string][]byte{"tls.crt": []byte("-----BEGIN CERTIFICATE-----"), "tls.key": []byte("synthetic")}
		}
		o.ns = append(o.ns, sec)
	}
	// RBAC.
	nb := g.plan.roleBind[i]
	nRoles := 0
	if nb > 0 {
		nRoles = max(1, nb*2/3)
	}
	for r := 0; r < nRoles; r++ {
		o.rbac = append(o.rbac, &rbacv1.Role{TypeMeta: tmRole, ObjectMeta: g.meta(fmt.Sprintf("%s-role-%d", team, r), name, nil), Rules: g.rules()})
	}
	for b := 0; b < nb; b++ {
		rb := &rbacv1.RoleBinding{TypeMeta: tmRoleBinding, ObjectMeta: g.meta(fmt.Sprintf("%s-binding-%d", team, b), name, nil)}
		if g.chance(0.7) {
			rb.RoleRef = rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: fmt.Sprintf("%s-role-%d", team, g.rng.IntN(nRoles))}
		} else {
			rb.RoleRef = rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: []string{"view", "view", "edit", "admin"}[g.rng.IntN(4)]}
		}
		switch u := g.rng.Float64(); {
		case u < 0.04:
			rb.Subjects = []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: name}}
		case u < 0.70 && len(o.serviceAccounts) > 0:
			rb.Subjects = []rbacv1.Subject{{Kind: "ServiceAccount", Name: o.serviceAccounts[g.rng.IntN(len(o.serviceAccounts))], Namespace: name}}
		case u < 0.85:
			rb.Subjects = []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: fmt.Sprintf("dev%d@example.com", g.rng.IntN(5000))}}
		default:
			rb.Subjects = []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "team-" + team}}
		}
		o.rbac = append(o.rbac, rb)
	}
	g.stats.RBACBindings += nb
	// Network policies: default deny in most namespaces, allow rules for some apps.
	if np.name != "kube-system" && g.chance(0.7) {
		o.network = append(o.network, &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: g.meta("default-deny", name, nil),
			Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}})
	}
	for _, sel := range appLabels {
		if !g.chance(0.3) {
			continue
		}
		port := intstr.FromInt32(8080)
		o.network = append(o.network, &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: g.meta("allow-"+sel["app.kubernetes.io/name"], name, nil),
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: sel},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}}},
					Ports: []networkingv1.NetworkPolicyPort{{Port: &port}}}}}})
	}
	o.network = append(o.network, services...)
	o.network = append(o.network, ingresses...)
	o.workloads = append(o.workloads, pvcs...)
	o.workloads = append(o.workloads, pdbs...)
	o.workloads = append(o.workloads, hpas...)

	for _, f := range []struct {
		file string
		objs []any
	}{{"namespace.yaml", o.ns}, {"rbac.yaml", o.rbac}, {"network.yaml", o.network}, {"workloads.yaml", o.workloads}, {"pods.yaml", o.pods}} {
		for _, obj := range f.objs {
			g.put(name+"/"+f.file, obj)
		}
	}
}

// planned is what a generated workload tells its namespace.
type planned struct {
	kind     wkind
	name     string
	labels   map[string]string // nil for bare pods and jobs
	selector map[string]string
	pvcs     []any
}

func (g *gen) pick() profile {
	switch u := g.rng.Float64(); {
	case u < 0.35:
		return hardened
	case u < 0.82:
		return typical
	}
	return bad
}

func (g *gen) image(wp workloadPlan, team, app string) string {
	if wp.image != "" {
		return wp.image
	}
	ver := fmt.Sprintf("%d.%d.%d", 1+g.rng.IntN(4), g.rng.IntN(20), g.rng.IntN(10))
	switch u := g.rng.Float64(); {
	case u < 0.05:
		return "docker.io/library/nginx:latest"
	case u < 0.07:
		return "redis"
	case u < 0.22:
		return fmt.Sprintf("docker.io/%s/%s:%s", team, app, ver)
	case u < 0.25:
		return fmt.Sprintf("quay.io/%s/%s:%s", team, app, ver)
	case u < 0.45:
		return fmt.Sprintf("%s/%s/%s@sha256:%064x", AllowedRegistry, team, app, g.rng.Uint64())
	}
	return fmt.Sprintf("%s/%s/%s:%s", AllowedRegistry, team, app, ver)
}

func (g *gen) workload(np nsPlan, wp workloadPlan, team string, o *nsObjects) planned {
	ns := np.name
	idx := g.stats.Workloads
	app := apps[idx%len(apps)]
	name := wp.infra
	if name == "" {
		name = fmt.Sprintf("%s-%s-%d", team, app, idx)
		if wp.kind == kPod {
			name = fmt.Sprintf("%s-debug-%d", team, idx)
		}
	}
	pr := g.pick()
	if wp.infra != "" {
		pr = typical
	}
	sel := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}
	labels := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name, "app.kubernetes.io/part-of": team,
		"app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": app + "-1.0.0"}
	if g.chance(0.8) {
		labels[versionLabel] = "1." + strconv.Itoa(g.rng.IntN(30)) + ".0"
	}
	if g.chance(0.5) {
		labels[OwnerLabel] = "team-" + team
	}
	class := ""
	if g.chance(0.35) {
		class = []string{"internal", "public", "confidential", "restricted"}[g.rng.IntN(4)]
		labels[ClassificationLabel] = class
	}
	tpl := g.template(np, wp, team, app, name, pr, sel, labels, class, o)
	out := planned{kind: wp.kind, name: name, labels: labels, selector: sel}
	meta := g.meta(name, ns, labels)
	meta.Annotations = map[string]string{"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns}
	switch wp.kind {
	case kDeployment:
		meta.Annotations["deployment.kubernetes.io/revision"] = "3"
		meta.Generation = 3
		d := &appsv1.Deployment{TypeMeta: tmDeployment, ObjectMeta: meta, Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(wp.replicas)), Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tpl,
			Strategy:             appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
			RevisionHistoryLimit: ptr(int32(10)), ProgressDeadlineSeconds: ptr(int32(600))},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: int32(wp.replicas), ReadyReplicas: int32(wp.replicas),
				AvailableReplicas: int32(wp.replicas), UpdatedReplicas: int32(wp.replicas)}}
		o.workloads = append(o.workloads, d)
		old := g.chance(0.25)
		if old {
			o.workloads = append(o.workloads, g.replicaSet(d, "old", 0))
		}
		rs := g.replicaSet(d, "cur", wp.replicas)
		o.workloads = append(o.workloads, rs)
		for p := 0; p < wp.replicas; p++ {
			o.pods = append(o.pods, g.pod(rs.Name+"-"+g.suffix(5), ns, rs.Spec.Template, controllerRef("ReplicaSet", "apps/v1", &rs.ObjectMeta), corev1.PodRunning))
		}
	case kStatefulSet:
		s := &appsv1.StatefulSet{TypeMeta: tmStatefulSet, ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{
			Replicas: ptr(int32(wp.replicas)), Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tpl, ServiceName: name,
			PodManagementPolicy: appsv1.OrderedReadyPodManagement, UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}},
			Status: appsv1.StatefulSetStatus{Replicas: int32(wp.replicas), ReadyReplicas: int32(wp.replicas)}}
		sc := "gp3-encrypted"
		if g.chance(0.2) {
			sc = "standard"
		}
		size := []string{"10Gi", "20Gi", "50Gi", "100Gi"}[g.rng.IntN(4)]
		s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: ptr(sc),
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}}
		s.Spec.Template.Spec.Containers[0].VolumeMounts = append(s.Spec.Template.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "data", MountPath: "/var/lib/data"})
		o.workloads = append(o.workloads, s)
		for p := 0; p < wp.replicas; p++ {
			pod := g.pod(fmt.Sprintf("%s-%d", name, p), ns, s.Spec.Template, controllerRef("StatefulSet", "apps/v1", &s.ObjectMeta), corev1.PodRunning)
			pvc := &corev1.PersistentVolumeClaim{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
				ObjectMeta: g.meta(fmt.Sprintf("data-%s-%d", name, p), ns, sel), Spec: *s.Spec.VolumeClaimTemplates[0].Spec.DeepCopy(),
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}
			pvc.Spec.VolumeName = "pvc-" + string(pvc.UID)
			out.pvcs = append(out.pvcs, pvc)
			pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pvc.Name}}})
			o.pods = append(o.pods, pod)
		}
	case kDaemonSet:
		d := &appsv1.DaemonSet{TypeMeta: tmDaemonSet, ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tpl,
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType}},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: int32(wp.replicas), NumberReady: int32(wp.replicas)}}
		o.workloads = append(o.workloads, d)
		for p := 0; p < wp.replicas; p++ {
			pod := g.pod(name+"-"+g.suffix(5), ns, d.Spec.Template, controllerRef("DaemonSet", "apps/v1", &d.ObjectMeta), corev1.PodRunning)
			pod.Spec.NodeName = fmt.Sprintf("node-%04d", p%g.spec.Nodes)
			o.pods = append(o.pods, pod)
		}
	case kCronJob:
		c := &batchv1.CronJob{TypeMeta: tmCronJob, ObjectMeta: meta, Spec: batchv1.CronJobSpec{
			Schedule: fmt.Sprintf("%d %d * * *", g.rng.IntN(60), g.rng.IntN(24)), ConcurrencyPolicy: batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr(int32(3)), FailedJobsHistoryLimit: ptr(int32(1)),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{BackoffLimit: ptr(int32(2)), Template: tpl}}}}
		o.workloads = append(o.workloads, c)
		for j := 0; j < wp.replicas; j++ {
			job := g.job(fmt.Sprintf("%s-%d", name, 29000000+j*1440), ns, tpl, controllerRef("CronJob", "batch/v1", &c.ObjectMeta))
			o.workloads = append(o.workloads, job)
			o.pods = append(o.pods, g.pod(job.Name+"-"+g.suffix(5), ns, tpl, controllerRef("Job", "batch/v1", &job.ObjectMeta), corev1.PodSucceeded))
		}
	case kJob:
		job := g.job(name, ns, tpl, nil)
		job.Labels = labels
		o.workloads = append(o.workloads, job)
		o.pods = append(o.pods, g.pod(job.Name+"-"+g.suffix(5), ns, tpl, controllerRef("Job", "batch/v1", &job.ObjectMeta), corev1.PodSucceeded))
		out.labels = nil
	case kPod:
		tpl.Labels = labels
		o.pods = append(o.pods, g.pod(name, ns, tpl, nil, corev1.PodRunning))
		out.labels = nil
	}
	return out
}

const suffixChars = "bcdfghjklmnpqrstvwxz2456789"

func (g *gen) suffix(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = suffixChars[g.rng.IntN(len(suffixChars))]
	}
	return string(b)
}

func (g *gen) replicaSet(d *appsv1.Deployment, tag string, replicas int) *appsv1.ReplicaSet {
	hash := g.suffix(10)
	labels := map[string]string{"pod-template-hash": hash}
	for k, v := range d.Spec.Template.Labels {
		labels[k] = v
	}
	m := g.meta(d.Name+"-"+hash, d.Namespace, labels)
	m.OwnerReferences = controllerRef("Deployment", "apps/v1", &d.ObjectMeta)
	m.Annotations = map[string]string{"deployment.kubernetes.io/desired-replicas": strconv.Itoa(replicas), "deployment.kubernetes.io/revision": map[string]string{"old": "2", "cur": "3"}[tag]}
	tpl := *d.Spec.Template.DeepCopy()
	tpl.Labels = labels
	return &appsv1.ReplicaSet{TypeMeta: tmReplicaSet, ObjectMeta: m, Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(replicas)),
		Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tpl},
		Status: appsv1.ReplicaSetStatus{Replicas: int32(replicas), ReadyReplicas: int32(replicas), AvailableReplicas: int32(replicas)}}
}

func (g *gen) job(name, ns string, tpl corev1.PodTemplateSpec, owner []metav1.OwnerReference) *batchv1.Job {
	m := g.meta(name, ns, nil)
	m.OwnerReferences = owner
	t := *tpl.DeepCopy()
	t.Spec.RestartPolicy = corev1.RestartPolicyNever
	start, done := g.ago(3*time.Hour), g.ago(2*time.Hour)
	return &batchv1.Job{TypeMeta: tmJob, ObjectMeta: m, Spec: batchv1.JobSpec{BackoffLimit: ptr(int32(2)), Completions: ptr(int32(1)), Template: t},
		Status: batchv1.JobStatus{Succeeded: 1, StartTime: &start, CompletionTime: &done}}
}

func (g *gen) pod(name, ns string, tpl corev1.PodTemplateSpec, owner []metav1.OwnerReference, phase corev1.PodPhase) *corev1.Pod {
	labels := make(map[string]string, len(tpl.Labels))
	for k, v := range tpl.Labels {
		labels[k] = v
	}
	m := g.meta(name, ns, labels)
	m.OwnerReferences = owner
	if len(tpl.Annotations) > 0 {
		m.Annotations = make(map[string]string, len(tpl.Annotations))
		for k, v := range tpl.Annotations {
			m.Annotations[k] = v
		}
	}
	spec := *tpl.Spec.DeepCopy()
	spec.NodeName = g.nodeName()
	if phase == corev1.PodSucceeded {
		spec.RestartPolicy = corev1.RestartPolicyNever
	}
	started := g.ago(time.Duration(1+g.rng.IntN(72)) * time.Hour)
	st := corev1.PodStatus{Phase: phase, HostIP: "10.0.1.1", PodIP: fmt.Sprintf("10.%d.%d.%d", 64+g.rng.IntN(64), g.rng.IntN(256), 1+g.rng.IntN(254)),
		StartTime: &started, QOSClass: corev1.PodQOSBurstable,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
		}}
	for _, c := range spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: fmt.Sprintf("docker-pullable://%s@sha256:%016x", c.Image, g.rng.Uint64()),
			ContainerID: fmt.Sprintf("containerd://%016x%016x", g.rng.Uint64(), g.rng.Uint64()), Ready: phase == corev1.PodRunning, Started: ptr(phase == corev1.PodRunning)}
		if phase == corev1.PodRunning {
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
		} else {
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: started}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	g.stats.Pods++
	return &corev1.Pod{TypeMeta: tmPod, ObjectMeta: m, Spec: spec, Status: st}
}

func (g *gen) service(ns string, w planned) *corev1.Service {
	s := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: g.meta(w.name, ns, w.labels),
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: w.selector,
			ClusterIP: fmt.Sprintf("172.20.%d.%d", g.rng.IntN(256), 1+g.rng.IntN(254)),
			Ports:     []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(8443), Protocol: corev1.ProtocolTCP}}}}
	switch u := g.rng.Float64(); {
	case u < 0.03:
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports[0].NodePort = int32(30000 + g.rng.IntN(2767))
	case u < 0.04:
		s.Spec.Type = corev1.ServiceTypeLoadBalancer
		s.Spec.Ports[0].NodePort = int32(30000 + g.rng.IntN(2767))
	case u < 0.30:
		s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}
	}
	return s
}

func (g *gen) ingress(ns string, w planned) *networkingv1.Ingress {
	host := w.name + ".example.com"
	in := &networkingv1.Ingress{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}, ObjectMeta: g.meta(w.name, ns, w.labels),
		Spec: networkingv1.IngressSpec{IngressClassName: ptr("nginx"), Rules: []networkingv1.IngressRule{{Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: ptr(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: w.name, Port: networkingv1.ServiceBackendPort{Number: 443}}}}}}}}}}}
	if g.chance(0.7) {
		in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: w.name + "-tls"}}
	}
	return in
}

func (g *gen) velero() {
	var covered []string
	for _, np := range g.plan.namespaces {
		if np.infra {
			continue
		}
		if g.chance(0.65) {
			covered = append(covered, np.name)
		}
	}
	var backups []any
	for i, ns := range covered {
		name := ns + "-daily"
		paused := g.chance(0.04)
		last := g.spec.Now.Add(-time.Duration(1+g.rng.IntN(20)) * time.Hour)
		stale := g.chance(0.12)
		if stale {
			last = g.spec.Now.Add(-time.Duration(30+g.rng.IntN(200)) * time.Hour)
		}
		g.put("velero/schedules.yaml", &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "velero.io/v1", "kind": "Schedule",
			"metadata": map[string]any{"name": name, "namespace": "velero", "uid": string(g.uid())},
			"spec": map[string]any{"schedule": fmt.Sprintf("%d 2 * * *", i%60), "paused": paused,
				"template": map[string]any{"includedNamespaces": []any{ns}, "snapshotVolumes": true, "ttl": "720h0m0s"}},
			"status": map[string]any{"phase": "Enabled", "lastBackup": last.Format(time.RFC3339)},
		}})
		for b := 0; b < 3; b++ {
			done := last.Add(-time.Duration(b*24) * time.Hour)
			phase := "Completed"
			if stale && b == 0 {
				phase = "Failed"
			}
			backups = append(backups, &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "velero.io/v1", "kind": "Backup",
				"metadata": map[string]any{"name": fmt.Sprintf("%s-%s", name, done.Format("20060102150405")), "namespace": "velero",
					"labels": map[string]any{"velero.io/schedule-name": name}},
				"spec":   map[string]any{"includedNamespaces": []any{ns}, "storageLocation": "default", "ttl": "720h0m0s"},
				"status": map[string]any{"phase": phase, "completionTimestamp": done.Format(time.RFC3339), "startTimestamp": done.Add(-10 * time.Minute).Format(time.RFC3339)},
			}})
		}
	}
	for _, b := range backups {
		g.put("velero/backups.yaml", b)
	}
}
