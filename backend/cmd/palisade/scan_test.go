package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const good, bad, broken = "testdata/scan/good", "testdata/scan/bad", "testdata/scan/broken.yaml"

func TestScanExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"clean manifests", []string{"scan", "-p", good, "--fail-on", "low", "-q"}, 0},
		{"findings without --fail-on", []string{"scan", "-p", bad, "-q"}, 0},
		{"finding at threshold", []string{"scan", "-p", bad, "--fail-on", "critical", "-q"}, 1},
		{"finding above threshold", []string{"scan", "-p", bad, "--fail-on", "medium", "-q"}, 1},
		{"unreadable input", []string{"scan", "-p", good, "-p", broken, "-q"}, 2},
		{"missing path", []string{"scan", "-p", "testdata/scan/nope", "-q"}, 2},
		{"no input", []string{"scan"}, 2},
		{"bad format", []string{"scan", "-p", good, "-o", "xml"}, 2},
		{"bad threshold", []string{"scan", "-p", good, "--fail-on", "info"}, 2},
		{"path and cluster", []string{"scan", "-p", good, "--kubeconfig", "x"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := palisade(t, nil, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
		})
	}
}

func scanJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := palisade(t, nil, append([]string{"scan", "-o", "json", "-q"}, args...)...)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("scan JSON (exit %d): %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	return out
}

func TestScanJSONShape(t *testing.T) {
	out := scanJSON(t, "-p", bad, "-p", broken)
	score := out["score"].(map[string]any)
	if _, ok := score["overall"].(float64); !ok {
		t.Fatalf("score.overall = %v", score["overall"])
	}
	areas := score["areas"].(map[string]any)
	if _, ok := areas["3.1.2"]; !ok {
		t.Fatalf("score.areas lacks 3.1.2: %v", areas)
	}
	var privileged map[string]any
	for _, f := range out["findings"].([]any) {
		m := f.(map[string]any)
		if m["check_id"] == "k8s.privileged-container" {
			privileged = m
		}
	}
	if privileged == nil {
		t.Fatal("no privileged-container finding")
	}
	res := privileged["resource"].(map[string]any)
	if res["kind"] != "Deployment" || res["namespace"] != "shop" || res["name"] != "web" || privileged["container"] != "web" {
		t.Errorf("finding resource = %v container %v", res, privileged["container"])
	}
	if csa := privileged["csa"].([]any); len(csa) == 0 || csa[0] != "3.1.2.3" {
		t.Errorf("csa = %v", csa)
	}
	if privileged["severity"] != "critical" || privileged["remediation"] == "" || privileged["message"] == "" {
		t.Errorf("finding = %v", privileged)
	}
	errs := out["errors"].([]any)
	if len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["source"].(string), "broken.yaml") {
		t.Errorf("errors = %v", errs)
	}
}

func TestScanNeverPrintsSecretValues(t *testing.T) {
	for _, format := range []string{"table", "json", "sarif", "csv"} {
		r := palisade(t, nil, "scan", "-p", bad, "-o", format)
		if strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Fatalf("%s output contains the secret literal", format)
		}
	}
}

func TestScanCleanManifestsScore100(t *testing.T) {
	out := scanJSON(t, "-p", good)
	if sc := out["score"].(map[string]any); sc["overall"] != 100.0 || sc["risk"] != 0.0 {
		t.Fatalf("good manifests: compliance %v, risk %v, want 100 and 0; findings: %v", sc["overall"], sc["risk"], out["findings"])
	}
}

func TestScanStdinAndOutputFile(t *testing.T) {
	data, err := os.ReadFile(bad + "/web.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir() + "/report.sarif"
	var r result
	{
		e := env{stdin: strings.NewReader(string(data)), stdout: &strings.Builder{}, stderr: &strings.Builder{}}
		code := run(t.Context(), []string{"scan", "-p", "-", "-o", "sarif", "--output-file", dest}, e)
		r = result{code: code, stdout: e.stdout.(*strings.Builder).String(), stderr: e.stderr.(*strings.Builder).String()}
	}
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []any `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs[0].Results) == 0 {
		t.Fatalf("SARIF file: %v %+v", err, sarif)
	}
}

func TestScanCustomCELCheck(t *testing.T) {
	cfg := t.TempDir() + "/palisade.yaml"
	err := os.WriteFile(cfg, []byte(`checks:
  custom:
    - id: acme.team-label
      title: Workloads carry a team label
      description: Every workload names its team.
      severity: high
      csa: ["3.1.2.1"]
      scope: workload
      expression: has(workload.metadata.labels) && "team" in workload.metadata.labels
      remediation: {text: Add a team label., example: "metadata: {labels: {team: shop}}"}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	r := palisade(t, nil, "-c", cfg, "scan", "-p", bad, "-o", "json", "--fail-on", "high", "-q")
	if r.code != 1 || !strings.Contains(r.stdout, "acme.team-label") {
		t.Fatalf("custom check: exit %d, stderr %s", r.code, r.stderr)
	}
	// A CEL error names the check and the position.
	if err := os.WriteFile(cfg, []byte("checks:\n  custom:\n    - {id: acme.broken, title: t, description: d, severity: low, csa: [\"3.1.2.1\"], scope: workload, expression: \"workload.metadata.name ==\", remediation: {text: x, example: y}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = palisade(t, nil, "-c", cfg, "scan", "-p", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "acme.broken") || !strings.Contains(r.stderr, "column") {
		t.Fatalf("broken CEL: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestChecksListAndShow(t *testing.T) {
	r := palisade(t, nil, "checks", "list", "-o", "json")
	var out struct {
		Checks []struct {
			ID  string   `json:"id"`
			CSA []string `json:"csa"`
		} `json:"checks"`
		Recommendations []struct {
			ID     string   `json:"ID"`
			Checks []string `json:"checks"`
		} `json:"recommendations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("checks list json: %d %v", r.code, err)
	}
	if len(out.Checks) < 45 || len(out.Recommendations) != 54 {
		t.Fatalf("%d checks, %d recommendations", len(out.Checks), len(out.Recommendations))
	}
	r = palisade(t, nil, "checks", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "k8s.privileged-container") {
		t.Fatalf("table: %d %s", r.code, r.stderr)
	}
	r = palisade(t, nil, "checks", "show", "k8s.privileged-container")
	if r.code != 0 || !strings.Contains(r.stdout, "3.1.2.3") || !strings.Contains(r.stdout, "Remediation") {
		t.Fatalf("show: %d %q", r.code, r.stdout)
	}
	if r := palisade(t, nil, "checks", "show", "nope"); r.code != 2 {
		t.Fatalf("show unknown: exit %d", r.code)
	}
}

// Palisade follows its own advice: its Kubernetes manifests and collector RBAC score 100.
func TestScanOwnDeployManifestsScore100(t *testing.T) {
	r := palisade(t, nil, "scan", "-p", "../../../deploy/kubernetes", "--fail-on", "low", "-o", "json", "-q")
	if r.code != 0 {
		t.Fatalf("deploy/kubernetes has findings (exit %d):\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if sc := out["score"].(map[string]any); sc["overall"] != 100.0 || sc["compliance"] != 100.0 || sc["risk"] != 0.0 {
		t.Fatalf("deploy/kubernetes: compliance %v, risk %v; want 100 and 0", sc["compliance"], sc["risk"])
	}
}
