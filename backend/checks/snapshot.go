package checks

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Snapshot is an inventory prepared for evaluation: workloads attributed to their owners
// and per-namespace indexes built once, so that every check is linear in the inventory.
type Snapshot struct {
	Inv       *kubeinv.Inventory
	Config    Config
	Workloads []*kubeinv.Workload
	// Namespaces lists every namespace seen: declared by a Namespace object or used by an
	// object. Sorted.
	Namespaces []string
	// Images is the image facet (SetImages); nil when image facts were not collected.
	Images *imagefacts.Facet

	workloadAssets []posture.Asset
	containers     int // total containers over all workloads, to size result slices
	nsObjects      map[string]*corev1.Namespace
	system         map[string]bool
	policies       map[string][]policyIndex
	quotas         map[string][]*corev1.ResourceQuota
	limitRanges    map[string]int
	pdbs           map[string][]labels.Selector
	hpaTargets     map[string]bool // ns/Kind/name
	pvcs           map[string][]*corev1.PersistentVolumeClaim
	stateful       map[string]bool                   // namespace holds StatefulSets or PVCs
	serviceAccts   map[string]*corev1.ServiceAccount // ns/name
	celMaps        map[string][]map[string]any       // scope -> JSON maps of its subjects, for custom checks
	imageAssets    *imageAssets
}

type policyIndex struct {
	np       *networkingv1.NetworkPolicy
	selector labels.Selector
	ingress  bool // policy applies to ingress
}

// NewSnapshot prepares inv for evaluation with cfg (zero fields take defaults).
func NewSnapshot(inv *kubeinv.Inventory, cfg Config) *Snapshot {
	if inv == nil {
		inv = &kubeinv.Inventory{}
	}
	s := &Snapshot{
		Inv:          inv,
		Config:       cfg.withDefaults(),
		Workloads:    inv.Workloads(),
		nsObjects:    map[string]*corev1.Namespace{},
		system:       map[string]bool{},
		policies:     map[string][]policyIndex{},
		quotas:       map[string][]*corev1.ResourceQuota{},
		limitRanges:  map[string]int{},
		pdbs:         map[string][]labels.Selector{},
		hpaTargets:   map[string]bool{},
		pvcs:         map[string][]*corev1.PersistentVolumeClaim{},
		stateful:     map[string]bool{},
		serviceAccts: map[string]*corev1.ServiceAccount{},
		celMaps:      map[string][]map[string]any{},
	}
	for _, ns := range s.Config.SystemNamespaces {
		s.system[ns] = true
	}
	seen := map[string]bool{}
	use := func(ns string) {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			s.Namespaces = append(s.Namespaces, ns)
		}
	}
	for i := range inv.Namespaces {
		n := &inv.Namespaces[i]
		s.nsObjects[n.Name] = n
		use(n.Name)
	}
	s.workloadAssets = make([]posture.Asset, len(s.Workloads))
	for i, w := range s.Workloads {
		s.workloadAssets[i] = w.Asset()
		s.containers += len(w.PodSpec.InitContainers) + len(w.PodSpec.Containers) + len(w.PodSpec.EphemeralContainers)
		use(w.Namespace)
		if w.Kind == "StatefulSet" {
			s.stateful[w.Namespace] = true
		}
	}
	for i := range inv.NetworkPolicies {
		np := &inv.NetworkPolicies[i]
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			sel = labels.Nothing() // an invalid selector selects nothing
		}
		s.policies[np.Namespace] = append(s.policies[np.Namespace], policyIndex{np: np, selector: sel, ingress: appliesToIngress(np)})
		use(np.Namespace)
	}
	for i := range inv.ResourceQuotas {
		q := &inv.ResourceQuotas[i]
		s.quotas[q.Namespace] = append(s.quotas[q.Namespace], q)
	}
	for i := range inv.LimitRanges {
		s.limitRanges[inv.LimitRanges[i].Namespace]++
	}
	for i := range inv.PDBs {
		p := &inv.PDBs[i]
		if p.Spec.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			continue
		}
		s.pdbs[p.Namespace] = append(s.pdbs[p.Namespace], sel)
	}
	for i := range inv.HPAs {
		h := &inv.HPAs[i]
		s.hpaTargets[h.Namespace+"/"+h.Spec.ScaleTargetRef.Kind+"/"+h.Spec.ScaleTargetRef.Name] = true
	}
	for i := range inv.PVCs {
		p := &inv.PVCs[i]
		s.pvcs[p.Namespace] = append(s.pvcs[p.Namespace], p)
		s.stateful[p.Namespace] = true
		use(p.Namespace)
	}
	for i := range inv.ServiceAccounts {
		sa := &inv.ServiceAccounts[i]
		s.serviceAccts[sa.Namespace+"/"+sa.Name] = sa
	}
	sort.Strings(s.Namespaces)
	return s
}

