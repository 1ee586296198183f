package sources

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func podYAML(name string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: ns}\nspec:\n  containers:\n  - {name: c, image: nginx}\n"
}

// A hostile checkout below a manifest root holds links out of it (to a secret file and a
// secret directory) and one link inside it.
func TestManifestsConfinedToRoot(t *testing.T) {
	base := t.TempDir()
	root, secrets := filepath.Join(base, "manifests"), filepath.Join(base, "etc")
	write(t, filepath.Join(secrets, "secret.yaml"), podYAML("outside-secret"))
	write(t, filepath.Join(root, "team", "app.yaml"), podYAML("inside"))
	write(t, filepath.Join(root, "shared", "base.yaml"), podYAML("shared"))
	link(t, filepath.Join(secrets, "secret.yaml"), filepath.Join(root, "team", "leak.yaml"))
	link(t, secrets, filepath.Join(root, "team", "conf"))
	link(t, "../shared/base.yaml", filepath.Join(root, "team", "base.yaml"))
	link(t, secrets, filepath.Join(root, "escape"))
	roots := []string{filepath.Join(base, "other"), root + "/"}

	tests := []struct {
		name       string
		path       string
		roots      []string
		wantPods   []string
		wantErrors []string // sources named with the leaving-root message
		wantFail   string
	}{
		{name: "links out are errors, links inside are read", path: filepath.Join(root, "team"), roots: roots,
			wantPods: []string{"ns/inside", "ns/shared"}, wantErrors: []string{"team/conf", "team/leak.yaml"}},
		{name: "a file link out named as the path", path: filepath.Join(root, "team", "leak.yaml"), roots: roots,
			wantFail: manifests.LeavesRootMessage},
		{name: "a directory link out as the path", path: filepath.Join(root, "escape"), roots: roots,
			wantFail: manifests.LeavesRootMessage},
		{name: "a directory link out as a component", path: filepath.Join(root, "escape", "secret.yaml"), roots: roots,
			wantFail: manifests.LeavesRootMessage},
		{name: "dot-dot does not leave the root either", path: root + "/team/../escape/secret.yaml", roots: roots,
			wantFail: manifests.LeavesRootMessage},
		{name: "below no root: read as configured", path: filepath.Join(root, "team"), roots: nil,
			wantPods: []string{"ns/inside", "ns/outside-secret", "ns/shared"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := posture.Target{Name: "t", Kind: posture.TargetManifests, Settings: map[string]string{"path": tc.path}}
			col, err := Manifests(tc.roots...).Collect(context.Background(), target)
			if tc.wantFail != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantFail) || !strings.Contains(err.Error(), tc.path) {
					t.Fatalf("err = %v, want one naming %q and %q", err, tc.path, tc.wantFail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pods := col.Inventory.PodNames()
			slices.Sort(pods)
			if !slices.Equal(pods, tc.wantPods) {
				t.Errorf("pods = %v, want %v", pods, tc.wantPods)
			}
			var got []string
			for _, e := range col.Errors {
				if e.Message != manifests.LeavesRootMessage {
					t.Errorf("unexpected error %s: %s", e.Source, e.Message)
				}
				got = append(got, strings.TrimPrefix(e.Source, root+"/"))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.wantErrors) {
				t.Errorf("errors for %v, want %v", got, tc.wantErrors)
			}
			if want := map[bool]posture.RunStatus{true: posture.RunPartial, false: posture.RunComplete}[len(tc.wantErrors) > 0]; col.Status != want {
				t.Errorf("status = %s, want %s", col.Status, want)
			}
		})
	}
}

func TestRootOf(t *testing.T) {
	tests := []struct {
		path, root, rel string
		ok              bool
	}{
		{"/srv/m/team", "/srv/m", "team", true},
		{"/srv/m", "/srv/m", ".", true},
		{"/srv/m/../x", "", "", false},
		{"/srv/mx", "", "", false},
		{"/srv/m/..x", "/srv/m", "..x", true},
		{"srv/m/team", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			root, rel, ok := manifests.RootOf(tc.path, []string{"relative", "/srv/m/"})
			if root != tc.root || rel != tc.rel || ok != tc.ok {
				t.Errorf("RootOf(%q) = %q, %q, %v; want %q, %q, %v", tc.path, root, rel, ok, tc.root, tc.rel, tc.ok)
			}
		})
	}
}
