package manifests

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// LeavesRootMessage is the collection error of a path or symbolic link that leaves
// Options.Root.
const LeavesRootMessage = "symbolic link leaves the manifest root; not read"

// fileSystem is where Load reads: the os package for paths a user named (palisade scan), or
// an *os.Root for a target confined to a manifest root.
type fileSystem interface {
	stat(name string) (fs.FileInfo, error)
	open(name string) (*os.File, error)
	walkDir(dir string, fn fs.WalkDirFunc) error
	// display is the name errors and Result.Sources give the file.
	display(name string) string
	// describe turns an error about name into a collection error message.
	describe(err error) string
	// checkLink reports a symbolic link the walk does not read when it leaves the root, so a
	// link out is never skipped silently; nil when confined reading does not apply.
	checkLink(name string) error
}

// osFS reads through the os package, following symbolic links anywhere.
type osFS struct{}

func (osFS) stat(name string) (fs.FileInfo, error)       { return os.Stat(name) }
func (osFS) open(name string) (*os.File, error)          { return os.Open(name) }
func (osFS) walkDir(dir string, fn fs.WalkDirFunc) error { return filepath.WalkDir(dir, fn) }
func (osFS) display(name string) string                  { return name }
func (osFS) describe(err error) string                   { return pathError(err) }
func (osFS) checkLink(string) error                      { return nil }

// rootFS reads through an *os.Root: the kernel resolves every component relative to the
// root's open directory and os refuses any ".." or symbolic link that leaves it, at the
// moment of each open, so a link created after the target was accepted cannot leave either.
type rootFS struct{ r *os.Root }

func (f rootFS) stat(name string) (fs.FileInfo, error) { return f.r.Stat(rootRel(name)) }
func (f rootFS) open(name string) (*os.File, error)    { return f.r.Open(rootRel(name)) }
func (f rootFS) walkDir(dir string, fn fs.WalkDirFunc) error {
	return fs.WalkDir(f.r.FS(), rootRel(dir), fn)
}
func (f rootFS) display(name string) string { return filepath.Join(f.r.Name(), name) }

func (f rootFS) describe(err error) string {
	if LeavesRoot(f.r, err) {
		return LeavesRootMessage
	}
	return pathError(err)
}

func (f rootFS) checkLink(name string) error {
	if _, err := f.r.Stat(rootRel(name)); LeavesRoot(f.r, err) {
		return err
	}
	return nil
}

// rootRel cleans a name relative to a root into the slash form os.Root.FS accepts.
func rootRel(name string) string { return filepath.ToSlash(filepath.Clean(name)) }

// LeavesRoot reports whether err is r refusing a path that leaves it (through ".." or a
// symbolic link). os keeps that error unexported; asking r for ".." returns it without
// touching the disk, so the comparison does not depend on its text.
func LeavesRoot(r *os.Root, err error) bool {
	if err == nil {
		return false
	}
	_, probe := r.Lstat("..")
	if inner := errors.Unwrap(probe); inner != nil {
		probe = inner
	}
	return probe != nil && errors.Is(err, probe)
}

func (o Options) fileSystem() fileSystem {
	if o.Root != nil {
		return rootFS{o.Root}
	}
	return osFS{}
}
