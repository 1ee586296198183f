// Package watch extracts the watched configuration of an inventory: the fields whose
// changes between two complete runs are config drift even when no check turns them into a
// finding (alerting.ConfigDrift compares two states). Pure functions; no I/O.
//
// What is watched, by asset key (the keys assets and findings use):
//
//   - workloads: the security-relevant pod spec fields (host namespaces, hostPath volumes,
//     pod and container security contexts), each container's image reference and the image
//     digests its pods reported running for that reference, and the watched labels;
//   - namespaces: the watched labels;
//   - RoleBindings and ClusterRoleBindings: role reference and subjects;
//   - NetworkPolicies and Velero Schedules: that they exist.
//
// Never Secret data, environment values or annotations (they may hold secrets). Every
// count and string is bounded, so a hostile cluster cannot make the stored state huge.
package watch

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Options says what to watch.
type Options struct {
	// LabelKeys are the label keys whose removal or change on a namespace or workload is
	// drift. The runner passes the check configuration's classification, tenant and owner
	// label keys unless configured otherwise.
	LabelKeys []string
}

// Limits.
const (
	// MaxObjects bounds the objects of a state (a 20,000-workload, 5,000-binding cluster
	// needs about a tenth of it); objects past it are left out and their kind is marked
	// incomplete.
	MaxObjects = 250_000
	// MaxBytes bounds the approximate size of a state's keys and values.
	MaxBytes = 64 << 20
	// MaxEntries bounds the fields, images, labels or subjects of one object.
	MaxEntries = 128
	// MaxDigests bounds the digests remembered per container.
	MaxDigests = 16
	// MaxValueLen bounds every key and value, in bytes, except the watched label keys (their
	// configuration bounds them).
	MaxValueLen = 256
	// MaxLabelKeys bounds how many label keys are watched.
	MaxLabelKeys = 32
)

const rbacGroup = "rbac.authorization.k8s.io"

// Extract takes the watched state of inv. A kind the inventory marks missing is recorded as
// incomplete, so that nothing of it is reported new or deleted.
func Extract(inv *kubeinv.Inventory, opts Options) *posture.WatchedState {
	if inv == nil {
		inv = &kubeinv.Inventory{}
	}
	return extract(inv, opts, MaxObjects, MaxBytes)
}

func extract(inv *kubeinv.Inventory, opts Options, maxObjects, maxBytes int) *posture.WatchedState {
	b := &builder{st: &posture.WatchedState{Version: posture.WatchedStateVersion, Objects: map[string]posture.WatchedObject{}},
		maxObjects: maxObjects, maxBytes: maxBytes}
	b.st.LabelKeys = labelKeys(opts.LabelKeys)
	for _, k := range inv.MissingKinds() {
		switch k {
		case kubeinv.KindNamespace:
			b.incomplete(posture.WatchedNamespace)
		case kubeinv.KindRoleBinding:
			b.incomplete(posture.WatchedRoleBinding)
		case kubeinv.KindClusterRoleBinding:
			b.incomplete(posture.WatchedClusterRoleBinding)
		case kubeinv.KindNetworkPolicy:
			b.incomplete(posture.WatchedNetworkPolicy)
		case kubeinv.KindVeleroSchedule:
			b.incomplete(posture.WatchedBackupSchedule)
		case kubeinv.KindPod, kubeinv.KindDeployment, kubeinv.KindReplicaSet, kubeinv.KindStatefulSet,
			kubeinv.KindDaemonSet, kubeinv.KindJob, kubeinv.KindCronJob:
			b.incomplete(posture.WatchedWorkload)
		}
	}
	// The rarer, higher-signal kinds first, so that limits cut workloads before them.
	risk := roleRisks(inv)
	for i := range inv.ClusterRoleBindings {
		cb := &inv.ClusterRoleBindings[i]
		b.add(kubeinv.AssetKey(rbacGroup, "ClusterRoleBinding", "", cb.Name),
			binding(posture.WatchedClusterRoleBinding, "", cb.RoleRef, cb.Subjects, risk))
	}
	for i := range inv.RoleBindings {
		rb := &inv.RoleBindings[i]
		b.add(kubeinv.AssetKey(rbacGroup, "RoleBinding", rb.Namespace, rb.Name),
			binding(posture.WatchedRoleBinding, rb.Namespace, rb.RoleRef, rb.Subjects, risk))
	}
	for i := range inv.NetworkPolicies {
		np := &inv.NetworkPolicies[i]
		b.add(kubeinv.AssetKey("networking.k8s.io", "NetworkPolicy", np.Namespace, np.Name),
			posture.WatchedObject{Kind: posture.WatchedNetworkPolicy, Namespace: np.Namespace})
	}
	for i := range inv.VeleroSchedules {
		s := &inv.VeleroSchedules[i]
		b.add(kubeinv.AssetKey(kubeinv.VeleroGroup, "Schedule", s.Namespace, s.Name),
			posture.WatchedObject{Kind: posture.WatchedBackupSchedule, Namespace: s.Namespace})
	}
	for i := range inv.Namespaces {
		ns := &inv.Namespaces[i]
		o := posture.WatchedObject{Kind: posture.WatchedNamespace}
		o.Labels = pick(ns.Labels, b.st.LabelKeys)
		b.add(kubeinv.NamespaceKey(ns.Name), o)
	}
	for _, w := range inv.Workloads() {
		b.add(w.Key(), workload(w, b.st.LabelKeys))
	}
	sort.Strings(b.st.Incomplete)
	return b.st
}

