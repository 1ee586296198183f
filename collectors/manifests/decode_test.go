package manifests

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`

func decode(t *testing.T, src string, opts Options) *Result {
	t.Helper()
	res := NewResult()
	DecodeBytes([]byte(src), "test.yaml", opts, res)
	return res
}

func errorsText(r *Result) string {
	var b strings.Builder
	for _, e := range r.Errors {
		b.WriteString(e.Source + ": " + e.Message + "\n")
	}
	return b.String()
}

func TestDecodeGoodInput(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		wantObjects int
		wantIgnored int
		check       func(t *testing.T, r *Result)
	}{
		{
			name:        "multi-document with unknown kind ignored",
			src:         deployment + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: ClusterIP}\n",
			wantObjects: 2,
			wantIgnored: 1,
			check: func(t *testing.T, r *Result) {
				if got := r.Ignored[0]; got.Kind != "ConfigMap" || got.Document != 2 || got.Name != "cfg" {
					t.Errorf("ignored = %+v, want ConfigMap cfg in document 2", got)
				}
				if len(r.Inventory.Deployments) != 1 || *r.Inventory.Deployments[0].Spec.Replicas != 3 {
					t.Errorf("deployment not decoded: %+v", r.Inventory.Deployments)
				}
			},
		},
		{
			name:        "v1 List and typed List",
			src:         "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: shop}\n- apiVersion: apps/v1\n  kind: DeploymentList\n  items:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: a}\n",
			wantObjects: 2,
			check: func(t *testing.T, r *Result) {
				if r.Inventory.Namespaces[0].Name != "shop" || r.Inventory.Deployments[0].Name != "a" {
					t.Errorf("list items not decoded")
				}
			},
		},
		{
			name:        "JSON document",
			src:         `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`,
			wantObjects: 1,
			check: func(t *testing.T, r *Result) {
				if got := r.Inventory.Pods[0].Namespace; got != DefaultNamespace {
					t.Errorf("namespace = %q, want the default %q", got, DefaultNamespace)
				}
			},
		},
		{
			name:        "cluster-scoped objects get no namespace",
			src:         "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: oops}\nrules: []\n",
			wantObjects: 1,
			check: func(t *testing.T, r *Result) {
				if ns := r.Inventory.ClusterRoles[0].Namespace; ns != "" {
					t.Errorf("cluster role namespace = %q", ns)
				}
			},
		},
		{
			name: "secret keeps key names only and drops last-applied",
			src: `apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'
    team: a