func appliesToIngress(np *networkingv1.NetworkPolicy) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return true // ingress is always implied when policyTypes is empty
	}
	for _, t := range np.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

// NotInScanMessage is the not-applicable verdict of a namespace the input only refers to.
const NotInScanMessage = "namespace not in the scan: objects use it, the input does not define it"

// NotInScan reports whether ns is only referred to by a manifest scan that judges declared
// namespaces only (Config.OnlyDeclaredNamespaces).
func (s *Snapshot) NotInScan(ns string) bool {
	return s.Config.OnlyDeclaredNamespaces && !s.HasNamespaceObject(ns)
}

// HasNamespaceObject reports whether a Namespace object for ns was collected (a manifest
// scan often sees workloads of a namespace whose Namespace object lives elsewhere).
func (s *Snapshot) HasNamespaceObject(ns string) bool { return s.nsObjects[ns] != nil }

// IsSystemNamespace reports whether ns is one of the configured system namespaces.
func (s *Snapshot) IsSystemNamespace(ns string) bool { return s.system[ns] }

// NamespaceLabels returns the labels of namespace ns (nil when no Namespace object was seen).
func (s *Snapshot) NamespaceLabels(ns string) map[string]string {
	if n := s.nsObjects[ns]; n != nil {
		return n.Labels
	}
	return nil
}

// NamespaceAsset is the posture asset of namespace ns.
func (s *Snapshot) NamespaceAsset(ns string) posture.Asset {
	return posture.Asset{Kind: posture.AssetNamespace, Key: kubeinv.NamespaceKey(ns), ParentKey: kubeinv.ClusterKey,
		Name: ns, Labels: s.NamespaceLabels(ns)}
}

// ClusterAsset is the asset for cluster-wide checks.
func (s *Snapshot) ClusterAsset() *posture.Asset {
	return &posture.Asset{Kind: posture.AssetCluster, Key: kubeinv.ClusterKey, Name: "cluster"}
}

// verdict is what a rule decides for one asset (or one container of it).
type verdict struct {
	status   posture.ResultStatus
	message  string
	evidence map[string]string
}

func pass(msg string) verdict { return verdict{status: posture.Pass, message: msg} }
func na(msg string) verdict   { return verdict{status: posture.NotApplicable, message: msg} }

// fail builds a failing verdict; kv are evidence key/value pairs (never secret values).
func fail(msg string, kv ...string) verdict {
	v := verdict{status: posture.Fail, message: msg}
	if len(kv) > 0 {
		v.evidence = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			v.evidence[kv[i]] = kv[i+1]
		}
	}
	return v
}

func (v verdict) result(a *posture.Asset, sub string) posture.Result {
	return posture.Result{Asset: a, SubKey: sub, Status: v.status, Message: v.message, Evidence: v.evidence}
}

// ref gives a one-off asset (a namespace, a binding) its own address; workload assets are
// shared from the snapshot instead, as each is the subject of many results.
func ref(a posture.Asset) *posture.Asset { return &a }

// perWorkload evaluates fn once per workload.
func perWorkload(fn func(s *Snapshot, w *kubeinv.Workload) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		out := make([]posture.Result, 0, len(s.Workloads))
		for i, w := range s.Workloads {
			out = append(out, fn(s, w).result(&s.workloadAssets[i], ""))
		}
		return out
	}
}

// perContainer evaluates fn for every container (init, regular, ephemeral) of every workload.
func perContainer(fn func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		out := make([]posture.Result, 0, s.containers)
		for i, w := range s.Workloads {
			for _, c := range w.Containers() {
				out = append(out, fn(s, w, c).result(&s.workloadAssets[i], c.SubKey()))
			}
		}
		return out
	}
}

// perNamespace evaluates fn for every namespace seen; system namespaces are not applicable
// unless includeSystem.
func perNamespace(includeSystem bool, fn func(s *Snapshot, ns string) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		out := make([]posture.Result, 0, len(s.Namespaces))
		for _, ns := range s.Namespaces {
			v := verdict{}
			switch {
			case !includeSystem && s.IsSystemNamespace(ns):
				v = na("system namespace")
			case s.NotInScan(ns):
				v = na(NotInScanMessage)
			default:
				v = fn(s, ns)
			}
			out = append(out, v.result(ref(s.NamespaceAsset(ns)), ""))
		}
		return out
	}
}

// cluster evaluates fn once for the cluster as a whole.
func cluster(fn func(s *Snapshot) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		return []posture.Result{fn(s).result(s.ClusterAsset(), "")}
	}
}
