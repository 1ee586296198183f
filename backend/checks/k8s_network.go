package checks

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// isDefaultDenyIngress: selects every pod, applies to ingress, allows nothing.
func isDefaultDenyIngress(p policyIndex) bool {
	return p.ingress && len(p.np.Spec.PodSelector.MatchLabels) == 0 && len(p.np.Spec.PodSelector.MatchExpressions) == 0 &&
		len(p.np.Spec.Ingress) == 0
}

// internalLBAnnotations mark a LoadBalancer as reachable only from private networks.
var internalLBAnnotations = map[string]string{
	"service.beta.kubernetes.io/aws-load-balancer-internal":       "",
	"service.beta.kubernetes.io/aws-load-balancer-scheme":         "internal",
	"networking.gke.io/load-balancer-type":                        "Internal",
	"cloud.google.com/load-balancer-type":                         "Internal",
	"service.beta.kubernetes.io/azure-load-balancer-internal":     "true",
	"service.beta.kubernetes.io/oci-load-balancer-internal":       "true",
	"service.beta.kubernetes.io/openstack-internal-load-balancer": "true",
}

func internalLB(svc *corev1.Service) bool {
	for k, want := range internalLBAnnotations {
		v, ok := svc.Annotations[k]
		if !ok {
			continue
		}
		if want == "" && v != "" && v != "false" {
			return true
		}
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

// externallyExposed reports why a Service is reachable from outside the cluster ("" if not).
func externallyExposed(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return "NodePort"
	case corev1.ServiceTypeLoadBalancer:
		if internalLB(svc) {
			return ""
		}
		for _, r := range svc.Spec.LoadBalancerSourceRanges {
			if r == "0.0.0.0/0" || r == "::/0" {
				return "LoadBalancer open to " + r
			}
		}
		if len(svc.Spec.LoadBalancerSourceRanges) > 0 {
			return ""
		}
		return "LoadBalancer without loadBalancerSourceRanges"
	}
	if len(svc.Spec.ExternalIPs) > 0 {
		return "externalIPs"
	}
	return ""
}

func perService(fn func(s *Snapshot, svc *corev1.Service) verdict) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		out := make([]posture.Result, 0, len(s.Inv.Services))
		for i := range s.Inv.Services {
			svc := &s.Inv.Services[i]
			out = append(out, fn(s, svc).result(ref(kubeinv.ObjectAsset(posture.AssetService, "", "Service", &svc.ObjectMeta)), ""))
		}
		return out
	}
}

func podLabels(w *kubeinv.Workload) labels.Set {
	if w.Kind == "Pod" {
		return w.Labels
	}
	return w.PodMeta.Labels
}

