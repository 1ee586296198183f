package checks

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// labelOf finds a label on the workload, its pod template or its namespace, in that order.
func labelOf(s *Snapshot, w *kubeinv.Workload, key string) (string, bool) {
	if v, ok := w.Labels[key]; ok && v != "" {
		return v, true
	}
	if v, ok := w.PodMeta.Labels[key]; ok && v != "" {
		return v, true
	}
	if v, ok := s.NamespaceLabels(w.Namespace)[key]; ok && v != "" {
		return v, true
	}
	return "", false
}

// zoneConstraint returns the single zone the pod is restricted to through nodeSelector or
// required node affinity on key ("" when it is not restricted to exactly one zone).
func zoneConstraint(p *corev1.PodSpec, key string) string {
	if v := p.NodeSelector[key]; v != "" {
		return v
	}
	a := p.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	zone := ""
	for _, t := range terms { // terms are ORed: every term must pin the same zone
		found := ""
		for _, e := range t.MatchExpressions {
			if e.Key == key && e.Operator == corev1.NodeSelectorOpIn && len(e.Values) == 1 {
				found = e.Values[0]
			}
		}
		if found == "" || (zone != "" && zone != found) {
			return ""
		}
		zone = found
	}
	return zone
}

func labelChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.namespace-labels", Title: "Namespace lacks tenancy labels",
			Description: "Namespaces should carry the configured classification, tenant and owner labels so that placement, audits and scores can be automated per tenant and sensitivity.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.1"}, Applies: posture.AssetNamespace,
			Remediation: Remediation{Text: "Add the classification, tenant and owner labels (keys are configurable) to the namespace.", Example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    palisade.dev/classification: internal\n    palisade.dev/tenant: retail\n    palisade.dev/owner: team-shop\n"},
			Needs:       []string{kubeinv.KindNamespace},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				if !s.HasNamespaceObject(ns) {
					return na("Namespace object not collected")
				}
				l := s.NamespaceLabels(ns)
				var missing []string
				for _, k := range []string{s.Config.ClassificationLabel, s.Config.TenantLabel, s.Config.OwnerLabel} {
					if l[k] == "" {
						missing = append(missing, k)
					}
				}
				if len(missing) > 0 {
					return fail("namespace lacks labels: "+strings.Join(missing, ", "), "missing", strings.Join(missing, ","))
				}
				return pass("namespace carries classification, tenant and owner labels")
			}),
		},
		{
			ID: "k8s.workload-classification", Title: "Workload has no data classification",
			Description: "Neither the workload nor its namespace carries the classification label, so its data sensitivity is unknown.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Label the workload or its namespace with the classification label.", Example: "metadata:\n  labels:\n    palisade.dev/classification: confidential\n"},
			Needs:       []string{kubeinv.KindNamespace},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if _, ok := labelOf(s, w, s.Config.ClassificationLabel); ok {
					return pass("classification label present")
				}
				return fail("no " + s.Config.ClassificationLabel + " label on the workload or its namespace")
			}),
		},
		{
			ID: "k8s.workload-owner", Title: "Workload has no owner",
			Description: "Neither the workload nor its namespace names an owner, so nobody is accountable for its findings.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.2.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Label the workload or its namespace with the owner label.", Example: "metadata:\n  labels:\n    palisade.dev/owner: team-shop\n"},
			Needs:       []string{kubeinv.KindNamespace},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if _, ok := labelOf(s, w, s.Config.OwnerLabel); ok {
					return pass("owner label present")
				}
				return fail("no " + s.Config.OwnerLabel + " label on the workload or its namespace")
			}),
		},
		{
			ID: "k8s.sensitive-zone-placement", Title: "Sensitive workload not pinned to its security zone",
			Description: "Workloads classified as sensitive must only schedule onto nodes of the matching security zone (nodeSelector or required node affinity on the zone label), so that they never share a node with less trusted workloads.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.1"}, Applies: posture.AssetWorkload,
			References:  []Reference{{"CSA Security Guidance v4", "8 (2)", "Group containers of the same security context on the same hosts"}},
			Remediation: Remediation{Text: "Add a nodeSelector (or required node affinity) on the zone label with the zone that matches the classification, and taint the zone's nodes.", Example: "spec:\n  template:\n    spec:\n      nodeSelector:\n        palisade.dev/zone: confidential\n      tolerations:\n      - {key: palisade.dev/zone, value: confidential, effect: NoSchedule}\n"},
			Needs:       []string{kubeinv.KindNamespace},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				class, _ := labelOf(s, w, s.Config.ClassificationLabel)
				sensitive := false
				for _, c := range s.Config.SensitiveClassifications {
					if strings.EqualFold(c, class) {
						sensitive = true
					}
				}
				if !sensitive {
					return na("workload is not classified as sensitive")
				}
				want := class
				if z := s.Config.ZoneFor[class]; z != "" {
					want = z
				}
				got := zoneConstraint(&w.PodSpec, s.Config.ZoneLabel)
				if got == want {
					return pass("workload is pinned to zone " + want)
				}
				if got == "" {
					return fail("sensitive workload ("+class+") can schedule onto any node", "classification", class, "wantZone", want)
				}
				return fail("sensitive workload ("+class+") is pinned to zone "+got+", want "+want, "classification", class, "zone", got, "wantZone", want)
			}),
		},
		{
			ID: "k8s.node-zone-label", Title: "Node without a security zone",
			Description: "Nodes should carry the zone label so that sensitive workloads can be placed and audited by zone.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.2.1"}, Applies: posture.AssetNode,
			Remediation: Remediation{Text: "Label every node with its security zone (and taint nodes of sensitive zones).", Example: "kubectl label node worker-1 palisade.dev/zone=general\n"},
			Eval: func(s *Snapshot) []posture.Result {
				out := make([]posture.Result, 0, len(s.Inv.Nodes))
				for i := range s.Inv.Nodes {
					n := &s.Inv.Nodes[i]
					a := kubeinv.ObjectAsset(posture.AssetNode, "", "Node", &n.ObjectMeta)
					v := pass("node is in zone " + n.Labels[s.Config.ZoneLabel])
					if n.Labels[s.Config.ZoneLabel] == "" {
						v = fail("node has no " + s.Config.ZoneLabel + " label")
					}
					out = append(out, v.result(ref(a), ""))
				}
				sort.Slice(out, func(i, j int) bool { return out[i].Asset.Key < out[j].Asset.Key })
				return out
			},
		},
	}
}
