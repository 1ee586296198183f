package manifests

import (
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
			t.Skipf("mkfifo: %v", err)
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
