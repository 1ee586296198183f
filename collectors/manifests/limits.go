package manifests

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// DefaultMaxContainersPerPod bounds the containers (init, regular and ephemeral together) of
// one pod spec that are evaluated: one 1.4 MB Pod with 50,000 containers made a scan take
// gigabytes. The rest are dropped and the object is named in the errors, so the scan exits 2:
// padding a pod with containers cannot hide one past the limit.
const DefaultMaxContainersPerPod = 1000

// podSpecOf is the pod spec an object carries, or nil.
func podSpecOf(obj any) *corev1.PodSpec {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.Spec
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		return &o.Spec.Template.Spec
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		return &o.Spec.Template.Spec
	case *batchv1.Job:
		return &o.Spec.Template.Spec
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec
	}
	return nil
}

// limitContainers keeps the first max containers of the object's pod spec (init containers
// first, then regular, then ephemeral) and says how many it dropped.
func limitContainers(obj any, max int) (dropped int) {
	spec := podSpecOf(obj)
	if spec == nil {
		return 0
	}
	total := len(spec.InitContainers) + len(spec.Containers) + len(spec.EphemeralContainers)
	if total <= max {
		return 0
	}
	left := max
	keep := func(n int) int {
		k := min(n, left)
		left -= k
		return k
	}
	spec.InitContainers = spec.InitContainers[:keep(len(spec.InitContainers))]
	spec.Containers = spec.Containers[:keep(len(spec.Containers))]
	spec.EphemeralContainers = spec.EphemeralContainers[:keep(len(spec.EphemeralContainers))]
	return total - max
}

func containerLimitReason(label string, total, max int) string {
	return fmt.Sprintf("%s: %d containers in its pod spec, more than the %d evaluated per pod; the first %d were checked, the rest were not",
		label, total, max, max)
}
