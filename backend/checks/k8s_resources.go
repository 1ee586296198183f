package checks

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

const resourcesExample = `containers:
- name: app
  resources:
    requests: {cpu: 100m, memory: 128Mi}
    limits: {cpu: 500m, memory: 256Mi}
`

// longRunning: probes and disruption budgets only make sense for services, not Jobs.
func longRunning(w *kubeinv.Workload) bool { return !w.IsJobLike() }

func lifecycleChecks() []*Check {
	return []*Check{
		probeCheck("k8s.liveness-probe", "liveness", "Container without a liveness probe",
			"Without a liveness probe a hung process keeps receiving traffic and is never restarted.",
			func(c *corev1.Container) bool { return c.LivenessProbe != nil }),
		probeCheck("k8s.readiness-probe", "readiness", "Container without a readiness probe",
			"Without a readiness probe traffic reaches the container before it can serve and during shutdown.",
			func(c *corev1.Container) bool { return c.ReadinessProbe != nil }),
		{
			ID: "k8s.graceful-shutdown", Title: "No graceful shutdown",
			Description: "The pod neither defines a preStop hook nor an explicit termination grace period (or sets it to 0), so it may be killed mid-request instead of draining to a known state.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.11.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Handle SIGTERM, add a preStop hook that drains connections, and set terminationGracePeriodSeconds to the drain time.", Example: "spec:\n  terminationGracePeriodSeconds: 45\n  containers:\n  - name: app\n    lifecycle:\n      preStop:\n        exec: {command: [/bin/sh, -c, sleep 10]}\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if !longRunning(w) {
					return na("runs to completion")
				}
				if g := w.PodSpec.TerminationGracePeriodSeconds; g != nil && *g == 0 {
					return fail("terminationGracePeriodSeconds is 0: containers are killed immediately", "terminationGracePeriodSeconds", "0")
				}
				for _, c := range w.PodSpec.Containers {
					if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
						return pass("preStop hook defined")
					}
				}
				if w.PodSpec.TerminationGracePeriodSeconds != nil {
					return pass("termination grace period set to " + strconv.FormatInt(*w.PodSpec.TerminationGracePeriodSeconds, 10) + "s")
				}
				return fail("no preStop hook and no explicit termination grace period")
			}),
		},
	}
}

func probeCheck(id, kind, title, desc string, has func(*corev1.Container) bool) *Check {
	return &Check{
		ID: id, Title: title, Description: desc,
		Severity: posture.SeverityLow, CSA: []string{"3.1.11.1"}, Applies: posture.AssetWorkload,
		Remediation: Remediation{Text: "Add a " + kind + " probe that checks the application's health endpoint.", Example: "containers:\n- name: app\n  " + kind + "Probe:\n    httpGet: {path: /healthz, port: 8080}\n    periodSeconds: 10\n"},
		Eval: func(s *Snapshot) []posture.Result {
			out := make([]posture.Result, 0, s.containers)
			for i, w := range s.Workloads {
				for j := range w.PodSpec.Containers { // init and ephemeral containers take no probes
					c := &w.PodSpec.Containers[j]
					v := pass(kind + " probe defined")
					switch {
					case !longRunning(w):
						v = na("runs to completion")
					case !has(c):
						v = fail("no " + kind + " probe")
					}
					out = append(out, v.result(&s.workloadAssets[i], kubeinv.ContainerRef{Container: c}.SubKey()))
				}
			}
			return out
		},
	}
}

func replicas(w *kubeinv.Workload) int32 {
	if w.Replicas == nil {
		return 1
	}
	return *w.Replicas
}

func scalable(w *kubeinv.Workload) bool { return w.Kind == "Deployment" || w.Kind == "StatefulSet" }

func quotaHas(s *Snapshot, ns string, match func(corev1.ResourceName) bool) bool {
	for _, q := range s.quotas[ns] {
		for name := range q.Spec.Hard {
			if match(name) {
				return true
			}
		}
	}
	return false
}

func resourceChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.resource-requests", Title: "CPU or memory requests missing",
			Description: "Without requests the scheduler cannot place the pod sensibly and the pod gets BestEffort or Burstable treatment under pressure.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.14.1", "3.1.12.1"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Resource policies", ""}},
			Remediation: Remediation{Text: "Set cpu and memory requests close to observed usage.", Example: resourcesExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if c.Ephemeral {
					return na("ephemeral containers take no resources")
				}
				var missing []string
				for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					if _, ok := c.Resources.Requests[r]; !ok {
						missing = append(missing, string(r))
					}
				}
				if len(missing) > 0 {
					return fail("requests missing: "+strings.Join(missing, ", "), "missing", strings.Join(missing, ","))
				}
				return pass("cpu and memory requests set")
			}),
		},
		{
			ID: "k8s.resource-limits", Title: "CPU or memory limits missing",
			Description: "Without limits one container can starve its neighbours on the node (noisy neighbour, denial of service).",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.14.1"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Resource policies", ""}},
			Remediation: Remediation{Text: "Set cpu and memory limits.", Example: resourcesExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if c.Ephemeral {
					return na("ephemeral containers take no resources")
				}
				var missing []string
				for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					if _, ok := c.Resources.Limits[r]; !ok {
						missing = append(missing, string(r))
					}
				}
				if len(missing) > 0 {
					return fail("limits missing: "+strings.Join(missing, ", "), "missing", strings.Join(missing, ","))
				}
				return pass("cpu and memory limits set")
			}),
		},
		{
			ID: "k8s.limit-request-ratio", Title: "Limits far above requests",
			Description: "A limit many times the request lets the container overcommit the node far beyond what the scheduler reserved.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.14.1", "3.1.12.3"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Bring the limit closer to the request (the ratio is configurable, default 4).", Example: resourcesExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				checked := false
				for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					req, okr := c.Resources.Requests[r]
					lim, okl := c.Resources.Limits[r]
					if !okr || !okl || req.IsZero() {
						continue
					}
					checked = true
					ratio := lim.AsApproximateFloat64() / req.AsApproximateFloat64()
					if ratio > s.Config.MaxLimitRequestRatio {
						return fail(fmt.Sprintf("%s limit is %.1fx the request", r, ratio), "resource", string(r), "ratio", fmt.Sprintf("%.1f", ratio))
					}
				}
				if !checked {
					return na("requests and limits not both set")
				}
				return pass("limits are within the allowed ratio of requests")
			}),
		},
		{
			ID: "k8s.namespace-resource-quota", Title: "Namespace without a ResourceQuota",
			Description: "Without a ResourceQuota one tenant's namespace can consume the whole cluster.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.12.2"}, Applies: posture.AssetNamespace,
			References:  []Reference{{NSA, "Resource policies", ""}},
			Remediation: Remediation{Text: "Add a ResourceQuota with cpu, memory, storage and object-count limits.", Example: "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: quota, namespace: shop}\nspec:\n  hard: {requests.cpu: \"8\", requests.memory: 16Gi, limits.memory: 32Gi, requests.storage: 500Gi}\n"},
			Needs:       []string{kubeinv.KindResourceQuota},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				if len(s.quotas[ns]) == 0 {
					return fail("no ResourceQuota")
				}
				return pass("ResourceQuota " + s.quotas[ns][0].Name)
			}),
		},
		{
			ID: "k8s.namespace-limit-range", Title: "Namespace without a LimitRange",
			Description: "A LimitRange gives containers that declare nothing default requests and limits and caps what one container may ask for.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.12.2"}, Applies: posture.AssetNamespace,
			References:  []Reference{{NSA, "Resource policies", ""}},
			Remediation: Remediation{Text: "Add a LimitRange with default requests and limits.", Example: "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: shop}\nspec:\n  limits:\n  - type: Container\n    defaultRequest: {cpu: 100m, memory: 128Mi}\n    default: {cpu: 500m, memory: 256Mi}\n"},
			Needs:       []string{kubeinv.KindLimitRange},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				if s.limitRanges[ns] == 0 {
					return fail("no LimitRange")
				}
				return pass("LimitRange present")
			}),
		},
		{
			ID: "k8s.pvc-storage-quota", Title: "Persistent storage without a quota",
			Description: "The namespace claims persistent volumes but no ResourceQuota bounds storage requests or the number of claims.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.9.2"}, Applies: posture.AssetNamespace,
			Remediation: Remediation{Text: "Add requests.storage and persistentvolumeclaims to the namespace's ResourceQuota.", Example: "spec:\n  hard: {requests.storage: 500Gi, persistentvolumeclaims: \"20\"}\n"},
			Needs:       []string{kubeinv.KindResourceQuota, kubeinv.KindPersistentVolumeClaim, kubeinv.KindStatefulSet},
			Eval: perNamespace(false, func(s *Snapshot, ns string) verdict {
				if !s.stateful[ns] {
					return na("namespace claims no persistent storage")
				}
				if quotaHas(s, ns, func(n corev1.ResourceName) bool {
					return n == corev1.ResourceRequestsStorage || n == corev1.ResourcePersistentVolumeClaims || strings.HasSuffix(string(n), ".storageclass.storage.k8s.io/requests.storage")
				}) {
					return pass("storage is bounded by a ResourceQuota")
				}
				return fail("no ResourceQuota on requests.storage or persistentvolumeclaims")
			}),
		},
		{
			ID: "k8s.pod-disruption-budget", Title: "Replicated workload without a PodDisruptionBudget",
			Description: "Without a PodDisruptionBudget a node drain or upgrade may evict every replica at once.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.13.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Add a PodDisruptionBudget selecting the pods with minAvailable or maxUnavailable.", Example: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: shop}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}\n"},
			Needs:       []string{kubeinv.KindPodDisruptionBudget},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if !scalable(w) || replicas(w) < 2 {
					return na("not a replicated Deployment or StatefulSet")
				}
				l := podLabels(w)
				for _, sel := range s.pdbs[w.Namespace] {
					if !sel.Empty() && sel.Matches(l) {
						return pass("covered by a PodDisruptionBudget")
					}
				}
				return fail("no PodDisruptionBudget selects the pods", "replicas", strconv.Itoa(int(replicas(w))))
			}),
		},
		{
			ID: "k8s.horizontal-autoscaler", Title: "Replicated workload without a HorizontalPodAutoscaler",
			Description: "Scalable workloads should scale with load through an agreed HPA instead of a fixed replica count.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.14.2"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Add a HorizontalPodAutoscaler with agreed min/max replicas and target utilisation.", Example: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}\n"},
			Needs:       []string{kubeinv.KindHorizontalPodAutoscaler},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if !scalable(w) {
					return na("not a Deployment or StatefulSet")
				}
				if s.hpaTargets[w.Namespace+"/"+w.Kind+"/"+w.Name] {
					return pass("scaled by a HorizontalPodAutoscaler")
				}
				if replicas(w) < 2 {
					return na("single replica")
				}
				return fail("fixed replica count without a HorizontalPodAutoscaler", "replicas", strconv.Itoa(int(replicas(w))))
			}),
		},
		{
			ID: "k8s.priority-class", Title: "Workload without a priority class",
			Description: "Without a priorityClassName every workload has the same priority, so critical services can be preempted or starved by batch work.",
			Severity:    posture.SeverityLow, CSA: []string{"3.1.12.3", "3.1.14.1"}, Applies: posture.AssetWorkload,
			Remediation: Remediation{Text: "Assign a PriorityClass that reflects the workload's importance.", Example: "spec:\n  template:\n    spec:\n      priorityClassName: business-critical\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if w.PodSpec.PriorityClassName != "" {
					return pass("priority class " + w.PodSpec.PriorityClassName)
				}
				return fail("no priorityClassName")
			}),
		},
	}
}