type: Opaque
data: {password: aHVudGVyMg==}
stringData: {token: hunter2}
`,
			wantObjects: 1,
			check: func(t *testing.T, r *Result) {
				s := r.Inventory.Secrets[0]
				if _, ok := s.Annotations["kubectl.kubernetes.io/last-applied-configuration"]; ok {
					t.Error("last-applied annotation kept")
				}
				if s.Annotations["team"] != "a" {
					t.Error("other annotations lost")
				}
				if len(s.Keys) != 2 {
					t.Errorf("keys = %v", s.Keys)
				}
				for _, v := range []string{"aHVudGVyMg", "hunter2"} {
					if strings.Contains(strings.Join(s.Keys, ",")+s.Annotations["team"], v) {
						t.Errorf("secret value %q retained", v)
					}
				}
			},
		},
		{
			name:        "velero schedule and backup",
			src:         "apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: daily, namespace: velero}\nspec:\n  schedule: '0 1 * * *'\n  template: {includedNamespaces: [shop], excludedNamespaces: [tmp]}\n---\napiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: daily-1, namespace: velero, labels: {velero.io/schedule-name: daily}}\nspec: {includedNamespaces: ['*']}\nstatus: {phase: Completed, completionTimestamp: '2026-01-02T03:04:05Z'}\n",
			wantObjects: 2,
			check: func(t *testing.T, r *Result) {
				if len(r.Inventory.VeleroSchedules) != 1 || r.Inventory.VeleroSchedules[0].IncludedNamespaces[0] != "shop" || r.Inventory.VeleroSchedules[0].Schedule != "0 1 * * *" {
					t.Fatalf("schedule = %+v", r.Inventory.VeleroSchedules)
				}
				b := r.Inventory.VeleroBackups[0]
				if b.Phase != "Completed" || b.ScheduleName != "daily" || b.CompletionTime == nil || !b.CompletionTime.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
					t.Errorf("backup = %+v", b)
				}
			},
		},
		{
			name:        "autoscaling/v1 HPA converted",
			src:         "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 5}\n",
			wantObjects: 1,
			check: func(t *testing.T, r *Result) {
				h := r.Inventory.HPAs[0]
				if h.Spec.ScaleTargetRef.Name != "web" || h.Spec.MaxReplicas != 5 {
					t.Errorf("hpa = %+v", h.Spec)
				}
			},
		},
		{
			name:        "legitimate anchors are fine",
			src:         "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: &l {app: x}}\nspec:\n  containers:\n  - {name: a, image: x, env: &e [{name: A, value: '1'}]}\n  - {name: b, image: x, env: *e}\n",
			wantObjects: 1,
			check: func(t *testing.T, r *Result) {
				if got := r.Inventory.Pods[0].Spec.Containers[1].Env; len(got) != 1 || got[0].Name != "A" {
					t.Errorf("alias not expanded: %+v", got)
				}
			},
		},
		{
			name: "empty input",
			src:  "\n---\n---\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := decode(t, tc.src, Options{})
			if len(r.Errors) != 0 {
				t.Fatalf("unexpected errors:\n%s", errorsText(r))
			}
			if r.Objects != tc.wantObjects {
				t.Errorf("objects = %d, want %d", r.Objects, tc.wantObjects)
			}
			if len(r.Ignored) != tc.wantIgnored {
				t.Errorf("ignored = %+v, want %d", r.Ignored, tc.wantIgnored)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n")
	b.WriteString("  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString("  " + n + ": &" + n + " [")
		for i := 0; i < 9; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = n
	}
	return b.String()
}

func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		opts        Options
		wantErrs    []string // substrings, one per expected error, in order
		wantObjects int
	}{
		{
			name:        "wrong type names the field and document, other documents still read",
			src:         deployment + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec: {replicas: three}\n",
			wantErrs:    []string{"document 2: apps/v1 Deployment bad: field spec.replicas: got a JSON string, want int32"},
			wantObjects: 1,
		},
		{
			name:     "missing kind",
			src:      "apiVersion: v1\nmetadata: {name: x}\n",
			wantErrs: []string{"document 1: not a Kubernetes object: apiVersion and kind are required"},
		},
		{
			name:     "scalar document",
			src:      "just a string\n",
			wantErrs: []string{"document 1: not a Kubernetes object (the document is not a mapping)"},
		},
		{
			name:     "top-level sequence",
			src:      "- a\n- b\n",
			wantErrs: []string{"not a mapping"},
		},
		{
			name:     "syntax error",
			src:      "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
			wantErrs: []string{"document 1: invalid YAML"},
		},
		{
			name:     "YAML 1.1 boolean where a string is wanted",
			src:      "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n",
			wantErrs: []string{"document 1: v1 Namespace n: field metadata.name: got a JSON bool, want string"},
		},
		{
			name:     "missing name",
			src:      "apiVersion: v1\nkind: Namespace\nmetadata: {}\n",
			wantErrs: []string{"metadata.name is required"},
		},
		{
			name:     "invalid UTF-8",
			src:      "apiVersion: v1\nkind: Namespace\nmetadata: {name: \xff\xfe}\n",
			wantErrs: []string{"invalid UTF-8 at byte offset 48"},
		},
		{
			name:     "billion laughs",
			src:      billionLaughs(),
			wantErrs: []string{"possible YAML bomb"},
		},
		{
			name:        "list item that is not an object",
			src:         "apiVersion: v1\nkind: List\nitems: [42, {apiVersion: v1, kind: Namespace, metadata: {name: ok}}]\n",
			wantErrs:    []string{"document 1, List item 1: List item is not an object"},
			wantObjects: 1,
		},
		{
			name:     "items of wrong type",
			src:      "apiVersion: v1\nkind: List\nitems: {a: b}\n",
			wantErrs: []string{"v1 List"},
		},
		{
			name:        "too many documents",
			src:         strings.Repeat("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n---\n", 5),
			opts:        Options{MaxDocuments: 3},
			wantErrs:    []string{"document 4: more than 3 documents"},
			wantObjects: 3,
		},
		{
			name:     "over the size cap",
			src:      deployment,
			opts:     Options{MaxFileBytes: 100},
			wantErrs: []string{"larger than the 100-byte limit"},
		},
		{
			name:     "velero field of wrong type",
			src:      "apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: b}\nstatus: {completionTimestamp: yesterday}\n",
			wantErrs: []string{"completionTimestamp"},
		},
		{
			name:     "nesting bomb with anchors",
			src:      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: &a " + strings.Repeat("[", 1500) + "*a" + strings.Repeat("]", 1500) + "\n",
			wantErrs: []string{"document 1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := decode(t, tc.src, tc.opts)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: work is not bounded", d)
			}
			if len(r.Errors) != len(tc.wantErrs) {
				t.Fatalf("got %d errors, want %d:\n%s", len(r.Errors), len(tc.wantErrs), errorsText(r))
			}
			for i, want := range tc.wantErrs {
				if r.Errors[i].Source != "test.yaml" {
					t.Errorf("error %d source = %q", i, r.Errors[i].Source)
				}
				if !strings.Contains(r.Errors[i].Message, want) {
					t.Errorf("error %d = %q, want it to contain %q", i, r.Errors[i].Message, want)
				}
			}
			if r.Objects != tc.wantObjects {
				t.Errorf("objects = %d, want %d", r.Objects, tc.wantObjects)
			}
		})
	}
}

// endless is a reader that never ends, standing in for a hostile stdin.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestReadStdinIsBounded(t *testing.T) {
	in := &endless{}
	res := NewResult()
	Read(in, StdinPath, Options{MaxFileBytes: 1 << 20}, res)
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "larger than the 1048576-byte limit") || res.Errors[0].Source != "-" {
		t.Fatalf("errors = %+v", res.Errors)
	}
	if in.n > 2<<20 {
		t.Errorf("read %d bytes from an endless input, want about 1 MiB", in.n)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app", "deploy.yaml"), deployment)
	writeFile(t, filepath.Join(dir, "app", "ns.json"), `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}`)
	writeFile(t, filepath.Join(dir, "app", "deep", "svc.yml"), "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
	writeFile(t, filepath.Join(dir, "bad.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: \"three\"}\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: txt}\n")
	writeFile(t, filepath.Join(dir, ".git", "x.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: git}\n")
	// A 50 MB manifest: sparse, so the test does not write 50 MB.
	big := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	res, err := Load(context.Background(), []string{dir, filepath.Join(dir, "missing.yaml"), "-"}, strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: stdin}\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 4 {
		t.Errorf("objects = %d, want 4 (deploy, ns, svc, stdin ns)", res.Objects)
	}
	var names []string
	for _, n := range res.Inventory.Namespaces {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "shop,stdin" {
		t.Errorf("namespaces = %v: .txt and .git must be skipped", names)
	}
	want := map[string]string{
		filepath.Join(dir, "bad.yaml"):     "document 1: apps/v1 Deployment x: field spec.replicas",
		big:                                "file is 52428800 bytes, larger than the 10485760-byte limit",
		filepath.Join(dir, "missing.yaml"): "no such file",
	}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors:\n%s", errorsText(res))
	}
	for _, e := range res.Errors {
		if w, ok := want[e.Source]; !ok || !strings.Contains(e.Message, w) {
			t.Errorf("error %s: %q, want %q", e.Source, e.Message, w)
		}
	}
}

func TestLoadHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, []string{t.TempDir()}, nil, Options{}); err == nil {
		t.Fatal("want the context error")
	}
}

func TestLoadStdinMissing(t *testing.T) {
	res, err := Load(context.Background(), []string{"-"}, nil, Options{})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].Source != "-" {
		t.Fatalf("res=%+v err=%v", res.Errors, err)
	}
}

var _ io.Reader = (*endless)(nil)

// A removed apiVersion of a checked kind is evaluated as the current one (and noted, for a
// finding); an unknown version of a checked kind is not checked, with a warning; other
// kinds are ignored.
func TestDecodeEvaluatesRemovedAPIVersions(t *testing.T) {
	r := decode(t, "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: x, securityContext: {privileged: true}}]\n"+
		"---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: batch.example.com/v1\nkind: Job\nmetadata: {name: crd}\n"+
		"---\napiVersion: apps/v1alpha9\nkind: Deployment\nmetadata: {name: future}\n", Options{})
	if len(r.Ignored) != 3 || len(r.Errors) != 0 || r.Objects != 1 {
		t.Fatalf("ignored=%+v errors=%+v objects=%d", r.Ignored, r.Errors, r.Objects)
	}
	if len(r.Removed) != 1 || r.Removed[0].APIVersion != "extensions/v1beta1" || r.Removed[0].Current != "apps/v1" ||
		r.Removed[0].RemovedIn != "1.16" || r.Removed[0].AssetKey != "apps/Deployment/default/old" {
		t.Fatalf("removed = %+v", r.Removed)
	}
	if ws := r.Inventory.Workloads(); len(ws) != 1 || ws[0].Name != "old" {
		t.Fatalf("the removed-API workload is not evaluated: %+v", ws)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "document 4: apps/v1alpha9 Deployment future: apiVersion apps/v1alpha9 is not supported for Deployment; not checked") {
		t.Fatalf("warnings = %+v", r.Warnings)
	}
}

func TestDecodeWarnsAboutIgnoredFields(t *testing.T) {
	src := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: x
    securityContex: {privileged: false}
`
	r := decode(t, src, Options{})
	if len(r.Errors) != 0 || r.Objects != 1 {
		t.Fatalf("errors=%v objects=%d: a typo must not drop the object", r.Errors, r.Objects)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, `document 1: v1 Pod p: unknown field "spec.containers[0].securityContex" (ignored)`) {
		t.Fatalf("warnings = %+v", r.Warnings)
	}
	var many strings.Builder
	many.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n")
	for i := 0; i < 30; i++ {
		many.WriteString("x" + string(rune('a'+i%26)) + strings.Repeat("y", i/26) + ": 1\n")
	}
	if r := decode(t, many.String(), Options{}); len(r.Warnings) != 11 || !strings.Contains(r.Warnings[10].Message, "20 more field warnings") {
		t.Fatalf("warnings are not bounded: %d %+v", len(r.Warnings), r.Warnings)
	}
}
