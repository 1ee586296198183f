package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// CustomCheckSpec is a check defined in configuration as a CEL expression. The
// expression sees the object as a map built from its JSON form and returns true when the
// object complies (like a ValidatingAdmissionPolicy) and false when it fails.
//
// Variables:
//   - object: the object (for scope "workload": the normalised workload, see below)
//   - workload: same as object, for scope "workload" only
//   - namespaceObject: the object's Namespace as a map ({} when unknown or cluster-scoped)
//
// A workload is {group, kind, metadata, podMetadata, spec (the PodSpec), replicas,
// schedule, volumeClaimTemplates}.
type CustomCheckSpec struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Severity    string      `json:"severity"`
	CSA         []string    `json:"csa"`
	References  []Reference `json:"references,omitempty"`
	Remediation Remediation `json:"remediation"`
	// Scope is what the expression is evaluated on: workload, namespace, service, ingress,
	// node, storageclass, role (Roles and ClusterRoles) or binding (RoleBindings and
	// ClusterRoleBindings).
	Scope string `json:"scope"`
	// Match, when set, must evaluate to true for the check to apply (else not applicable).
	Match string `json:"match,omitempty"`
	// Expression returns true when the object passes.
	Expression string `json:"expression"`
	// Message is used for failures; default "CEL expression is false".
	Message string `json:"message,omitempty"`
}

var scopeKinds = map[string]posture.AssetKind{
	"workload": posture.AssetWorkload, "namespace": posture.AssetNamespace, "service": posture.AssetService,
	"ingress": posture.AssetIngress, "node": posture.AssetNode, "storageclass": posture.AssetStorage,
	"role": posture.AssetRBAC, "binding": posture.AssetRBAC,
}

// celCostLimit bounds one evaluation (a runaway comprehension over a huge object stops).
const celCostLimit = 1_000_000

func celEnv() (*cel.Env, error) {
	dyn := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		cel.Variable("object", dyn),
		cel.Variable("workload", dyn),
		cel.Variable("namespaceObject", dyn),
		ext.Strings(),
		ext.Lists(),
	)
}

// CELError is a compile error in a custom check, with the position in the expression.
type CELError struct {
	CheckID string
	Field   string // "expression" or "match"
	Line    int    // 1-based
	Column  int    // 1-based
	Message string
}

func (e *CELError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("custom check %q: %s at line %d, column %d: %s", e.CheckID, e.Field, e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("custom check %q: %s: %s", e.CheckID, e.Field, e.Message)
}

// compileCEL compiles one expression; vars reports which of the environment's
// variables it reads.
func compileCEL(env *cel.Env, id, field, src string) (prg cel.Program, vars map[string]bool, err error) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		var errs []error
		for _, e := range iss.Errors() {
			errs = append(errs, &CELError{CheckID: id, Field: field, Line: e.Location.Line(), Column: e.Location.Column() + 1, Message: e.Message})
		}
		return nil, nil, errors.Join(errs...)
	}
	if !ast.OutputType().IsExactType(types.BoolType) && !ast.OutputType().IsExactType(types.DynType) {
		return nil, nil, &CELError{CheckID: id, Field: field, Message: "must evaluate to a bool, not " + ast.OutputType().String()}
	}
	prg, err = env.Program(ast, cel.CostLimit(celCostLimit), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, nil, &CELError{CheckID: id, Field: field, Message: err.Error()}
	}
	vars = map[string]bool{}
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name != "" && len(ref.OverloadIDs) == 0 {
			vars[ref.Name] = true
		}
	}
	return prg, vars, nil
}

