// Package synth generates a deterministic, realistic synthetic Kubernetes cluster for
// benchmarks: Deployments with ReplicaSets and owned Pods, StatefulSets with PVCs,
// DaemonSets, CronJobs with Jobs, standalone Jobs and Pods, namespaces, nodes,
// ServiceAccounts, Roles/ClusterRoles and their bindings, NetworkPolicies, Services,
// Ingresses, PDBs, HPAs, quotas, Secrets (metadata), StorageClasses and Velero Schedules
// and Backups, with a realistic mix of hardened, typical and bad settings.
//
// The same Spec and Seed always give the same objects. Two outputs: Inventory fills a
// *kubeinv.Inventory directly; WriteYAML writes multi-document YAML files (one folder per
// namespace) for the manifest scan path. Both stream objects as they are generated, so
// WriteYAML never holds the cluster in memory.
package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Spec sizes a synthetic cluster. Zero fields take defaults.
type Spec struct {
	Seed uint64
	// Pods is the exact number of Pod objects generated.
	Pods int
	// Workloads is the exact number of top-level workloads (what Inventory.Workloads returns):
	// Deployments, StatefulSets, DaemonSets, CronJobs, unowned Jobs and bare Pods.
	Workloads int
	// RBACBindings is the exact number of RoleBindings plus ClusterRoleBindings.
	RBACBindings int
	// Namespaces is the number of application namespaces (default Workloads/40, at least 1);
	// a few infrastructure namespaces (kube-system, monitoring, ...) come on top.
	Namespaces int
	// Nodes (default Pods/100, at least 3). Every infrastructure DaemonSet runs one pod per node.
	Nodes int
	// Now anchors every timestamp (default 2026-01-15T12:00:00Z), so output is reproducible;
	// evaluate with checks.Config.Now returning the same time.
	Now time.Time
}

// Scale100k is the budget cluster of ARCHITECTURE.md: 100,000 pods, 20,000 workloads and
// 5,000 RBAC bindings.
func Scale100k() Spec {
	return Spec{Seed: 1, Pods: 100_000, Workloads: 20_000, RBACBindings: 5_000}
}

// DefaultNow is the default Spec.Now.
var DefaultNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func (s Spec) withDefaults() Spec {
	if s.Namespaces <= 0 {
		s.Namespaces = max(1, s.Workloads/40)
	}
	if s.Nodes <= 0 {
		s.Nodes = max(3, s.Pods/100)
	}
	if s.Now.IsZero() {
		s.Now = DefaultNow
	}
	return s
}

// Stats counts what was generated.
type Stats struct {
	Objects      int // every object emitted
	Pods         int
	Workloads    int // top-level workloads
	Namespaces   int // including infrastructure namespaces
	Nodes        int
	RBACBindings int
	Files        int   // WriteYAML only
	Bytes        int64 // WriteYAML only
}

// Inventory generates the cluster into a new inventory (not compacted: call Compact as a
// collector would).
func Inventory(spec Spec) (*kubeinv.Inventory, Stats, error) {
	inv := &kubeinv.Inventory{}
	st, err := Generate(spec, func(_ string, obj any) error { return inv.Add(obj) })
	if err != nil {
		return nil, st, err
	}
	return inv, st, nil
}

// Generate produces the cluster object by object. emit receives each object (a pointer to
// a k8s.io/api type with its TypeMeta set, or an *unstructured.Unstructured for Velero
// objects) and the relative path of the file it belongs in; objects of one file are
// emitted together.
func Generate(spec Spec, emit func(file string, obj any) error) (Stats, error) {
	spec = spec.withDefaults()
	p, err := plan(spec)
	if err != nil {
		return Stats{}, err
	}
	g := &gen{spec: spec, plan: p, rng: rand.New(rand.NewPCG(spec.Seed, 0x9a115ade)), emit: emit}
	if err := g.run(); err != nil {
		return g.stats, err
	}
	return g.stats, nil
}

// kind of a planned top-level workload.
type wkind int

const (
	kDeployment wkind = iota
	kStatefulSet
	kDaemonSet
	kCronJob
	kJob
	kPod
)

