package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

func loadInv(t *testing.T, yaml string) *kubeinv.Inventory {
	t.Helper()
	res := manifests.NewResult()
	manifests.DecodeBytes([]byte(yaml), "inline.yaml", manifests.Options{}, res)
	if len(res.Errors) > 0 {
		t.Fatalf("load: %v", res.Errors)
	}
	return res.Inventory
}

func spec(id, scope, expr string) CustomCheckSpec {
	return CustomCheckSpec{
		ID: id, Title: "t", Description: "d", Severity: "high", CSA: []string{"3.1.14.1"}, Scope: scope,
		Remediation: Remediation{Text: "fix it", Example: "a: b\n"}, Expression: expr,
	}
}

const celInv = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: good, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: c, image: x, resources: {limits: {memory: 1Gi}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
`

func statusByKey(results []posture.Result) map[string]posture.ResultStatus {
	m := map[string]posture.ResultStatus{}
	for _, r := range results {
		m[r.Asset.Key] = r.Status
	}
	return m
}

func TestCustomChecksEvaluate(t *testing.T) {
	tests := []struct {
		name  string
		spec  CustomCheckSpec
		want  map[string]posture.ResultStatus
		needs []string // a check that reads the Namespace object needs it
	}{
		{
			name: "workload limits",
			spec: spec("custom.memory-limit", "workload", `workload.spec.containers.all(c, has(c.resources.limits) && "memory" in c.resources.limits)`),
			want: map[string]posture.ResultStatus{"apps/Deployment/shop/good": posture.Pass, "apps/Deployment/shop/bad": posture.Fail},
		},
		{
			name: "namespace labels via namespaceObject and match",
			spec: func() CustomCheckSpec {
				s := spec("custom.team-label", "workload", `namespaceObject.metadata.labels.team == "a"`)
				s.Match = `workload.metadata.name == "good"`
				return s
			}(),
			want:  map[string]posture.ResultStatus{"apps/Deployment/shop/good": posture.Pass, "apps/Deployment/shop/bad": posture.NotApplicable},
			needs: []string{kubeinv.KindNamespace},
		},
		{
			name: "namespaceObject in the match expression only",
			spec: func() CustomCheckSpec {
				s := spec("custom.team-match", "workload", `workload.metadata.name == "good"`)
				s.Match = `has(namespaceObject.metadata) && namespaceObject.metadata.name == "shop"`
				return s
			}(),
			want:  map[string]posture.ResultStatus{"apps/Deployment/shop/good": posture.Pass, "apps/Deployment/shop/bad": posture.Fail},
			needs: []string{kubeinv.KindNamespace},
		},
		{
			name:  "namespace scope",
			spec:  spec("custom.ns-team", "namespace", `has(object.metadata.labels) && "team" in object.metadata.labels`),
			want:  map[string]posture.ResultStatus{"core/Namespace/shop": posture.Pass, "core/Namespace/other": posture.Fail},
			needs: []string{kubeinv.KindNamespace},
		},
		{
			name: "runtime error is not applicable, not a pass or a finding",
			spec: spec("custom.missing-key", "workload", `workload.metadata.labels.app == "x"`),
			want: map[string]posture.ResultStatus{"apps/Deployment/shop/good": posture.NotApplicable, "apps/Deployment/shop/bad": posture.NotApplicable},
		},
	}
	inv := loadInv(t, celInv)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chs, err := CompileCustomChecks([]CustomCheckSpec{tc.spec})
			if err != nil {
				t.Fatal(err)
			}
			cat, err := Builtin().With(chs...)
			if err != nil {
				t.Fatal(err)
			}
			ch, _ := cat.Get(tc.spec.ID)
			if !ch.Custom || ch.Severity != posture.SeverityHigh {
				t.Errorf("metadata not carried: %+v", ch)
			}
			if fmt.Sprint(ch.Needs) != fmt.Sprint(tc.needs) {
				t.Errorf("Needs = %v, want %v", ch.Needs, tc.needs)
			}
			got := statusByKey(RunCheck(ch, NewSnapshot(inv, Config{})))
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], want, got)
				}
			}
			partial := inv.Without()
			partial.MarkMissing(kubeinv.KindNamespace)
			for _, r := range RunCheck(ch, NewSnapshot(partial, Config{})) {
				if len(tc.needs) > 0 && r.Status != posture.NotApplicable {
					t.Errorf("Namespaces missing: %s = %q, want not_applicable", r.Asset.Key, r.Status)
				}
				if len(tc.needs) == 0 && r.Status != tc.want[r.Asset.Key] {
					t.Errorf("Namespaces missing: %s = %q, want %q as before (the check does not read them)", r.Asset.Key, r.Status, tc.want[r.Asset.Key])
				}
			}
		})
	}
}

func TestCustomCheckErrors(t *testing.T) {
	tests := []struct {
		name string
		spec CustomCheckSpec
		want string
	}{
		{"syntax error with position", spec("custom.syntax", "workload", "workload.spec.containers.all(c,\n  c.image.startsWith('x') &&)"), `custom check "custom.syntax": expression at line 2, column 29: `},
		{"undeclared reference", spec("custom.undeclared", "workload", "pod.spec == 1"), `custom check "custom.undeclared": expression at line 1, column 1: undeclared reference to 'pod'`},
		{"not a bool", spec("custom.int", "workload", "1 + 2"), `custom check "custom.int": expression: must evaluate to a bool, not int`},
		{"bad match", func() CustomCheckSpec { s := spec("custom.match", "workload", "true"); s.Match = "'a' +"; return s }(), `custom check "custom.match": match at line 1`},
		{"unknown scope", spec("custom.scope", "configmap", "true"), `custom check "custom.scope": unknown scope "configmap"`},
		{"empty expression", spec("custom.empty", "workload", " "), `custom check "custom.empty": expression is empty`},
		{"bad severity", func() CustomCheckSpec { s := spec("custom.sev", "workload", "true"); s.Severity = "urgent"; return s }(), `custom check "custom.sev": invalid: unknown severity "urgent"`},
		{"attest CSA", func() CustomCheckSpec {
			s := spec("custom.attest", "workload", "true")
			s.CSA = []string{"3.1.7.1"}
			return s
		}(), `CSA 3.1.7.1 is attest-only`},
		{"no CSA", func() CustomCheckSpec { s := spec("custom.nocsa", "workload", "true"); s.CSA = nil; return s }(), `check "custom.nocsa": no CSA IDs`},
		{"no remediation", func() CustomCheckSpec {
			s := spec("custom.norem", "workload", "true")
			s.Remediation = Remediation{}
			return s
		}(), `no remediation text`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompileCustomChecks([]CustomCheckSpec{tc.spec})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCustomCheckCannotShadowBuiltin(t *testing.T) {
	chs, err := CompileCustomChecks([]CustomCheckSpec{spec("k8s.privileged-container", "workload", "true")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Builtin().With(chs...); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Fatalf("err = %v", err)
	}
}

func TestCustomCheckCostIsBounded(t *testing.T) {
	var env strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&env, "{name: V%d, value: x},", i)
	}
	inv := loadInv(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, env: ["+env.String()+"]}]}\n")
	chs, err := CompileCustomChecks([]CustomCheckSpec{spec("custom.quadratic", "workload",
		`workload.spec.containers[0].env.all(a, workload.spec.containers[0].env.all(b, a.name != "" && b.name != ""))`)})
	if err != nil {
		t.Fatal(err)
	}
	rs := RunCheck(chs[0], NewSnapshot(inv, Config{}))
	if len(rs) != 1 || rs[0].Status != posture.NotApplicable || !strings.Contains(rs[0].Evidence["error"], "cost") {
		t.Fatalf("results = %+v", rs)
	}
}