type builder struct {
	st                   *posture.WatchedState
	bytes                int
	maxObjects, maxBytes int
}

func (b *builder) incomplete(kind string) {
	if !b.st.IsIncomplete(kind) {
		b.st.Incomplete = append(b.st.Incomplete, kind)
	}
}

func (b *builder) add(key string, o posture.WatchedObject) {
	if len(key) > MaxValueLen*2 {
		// An asset key longer than any Kubernetes name allows: not a real object.
		b.incomplete(o.Kind)
		return
	}
	n := size(key, &o)
	if len(b.st.Objects) >= b.maxObjects || b.bytes+n > b.maxBytes {
		b.incomplete(o.Kind)
		return
	}
	b.bytes += n
	b.st.Objects[key] = o
}

func size(key string, o *posture.WatchedObject) int {
	n := 48 + len(key) + len(o.Namespace) + len(o.RoleRef) + len(o.Risk)
	for _, m := range []map[string]string{o.Security, o.Images, o.Labels, o.PodLabels} {
		for k, v := range m {
			n += len(k) + len(v) + 8
		}
	}
	for k, vs := range o.Digests {
		n += len(k) + 8
		for _, v := range vs {
			n += len(v) + 4
		}
	}
	for _, s := range o.Subjects {
		n += len(s) + 4
	}
	return n
}

// trunc bounds a key or value to MaxValueLen bytes of valid UTF-8.
func trunc(s string) string {
	if len(s) <= MaxValueLen {
		return s
	}
	return strings.ToValidUTF8(s[:MaxValueLen], "") + "…"
}