type workloadPlan struct {
	kind     wkind
	ns       int // index into plan.namespaces
	replicas int // pods (Deployment, StatefulSet, DaemonSet) or jobs (CronJob, one pod each)
	infra    string
	image    string
}

type nsPlan struct {
	name   string
	infra  bool
	system bool
}

type clusterPlan struct {
	namespaces []nsPlan
	workloads  [][]workloadPlan // by namespace
	roleBind   []int            // RoleBindings per namespace
	crb        int              // ClusterRoleBindings
}

// infrastructure workloads: name, namespace, kind, image.
var infra = []struct {
	name, ns string
	kind     wkind
	image    string
	replicas int // for Deployments/StatefulSets; DaemonSets run on every node
}{
	{"kube-proxy", "kube-system", kDaemonSet, "registry.k8s.io/kube-proxy:v1.33.2", 0},
	{"calico-node", "kube-system", kDaemonSet, "docker.io/calico/node:v3.29.1", 0},
	{"coredns", "kube-system", kDeployment, "registry.k8s.io/coredns/coredns:v1.12.0", 2},
	{"node-exporter", "monitoring", kDaemonSet, "quay.io/prometheus/node-exporter:v1.8.2", 0},
	{"fluent-bit", "logging", kDaemonSet, "cr.fluentbit.io/fluent/fluent-bit:3.2.2", 0},
	{"falco", "falco", kDaemonSet, "docker.io/falcosecurity/falco:0.39.2", 0},
	{"prometheus", "monitoring", kStatefulSet, "quay.io/prometheus/prometheus:v3.0.1", 2},
	{"kyverno-admission-controller", "kyverno", kDeployment, "ghcr.io/kyverno/kyverno:v1.13.2", 2},
	{"external-secrets", "external-secrets", kDeployment, "ghcr.io/external-secrets/external-secrets:v0.12.1", 2},
	{"ingress-nginx-controller", "ingress-nginx", kDeployment, "registry.k8s.io/ingress-nginx/controller:v1.12.0", 2},
}

var teams = []string{"shop", "payments", "search", "identity", "billing", "catalog", "checkout", "ledger",
	"analytics", "notify", "media", "support", "risk", "pricing", "inventory", "shipping", "reviews", "ads",
	"crm", "mobile", "partner", "data", "ml", "etl", "fraud", "auth", "gateway", "docs", "cms", "chat"}

var apps = []string{"api", "web", "worker", "frontend", "backend", "consumer", "indexer", "scheduler",
	"gateway", "cache", "proxy", "sync", "exporter", "importer", "reporter", "renderer", "resolver", "router"}