// CompileCustomChecks turns specs into checks, compiling every expression now: any error
// names the check and the position. All problems are reported together.
func CompileCustomChecks(specs []CustomCheckSpec) ([]*Check, error) {
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("CEL environment: %w", err)
	}
	var out []*Check
	var errs []error
	for _, sp := range specs {
		ch, err := compileCustom(env, sp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, ch)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func compileCustom(env *cel.Env, sp CustomCheckSpec) (*Check, error) {
	sev, err := posture.ParseSeverity(sp.Severity)
	if err != nil {
		return nil, fmt.Errorf("custom check %q: %w", sp.ID, err)
	}
	kind, ok := scopeKinds[sp.Scope]
	if !ok {
		var scopes []string
		for s := range scopeKinds {
			scopes = append(scopes, s)
		}
		sort.Strings(scopes)
		return nil, fmt.Errorf("custom check %q: unknown scope %q (want one of %s)", sp.ID, sp.Scope, strings.Join(scopes, ", "))
	}
	if strings.TrimSpace(sp.Expression) == "" {
		return nil, fmt.Errorf("custom check %q: expression is empty", sp.ID)
	}
	prg, vars, err := compileCEL(env, sp.ID, "expression", sp.Expression)
	if err != nil {
		return nil, err
	}
	var match cel.Program
	if strings.TrimSpace(sp.Match) != "" {
		var mvars map[string]bool
		if match, mvars, err = compileCEL(env, sp.ID, "match", sp.Match); err != nil {
			return nil, err
		}
		for v := range mvars {
			vars[v] = true
		}
	}
	// A namespace-scoped check judges the Namespace object, and any check that reads
	// namespaceObject needs it too: without the Namespaces, both would judge an empty map.
	var needs []string
	if sp.Scope == "namespace" || vars["namespaceObject"] {
		needs = []string{kubeinv.KindNamespace}
	}
	msg := sp.Message
	if msg == "" {
		msg = "CEL expression is false"
	}
	ch := &Check{
		ID: sp.ID, Title: sp.Title, Description: sp.Description, Severity: sev, CSA: sp.CSA,
		References: sp.References, Remediation: sp.Remediation, Applies: kind, Custom: true,
		Needs: needs, Eval: celEval(sp.Scope, match, prg, msg),
	}
	if err := ch.Validate(); err != nil {
		return nil, fmt.Errorf("custom %w", err)
	}
	return ch, nil
}

// toMap turns a typed object into the map CEL sees (its JSON form).
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

func workloadMap(w *kubeinv.Workload) map[string]any {
	return toMap(struct {
		Group                string            `json:"group"`
		Kind                 string            `json:"kind"`
		Metadata             metav1.ObjectMeta `json:"metadata"`
		PodMetadata          metav1.ObjectMeta `json:"podMetadata"`
		Spec                 any               `json:"spec"`
		Replicas             *int32            `json:"replicas,omitempty"`
		Schedule             string            `json:"schedule,omitempty"`
		VolumeClaimTemplates any               `json:"volumeClaimTemplates,omitempty"`
	}{w.Group, w.Kind, w.ObjectMeta, w.PodMeta, w.PodSpec, w.Replicas, w.Schedule, w.VolumeClaimTemplates})
}

type celSubject struct {
	asset posture.Asset
	obj   func() map[string]any
	ns    string
}

func (s *Snapshot) celSubjects(scope string) []celSubject {
	var out []celSubject
	switch scope {
	case "workload":
		for i, w := range s.Workloads {
			w := w
			out = append(out, celSubject{s.workloadAssets[i], func() map[string]any { return workloadMap(w) }, w.Namespace})
		}
	case "namespace":
		for _, ns := range s.Namespaces {
			if s.NotInScan(ns) {
				continue // a manifest scan judges the namespaces it defines
			}
			n := s.nsObjects[ns]
			name := ns
			out = append(out, celSubject{s.NamespaceAsset(ns), func() map[string]any {
				if n == nil {
					return map[string]any{"metadata": map[string]any{"name": name}}
				}
				return toMap(n)
			}, ""})
		}
	case "service":
		for i := range s.Inv.Services {
			o := &s.Inv.Services[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetService, "", "Service", &o.ObjectMeta), func() map[string]any { return toMap(o) }, o.Namespace})
		}
	case "ingress":
		for i := range s.Inv.Ingresses {
			o := &s.Inv.Ingresses[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetIngress, "networking.k8s.io", "Ingress", &o.ObjectMeta), func() map[string]any { return toMap(o) }, o.Namespace})
		}
	case "node":
		for i := range s.Inv.Nodes {
			o := &s.Inv.Nodes[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetNode, "", "Node", &o.ObjectMeta), func() map[string]any { return toMap(o) }, ""})
		}
	case "storageclass":
		for i := range s.Inv.StorageClasses {
			o := &s.Inv.StorageClasses[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetStorage, "storage.k8s.io", "StorageClass", &o.ObjectMeta), func() map[string]any { return toMap(o) }, ""})
		}
	case "role":
		for i := range s.Inv.ClusterRoles {
			o := &s.Inv.ClusterRoles[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, "ClusterRole", &o.ObjectMeta), func() map[string]any { return toMap(o) }, ""})
		}
		for i := range s.Inv.Roles {
			o := &s.Inv.Roles[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, "Role", &o.ObjectMeta), func() map[string]any { return toMap(o) }, o.Namespace})
		}
	case "binding":
		for i := range s.Inv.ClusterRoleBindings {
			o := &s.Inv.ClusterRoleBindings[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, "ClusterRoleBinding", &o.ObjectMeta), func() map[string]any { return toMap(o) }, ""})
		}
		for i := range s.Inv.RoleBindings {
			o := &s.Inv.RoleBindings[i]
			out = append(out, celSubject{kubeinv.ObjectAsset(posture.AssetRBAC, rbacGroup, "RoleBinding", &o.ObjectMeta), func() map[string]any { return toMap(o) }, o.Namespace})
		}
	}
	return out
}

