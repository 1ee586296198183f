package manifests

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func pod(name string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: ns}\nspec:\n  containers:\n  - {name: c, image: nginx}\n"
}

// confinedTree builds base/outside (a Pod "outside-secret") and base/root with a Pod
// "inside", a link inside the root to a file inside it ("linked-inside", kept in a hidden
// directory so only the link reads it), and links that leave the root in every shape.
func confinedTree(t *testing.T) (base, root string) {
	t.Helper()
	base = t.TempDir()
	root = filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	writeFile(t, filepath.Join(outside, "secret.yaml"), pod("outside-secret"))
	writeFile(t, filepath.Join(root, "app.yaml"), pod("inside"))
	writeFile(t, filepath.Join(root, ".shared", "real.yaml"), pod("linked-inside"))
	links := map[string]string{
		"linked.yaml":          ".shared/real.yaml",                      // stays inside: read
		"leak.yaml":            filepath.Join(outside, "secret.yaml"),    // absolute, out
		"leak-relative.yaml":   "../outside/secret.yaml",                 // relative, out
		"escape":               outside,                                  // a directory, out
		"team/nested/out.yaml": "../../../outside/secret.yaml",           // out from deeper
		"notes":                filepath.Join(outside, "secret.yaml"),    // not a manifest name, out
		"ok-dir":               ".shared",                                // a directory inside: not followed, no error
		"dangling.yaml":        "missing.yaml",                           // inside, missing
		"ENOENT-out.yaml":      filepath.Join(base, "nowhere", "x.yaml"), // out, missing
	}
	for name, target := range links {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return base, root
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestLoadConfinedToRoot(t *testing.T) {
	_, root := confinedTree(t)
	leaves := func(names ...string) map[string]string {
		m := map[string]string{}
		for _, n := range names {
			m[filepath.Join(root, n)] = LeavesRootMessage
		}
		return m
	}
	tests := []struct {
		name       string
		paths      []string
		wantPods   []string
		wantErrors map[string]string // source -> message part
	}{
		{
			name:     "the whole root",
			paths:    []string{"."},
			wantPods: []string{"ns/inside", "ns/linked-inside"},
			wantErrors: func() map[string]string {
				m := leaves("leak.yaml", "leak-relative.yaml", "escape", "team/nested/out.yaml", "notes", "ENOENT-out.yaml")
				m[filepath.Join(root, "dangling.yaml")] = "no such file"
				return m
			}(),
		},
		{name: "a file link out", paths: []string{"leak.yaml"}, wantErrors: leaves("leak.yaml")},
		{name: "a directory link out as the path", paths: []string{"escape"}, wantErrors: leaves("escape")},
		{name: "a directory link out as a component", paths: []string{"escape/secret.yaml"}, wantErrors: leaves("escape/secret.yaml")},
		{name: "dot-dot out of the root", paths: []string{"../outside/secret.yaml"}, wantErrors: leaves("../outside/secret.yaml")},
		{name: "a link inside the root", paths: []string{"linked.yaml"}, wantPods: []string{"ns/linked-inside"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Load(context.Background(), tc.paths, nil, Options{Root: openRoot(t, root)})
			if err != nil {
				t.Fatal(err)
			}
			pods := res.Inventory.PodNames()
			slices.Sort(pods)
			if !slices.Equal(pods, tc.wantPods) {
				t.Errorf("pods = %v, want %v", pods, tc.wantPods)
			}
			if len(res.Errors) != len(tc.wantErrors) {
				t.Fatalf("errors:\n%s\nwant %v", errorsText(res), tc.wantErrors)
			}
			for _, e := range res.Errors {
				if w, ok := tc.wantErrors[e.Source]; !ok || !strings.Contains(e.Message, w) {
					t.Errorf("error %s: %q, want %q", e.Source, e.Message, w)
				}
			}
			for key, src := range res.Sources {
				if !strings.HasPrefix(src, root+string(filepath.Separator)) {
					t.Errorf("source of %s = %q, want a path in %s", key, src, root)
				}
			}
		})
	}
}

// A directory accepted as a target and later swapped for a link out of the root (TOCTOU)
// is refused at the next read.
func TestLoadConfinedRefusesLinkMadeLater(t *testing.T) {
	base, root := confinedTree(t)
	team := filepath.Join(root, "team")
	r := openRoot(t, root)
	if res, _ := Load(context.Background(), []string{"team"}, nil, Options{Root: r}); len(res.Errors) != 1 {
		t.Fatalf("before the swap: %s", errorsText(res)) // only team/nested/out.yaml
	}
	if err := os.RemoveAll(team); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "outside"), team); err != nil {
		t.Fatal(err)
	}
	res, err := Load(context.Background(), []string{"team"}, nil, Options{Root: r})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Inventory.PodNames()) != 0 || len(res.Errors) != 1 || res.Errors[0].Message != LeavesRootMessage {
		t.Fatalf("after the swap: pods %v, errors:\n%s", res.Inventory.PodNames(), errorsText(res))
	}
}

// Without a root (palisade scan of paths its user named), links are followed as before.
func TestLoadUnconfinedFollowsLinks(t *testing.T) {
	_, root := confinedTree(t)
	res, err := Load(context.Background(), []string{filepath.Join(root, "leak.yaml")}, nil, Options{})
	if err != nil || len(res.Errors) != 0 || !slices.Equal(res.Inventory.PodNames(), []string{"ns/outside-secret"}) {
		t.Fatalf("pods %v, err %v, errors:\n%s", res.Inventory.PodNames(), err, errorsText(res))
	}
}

func TestLeavesRoot(t *testing.T) {
	r := openRoot(t, t.TempDir())
	_, escaped := r.Stat("../x")
	_, missing := r.Stat("x")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"escape", escaped, true},
		{"not found", missing, false},
		{"other", errors.New("path escapes"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := LeavesRoot(r, tc.err); got != tc.want {
				t.Errorf("LeavesRoot(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