func plan(spec Spec) (*clusterPlan, error) {
	if spec.Pods < 0 || spec.Workloads < 0 || spec.RBACBindings < 0 {
		return nil, errors.New("synth: negative size")
	}
	if spec.Workloads < len(infra)+10 {
		return nil, fmt.Errorf("synth: Workloads must be at least %d", len(infra)+10)
	}
	p := &clusterPlan{}
	nsIndex := map[string]int{}
	addNS := func(n nsPlan) int {
		if i, ok := nsIndex[n.name]; ok {
			return i
		}
		nsIndex[n.name] = len(p.namespaces)
		p.namespaces = append(p.namespaces, n)
		p.workloads = append(p.workloads, nil)
		return len(p.namespaces) - 1
	}
	infraPods := 0
	for _, in := range infra {
		i := addNS(nsPlan{name: in.ns, infra: true, system: in.ns == "kube-system"})
		r := in.replicas
		if in.kind == kDaemonSet {
			r = spec.Nodes
		}
		infraPods += r
		p.workloads[i] = append(p.workloads[i], workloadPlan{kind: in.kind, ns: i, replicas: r, infra: in.name, image: in.image})
	}
	addNS(nsPlan{name: "velero", infra: true})
	first := len(p.namespaces)
	for i := 0; i < spec.Namespaces; i++ {
		addNS(nsPlan{name: fmt.Sprintf("%s-%03d", teams[i%len(teams)], i)})
	}
	apps := len(p.namespaces) - first

	// Application workload kinds, in fixed proportions of the app workloads.
	w := spec.Workloads - len(infra)
	nCron, nJob, nPod, nSTS, nDS := w/10, w/50, w*3/100, w*8/100, w/400
	nDep := w - nCron - nJob - nPod - nSTS - nDS
	rng := rand.New(rand.NewPCG(spec.Seed, 1))
	var all []workloadPlan
	add := func(n int, k wkind, replicas func() int) {
		for i := 0; i < n; i++ {
			all = append(all, workloadPlan{kind: k, replicas: replicas()})
		}
	}
	dsPods := min(spec.Nodes, 10)
	add(nCron, kCronJob, func() int { return 1 + rng.IntN(3) })
	add(nJob, kJob, func() int { return 1 })
	add(nPod, kPod, func() int { return 1 })
	add(nSTS, kStatefulSet, func() int { return []int{1, 3, 3, 3, 5}[rng.IntN(5)] })
	add(nDS, kDaemonSet, func() int { return dsPods })
	fixed := infraPods
	for _, a := range all {
		fixed += a.replicas
	}
	depPods := spec.Pods - fixed
	if depPods < nDep {
		return nil, fmt.Errorf("synth: %d pods are too few for %d workloads and %d nodes (need at least %d)", spec.Pods, spec.Workloads, spec.Nodes, fixed+nDep)
	}
	// Deployment replicas: a skewed draw, then nudged one pod at a time to the exact total.
	reps := make([]int, nDep)
	sum := 0
	for i := range reps {
		reps[i] = []int{1, 1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 10, 12, 20}[rng.IntN(14)]
		sum += reps[i]
	}
	for sum != depPods {
		i := rng.IntN(nDep)
		if sum < depPods {
			reps[i]++
			sum++
		} else if reps[i] > 1 {
			reps[i]--
			sum--
		}
	}
	for _, r := range reps {
		all = append(all, workloadPlan{kind: kDeployment, replicas: r})
	}
	// Spread over app namespaces, skewed: a few large namespaces, many small ones.
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, wl := range all {
		u := rng.Float64()
		wl.ns = first + min(apps-1, int(float64(apps)*u*u))
		p.workloads[wl.ns] = append(p.workloads[wl.ns], wl)
	}
	// Make sure every app namespace has at least one workload (move from the largest).
	for i := first; i < len(p.namespaces); i++ {
		if len(p.workloads[i]) > 0 {
			continue
		}
		big := first
		for j := first; j < len(p.namespaces); j++ {
			if len(p.workloads[j]) > len(p.workloads[big]) {
				big = j
			}
		}
		if len(p.workloads[big]) < 2 {
			break
		}
		last := p.workloads[big][len(p.workloads[big])-1]
		p.workloads[big] = p.workloads[big][:len(p.workloads[big])-1]
		last.ns = i
		p.workloads[i] = append(p.workloads[i], last)
	}
	// Keep the kinds of a namespace in a stable order: controllers before bare pods.
	for i := range p.workloads {
		sort.SliceStable(p.workloads[i], func(a, b int) bool { return p.workloads[i][a].kind < p.workloads[i][b].kind })
	}
	// RBAC bindings: 4% cluster-wide, the rest spread over app namespaces.
	p.crb = max(1, spec.RBACBindings/25)
	if spec.RBACBindings == 0 {
		p.crb = 0
	}
	p.roleBind = make([]int, len(p.namespaces))
	for i := 0; i < spec.RBACBindings-p.crb; i++ {
		p.roleBind[first+rng.IntN(apps)]++
	}
	return p, nil
}

// Scaled multiplies the sizes of s by f (at least 1 for a positive size), e.g. to run the
// 100k benchmarks at a tenth of their size while iterating.
func (s Spec) Scaled(f float64) Spec {
	scale := func(n int) int {
		if n <= 0 || f == 1 {
			return n
		}
		return max(1, int(float64(n)*f+0.5))
	}
	s.Pods, s.Workloads, s.RBACBindings = scale(s.Pods), scale(s.Workloads), scale(s.RBACBindings)
	s.Namespaces, s.Nodes = scale(s.Namespaces), scale(s.Nodes)
	return s
}
