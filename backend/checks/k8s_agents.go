package checks

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

func tolerates(ts []corev1.Toleration, taint corev1.Taint) bool {
	for _, t := range ts {
		if t.Effect != "" && t.Effect != taint.Effect {
			continue
		}
		if t.Operator == corev1.TolerationOpExists {
			if t.Key == "" || t.Key == taint.Key {
				return true
			}
			continue
		}
		if t.Key == taint.Key && t.Value == taint.Value {
			return true
		}
	}
	return false
}

// schedulableOn reports whether a DaemonSet's pods can run on node n (nodeSelector and
// NoSchedule/NoExecute taints; node affinity is not evaluated).
func schedulableOn(w *kubeinv.Workload, n *corev1.Node) bool {
	for k, v := range w.PodSpec.NodeSelector {
		if n.Labels[k] != v {
			return false
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if !tolerates(w.PodSpec.Tolerations, t) {
			return false
		}
	}
	return true
}

func workloadImageMatches(w *kubeinv.Workload, fragments []string) bool {
	for _, c := range w.PodSpec.Containers {
		if imageMatches(c.Image, fragments) {
			return true
		}
	}
	return false
}

// noNodes: cluster-wide presence checks need a whole cluster; a set of manifests without
// Nodes (a CI scan of one application) cannot show that an agent is missing.
const noNodes = "no Nodes in the inventory: not a whole-cluster collection"

// nodeAgent checks that a DaemonSet whose image matches fragments exists and can run on
// every node of the inventory.
func nodeAgent(what string, fragments func(Config) []string) func(s *Snapshot) verdict {
	return func(s *Snapshot) verdict {
		if len(s.Inv.Nodes) == 0 {
			return na(noNodes)
		}
		var agents []*kubeinv.Workload
		for _, w := range s.Workloads {
			if w.Kind == "DaemonSet" && workloadImageMatches(w, fragments(s.Config)) {
				agents = append(agents, w)
			}
		}
		if len(agents) == 0 {
			return fail("no " + what + " DaemonSet found")
		}
		var uncovered []string
		for i := range s.Inv.Nodes {
			n := &s.Inv.Nodes[i]
			ok := false
			for _, a := range agents {
				if schedulableOn(a, n) {
					ok = true
					break
				}
			}
			if !ok {
				uncovered = append(uncovered, n.Name)
			}
		}
		if len(uncovered) > 0 {
			sort.Strings(uncovered)
			if len(uncovered) > 20 {
				uncovered = append(uncovered[:20], "...")
			}
			return fail(what+" does not run on every node", "agent", agents[0].Key(), "nodes", strings.Join(uncovered, ","))
		}
		return pass(what + " " + agents[0].Key() + " runs on every node")
	}
}

// platformComponent checks that any workload runs an image matching fragments.
func platformComponent(what string, fragments func(Config) []string) func(s *Snapshot) verdict {
	return func(s *Snapshot) verdict {
		if len(s.Inv.Nodes) == 0 {
			return na(noNodes)
		}
		for _, w := range s.Workloads {
			if workloadImageMatches(w, fragments(s.Config)) {
				return pass(what + " found: " + w.Key())
			}
		}
		return fail("no " + what + " found")
	}
}

func agentChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.logging-agent", Title: "No log-shipping agent on every node",
			Description: "Container logs stay on the node (and vanish with it) unless a log-shipping DaemonSet (Fluent Bit, Vector, Promtail, ...) forwards them to central logging from every node.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.3.2"}, Applies: posture.AssetCluster,
			References:  []Reference{{NSA, "Logging", ""}},
			Remediation: Remediation{Text: "Deploy a log-shipping DaemonSet that tolerates every node taint and forwards to your central logging system (image names are configurable).", Example: "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: fluent-bit, namespace: logging}\nspec:\n  template:\n    spec:\n      tolerations: [{operator: Exists}]\n      containers:\n      - name: fluent-bit\n        image: cr.fluentbit.io/fluent/fluent-bit:3.2.2\n"},
			Needs:       []string{kubeinv.KindNode, kubeinv.KindDaemonSet},
			Eval:        cluster(nodeAgent("log-shipping agent", func(c Config) []string { return c.LoggingAgentImages })),
		},
		{
			ID: "k8s.runtime-security-agent", Title: "No runtime-security agent on every node",
			Description: "Forensics and detection need a runtime-security agent (Falco, Tetragon, ...) capturing process, file and network events on every node.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.7.4"}, Applies: posture.AssetCluster,
			Remediation: Remediation{Text: "Deploy a runtime-security DaemonSet on every node and ship its events centrally.", Example: "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: falco, namespace: falco}\nspec:\n  template:\n    spec:\n      tolerations: [{operator: Exists}]\n      containers:\n      - name: falco\n        image: falcosecurity/falco:0.39.2\n"},
			Needs:       []string{kubeinv.KindNode, kubeinv.KindDaemonSet},
			Eval:        cluster(nodeAgent("runtime-security agent", func(c Config) []string { return c.RuntimeSecurityAgentImages })),
		},
		{
			ID: "k8s.admission-controller", Title: "No policy admission controller",
			Description: "Without a policy admission controller (Kyverno, Gatekeeper, sigstore policy-controller, ...) nothing stops unsigned images or images from unapproved registries from running.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.6.4", "3.1.1.2"}, Applies: posture.AssetCluster,
			Remediation: Remediation{Text: "Install a policy admission controller and enforce registry allowlists and signature verification.", Example: "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: verify-images}\nspec:\n  validationFailureAction: Enforce\n  rules:\n  - name: signed\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    verifyImages:\n    - imageReferences: [\"registry.example.com/*\"]\n"},
			Needs:       append([]string{kubeinv.KindNode}, kubeinv.WorkloadKinds()...),
			Eval:        cluster(platformComponent("policy admission controller", func(c Config) []string { return c.AdmissionControllerImages })),
		},
		{
			ID: "k8s.secret-manager-integration", Title: "No external secret manager integration",
			Description: "Secrets should be bootstrapped from a KMS/HSM-backed secret manager through an operator (External Secrets, Vault, Secrets Store CSI) rather than committed or created by hand.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.10.3"}, Applies: posture.AssetCluster,
			Remediation: Remediation{Text: "Install an external secret operator or CSI driver and source Secrets from your secret manager.", Example: "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: db, namespace: shop}\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target: {name: db-credentials}\n  dataFrom: [{extract: {key: shop/db}}]\n"},
			Needs:       append([]string{kubeinv.KindNode}, kubeinv.WorkloadKinds()...),
			Eval:        cluster(platformComponent("secret manager integration", func(c Config) []string { return c.SecretOperatorImages })),
		},
		{
			ID: "k8s.namespace-pod-security", Title: "Namespace does not enforce Pod Security Standards",
			Description: "Without the pod-security.kubernetes.io/enforce label set to baseline or restricted, the API server admits privileged and root pods into the namespace.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.3"}, Applies: posture.AssetNamespace,
			References:  []Reference{{CIS, "5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place"}, {PSS, "restricted", ""}},
			Remediation: Remediation{Text: "Label the namespace with pod-security.kubernetes.io/enforce: restricted (or baseline).", Example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n"},
			Needs:       []string{kubeinv.KindNamespace},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				if !s.HasNamespaceObject(ns) {
					return na("Namespace object not collected")
				}
				switch lvl := s.NamespaceLabels(ns)["pod-security.kubernetes.io/enforce"]; lvl {
				case "baseline", "restricted":
					return pass("enforces Pod Security Standard " + lvl)
				case "":
					return fail("no pod-security.kubernetes.io/enforce label")
				default:
					return fail("enforces Pod Security Standard "+lvl, "enforce", lvl)
				}
			}),
		},
	}
}
