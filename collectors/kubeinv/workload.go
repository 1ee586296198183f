package kubeinv

import (
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Workload is any object that runs pods, normalised: its own metadata plus the pod
// template (or, for a bare Pod, the pod itself).
type Workload struct {
	Group string // "" for core (Pod), "apps", "batch"
	Kind  string // Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob
	metav1.ObjectMeta
	// PodMeta is the pod template's metadata (labels and annotations the pods get).
	PodMeta  metav1.ObjectMeta
	PodSpec  corev1.PodSpec
	Replicas *int32 // nil for DaemonSets, Pods, Jobs and CronJobs
	Selector *metav1.LabelSelector
	// VolumeClaimTemplates of a StatefulSet.
	VolumeClaimTemplates []corev1.PersistentVolumeClaim
	Schedule             string // CronJob
	// Pods, ReplicaSets and Jobs that were attributed to this workload.
	AttributedPods int
	Attributed     []string // keys of attributed intermediate controllers and pods (bounded, see maxAttributed)
	// PodImages are the distinct images the workload's pods reported running (a bare Pod's
	// own), bounded by maxPodImages: what drift needs to see a digest move behind a tag.
	PodImages []PodImage

	key string
}

// PodImage is what one container of a running pod ran: the image reference of the pod's
// spec and the digest its status reported (see ImageDigest). Containers that reported no
// image ID are left out.
type PodImage struct {
	Container string // as ContainerRef.SubKey: "container:web", "initContainer:migrate"
	Image     string
	Digest    string
}

// maxPodImages bounds how many distinct images a workload remembers: a rolling update has
// two per container, a hostile cluster could report thousands.
const maxPodImages = 64

// maxDigestLen bounds a kept digest (a sha256 one is 71 bytes).
const maxDigestLen = 256

// ImageDigest reduces a container status's image ID to the digest it names:
// "docker-pullable://nginx@sha256:ab" and "docker.io/library/nginx@sha256:ab" are both
// "sha256:ab". An ID without "@" (an image ID rather than a repository digest) is kept whole.
func ImageDigest(imageID string) string {
	if i := strings.LastIndex(imageID, "@"); i >= 0 {
		imageID = imageID[i+1:]
	}
	if len(imageID) > maxDigestLen {
		imageID = strings.ToValidUTF8(imageID[:maxDigestLen], "")
	}
	return imageID
}

// podImagesOf lists the images a pod's containers reported running. For a pod about to be
// compacted, intern is not nil: the reference and container name are interned (100,000 pods
// of a few workloads share a few values) and the digest copied, so that the pod's strings
// are not kept alive.
func podImagesOf(p *corev1.Pod, intern func(string) string) []PodImage {
	var out []PodImage
	add := func(prefix, name, image, imageID string) {
		if imageID == "" || len(out) >= maxPodImages {
			return
		}
		pi := PodImage{Container: prefix + name, Image: image, Digest: ImageDigest(imageID)}
		if intern != nil {
			pi = PodImage{Container: intern(pi.Container), Image: intern(pi.Image), Digest: strings.Clone(pi.Digest)}
		}
		out = append(out, pi)
	}
	for i := range p.Status.ContainerStatuses {
		st := &p.Status.ContainerStatuses[i]
		if c := containerNamed(p.Spec.Containers, st.Name); c != nil {
			add("container:", st.Name, c.Image, st.ImageID)
		}
	}
	for i := range p.Status.InitContainerStatuses {
		st := &p.Status.InitContainerStatuses[i]
		if c := containerNamed(p.Spec.InitContainers, st.Name); c != nil {
			add("initContainer:", st.Name, c.Image, st.ImageID)
		}
	}
	for i := range p.Status.EphemeralContainerStatuses {
		st := &p.Status.EphemeralContainerStatuses[i]
		for j := range p.Spec.EphemeralContainers {
			if c := &p.Spec.EphemeralContainers[j]; c.Name == st.Name {
				add("ephemeralContainer:", st.Name, c.Image, st.ImageID)
				break
			}
		}
	}
	return out
}

func containerNamed(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// addPodImages merges images into w.PodImages, keeping them distinct and bounded.
func (w *Workload) addPodImages(images []PodImage) {
	w.PodImages = mergeImages(w.PodImages, images)
}

// maxAttributed bounds how many attributed keys a workload remembers (a Deployment with
// 10,000 pods does not need 10,000 strings); AttributedPods keeps the full count.
const maxAttributed = 20

// AssetKey is the stable key of an object: "<group>/<Kind>/<namespace>/<name>" with group
// "core" for the core API group; cluster-scoped objects omit the namespace.
func AssetKey(group, kind, namespace, name string) string {
	if group == "" {
		group = "core"
	}
	if namespace == "" {
		return group + "/" + kind + "/" + name
	}
	return group + "/" + kind + "/" + namespace + "/" + name
}

// NamespaceKey is the asset key of a namespace.
func NamespaceKey(ns string) string { return AssetKey("", "Namespace", "", ns) }

// ClusterKey is the asset key of the cluster as a whole (for cluster-wide checks).
const ClusterKey = "cluster"

// Key is the workload's stable asset key, e.g. "apps/Deployment/shop/web".
func (w *Workload) Key() string {
	if w.key == "" {
		w.key = AssetKey(w.Group, w.Kind, w.Namespace, w.Name)
	}
	return w.key
}

// Asset maps the workload to a posture asset; containers become result SubKeys.
// Labels are shared with the workload, not copied: do not modify them.
func (w *Workload) Asset() posture.Asset {
	return posture.Asset{
		Kind:      posture.AssetWorkload,
		Key:       w.Key(),
		ParentKey: NamespaceKey(w.Namespace),
		Name:      w.Name,
		Namespace: w.Namespace,
		Labels:    w.Labels,
	}
}

// ObjectAsset maps any other object to a posture asset.
func ObjectAsset(kind posture.AssetKind, group, k string, meta *metav1.ObjectMeta) posture.Asset {
	a := posture.Asset{
		Kind:      kind,
		Key:       AssetKey(group, k, meta.Namespace, meta.Name),
		Name:      meta.Name,
		Namespace: meta.Namespace,
		Labels:    meta.Labels,
	}
	if meta.Namespace != "" {
		a.ParentKey = NamespaceKey(meta.Namespace)
	} else if kind != posture.AssetCluster {
		a.ParentKey = ClusterKey
	}
	return a
}

// Containers lists every container of the workload: init, regular and ephemeral ones.
func (w *Workload) Containers() []ContainerRef {
	s := &w.PodSpec
	out := make([]ContainerRef, 0, len(s.InitContainers)+len(s.Containers))
	for i := range s.InitContainers {
		out = append(out, ContainerRef{Container: &s.InitContainers[i], Init: true})
	}
	for i := range s.Containers {
		out = append(out, ContainerRef{Container: &s.Containers[i]})
	}
	for i := range s.EphemeralContainers {
		c := corev1.Container(s.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, ContainerRef{Container: &c, Ephemeral: true})
	}
	return out
}

// ContainerRef points at one container of a pod spec.
type ContainerRef struct {
	*corev1.Container
	Init      bool
	Ephemeral bool
}

// SubKey is the result SubKey for the container, e.g. "container:web" or "initContainer:migrate".
func (c ContainerRef) SubKey() string {
	switch {
	case c.Init:
		return "initContainer:" + c.Name
	case c.Ephemeral:
		return "ephemeralContainer:" + c.Name
	}
	return "container:" + c.Name
}

// IsJobLike reports whether the workload runs to completion (Job, CronJob, or a bare Pod
// with restartPolicy Never/OnFailure).
func (w *Workload) IsJobLike() bool {
	switch w.Kind {
	case "Job", "CronJob":
		return true
	case "Pod":
		return w.PodSpec.RestartPolicy == corev1.RestartPolicyNever || w.PodSpec.RestartPolicy == corev1.RestartPolicyOnFailure
	}
	return false
}

type objRef struct {
	kind, ns, name string
}

type ownerInfo struct {
	uid   types.UID
	owner *metav1.OwnerReference // its own controller, if any
}

// owners indexes the controllers of the inventory for attribution.
type owners map[objRef]ownerInfo

func (inv *Inventory) owners() owners {
	known := make(owners, len(inv.Deployments)+len(inv.ReplicaSets)+len(inv.StatefulSets)+len(inv.DaemonSets)+len(inv.Jobs)+len(inv.CronJobs))
	add := func(kind string, m *metav1.ObjectMeta) {
		known[objRef{kind, m.Namespace, m.Name}] = ownerInfo{uid: m.UID, owner: metav1.GetControllerOfNoCopy(m)}
	}
	for i := range inv.Deployments {
		add("Deployment", &inv.Deployments[i].ObjectMeta)
	}
	for i := range inv.ReplicaSets {
		add("ReplicaSet", &inv.ReplicaSets[i].ObjectMeta)
	}
	for i := range inv.StatefulSets {
		add("StatefulSet", &inv.StatefulSets[i].ObjectMeta)
	}
	for i := range inv.DaemonSets {
		add("DaemonSet", &inv.DaemonSets[i].ObjectMeta)
	}
	for i := range inv.Jobs {
		add("Job", &inv.Jobs[i].ObjectMeta)
	}
	for i := range inv.CronJobs {
		add("CronJob", &inv.CronJobs[i].ObjectMeta)
	}
	return known
}

// top follows controller references while the controller is in the inventory and
// returns the top-most known owner of an object (ok=false when its controller is absent).
func (known owners) top(m *metav1.ObjectMeta) (objRef, bool) {
	ref := metav1.GetControllerOfNoCopy(m)
	var cur objRef
	found := false
	for depth := 0; ref != nil && depth < 4; depth++ {
		r := objRef{ref.Kind, m.Namespace, ref.Name}
		info, ok := known[r]
		if !ok || (ref.UID != "" && info.uid != "" && ref.UID != info.uid) {
			break
		}
		cur, found = r, true
		ref = info.owner
	}
	return cur, found
}

// Compact drops the specs of Pods, ReplicaSets and Jobs that Workloads attributes to an
// owner in the inventory (only their metadata is used from then on), to bound memory on
// large clusters. Call it once every object has been added; Workloads gives the same
// result before and after.
func (inv *Inventory) Compact() {
	inv.ownedSinceCompact = 0
	known := inv.owners()
	// Attributed pods leave the Pods slice for stubs; the rest move to a slice of their own
	// size, so the large backing array of a streaming collection is released.
	kept := make([]corev1.Pod, 0, len(inv.Pods)/8)
	for i := range inv.Pods {
		p := &inv.Pods[i]
		if _, ok := known.top(&p.ObjectMeta); ok {
			if ref := metav1.GetControllerOfNoCopy(&p.ObjectMeta); ref != nil {
				inv.podStubs = append(inv.podStubs, podStub{namespace: p.Namespace, name: p.Name, controller: *ref})
				inv.keepStubImages(p.Namespace, ref, podImagesOf(p, inv.intern))
				continue
			}
		}
		kept = append(kept, *p)
	}
	inv.Pods = kept
	for i := range inv.ReplicaSets {
		if _, ok := known.top(&inv.ReplicaSets[i].ObjectMeta); ok {
			inv.ReplicaSets[i].Spec.Template = corev1.PodTemplateSpec{}
			inv.ReplicaSets[i].ManagedFields = nil
		}
	}
	for i := range inv.Jobs {
		if _, ok := known.top(&inv.Jobs[i].ObjectMeta); ok {
			inv.Jobs[i].Spec.Template = corev1.PodTemplateSpec{}
			inv.Jobs[i].ManagedFields = nil
		}
	}
}

// keepStubImages merges the images of a compacted pod into its controller's.
func (inv *Inventory) keepStubImages(ns string, ref *metav1.OwnerReference, images []PodImage) {
	if len(images) == 0 {
		return
	}
	k := controllerKey{namespace: ns, kind: ref.Kind, name: ref.Name, uid: ref.UID}
	i, ok := inv.stubImageIdx[k]
	if !ok {
		if inv.stubImageIdx == nil {
			inv.stubImageIdx = map[controllerKey]int{}
		}
		i = len(inv.stubImages)
		inv.stubImageIdx[k] = i
		inv.stubImages = append(inv.stubImages, controllerImages{controller: k})
	}
	inv.stubImages[i].images = mergeImages(inv.stubImages[i].images, images)
}

// mergeImages adds images (distinct, as every source of them is) to list, keeping it
// distinct and bounded by maxPodImages. Into an empty list, images are shared rather than
// copied (capped, so that a later append copies): most workloads have one controller.
func mergeImages(list, images []PodImage) []PodImage {
	if len(list) == 0 {
		n := min(len(images), maxPodImages)
		return images[:n:n]
	}
	for _, pi := range images {
		if len(list) >= maxPodImages {
			break
		}
		if !slices.Contains(list, pi) {
			list = append(list, pi)
		}
	}
	return list
}

// intern returns s from the inventory's string table, adding it when new.
func (inv *Inventory) intern(s string) string {
	if v, ok := inv.interned[s]; ok {
		return v
	}
	if inv.interned == nil {
		inv.interned = map[string]string{}
	}
	inv.interned[s] = s
	return s
}

// Workloads returns the top-level workloads of the inventory, sorted by key. A Pod,
// ReplicaSet or Job whose controller is in the inventory is attributed to the top-level
// owner (Deployment > ReplicaSet > Pod; CronJob > Job > Pod; StatefulSet/DaemonSet > Pod)
// instead of being a workload of its own; one whose controller is absent stays its own
// workload. The result is built in O(n).
func (inv *Inventory) Workloads() []*Workload {
	known := inv.owners()
	byRef := map[objRef]*Workload{}
	var out []*Workload
	emit := func(w *Workload) {
		w.key = AssetKey(w.Group, w.Kind, w.Namespace, w.Name)
		byRef[objRef{w.Kind, w.Namespace, w.Name}] = w
		out = append(out, w)
	}
	for i := range inv.Deployments {
		d := &inv.Deployments[i]
		emit(&Workload{Group: "apps", Kind: "Deployment", ObjectMeta: d.ObjectMeta, PodMeta: d.Spec.Template.ObjectMeta,
			PodSpec: d.Spec.Template.Spec, Replicas: d.Spec.Replicas, Selector: d.Spec.Selector})
	}
	for i := range inv.StatefulSets {
		s := &inv.StatefulSets[i]
		emit(&Workload{Group: "apps", Kind: "StatefulSet", ObjectMeta: s.ObjectMeta, PodMeta: s.Spec.Template.ObjectMeta,
			PodSpec: s.Spec.Template.Spec, Replicas: s.Spec.Replicas, Selector: s.Spec.Selector,
			VolumeClaimTemplates: s.Spec.VolumeClaimTemplates})
	}
	for i := range inv.DaemonSets {
		d := &inv.DaemonSets[i]
		emit(&Workload{Group: "apps", Kind: "DaemonSet", ObjectMeta: d.ObjectMeta, PodMeta: d.Spec.Template.ObjectMeta,
			PodSpec: d.Spec.Template.Spec, Selector: d.Spec.Selector})
	}
	for i := range inv.CronJobs {
		c := &inv.CronJobs[i]
		emit(&Workload{Group: "batch", Kind: "CronJob", ObjectMeta: c.ObjectMeta, PodMeta: c.Spec.JobTemplate.Spec.Template.ObjectMeta,
			PodSpec: c.Spec.JobTemplate.Spec.Template.Spec, Selector: c.Spec.JobTemplate.Spec.Selector, Schedule: c.Spec.Schedule})
	}
	attribute := func(owner objRef, key string, pod bool, images []PodImage) {
		w := byRef[owner]
		if w == nil {
			return
		}
		if pod {
			w.AttributedPods++
			w.addPodImages(images)
		}
		if len(w.Attributed) < maxAttributed {
			w.Attributed = append(w.Attributed, key)
		}
	}
	// ReplicaSets and Jobs before Pods so that a pod whose top owner is a ReplicaSet that is
	// itself a workload finds it in byRef.
	for i := range inv.ReplicaSets {
		r := &inv.ReplicaSets[i]
		if o, ok := known.top(&r.ObjectMeta); ok {
			attribute(o, AssetKey("apps", "ReplicaSet", r.Namespace, r.Name), false, nil)
			continue
		}
		emit(&Workload{Group: "apps", Kind: "ReplicaSet", ObjectMeta: r.ObjectMeta, PodMeta: r.Spec.Template.ObjectMeta,
			PodSpec: r.Spec.Template.Spec, Replicas: r.Spec.Replicas, Selector: r.Spec.Selector})
	}
	for i := range inv.Jobs {
		j := &inv.Jobs[i]
		if o, ok := known.top(&j.ObjectMeta); ok {
			attribute(o, AssetKey("batch", "Job", j.Namespace, j.Name), false, nil)
			continue
		}
		emit(&Workload{Group: "batch", Kind: "Job", ObjectMeta: j.ObjectMeta, PodMeta: j.Spec.Template.ObjectMeta,
			PodSpec: j.Spec.Template.Spec, Selector: j.Spec.Selector})
	}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		if o, ok := known.top(&p.ObjectMeta); ok {
			attribute(o, AssetKey("", "Pod", p.Namespace, p.Name), true, podImagesOf(p, nil))
			continue
		}
		emit(&Workload{Kind: "Pod", ObjectMeta: p.ObjectMeta, PodMeta: p.ObjectMeta, PodSpec: p.Spec, PodImages: podImagesOf(p, nil)})
	}
	for i := range inv.podStubs {
		st := &inv.podStubs[i]
		meta := metav1.ObjectMeta{Namespace: st.namespace, Name: st.name, OwnerReferences: []metav1.OwnerReference{st.controller}}
		// A stub's controller was present when it was compacted; only Without can remove
		// it since, and then the pod, whose spec is gone, is not a workload of its own.
		if o, ok := known.top(&meta); ok {
			attribute(o, AssetKey("", "Pod", st.namespace, st.name), true, nil)
		}
	}
	yes := true
	for i := range inv.stubImages {
		c := &inv.stubImages[i].controller
		meta := metav1.ObjectMeta{Namespace: c.namespace,
			OwnerReferences: []metav1.OwnerReference{{Kind: c.kind, Name: c.name, UID: c.uid, Controller: &yes}}}
		if o, ok := known.top(&meta); ok && byRef[o] != nil {
			byRef[o].addPodImages(inv.stubImages[i].images)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}
