package checks

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

const rbacGroup = "rbac.authorization.k8s.io"

// role is a Role or ClusterRole seen uniformly.
type role struct {
	meta  *metav1.ObjectMeta
	kind  string
	rules []rbacv1.PolicyRule
}

func (s *Snapshot) roles() []role {
	out := make([]role, 0, len(s.Inv.Roles)+len(s.Inv.ClusterRoles))
	for i := range s.Inv.ClusterRoles {
		r := &s.Inv.ClusterRoles[i]
		out = append(out, role{&r.ObjectMeta, "ClusterRole", r.Rules})
	}
	for i := range s.Inv.Roles {
		r := &s.Inv.Roles[i]
		out = append(out, role{&r.ObjectMeta, "Role", r.Rules})
	}
	return out
}

// builtinRole reports whether a role ships with Kubernetes (its rules are by design).
func builtinRole(r role) bool {
	if r.kind != "ClusterRole" {
		return false
	}
	switch r.meta.Name {
	case "cluster-admin", "admin", "edit", "view":
		return true
	}
	return strings.HasPrefix(r.meta.Name, "system:") || r.meta.Labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
}

func anyOf(have []string, want ...string) bool {
	for _, h := range have {
		if h == "*" {
			return true
		}
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// grants reports whether rule allows one of verbs on one of resources in the core group
// (or in any of groups when given).
func grants(rule rbacv1.PolicyRule, groups, resources, verbs []string) bool {
	if len(rule.NonResourceURLs) > 0 && len(rule.Resources) == 0 {
		return false
	}
	return anyOf(rule.APIGroups, groups...) && anyOf(rule.Resources, resources...) && anyOf(rule.Verbs, verbs...)
}

// roleRule builds a check over every non-built-in Role and ClusterRole: bad returns a
// description of the first offending rule, or "".
func roleRule(bad func(rbacv1.PolicyRule) string) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		rs := s.roles()
		out := make([]posture.Result, 0, len(rs))
		for _, r := range rs {
			a := kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, r.kind, r.meta)
			if builtinRole(r) {
				out = append(out, na("built-in role").result(ref(a), ""))
				continue
			}
			v := pass("no such rule")
			for i, rule := range r.rules {
				if why := bad(rule); why != "" {
					v = fail(why, "rule", fmt.Sprintf("%d", i), "apiGroups", strings.Join(rule.APIGroups, ","),
						"resources", strings.Join(rule.Resources, ","), "verbs", strings.Join(rule.Verbs, ","))
					break
				}
			}
			out = append(out, v.result(ref(a), ""))
		}
		return out
	}
}

// binding is a RoleBinding or ClusterRoleBinding seen uniformly.
type binding struct {
	meta     *metav1.ObjectMeta
	kind     string
	roleRef  rbacv1.RoleRef
	subjects []rbacv1.Subject
}

func (s *Snapshot) bindings() []binding {
	out := make([]binding, 0, len(s.Inv.RoleBindings)+len(s.Inv.ClusterRoleBindings))
	for i := range s.Inv.ClusterRoleBindings {
		b := &s.Inv.ClusterRoleBindings[i]
		out = append(out, binding{&b.ObjectMeta, "ClusterRoleBinding", b.RoleRef, b.Subjects})
	}
	for i := range s.Inv.RoleBindings {
		b := &s.Inv.RoleBindings[i]
		out = append(out, binding{&b.ObjectMeta, "RoleBinding", b.RoleRef, b.Subjects})
	}
	return out
}

var anonymousSubjects = map[string]bool{"system:anonymous": true, "system:unauthenticated": true, "system:authenticated": true}

// systemSubject reports whether a subject is a Kubernetes component (not a person or an
// application): system: users and groups, other than the anonymous/all-users groups, and
// ServiceAccounts in kube-system.
func systemSubject(sub rbacv1.Subject, bindingNS string) bool {
	if anonymousSubjects[sub.Name] {
		return false
	}
	if sub.Kind == rbacv1.ServiceAccountKind {
		ns := sub.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return ns == "kube-system"
	}
	return strings.HasPrefix(sub.Name, "system:")
}

func subjectText(sub rbacv1.Subject) string {
	if sub.Kind == rbacv1.ServiceAccountKind {
		return "ServiceAccount " + sub.Namespace + "/" + sub.Name
	}
	return sub.Kind + " " + sub.Name
}

const rbacExample = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web-reader, namespace: shop}
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [web-config]
  verbs: [get]