// labelKeys dedupes and sorts the watched label keys. They are not truncated: a cut key
// would match no label. Their length is bounded where they are configured
// (checks.watched_labels: a label key is at most 317 bytes).
func labelKeys(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if k == "" || seen[k] || len(out) >= MaxLabelKeys {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func pick(labels map[string]string, keys []string) map[string]string {
	var out map[string]string
	for _, k := range keys {
		if v, ok := labels[k]; ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = trunc(v)
		}
	}
	return out
}

// entries is a bounded field map that marks its object truncated when full.
type entries struct {
	m         map[string]string
	truncated *bool
}

func (e *entries) set(k, v string) {
	if v == "" {
		return
	}
	if len(e.m) >= MaxEntries {
		*e.truncated = true
		return
	}
	if e.m == nil {
		e.m = map[string]string{}
	}
	e.m[trunc(k)] = trunc(v)
}

func boolPtr(p *bool) string {
	if p == nil {
		return ""
	}
	return strconv.FormatBool(*p)
}

func isTrue(p *bool) string {
	if p != nil && *p {
		return "true"
	}
	return ""
}

func int64Ptr(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func seccomp(p *corev1.SeccompProfile) string {
	if p == nil {
		return ""
	}
	if p.LocalhostProfile != nil && *p.LocalhostProfile != "" {
		return string(p.Type) + "/" + *p.LocalhostProfile
	}
	return string(p.Type)
}

// capabilities normalises a capability list: upper case, without the CAP_ prefix, sorted,
// without duplicates, comma-joined.
func capabilities(cs []corev1.Capability) string {
	if len(cs) == 0 {
		return ""
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range cs {
		s := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(string(c))), "CAP_")
		if s != "" && !seen[s] && len(out) < MaxEntries {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// ContainerPath names a container in field paths: "containers[web]",
// "initContainers[migrate]", "ephemeralContainers[debug]".
func ContainerPath(c kubeinv.ContainerRef) string {
	switch {
	case c.Init:
		return "initContainers[" + c.Name + "]"
	case c.Ephemeral:
		return "ephemeralContainers[" + c.Name + "]"
	}
	return "containers[" + c.Name + "]"
}

// Pinned reports whether an image reference names its digest ("repo@sha256:...",
// "repo:tag@sha256:..."): no tag can move under it.
func Pinned(image string) bool { return strings.Contains(image, "@") }

func workload(w *kubeinv.Workload, keys []string) posture.WatchedObject {
	o := posture.WatchedObject{Kind: posture.WatchedWorkload, Namespace: w.Namespace}
	sec := entries{truncated: &o.Truncated}
	img := entries{truncated: &o.Truncated}
	s := &w.PodSpec
	sec.set("hostNetwork", isTrue(&s.HostNetwork))
	sec.set("hostPID", isTrue(&s.HostPID))
	sec.set("hostIPC", isTrue(&s.HostIPC))
	if p := s.SecurityContext; p != nil {
		sec.set("securityContext.runAsNonRoot", boolPtr(p.RunAsNonRoot))
		sec.set("securityContext.runAsUser", int64Ptr(p.RunAsUser))
		sec.set("securityContext.seccompProfile", seccomp(p.SeccompProfile))
	}
	for _, v := range s.Volumes {
		if v.HostPath != nil {
			sec.set("volumes["+v.Name+"].hostPath", v.HostPath.Path)
		}
	}
	var digests map[string][]string
	for _, c := range w.Containers() {
		path := ContainerPath(c)
		if sc := c.SecurityContext; sc != nil {
			sec.set(path+".securityContext.privileged", isTrue(sc.Privileged))
			sec.set(path+".securityContext.runAsNonRoot", boolPtr(sc.RunAsNonRoot))
			sec.set(path+".securityContext.runAsUser", int64Ptr(sc.RunAsUser))
			sec.set(path+".securityContext.allowPrivilegeEscalation", boolPtr(sc.AllowPrivilegeEscalation))
			sec.set(path+".securityContext.readOnlyRootFilesystem", isTrue(sc.ReadOnlyRootFilesystem))
			sec.set(path+".securityContext.seccompProfile", seccomp(sc.SeccompProfile))
			if caps := sc.Capabilities; caps != nil {
				sec.set(path+".securityContext.capabilities.add", capabilities(caps.Add))
				sec.set(path+".securityContext.capabilities.drop", capabilities(caps.Drop))
			}
		}
		if c.Image == "" {
			continue
		}
		img.set(path, c.Image)
		if _, kept := img.m[trunc(path)]; !kept || Pinned(c.Image) {
			continue
		}
		sub := c.SubKey()
		var ds []string
		for _, pi := range w.PodImages {
			if pi.Container == sub && pi.Image == c.Image {
				if d := trunc(pi.Digest); d != "" && !contains(ds, d) {
					if len(ds) >= MaxDigests {
						o.Truncated = true
						break
					}
					ds = append(ds, d)
				}
			}
		}
		if len(ds) > 0 {
			sort.Strings(ds)
			if digests == nil {
				digests = map[string][]string{}
			}
			digests[trunc(path)] = ds
		}
	}
	o.Security, o.Images, o.Digests = sec.m, img.m, digests
	o.Labels = pick(w.Labels, keys)
	if w.Kind != "Pod" {
		o.PodLabels = pick(w.PodMeta.Labels, keys)
	}
	return o
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// subject names a binding subject: "User:alice", "Group:dev",
// "ServiceAccount:shop/deployer" (a ServiceAccount without a namespace is in the binding's).
func subject(s rbacv1.Subject, ns string) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		if s.Namespace != "" {
			ns = s.Namespace
		}
		return s.Kind + ":" + ns + "/" + s.Name
	}
	return s.Kind + ":" + s.Name
}

func binding(kind, ns string, ref rbacv1.RoleRef, subjects []rbacv1.Subject, risk riskIndex) posture.WatchedObject {
	o := posture.WatchedObject{Kind: kind, Namespace: ns, RoleRef: trunc(ref.Kind + "/" + ref.Name), Risk: risk.of(ref, ns)}
	seen := map[string]bool{}
	for _, s := range subjects {
		v := trunc(subject(s, ns))
		if !seen[v] {
			seen[v] = true
			o.Subjects = append(o.Subjects, v)
		}
	}
	sort.Strings(o.Subjects)
	if len(o.Subjects) > MaxEntries {
		o.Subjects, o.Truncated = o.Subjects[:MaxEntries], true
	}
	return o
}

// riskIndex knows which roles grant wildcard verbs or resources.
type riskIndex struct {
	clusterRoles map[string]bool // name -> wildcard
	roles        map[string]bool // ns/name -> wildcard
}

func roleRisks(inv *kubeinv.Inventory) riskIndex {
	r := riskIndex{clusterRoles: map[string]bool{}, roles: map[string]bool{}}
	for i := range inv.ClusterRoles {
		if wildcard(inv.ClusterRoles[i].Rules) {
			r.clusterRoles[inv.ClusterRoles[i].Name] = true
		}
	}
	for i := range inv.Roles {
		if wildcard(inv.Roles[i].Rules) {
			r.roles[inv.Roles[i].Namespace+"/"+inv.Roles[i].Name] = true
		}
	}
	return r
}

func wildcard(rules []rbacv1.PolicyRule) bool {
	for _, rule := range rules {
		if contains(rule.Verbs, "*") || contains(rule.Resources, "*") {
			return true
		}
	}
	return false
}

// of says why the role a binding references is powerful, or "".
func (r riskIndex) of(ref rbacv1.RoleRef, ns string) string {
	switch {
	case ref.Kind == "ClusterRole" && (ref.Name == "cluster-admin" || ref.Name == "admin"):
		return ref.Name
	case ref.Kind == "ClusterRole" && r.clusterRoles[ref.Name]:
		return "wildcard"
	case ref.Kind == "Role" && r.roles[ns+"/"+ref.Name]:
		return "wildcard"
	}
	return ""
}
