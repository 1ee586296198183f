package checks

import (
	"path"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Effective security settings: the container's value wins over the pod's.

func sc(c kubeinv.ContainerRef) *corev1.SecurityContext {
	if c.SecurityContext == nil {
		return &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

func psc(w *kubeinv.Workload) *corev1.PodSecurityContext {
	if w.PodSpec.SecurityContext == nil {
		return &corev1.PodSecurityContext{}
	}
	return w.PodSpec.SecurityContext
}

func runAsNonRoot(w *kubeinv.Workload, c kubeinv.ContainerRef) *bool {
	if v := sc(c).RunAsNonRoot; v != nil {
		return v
	}
	return psc(w).RunAsNonRoot
}

func runAsUser(w *kubeinv.Workload, c kubeinv.ContainerRef) *int64 {
	if v := sc(c).RunAsUser; v != nil {
		return v
	}
	return psc(w).RunAsUser
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func hasCap(list []corev1.Capability, name string) bool {
	for _, c := range list {
		if strings.EqualFold(strings.TrimPrefix(strings.ToUpper(string(c)), "CAP_"), name) {
			return true
		}
	}
	return false
}

// dangerousCaps are capabilities outside the Pod Security Standards baseline set that
// give a container a path to the host or to other containers.
var dangerousCaps = []string{"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "SYS_TIME",
	"DAC_READ_SEARCH", "BPF", "PERFMON", "NET_RAW", "SYSLOG", "MAC_ADMIN", "MAC_OVERRIDE", "LINUX_IMMUTABLE", "SYS_RESOURCE", "IPC_LOCK", "MKNOD", "AUDIT_CONTROL"}

// sensitiveHostPaths must never be mounted into a container (CSA 3.1.2.4).
var sensitiveHostPaths = []string{"/", "/proc", "/sys", "/etc", "/dev", "/boot", "/root", "/var/run", "/run", "/var/lib/kubelet",
	"/var/lib/docker", "/var/lib/containerd", "/etc/kubernetes", "/var/run/docker.sock", "/run/containerd/containerd.sock",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/containerd/containerd.sock", "/run/docker.sock"}

func isSensitiveHostPath(p string) bool {
	clean := path.Clean("/" + p)
	if strings.HasSuffix(clean, ".sock") {
		return true
	}
	for _, s := range sensitiveHostPaths {
		if clean == s {
			return true
		}
		// /etc/foo, /proc/1 and /var/run/x are inside a sensitive tree; "/" only matches itself.
		if s != "/" && strings.HasPrefix(clean, s+"/") && s != "/var/run" && s != "/run" {
			return true
		}
	}
	return false
}

// safeSysctls is the Pod Security Standards baseline allowlist.
var safeSysctls = map[string]bool{
	"kernel.shm_rmid_forced": true, "net.ipv4.ip_local_port_range": true, "net.ipv4.ip_unprivileged_port_start": true,
	"net.ipv4.tcp_syncookies": true, "net.ipv4.ping_group_range": true, "net.ipv4.ip_local_reserved_ports": true,
	"net.ipv4.tcp_keepalive_time": true, "net.ipv4.tcp_fin_timeout": true, "net.ipv4.tcp_keepalive_intvl": true,
	"net.ipv4.tcp_keepalive_probes": true,
}

func seccompOK(p *corev1.SeccompProfile) (ok, set bool) {
	if p == nil {
		return false, false
	}
	return p.Type == corev1.SeccompProfileTypeRuntimeDefault || p.Type == corev1.SeccompProfileTypeLocalhost, true
}

func appArmorUnconfined(w *kubeinv.Workload, c kubeinv.ContainerRef) bool {
	if p := sc(c).AppArmorProfile; p != nil {
		return p.Type == corev1.AppArmorProfileTypeUnconfined
	}
	if v, ok := w.PodMeta.Annotations["container.apparmor.security.beta.kubernetes.io/"+c.Name]; ok {
		return v == "unconfined"
	}
	if p := psc(w).AppArmorProfile; p != nil {
		return p.Type == corev1.AppArmorProfileTypeUnconfined
	}
	return false
}

func hostAccess(w *kubeinv.Workload) []string {
	var why []string
	if w.PodSpec.HostNetwork {
		why = append(why, "hostNetwork")
	}
	if w.PodSpec.HostPID {
		why = append(why, "hostPID")
	}
	if w.PodSpec.HostIPC {
		why = append(why, "hostIPC")
	}
	for _, v := range w.PodSpec.Volumes {
		if v.HostPath != nil {
			why = append(why, "hostPath "+v.HostPath.Path)
		}
	}
	for _, c := range w.Containers() {
		if isTrue(sc(c).Privileged) {
			why = append(why, "privileged container "+c.Name)
		}
	}
	return why
}

const secCtxExample = `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        securityContext:
          privileged: false
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
`

func runtimeChecks() []*Check {
	return []*Check{
		{
			ID: "k8s.privileged-container", Title: "Container runs privileged",
			Description: "A privileged container has every capability and full access to the host's devices: escaping to the node is trivial.",
			Severity:    posture.SeverityCritical, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.2", "Minimize the admission of privileged containers"}, {PSS, "baseline", "Privileged Containers"}, {NSA, "Pod security", "Non-root, unprivileged containers"}},
			Remediation: Remediation{Text: "Remove securityContext.privileged or set it to false; grant only the specific capability the workload needs.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if isTrue(sc(c).Privileged) {
					return fail("container runs privileged", "securityContext.privileged", "true")
				}
				return pass("container is not privileged")
			}),
		},
		{
			ID: "k8s.run-as-non-root", Title: "Container may run as root",
			Description: "Neither runAsNonRoot: true nor a non-zero runAsUser is set, so the container runs as whatever user the image names, often root.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.7", "Minimize the admission of root containers"}, {PSS, "restricted", "Running as Non-root"}},
			Remediation: Remediation{Text: "Set runAsNonRoot: true (pod or container securityContext) and a non-zero runAsUser; build the image with a non-root USER.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if u := runAsUser(w, c); u != nil && *u > 0 {
					return pass("runAsUser is non-zero")
				}
				if isTrue(runAsNonRoot(w, c)) {
					return pass("runAsNonRoot is true")
				}
				return fail("runAsNonRoot is not true and no non-zero runAsUser is set", "securityContext.runAsNonRoot", boolText(runAsNonRoot(w, c)))
			}),
		},
		{
			ID: "k8s.run-as-root-user", Title: "Container runs as UID 0",
			Description: "runAsUser: 0 explicitly runs the container as root.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.7", ""}, {PSS, "restricted", "Running as Non-root user"}},
			Remediation: Remediation{Text: "Set runAsUser to a non-zero UID that the image supports.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if u := runAsUser(w, c); u != nil && *u == 0 {
					return fail("runAsUser is 0 (root)", "securityContext.runAsUser", "0")
				}
				return pass("runAsUser is not 0")
			}),
		},
		{
			ID: "k8s.allow-privilege-escalation", Title: "Privilege escalation allowed",
			Description: "Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent (setuid binaries, file capabilities).",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"}, {PSS, "restricted", "Privilege Escalation"}},
			Remediation: Remediation{Text: "Set securityContext.allowPrivilegeEscalation: false on every container.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if isFalse(sc(c).AllowPrivilegeEscalation) && !isTrue(sc(c).Privileged) {
					return pass("allowPrivilegeEscalation is false")
				}
				return fail("allowPrivilegeEscalation is not false", "securityContext.allowPrivilegeEscalation", boolText(sc(c).AllowPrivilegeEscalation))
			}),
		},
		{
			ID: "k8s.capabilities-drop-all", Title: "Capabilities not dropped",
			Description: "The container keeps the runtime's default capability set instead of dropping ALL and adding back only what it needs.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.5"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.9", "Minimize the admission of containers with capabilities assigned"}, {PSS, "restricted", "Capabilities"}},
			Remediation: Remediation{Text: "Set securityContext.capabilities.drop: [ALL] and add back specific capabilities (e.g. NET_BIND_SERVICE) only if needed.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if caps := sc(c).Capabilities; caps != nil && hasCap(caps.Drop, "ALL") {
					return pass("all capabilities dropped")
				}
				return fail("capabilities.drop does not contain ALL")
			}),
		},
		{
			ID: "k8s.dangerous-capabilities", Title: "Dangerous capability added",
			Description: "The container adds a capability (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ...) that allows escaping isolation or attacking other workloads.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.5"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.8", "Minimize the admission of containers with added capabilities"}, {PSS, "baseline", "Capabilities"}},
			Remediation: Remediation{Text: "Remove the capability from capabilities.add; redesign the workload so it does not need it.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				caps := sc(c).Capabilities
				if caps == nil {
					return pass("no capabilities added")
				}
				var bad []string
				for _, d := range dangerousCaps {
					if hasCap(caps.Add, d) {
						bad = append(bad, d)
					}
				}
				if len(bad) > 0 {
					return fail("dangerous capabilities added: "+strings.Join(bad, ", "), "capabilities.add", strings.Join(bad, ","))
				}
				return pass("no dangerous capabilities added")
			}),
		},
		hostNamespaceCheck("k8s.host-pid", "hostPID", "Pod shares the host's PID namespace", "5.2.3", func(p *corev1.PodSpec) bool { return p.HostPID }),
		hostNamespaceCheck("k8s.host-ipc", "hostIPC", "Pod shares the host's IPC namespace", "5.2.4", func(p *corev1.PodSpec) bool { return p.HostIPC }),
		hostNamespaceCheck("k8s.host-network", "hostNetwork", "Pod uses the host's network namespace", "5.2.5", func(p *corev1.PodSpec) bool { return p.HostNetwork }),
		{
			ID: "k8s.host-port", Title: "Container binds a host port",
			Description: "hostPort exposes the container directly on the node's network interface, bypassing Services and NetworkPolicies.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.3", "3.1.5.4"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.13", "Minimize the admission of containers which use HostPorts"}, {PSS, "baseline", "Host Ports"}},
			Remediation: Remediation{Text: "Remove hostPort and expose the port through a Service.", Example: "ports:\n- containerPort: 8080\n  # no hostPort\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				for _, p := range c.Ports {
					if p.HostPort != 0 {
						return fail("container binds host port "+strconv.Itoa(int(p.HostPort)), "hostPort", strconv.Itoa(int(p.HostPort)))
					}
				}
				return pass("no host ports")
			}),
		},
		{
			ID: "k8s.sensitive-host-path", Title: "Sensitive host path mounted",
			Description: "A hostPath volume mounts a runtime socket or a system directory (/, /proc, /sys, /etc, /var/lib/kubelet, ...): this hands the container control of the node.",
			Severity:    posture.SeverityCritical, CSA: []string{"3.1.2.4", "3.1.9.1"}, Applies: posture.AssetWorkload,
			References:  []Reference{{PSS, "baseline", "HostPath Volumes"}, {NSA, "Pod security", ""}},
			Remediation: Remediation{Text: "Remove the hostPath volume; use a PersistentVolumeClaim, ConfigMap, or the Kubernetes API instead of the node's files or sockets.", Example: "volumes:\n- name: data\n  persistentVolumeClaim: {claimName: data}\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				var bad []string
				for _, v := range w.PodSpec.Volumes {
					if v.HostPath != nil && isSensitiveHostPath(v.HostPath.Path) {
						bad = append(bad, v.HostPath.Path)
					}
				}
				if len(bad) > 0 {
					return fail("sensitive host paths mounted: "+strings.Join(bad, ", "), "hostPath", strings.Join(bad, ","))
				}
				return pass("no sensitive host paths")
			}),
		},
		{
			ID: "k8s.host-path-volume", Title: "hostPath volume used",
			Description: "Any hostPath volume ties the workload to a node and shares the node's file system with the container.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.9.1"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.2.12", "Minimize the admission of HostPath volumes"}, {PSS, "baseline", "HostPath Volumes"}},
			Remediation: Remediation{Text: "Replace hostPath with a PersistentVolumeClaim or emptyDir.", Example: "volumes:\n- name: cache\n  emptyDir: {}\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				var paths []string
				for _, v := range w.PodSpec.Volumes {
					if v.HostPath != nil {
						paths = append(paths, v.HostPath.Path)
					}
				}
				if len(paths) > 0 {
					return fail("hostPath volumes: "+strings.Join(paths, ", "), "hostPath", strings.Join(paths, ","))
				}
				return pass("no hostPath volumes")
			}),
		},
		{
			ID: "k8s.proc-mount-unmasked", Title: "Unmasked /proc",
			Description: "procMount: Unmasked exposes the host's /proc paths that the runtime normally masks.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.4"}, Applies: posture.AssetWorkload,
			References:  []Reference{{PSS, "baseline", "/proc Mount Type"}},
			Remediation: Remediation{Text: "Remove procMount or set it to Default.", Example: "securityContext:\n  procMount: Default\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if pm := sc(c).ProcMount; pm != nil && *pm == corev1.UnmaskedProcMount {
					return fail("procMount is Unmasked", "securityContext.procMount", "Unmasked")
				}
				return pass("procMount is Default")
			}),
		},
		{
			ID: "k8s.seccomp-profile", Title: "No seccomp profile",
			Description: "Without a RuntimeDefault or Localhost seccomp profile the container can call every system call the kernel offers.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.5"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.7.2", "Ensure that the seccomp profile is set to docker/default in your pod definitions"}, {PSS, "restricted", "Seccomp"}},
			Remediation: Remediation{Text: "Set securityContext.seccompProfile.type: RuntimeDefault at pod level.", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				ok, set := seccompOK(sc(c).SeccompProfile)
				if !set {
					ok, set = seccompOK(psc(w).SeccompProfile)
				}
				if ok {
					return pass("seccomp profile is RuntimeDefault or Localhost")
				}
				if set {
					return fail("seccomp profile is Unconfined", "seccompProfile.type", "Unconfined")
				}
				return fail("no seccomp profile set")
			}),
		},
		{
			ID: "k8s.apparmor-unconfined", Title: "AppArmor disabled",
			Description: "The container's AppArmor profile is set to unconfined, removing the mandatory access control the runtime applies by default.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.2.5"}, Applies: posture.AssetWorkload,
			References:  []Reference{{PSS, "baseline", "AppArmor"}, {CIS, "5.7.2", ""}},
			Remediation: Remediation{Text: "Remove the Unconfined profile; use RuntimeDefault or a Localhost profile.", Example: "securityContext:\n  appArmorProfile: {type: RuntimeDefault}\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if appArmorUnconfined(w, c) {
					return fail("AppArmor profile is unconfined", "appArmorProfile", "Unconfined")
				}
				return pass("AppArmor is not disabled")
			}),
		},
		{
			ID: "k8s.readonly-root-filesystem", Title: "Writable root file system",
			Description: "A writable root file system lets an attacker modify binaries and configuration at run time; a read-only one makes drift visible and persistence harder.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.8.8"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Pod security", "Immutable container file systems"}},
			Remediation: Remediation{Text: "Set readOnlyRootFilesystem: true and mount an emptyDir for paths the application writes to (e.g. /tmp).", Example: secCtxExample},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if isTrue(sc(c).ReadOnlyRootFilesystem) {
					return pass("root file system is read-only")
				}
				return fail("readOnlyRootFilesystem is not true")
			}),
		},
		{
			ID: "k8s.unsafe-sysctls", Title: "Unsafe sysctls set",
			Description: "The pod sets kernel parameters outside the namespaced safe set; they can affect the node and every other pod on it.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{PSS, "baseline", "Sysctls"}},
			Remediation: Remediation{Text: "Remove sysctls that are not in the safe set, or tune them on dedicated nodes.", Example: "securityContext:\n  sysctls:\n  - {name: net.ipv4.ip_local_port_range, value: \"32768 60999\"}\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				var bad []string
				for _, sy := range psc(w).Sysctls {
					if !safeSysctls[sy.Name] {
						bad = append(bad, sy.Name)
					}
				}
				if len(bad) > 0 {
					sort.Strings(bad)
					return fail("unsafe sysctls: "+strings.Join(bad, ", "), "sysctls", strings.Join(bad, ","))
				}
				return pass("no unsafe sysctls")
			}),
		},
		{
			ID: "k8s.windows-host-process", Title: "Windows HostProcess container",
			Description: "A Windows HostProcess container runs directly on the host with the host's privileges.",
			Severity:    posture.SeverityCritical, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{PSS, "baseline", "HostProcess"}},
			Remediation: Remediation{Text: "Remove windowsOptions.hostProcess.", Example: "securityContext:\n  windowsOptions: {hostProcess: false}\n"},
			Eval: perContainer(func(s *Snapshot, w *kubeinv.Workload, c kubeinv.ContainerRef) verdict {
				if o := sc(c).WindowsOptions; o != nil && isTrue(o.HostProcess) {
					return fail("container is a Windows HostProcess container")
				}
				if o := psc(w).WindowsOptions; o != nil && isTrue(o.HostProcess) {
					return fail("pod is a Windows HostProcess pod")
				}
				return pass("not a HostProcess container")
			}),
		},
		{
			ID: "k8s.monitoring-agent-host-access", Title: "Monitoring or logging agent with host access",
			Description: "A monitoring or logging agent (by namespace or known image) runs privileged or reaches into the host (hostPath, hostPID, hostNetwork, hostIPC). Agents are a favoured target: give them only what they read.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.3.3"}, Applies: posture.AssetWorkload,
			References:  []Reference{{NSA, "Logging", ""}},
			Remediation: Remediation{Text: "Run the agent unprivileged; mount only the specific log directories read-only (e.g. /var/log/pods) instead of / or runtime sockets; avoid host namespaces.", Example: "volumes:\n- name: pods\n  hostPath: {path: /var/log/pods, type: Directory}\ncontainers:\n- name: agent\n  volumeMounts: [{name: pods, mountPath: /var/log/pods, readOnly: true}]\n  securityContext: {privileged: false, allowPrivilegeEscalation: false}\n"},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if !isMonitoring(s, w) {
					return na("not a monitoring or logging agent")
				}
				var why []string
				for _, h := range hostAccess(w) {
					if strings.HasPrefix(h, "hostPath ") && !isSensitiveHostPath(strings.TrimPrefix(h, "hostPath ")) && readOnlyMounts(w, h) {
						continue // read-only mount of a non-sensitive log path is what agents need
					}
					why = append(why, h)
				}
				if len(why) > 0 {
					return fail("monitoring agent has host access: "+strings.Join(why, ", "), "hostAccess", strings.Join(why, ","))
				}
				return pass("monitoring agent has no privileged host access")
			}),
		},
	}
}