`

func rbacChecks() []*Check {
	core := []string{""}
	return []*Check{
		{
			ID: "k8s.rbac-cluster-admin", Title: "cluster-admin granted to a non-system subject",
			Description: "Binding cluster-admin to users, groups or application ServiceAccounts gives them unrestricted control of the cluster.",
			Severity:    posture.SeverityCritical, CSA: []string{"3.1.8.7"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.1", "Ensure that the cluster-admin role is only used where required"}, {"CSA Security Guidance v4", "8 (5)", ""}},
			Remediation: Remediation{Text: "Replace the binding with a Role or ClusterRole that grants only the needed verbs and resources.", Example: rbacExample},
			Eval: func(s *Snapshot) []posture.Result {
				var out []posture.Result
				for _, b := range s.bindings() {
					a := kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, b.kind, b.meta)
					if b.roleRef.Kind != "ClusterRole" || b.roleRef.Name != "cluster-admin" {
						out = append(out, pass("binding does not grant cluster-admin").result(ref(a), ""))
						continue
					}
					var who []string
					for _, sub := range b.subjects {
						if !systemSubject(sub, b.meta.Namespace) {
							who = append(who, subjectText(sub))
						}
					}
					v := pass("cluster-admin bound only to system subjects")
					if len(who) > 0 {
						v = fail("cluster-admin granted to "+strings.Join(who, ", "), "subjects", strings.Join(who, ","))
					}
					out = append(out, v.result(ref(a), ""))
				}
				return out
			},
		},
		{
			ID: "k8s.rbac-anonymous-access", Title: "Role granted to anonymous or all users",
			Description: "A binding names system:anonymous, system:unauthenticated or system:authenticated, granting its role to anyone who can reach the API server.",
			Severity:    posture.SeverityCritical, CSA: []string{"3.1.4.2", "3.1.5.2", "3.1.8.7"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.1", ""}, {NSA, "Authentication and authorization", "Disable anonymous access"}},
			Remediation: Remediation{Text: "Remove the anonymous/all-users subject; bind the role to specific groups or ServiceAccounts.", Example: "subjects:\n- kind: Group\n  name: shop-operators\n  apiGroup: rbac.authorization.k8s.io\n"},
			Eval: func(s *Snapshot) []posture.Result {
				var out []posture.Result
				for _, b := range s.bindings() {
					a := kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, b.kind, b.meta)
					if strings.HasPrefix(b.meta.Name, "system:") && strings.HasPrefix(b.roleRef.Name, "system:") {
						out = append(out, na("built-in binding").result(ref(a), ""))
						continue
					}
					v := pass("no anonymous or all-users subjects")
					for _, sub := range b.subjects {
						if anonymousSubjects[sub.Name] {
							v = fail(b.roleRef.Kind+" "+b.roleRef.Name+" granted to "+sub.Name, "subject", sub.Name, "roleRef", b.roleRef.Name)
							break
						}
					}
					out = append(out, v.result(ref(a), ""))
				}
				return out
			},
		},
		{
			ID: "k8s.rbac-wildcard", Title: "Role uses wildcards",
			Description: "A rule with * in apiGroups, resources or verbs grants everything that exists now and everything added later.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.8.7"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.3", "Minimize wildcard use in Roles and ClusterRoles"}},
			Remediation: Remediation{Text: "List the exact API groups, resources and verbs the subject needs.", Example: rbacExample},
			Eval: roleRule(func(r rbacv1.PolicyRule) string {
				for _, f := range [][]string{r.APIGroups, r.Resources, r.Verbs} {
					for _, v := range f {
						if v == "*" {
							return "rule uses a wildcard"
						}
					}
				}
				return ""
			}),
		},
		{
			ID: "k8s.rbac-secrets-read", Title: "Role can read Secrets",
			Description: "get, list or watch on secrets exposes every credential in scope; list and watch return the values of all Secrets at once.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.8.7", "3.1.10.3"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.2", "Minimize access to secrets"}},
			Remediation: Remediation{Text: "Remove secrets from the rule, or restrict it with resourceNames to the one Secret needed (get only).", Example: "rules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [web-tls]\n  verbs: [get]\n"},
			Eval: roleRule(func(r rbacv1.PolicyRule) string {
				if grants(r, core, []string{"secrets"}, []string{"get", "list", "watch"}) && (len(r.ResourceNames) == 0 || anyOf(r.Verbs, "list", "watch")) {
					return "rule can read secrets"
				}
				return ""
			}),
		},
		{
			ID: "k8s.rbac-pod-exec", Title: "Role can exec into pods",
			Description: "create (or get) on pods/exec or pods/attach lets the subject run commands inside any pod in scope, with that pod's identity and secrets.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.8.7"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.4", ""}},
			Remediation: Remediation{Text: "Remove pods/exec and pods/attach; use logs, metrics and ephemeral debug workflows with approval instead.", Example: rbacExample},
			Eval: roleRule(func(r rbacv1.PolicyRule) string {
				if grants(r, core, []string{"pods/exec", "pods/attach", "pods/*"}, []string{"create", "get"}) {
					return "rule allows exec/attach into pods"
				}
				return ""
			}),
		},
		{
			ID: "k8s.rbac-escalation-verbs", Title: "Role can escalate, bind or impersonate",
			Description: "escalate and bind on roles, or impersonate on users, groups and ServiceAccounts, let the subject grant itself any permission.",
			Severity:    posture.SeverityHigh, CSA: []string{"3.1.8.7"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions"}},
			Remediation: Remediation{Text: "Remove the escalate, bind and impersonate verbs.", Example: rbacExample},
			Eval: roleRule(func(r rbacv1.PolicyRule) string {
				if grants(r, []string{rbacGroup}, []string{"roles", "clusterroles", "rolebindings", "clusterrolebindings"}, []string{"escalate", "bind"}) {
					return "rule allows escalate/bind"
				}
				if grants(r, []string{"", "authentication.k8s.io"}, []string{"users", "groups", "serviceaccounts", "userextras", "uids"}, []string{"impersonate"}) {
					return "rule allows impersonation"
				}
				return ""
			}),
		},
		{
			ID: "k8s.default-service-account-bound", Title: "Default ServiceAccount has role bindings",
			Description: "Every pod that does not name a ServiceAccount runs as default; granting default any role grants it to all of them.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.8.7"}, Applies: posture.AssetRBAC,
			References:  []Reference{{CIS, "5.1.5", "Ensure that default service accounts are not actively used"}},
			Remediation: Remediation{Text: "Create a dedicated ServiceAccount per workload and bind roles to it instead of default.", Example: "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\nautomountServiceAccountToken: false\n"},
			Needs:       []string{kubeinv.KindRoleBinding, kubeinv.KindClusterRoleBinding},
			Eval: func(s *Snapshot) []posture.Result {
				boundBy := map[string][]string{}
				for _, b := range s.bindings() {
					for _, sub := range b.subjects {
						if sub.Kind == rbacv1.ServiceAccountKind && sub.Name == "default" {
							ns := sub.Namespace
							if ns == "" {
								ns = b.meta.Namespace
							}
							boundBy[ns] = append(boundBy[ns], b.kind+"/"+b.meta.Name)
						}
					}
				}
				out := make([]posture.Result, 0, len(s.Namespaces))
				for _, ns := range s.Namespaces {
					a := posture.Asset{Kind: posture.AssetRBAC, Key: kubeinv.AssetKey("", "ServiceAccount", ns, "default"),
						ParentKey: kubeinv.NamespaceKey(ns), Name: "default", Namespace: ns}
					v := pass("default ServiceAccount has no bindings")
					if bs := boundBy[ns]; len(bs) > 0 {
						// A binding in the scan is judged, wherever its namespace is defined.
						v = fail("default ServiceAccount is bound by "+strings.Join(bs, ", "), "bindings", strings.Join(bs, ","))
					} else if s.NotInScan(ns) {
						v = na(NotInScanMessage)
					}
					out = append(out, v.result(ref(a), ""))
				}
				return out
			},
		},
		{
			ID: "k8s.service-account-token-automount", Title: "ServiceAccount token mounted automatically",
			Description: "Pods get an API token mounted unless automountServiceAccountToken is false; most applications never call the API, and a stolen token is a foothold.",
			Severity:    posture.SeverityMedium, CSA: []string{"3.1.8.6", "3.1.8.7"}, Applies: posture.AssetWorkload,
			References:  []Reference{{CIS, "5.1.6", "Ensure that Service Account Tokens are only mounted where necessary"}},
			Remediation: Remediation{Text: "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it calls the Kubernetes API.", Example: "spec:\n  template:\n    spec:\n      automountServiceAccountToken: false\n"},
			Needs:       []string{kubeinv.KindServiceAccount},
			Eval: perWorkload(func(s *Snapshot, w *kubeinv.Workload) verdict {
				if v := w.PodSpec.AutomountServiceAccountToken; v != nil {
					if !*v {
						return pass("pod disables token automount")
					}
					return fail("pod sets automountServiceAccountToken: true", "automountServiceAccountToken", "true")
				}
				name := w.PodSpec.ServiceAccountName
				if name == "" {
					name = "default"
				}
				if sa := s.serviceAccts[w.Namespace+"/"+name]; sa != nil && isFalse(sa.AutomountServiceAccountToken) {
					return pass("ServiceAccount " + name + " disables token automount")
				}
				return fail("API token is mounted automatically", "serviceAccount", name)
			}),
		},
	}
}
