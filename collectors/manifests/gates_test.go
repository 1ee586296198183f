package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe in a scanned directory is named in the errors, never read (a read would block
// the scan) and never skipped in silence, whatever its name.
func TestLoadNamesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"pipe.yaml", "notes"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Fatalf("mkfifo: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Load(t.Context(), []string{dir}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, e := range res.Errors {
		if strings.Contains(e.Message, "named pipe") {
			named[filepath.Base(e.Source)] = true
		}
	}
	if !named["pipe.yaml"] || !named["notes"] || res.Objects != 1 {
		t.Fatalf("errors %+v, %d objects", res.Errors, res.Objects)
	}
}

// Duplicate keys are found through Load, with the object read both ways.
func TestLoadFindsDuplicateKeys(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext:
          privileged: true
          privileged: false
`
	res := NewResult()
	DecodeBytes([]byte(doc), "web.yaml", Options{}, res)
	if len(res.Errors) != 0 || len(res.Ambiguous) != 1 {
		t.Fatalf("errors %+v, ambiguous %+v", res.Errors, res.Ambiguous)
	}
	a := res.Ambiguous[0]
	if a.AssetKey != "apps/Deployment/shop/web" || a.Hidden == nil ||
		strings.Join(a.DuplicatePaths(), ";") != "spec.template.spec.containers[0].securityContext.privileged (lines 13 and 14)" {
		t.Fatalf("ambiguity %+v", a)
	}
}

// Every object read is evaluated, skipped or an error: the counts add up, on a corpus with
// kinds Palisade does not judge, Lists, a removed apiVersion and broken documents.
func TestLoadAccountsForEveryObject(t *testing.T) {
	src := `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: a}}
- {apiVersion: v1, kind: Secret, metadata: {name: s, namespace: a}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c2, namespace: a}}
- not-an-object
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: old, namespace: a}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: v1
kind: Pod
metadata: {namespace: a}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec: {containers: "not a list"}
---
- just
- a list
---
kind: Pod
metadata: {name: q}
---
`
	res := NewResult()
	DecodeBytes([]byte(src), "corpus.yaml", Options{}, res)
	if res.Read != res.Objects+len(res.Ignored)+res.ObjectErrors {
		t.Fatalf("read %d != evaluated %d + skipped %d + errors %d", res.Read, res.Objects, len(res.Ignored), res.ObjectErrors)
	}
	if res.Read != 12 || res.Objects != 3 || len(res.Ignored) != 4 || res.ObjectErrors != 5 {
		t.Fatalf("read %d, evaluated %d, skipped %d, errors %d: %+v", res.Read, res.Objects, len(res.Ignored), res.ObjectErrors, res.Errors)
	}
	if res.ByKind["v1 Namespace"] != 1 || res.ByKind["apps/v1 Deployment"] != 1 || res.ByKind["v1 Secret"] != 1 {
		t.Fatalf("by kind %v", res.ByKind)
	}
}

// A pod spec with more containers than the limit is evaluated in part and named as an error.
func TestDecodeLimitsContainersPerPod(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: wide, namespace: a}\nspec:\n  containers:\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "  - {name: c%d, image: x}\n", i)
	}
	res := NewResult()
	DecodeBytes([]byte(b.String()), "wide.yaml", Options{MaxContainersPerPod: 5}, res)
	if res.Objects != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "12 containers in its pod spec, more than the 5 evaluated") {
		t.Fatalf("objects %d, errors %+v", res.Objects, res.Errors)
	}
	if n := len(res.Inventory.Pods[0].Spec.Containers); n != 5 {
		t.Fatalf("%d containers kept, want 5", n)
	}
}
