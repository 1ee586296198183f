package manifests

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

// RootOf finds the first of roots (server.manifest_roots) that contains the absolute path p
// as written, and returns it with p relative to it. Relative roots are ignored. The API
// (when a target is saved) and the collector (at every run) choose the root the same way.
func RootOf(p string, roots []string) (root, rel string, ok bool) {
	if !filepath.IsAbs(p) {
		return "", "", false
	}
	p = filepath.Clean(p)
	for _, r := range roots {
		if !filepath.IsAbs(r) {
			continue
		}
		r = filepath.Clean(r)
		if rel, err := filepath.Rel(r, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return r, rel, true
		}
	}
	return "", "", false
}

// CheckConfined admits a path below one of roots both as written and as the file system
// resolves it. It resolves the path through an os.Root opened on the first root that
// contains it as written, which refuses ".." and symbolic links (file or directory, at any
// depth) leaving the root: exactly how every collection of the target reads it, so what is
// accepted is what collections can read. Real-path containment (EvalSymlinks of path and
// root) would also admit an absolute link that points back inside the root, which os.Root
// then refuses at every run.
//
// A path that does not exist yet is checked up to its longest existing part and accepted:
// a GitOps checkout may be cloned after its target is declared, and whatever appears there
// later, links included, is read through the root and so cannot leave it.
func CheckConfined(p string, roots []string) error {
	root, rel, ok := RootOf(p, roots)
	if !ok {
		return posture.Errorf(posture.EINVALID, "settings.path must be below one of the server's manifest roots (server.manifest_roots)")
	}
	r, err := os.OpenRoot(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing below the root exists yet
	}
	if err != nil {
		return posture.WrapError(posture.EINVALID, err, "settings.path: the manifest root cannot be opened")
	}
	defer r.Close()
	for part := rel; ; part = filepath.Dir(part) {
		_, err := r.Stat(part)
		switch {
		case err == nil:
			return nil
		case LeavesRoot(r, err):
			return posture.Errorf(posture.EINVALID, "settings.path leaves the server's manifest root through a symbolic link")
		case !errors.Is(err, fs.ErrNotExist):
			return posture.WrapError(posture.EINVALID, err, "settings.path cannot be resolved below the manifest root: %s", errors.Unwrap(err))
		}
		if part == "." {
			return nil
		}
	}
}
