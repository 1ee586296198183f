package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hardened is the good fixture's manifests: everything passes `--fail-on low`.
func hardened(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(good, "app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func writeManifest(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func findingsOf(out map[string]any, check string) []map[string]any {
	var fs []map[string]any
	for _, f := range out["findings"].([]any) {
		if m := f.(map[string]any); m["check_id"] == check {
			fs = append(fs, m)
		}
	}
	return fs
}

// A key given twice is reported in every format, and fails --fail-on at the severity of
// what the hidden value would have failed: "privileged: true" hidden under a later
// "privileged: false" is a critical finding, not a clean scan.
func TestScanDuplicateKeysCannotHideASetting(t *testing.T) {
	base := hardened(t)
	hidden := strings.Replace(base, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: false\n          privileged: true\n          privileged: false", 1)
	if hidden == base {
		t.Fatal("the fixture changed: no allowPrivilegeEscalation line")
	}
	p := writeManifest(t, hidden)
	out := scanJSON(t, "-p", p)
	dups := findingsOf(out, "manifest.duplicate-key")
	if len(dups) != 1 || dups[0]["severity"] != "critical" ||
		!strings.Contains(dups[0]["message"].(string), "securityContext.privileged") ||
		!strings.Contains(dups[0]["message"].(string), "k8s.privileged-container") {
		t.Fatalf("duplicate-key findings %v", dups)
	}
	if r := palisade(t, nil, "scan", "-p", p, "--fail-on", "high", "-q"); r.code != 1 {
		t.Fatalf("--fail-on high: exit %d, want 1\n%s", r.code, r.stderr)
	}
	for format, want := range map[string]string{"sarif": `"ruleId": "manifest.duplicate-key"`, "csv": "manifest.duplicate-key", "table": "manifest.duplicate-key"} {
		if r := palisade(t, nil, "scan", "-p", p, "-o", format, "-q"); !strings.Contains(r.stdout, want) {
			t.Errorf("%s output lacks the duplicate key:\n%.2000s", format, r.stdout)
		}
	}
	// A harmless duplicate is reported, low, and passes --fail-on medium.
	benign := writeManifest(t, strings.Replace(base, "replicas: 3", "replicas: 2\n  replicas: 3", 1))
	if out := scanJSON(t, "-p", benign); len(findingsOf(out, "manifest.duplicate-key")) != 1 || findingsOf(out, "manifest.duplicate-key")[0]["severity"] != "low" {
		t.Fatalf("benign duplicate: %v", out["findings"])
	}
	if r := palisade(t, nil, "scan", "-p", benign, "--fail-on", "medium", "-q"); r.code != 0 {
		t.Fatalf("benign duplicate with --fail-on medium: exit %d\n%s", r.code, r.stderr)
	}
}

// Empty input is a usage problem, not a clean scan: exit 2 unless --allow-empty.
func TestScanEmptyInput(t *testing.T) {
	emptyFile := writeManifest(t, "# nothing here\n")
	emptyDir := t.TempDir()
	for name, args := range map[string][]string{
		"empty file":  {"-p", emptyFile},
		"empty dir":   {"-p", emptyDir},
		"empty stdin": {"-p", "-"},
	} {
		t.Run(name, func(t *testing.T) {
			r := palisade(t, nil, append([]string{"scan", "-q"}, args...)...)
			if r.code != 2 || !strings.Contains(r.stdout, "no Kubernetes objects found") {
				t.Fatalf("exit %d, want 2 naming the empty input\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if r := palisade(t, nil, append([]string{"scan", "-q", "--allow-empty", "--fail-on", "low"}, args...)...); r.code != 0 {
				t.Fatalf("--allow-empty: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// A removed apiVersion of a checked kind is evaluated (its privileged container is found)
// and reported as removed.
func TestScanEvaluatesRemovedAPIs(t *testing.T) {
	p := writeManifest(t, `apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: legacy, namespace: shop}
spec:
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: app, image: nginx:1.27, securityContext: {privileged: true}}]
`)
	out := scanJSON(t, "-p", p)
	if len(findingsOf(out, "k8s.privileged-container")) != 1 {
		t.Fatalf("the removed-API workload was not evaluated: %v", out["findings"])
	}
	removed := findingsOf(out, "manifest.removed-api")
	if len(removed) != 1 || !strings.Contains(removed[0]["message"].(string), "removed in Kubernetes 1.16") {
		t.Fatalf("removed-api findings %v", removed)
	}
}

// Warnings (ignored fields, namespaces not in the scan) are in JSON and SARIF, not only on
// stderr.
func TestScanWarningsInReports(t *testing.T) {
	p := writeManifest(t, strings.Replace(hardened(t), "automountServiceAccountToken: false\n---", "automountServiceAccountToken: false\nautomountServiceAccountTokn: true\n---", 1))
	out := scanJSON(t, "-p", p)
	ws, _ := json.Marshal(out["warnings"])
	if !strings.Contains(string(ws), "automountServiceAccountTokn") {
		t.Fatalf("warnings = %s", ws)
	}
	r := palisade(t, nil, "scan", "-p", p, "-o", "sarif", "-q")
	if !strings.Contains(r.stdout, `"level": "warning"`) || !strings.Contains(r.stdout, "automountServiceAccountTokn") {
		t.Fatalf("SARIF notifications lack the warning:\n%.3000s", r.stdout)
	}
}

// An application scanned alone is judged on what it defines: a namespace its workloads use
// but its files do not define is "not in the scan" (a warning), not a namespace without a
// default-deny policy. Defining the namespace brings its checks back.
func TestScanJudgesOnlyDeclaredNamespaces(t *testing.T) {
	base := hardened(t)
	i := strings.Index(base, "apiVersion: apps/v1\nkind: Deployment")
	app := base[i:] // the Deployment and what follows, without the namespace's objects
	p := writeManifest(t, app)
	out := scanJSON(t, "-p", p)
	if got := findingsOf(out, "k8s.namespace-default-deny"); len(got) != 0 {
		t.Fatalf("an undeclared namespace was judged: %v", got)
	}
	ws, _ := json.Marshal(out["warnings"])
	if !strings.Contains(string(ws), "namespace shop") || !strings.Contains(string(ws), "not in the scan") {
		t.Fatalf("warnings = %s", ws)
	}
	if r := palisade(t, nil, "scan", "-p", p, "--fail-on", "high", "-q"); r.code != 0 {
		t.Fatalf("the hardened application alone fails --fail-on high: exit %d\n%s", r.code, r.stdout)
	}
	declared := writeManifest(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"+app)
	if got := findingsOf(scanJSON(t, "-p", declared), "k8s.namespace-default-deny"); len(got) != 1 {
		t.Fatalf("a declared namespace without a policy was not judged: %v", got)
	}
}

// The summary accounts for every object: read = evaluated + skipped (by kind) + errors.
func TestScanAccountsForEveryObject(t *testing.T) {
	p := writeManifest(t, hardened(t)+"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\nkind: Pod\nmetadata: {namespace: shop}\n")
	out := scanJSON(t, "-p", p)
	obj := out["summary"].(map[string]any)["objects"].(map[string]any)
	read, evaluated, errs := obj["read"].(float64), obj["evaluated"].(float64), obj["errors"].(float64)
	skipped := 0.0
	kinds := map[string]bool{}
	for _, s := range obj["skipped"].([]any) {
		m := s.(map[string]any)
		skipped += m["count"].(float64)
		kinds[m["kind"].(string)] = m["reason"] != ""
	}
	if read != evaluated+skipped+errs || errs != 1 || !kinds["ConfigMap"] || !kinds["Widget"] {
		t.Fatalf("objects %v", obj)
	}
	// The progress line on stderr counts what was read, not only what was evaluated.
	r := palisade(t, nil, "scan", "-p", p)
	if want := fmt.Sprintf("%d object(s) (%d evaluated)", int(read), int(evaluated)); !strings.Contains(r.stderr, want) {
		t.Fatalf("stderr does not say %q:\n%s", want, r.stderr)
	}
}

// A named pipe in a scanned directory is an error in the report (and exit 2), never a hang.
func TestScanNamesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(hardened(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "queue.yaml"), 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	r := palisade(t, nil, "scan", "-p", dir, "-o", "json", "-q")
	if r.code != 2 || !strings.Contains(r.stdout, "queue.yaml") || !strings.Contains(r.stdout, "named pipe") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
}