func celEval(scope string, match, prg cel.Program, failMsg string) EvalFunc {
	return func(s *Snapshot) []posture.Result {
		subjects := s.celSubjects(scope)
		objs := s.celMaps[scope]
		if objs == nil {
			// built once per scope and shared by every custom check of that scope;
			// CEL never modifies its inputs.
			objs = make([]map[string]any, len(subjects))
			for i, sub := range subjects {
				objs[i] = sub.obj()
			}
			s.celMaps[scope] = objs
		}
		out := make([]posture.Result, 0, len(subjects))
		nsMaps := map[string]map[string]any{}
		for i, sub := range subjects {
			nsMap, ok := nsMaps[sub.ns]
			if !ok {
				nsMap = map[string]any{}
				if n := s.nsObjects[sub.ns]; n != nil {
					nsMap = toMap(n)
				}
				nsMaps[sub.ns] = nsMap
			}
			obj := objs[i]
			vars := map[string]any{"object": obj, "workload": map[string]any{}, "namespaceObject": nsMap}
			if scope == "workload" {
				vars["workload"] = obj
			}
			out = append(out, celVerdict(match, prg, vars, failMsg).result(ref(sub.asset), ""))
		}
		return out
	}
}

func evalBool(prg cel.Program, vars map[string]any) (bool, error) {
	val, _, err := prg.ContextEval(context.Background(), vars)
	if err != nil {
		return false, err
	}
	b, ok := val.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression returned %v, not a bool", val.Type())
	}
	return b, nil
}

// celVerdict: an evaluation error (e.g. a missing key without has()) is not applicable,
// with the error as evidence, so that a broken rule is visible but does not raise findings.
func celVerdict(match, prg cel.Program, vars map[string]any, failMsg string) verdict {
	if match != nil {
		ok, err := evalBool(match, vars)
		if err != nil {
			return verdict{status: posture.NotApplicable, message: "match expression error", evidence: map[string]string{"error": err.Error()}}
		}
		if !ok {
			return na("match expression is false")
		}
	}
	ok, err := evalBool(prg, vars)
	if err != nil {
		return verdict{status: posture.NotApplicable, message: "expression error", evidence: map[string]string{"error": err.Error()}}
	}
	if ok {
		return pass("CEL expression is true")
	}
	return fail(failMsg)
}