const defaultDenyExample = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`

func networkChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.namespace-default-deny", Title: "Namespace without a default-deny NetworkPolicy",
			Description: "Without a policy that selects every pod and allows nothing, every pod in the namespace accepts traffic from anywhere in the cluster.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.5.4", "3.1.9.3"}, Applies: posture.AssetNamespace,
			References:  []Reference{{CIS, "5.3.2", "Ensure that all Namespaces have NetworkPolicies defined"}, {NSA, "Network separation", "Default deny"}},
			Remediation: Remediation{Text: "Add a default-deny NetworkPolicy to the namespace, then allow the required flows explicitly.", Example: defaultDenyExample},
			Needs:       []string{kubeinv.KindNetworkPolicy},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				for _, p := range s.policies[ns] {
					if isDefaultDenyIngress(p) {
						return pass("default-deny policy " + p.np.Name)
					}
				}
				return fail("no default-deny ingress NetworkPolicy", "policies", strconv.Itoa(len(s.policies[ns])))
			}),
		},
		{
			ID: "k8s.workload-network-policy", Title: "Pods selected by no NetworkPolicy",
			Description: "No NetworkPolicy selects this workload's pods for ingress, so they accept connections from every pod in the cluster.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.5.4", "3.1.9.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Network separation", ""}},
			Remediation: Remediation{Text: "Add a NetworkPolicy that selects the pods and allows only the expected peers and ports.", Example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: gateway}}}]\n    ports: [{port: 8080}]\n"},
			Needs:       []string{kubeinv.KindNetworkPolicy},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				l := podLabels(w)
				for _, p := range s.policies[w.Namespace] {
					if p.ingress && p.selector.Matches(l) {
						return pass("selected by NetworkPolicy " + p.np.Name)
					}
				}
				return fail("no NetworkPolicy selects the workload's pods")
			}),
		},
		{
			ID: "k8s.network-intra-namespace", Title: "Namespace denies all but allows no internal flows",
			Description: "A namespace with a default-deny policy should declare the traffic between its own workloads explicitly (policies with podSelector peers), so that intra-application flows are intended and documented.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.9.4"}, Applies: posture.AssetNamespace,
			Remediation: Remediation{Text: "Add NetworkPolicies that allow the expected flows between the namespace's own workloads by podSelector.", Example: "spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n"},
			Needs:       []string{kubeinv.KindNetworkPolicy},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				deny := false
				for _, p := range s.policies[ns] {
					if isDefaultDenyIngress(p) {
						deny = true
					}
				}
				if !deny {
					return na("no default-deny policy (see k8s.namespace-default-deny)")
				}
				for _, p := range s.policies[ns] {
					for _, r := range p.np.Spec.Ingress {
						for _, peer := range r.From {
							if peer.PodSelector != nil && peer.NamespaceSelector == nil {
								return pass("policy " + p.np.Name + " allows an explicit intra-namespace flow")
							}
						}
					}
				}
				return fail("default-deny without any explicit intra-namespace allow rule")
			}),
		},
		{
			ID: "k8s.service-exposed", Title: "Service exposed outside the cluster",
			Description: "NodePort services, externalIPs and LoadBalancers without source ranges are reachable from any network that reaches the nodes or the load balancer.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.5.4"}, Applies: posture.AssetService,
			References:  []Reference{{NSA, "Network separation", ""}},
			Remediation: Remediation{Text: "Use ClusterIP behind an Ingress or gateway, mark the load balancer internal, or restrict loadBalancerSourceRanges.", Example: "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n"},
			Eval: perService(func(s *Snapshot, svc *corev1.Service) verdict {
				if why := externallyExposed(svc); why != "" {
					return fail("service is exposed: "+why, "type", string(svc.Spec.Type), "exposure", why)
				}
				return pass("service is not exposed outside the cluster")
			}),
		},
		{
			ID: "k8s.service-plain-http", Title: "Externally exposed Service serves plain HTTP",
			Description: "An externally exposed Service offers an HTTP port (80, 8080 or a port named http) with no TLS in front of it.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.4.1"}, Applies: posture.AssetService,
			Remediation: Remediation{Text: "Expose HTTPS only (terminate TLS at the load balancer or an Ingress) and keep plain HTTP inside the cluster.", Example: "spec:\n  type: LoadBalancer\n  ports:\n  - {name: https, port: 443, targetPort: 8443}\n"},
			Eval: perService(func(s *Snapshot, svc *corev1.Service) verdict {
				if externallyExposed(svc) == "" {
					return na("service is not exposed outside the cluster")
				}
				for _, p := range svc.Spec.Ports {
					name := strings.ToLower(p.Name)
					if p.Port == 80 || p.Port == 8080 || name == "http" || strings.HasPrefix(name, "http-") {
						return fail("exposed port "+strconv.Itoa(int(p.Port))+" serves plain HTTP", "port", strconv.Itoa(int(p.Port)))
					}
				}
				return pass("no plain-HTTP ports exposed")
			}),
		},
		{
			ID: "k8s.ingress-tls", Title: "Ingress without TLS",
			Description: "An Ingress without a tls section, or with hosts not covered by it, serves traffic unencrypted.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.4.1", "3.1.5.1"}, Applies: posture.AssetIngress,
			References:  []Reference{{NSA, "Network separation", "TLS"}},
			Remediation: Remediation{Text: "Add a tls section covering every host, with a certificate Secret (e.g. issued by cert-manager).", Example: "spec:\n  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n"},
			Eval: func(s *Snapshot) []posture.Result {
				out := make([]posture.Result, 0, len(s.Inv.Ingresses))
				for i := range s.Inv.Ingresses {
					ing := &s.Inv.Ingresses[i]
					out = append(out, ingressTLS(ing).result(ref(kubeinv.ObjectAsset(posture.AssetIngress, "networking.k8s.io", "Ingress", &ing.ObjectMeta)), ""))
				}
				return out
			},
		},
	}
}

func ingressTLS(ing *networkingv1.Ingress) verdict {
	if len(ing.Spec.TLS) == 0 {
		return fail("Ingress has no TLS section")
	}
	covered := map[string]bool{}
	wildcard := false
	for _, t := range ing.Spec.TLS {
		if len(t.Hosts) == 0 {
			wildcard = true // a tls entry without hosts covers the default certificate for all
		}
		for _, h := range t.Hosts {
			covered[h] = true
		}
	}
	var missing []string
	for _, r := range ing.Spec.Rules {
		if r.Host == "" || wildcard || covered[r.Host] {
			continue
		}
		if i := strings.IndexByte(r.Host, '.'); i > 0 && covered["*"+r.Host[i:]] {
			continue
		}
		missing = append(missing, r.Host)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fail("hosts without TLS: "+strings.Join(missing, ", "), "hosts", strings.Join(missing, ","))
	}
	return pass("TLS configured for every host")
}
