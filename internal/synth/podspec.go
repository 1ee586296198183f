package synth

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// template builds a pod template with settings drawn for the workload's profile: hardened
// workloads get most of the good settings, typical ones some, bad ones few (and sometimes
// privileged, root, host namespaces or host paths).
func (g *gen) template(np nsPlan, wp workloadPlan, team, app, name string, pr profile, sel, wlLabels map[string]string, class string, o *nsObjects) corev1.PodTemplateSpec {
	// p returns a probability by profile.
	p := func(h, t, b float64) bool {
		switch pr {
		case hardened:
			return g.chance(h)
		case typical:
			return g.chance(t)
		}
		return g.chance(b)
	}
	labels := make(map[string]string, len(sel)+3)
	for k, v := range sel {
		labels[k] = v
	}
	for _, k := range []string{versionLabel, OwnerLabel, ClassificationLabel} {
		if v := wlLabels[k]; v != "" {
			labels[k] = v
		}
	}
	annotations := map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}
	spec := corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst, SchedulerName: "default-scheduler",
		TerminationGracePeriodSeconds: ptr(int64(30)),
	}
	if wp.kind == kCronJob || wp.kind == kJob {
		spec.RestartPolicy = corev1.RestartPolicyOnFailure
	}
	if p(0.9, 0.6, 0.2) {
		spec.ServiceAccountName = name
		o.serviceAccounts = append(o.serviceAccounts, name)
	}
	if p(0.8, 0.3, 0.05) {
		spec.AutomountServiceAccountToken = ptr(false)
	}
	if p(0.95, 0.6, 0.1) {
		spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(10001)), FSGroup: ptr(int64(10001))}
		if p(0.95, 0.5, 0) {
			spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
		}
	}
	if p(0.5, 0.25, 0.05) {
		spec.PriorityClassName = []string{"business-critical", "standard"}[g.rng.IntN(2)]
	}
	if pr == bad {
		switch u := g.rng.Float64(); {
		case u < 0.10:
			spec.HostNetwork = true
		case u < 0.15:
			spec.HostPID = true
		case u < 0.17:
			spec.HostIPC = true
		case u < 0.19:
			spec.SecurityContext = &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: "kernel.msgmax", Value: "65536"}}}
		}
	}
	if class == "confidential" || class == "restricted" {
		if p(0.9, 0.6, 0.1) {
			spec.NodeSelector = map[string]string{ZoneLabel: class}
			spec.Tolerations = []corev1.Toleration{{Key: ZoneLabel, Operator: corev1.TolerationOpEqual, Value: class, Effect: corev1.TaintEffectNoSchedule}}
		}
	} else if g.chance(0.3) {
		spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: sel}}}}}}
	}
	spec.Volumes = []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name + "-config"}}}},
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	if pr == bad && g.chance(0.08) {
		path := []string{"/var/run/docker.sock", "/", "/etc", "/var/lib/kubelet", "/data"}[g.rng.IntN(5)]
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}})
	}
	if wp.infra != "" && wp.kind == kDaemonSet {
		spec.Volumes = append(spec.Volumes,
			corev1.Volume{Name: "proc", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/proc"}}},
			corev1.Volume{Name: "varlog", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}})
		spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		spec.PriorityClassName = "system-node-critical"
		if wp.infra == "kube-proxy" || wp.infra == "calico-node" {
			spec.HostNetwork = true
		}
	}
	image := g.image(wp, team, app)
	main := g.container(app, image, pr, wp, p)
	if wp.infra == "kube-proxy" || wp.infra == "calico-node" || wp.infra == "falco" {
		main.SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
	}
	main.VolumeMounts = []corev1.VolumeMount{{Name: "config", MountPath: "/etc/" + app, ReadOnly: true}, {Name: "tmp", MountPath: "/tmp"}}
	for _, v := range spec.Volumes[2:] {
		if v.Name != "data" {
			main.VolumeMounts = append(main.VolumeMounts, corev1.VolumeMount{Name: v.Name, MountPath: "/host" + v.HostPath.Path, ReadOnly: true})
		}
	}
	spec.Containers = []corev1.Container{main}
	if wp.infra == "" && g.chance(0.25) {
		side := g.container("envoy", "docker.io/envoyproxy/envoy:v1.32.1", pr, wp, p)
		side.Ports = []corev1.ContainerPort{{Name: "admin", ContainerPort: 9901, Protocol: corev1.ProtocolTCP}}
		spec.Containers = append(spec.Containers, side)
		if pr == bad && g.chance(0.1) {
			annotations["container.apparmor.security.beta.kubernetes.io/envoy"] = "unconfined"
		}
	}
	if wp.infra == "" && g.chance(0.2) {
		ini := g.container("migrate", image, pr, wp, p)
		ini.Command = []string{"/app/migrate", "--up"}
		ini.LivenessProbe, ini.ReadinessProbe, ini.Lifecycle, ini.Ports = nil, nil, nil, nil
		spec.InitContainers = []corev1.Container{ini}
	}
	if wp.kind == kStatefulSet && g.chance(0.1) {
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("1Gi"))}}})
		spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "scratch", MountPath: "/var/lib/state"})
	}
	_ = np
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations}, Spec: spec}
}

func (g *gen) container(name, image string, pr profile, wp workloadPlan, p func(h, t, b float64) bool) corev1.Container {
	c := corev1.Container{Name: name, Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
		Args:                     []string{"--config=/etc/" + name + "/config.yaml", "--port=8080"},
		Ports:                    []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
		TerminationMessagePath:   "/dev/termination-log",
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		Env: []corev1.EnvVar{
			{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"}, {Name: "SERVICE_NAME", Value: name},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			{Name: "DB_HOST", Value: "postgres.db.svc.cluster.local"},
		},
	}
	if p(0.6, 0.4, 0.2) {
		c.Env = append(c.Env, corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name + "-db"}, Key: "password"}}})
	} else if p(0, 0.03, 0.25) {
		c.Env = append(c.Env, corev1.EnvVar{Name: "API_TOKEN", Value: fmt.Sprintf("sk_live_%016x", g.rng.Uint64())})
	}
	switch {
	case p(0.95, 0.6, 0.15):
		c.Resources = corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("300m"), corev1.ResourceMemory: resource.MustParse("512Mi")}}
		if p(0, 0.05, 0.3) {
			c.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("4")
		}
	case p(0, 0.6, 0.3):
		c.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}
	}
	if wp.kind != kCronJob && wp.kind != kJob && p(0.95, 0.7, 0.2) {
		c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
			InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 1}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}},
			PeriodSeconds: 5, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 1}
	}
	if wp.kind != kCronJob && wp.kind != kJob && p(0.7, 0.3, 0.05) {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", "sleep 5"}}}}
	}
	switch pr {
	case hardened:
		c.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptr(true), AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
	case typical:
		if g.chance(0.7) {
			c.SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false)}
			if g.chance(0.5) {
				c.SecurityContext.Capabilities = &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}
			}
		}
	case bad:
		switch u := g.rng.Float64(); {
		case u < 0.12:
			c.SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
		case u < 0.30:
			c.SecurityContext = &corev1.SecurityContext{RunAsUser: ptr(int64(0)), AllowPrivilegeEscalation: ptr(true)}
		case u < 0.45:
			c.SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{[]corev1.Capability{"NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE"}[g.rng.IntN(4)]}}}
		case u < 0.47:
			c.SecurityContext = &corev1.SecurityContext{ProcMount: ptr(corev1.UnmaskedProcMount)}
		case u < 0.55:
			c.Ports[0].HostPort = 8080
		}
	}
	return c
}