func readOnlyMounts(w *kubeinv.Workload, hostPathDesc string) bool {
	p := strings.TrimPrefix(hostPathDesc, "hostPath ")
	var vol string
	for _, v := range w.PodSpec.Volumes {
		if v.HostPath != nil && v.HostPath.Path == p {
			vol = v.Name
		}
	}
	for _, c := range w.Containers() {
		for _, m := range c.VolumeMounts {
			if m.Name == vol && !m.ReadOnly {
				return false
			}
		}
	}
	return true
}

func isMonitoring(s *Snapshot, w *kubeinv.Workload) bool {
	for _, ns := range s.Config.MonitoringNamespaces {
		if w.Namespace == ns {
			return true
		}
	}
	for _, c := range w.Containers() {
		if imageMatches(c.Image, s.Config.MonitoringAgentImages) {
			return true
		}
	}
	return false
}

func boolText(b *bool) string {
	if b == nil {
		return "unset"
	}
	return strconv.FormatBool(*b)
}

func hostNamespaceCheck(id, field, title, cis string, get func(*corev1.PodSpec) bool) *Check {
	return &Check{
		ID: id, Title: title,
		Description: "Sharing a host namespace (" + field + ") removes a layer of isolation between the pod and the node and everything else running on it.",
		Severity:    posture.SeverityHigh, CSA: []string{"3.1.2.3"}, Applies: posture.AssetWorkload,
		References:  []Reference{{CIS, cis, ""}, {PSS, "baseline", "Host Namespaces"}},
		Remediation: Remediation{Text: "Remove " + field + ": true from the pod spec.", Example: "spec:\n  template:\n    spec:\n      " + field + ": false\n"},
		Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
			if get(&w.PodSpec) {
				return fail(field+" is true", field, "true")
			}
			return pass(field + " is false")
		}),
	}
}
