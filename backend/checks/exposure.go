package checks

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Exposure says, for each asset of the snapshot, what raises the weight of its findings in risk
// (docs/scoring.md, "Risk"): internet-facing, privileged, production. Assets it does not know
// (images, registries) have none. Exposure only ever raises a weight, so names an attacker
// chooses cannot lower risk.
func (s *Snapshot) Exposure() func(*posture.Asset) posture.Exposure {
	byKey := map[string]posture.Exposure{}
	exposed := map[string][]labels.Selector{} // namespace -> selectors of internet-facing Services
	routed := map[string]bool{}               // "namespace/name" of Services an Ingress routes to
	for i := range s.Inv.Ingresses {
		ing := &s.Inv.Ingresses[i]
		byKey[kubeinv.AssetKey("networking.k8s.io", "Ingress", ing.Namespace, ing.Name)] |= posture.ExposureInternet
		for _, name := range ingressServices(ing) {
			routed[ing.Namespace+"/"+name] = true
		}
	}
	for i := range s.Inv.Services {
		svc := &s.Inv.Services[i]
		if externallyExposed(svc) == "" && !routed[svc.Namespace+"/"+svc.Name] {
			continue
		}
		byKey[kubeinv.AssetKey("", "Service", svc.Namespace, svc.Name)] |= posture.ExposureInternet
		if len(svc.Spec.Selector) > 0 {
			exposed[svc.Namespace] = append(exposed[svc.Namespace], labels.SelectorFromSet(svc.Spec.Selector))
		}
	}
	for i, w := range s.Workloads {
		var e posture.Exposure
		pod := labels.Set(w.PodMeta.Labels)
		for _, sel := range exposed[w.Namespace] {
			if sel.Matches(pod) {
				e |= posture.ExposureInternet
				break
			}
		}
		if privilegedPod(&w.PodSpec) {
			e |= posture.ExposurePrivileged
		}
		if e != 0 {
			byKey[s.workloadAssets[i].Key] |= e
		}
	}
	production := map[string]bool{}
	for _, ns := range s.Namespaces {
		production[ns] = productionNamespace(ns, s.NamespaceLabels(ns))
	}
	return func(a *posture.Asset) posture.Exposure {
		e := byKey[a.Key]
		ns := a.Namespace
		if ns == "" && a.Kind == posture.AssetNamespace {
			ns = a.Name
		}
		if p, ok := production[ns]; p || (!ok && ns != "" && productionNamespace(ns, nil)) {
			e |= posture.ExposureProduction
		}
		return e
	}
}

// ingressServices names the Services an Ingress routes to.
func ingressServices(ing *networkingv1.Ingress) []string {
	var out []string
	add := func(b *networkingv1.IngressBackend) {
		if b != nil && b.Service != nil && b.Service.Name != "" {
			out = append(out, b.Service.Name)
		}
	}
	add(ing.Spec.DefaultBackend)
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for i := range r.HTTP.Paths {
			add(&r.HTTP.Paths[i].Backend)
		}
	}
	return out
}

// privilegedPod: a privileged container of any kind, or the node's PID, IPC or network namespace.
func privilegedPod(spec *corev1.PodSpec) bool {
	if spec.HostPID || spec.HostIPC || spec.HostNetwork {
		return true
	}
	priv := func(sc *corev1.SecurityContext) bool { return sc != nil && sc.Privileged != nil && *sc.Privileged }
	for i := range spec.InitContainers {
		if priv(spec.InitContainers[i].SecurityContext) {
			return true
		}
	}
	for i := range spec.Containers {
		if priv(spec.Containers[i].SecurityContext) {
			return true
		}
	}
	for i := range spec.EphemeralContainers {
		if priv(spec.EphemeralContainers[i].SecurityContext) {
			return true
		}
	}
	return false
}

// productionNamespace: labelled environment or env = production or prod, or named so.
func productionNamespace(name string, nsLabels map[string]string) bool {
	for _, k := range []string{"environment", "env"} {
		if v := strings.ToLower(nsLabels[k]); v == "production" || v == "prod" {
			return true
		}
	}
	n := strings.ToLower(name)
	for _, p := range []string{"prod", "production"} {
		if n == p || strings.HasPrefix(n, p+"-") || strings.HasSuffix(n, "-"+p) {
			return true
		}
	}
	return false
}
