package manifests

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
)

// StdinPath is the path that means "read standard input".
const StdinPath = "-"

// IsManifestFile reports whether a file name has an extension the loader reads.
func IsManifestFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Load reads every path: a file (any extension, since it was named explicitly), a
// directory (recursively, files ending in .yaml, .yml or .json; hidden directories such
// as .git are skipped) or "-" for stdin (read from stdin). Bad files and documents are
// reported in Result.Errors and the rest is still read. The returned error is only for
// ctx being done; a path that does not exist is a Result error naming it. The inventory
// is compacted (kubeinv.Inventory.Compact) before it is returned.
func Load(ctx context.Context, paths []string, stdin io.Reader, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	res := NewResult()
	files := 0
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if p == StdinPath {
			if stdin == nil {
				res.Errors = append(res.Errors, posture.CollectionError{Source: StdinPath, Message: "no standard input available"})
				continue
			}
			Read(stdin, StdinPath, opts, res)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			res.Errors = append(res.Errors, posture.CollectionError{Source: p, Message: pathError(err)})
			continue
		}
		if !info.IsDir() {
			files++
			readFile(p, info, opts, res)
			continue
		}
		var found []string
		walkErr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				res.Errors = append(res.Errors, posture.CollectionError{Source: path, Message: pathError(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
				if IsManifestFile(d.Name()) {
					found = append(found, path)
				}
			}
			return nil
		})
		if walkErr != nil {
			res.Errors = append(res.Errors, posture.CollectionError{Source: p, Message: pathError(walkErr)})
		}
		sort.Strings(found)
		for _, f := range found {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if files >= opts.MaxFiles {
				res.Errors = append(res.Errors, posture.CollectionError{Source: p, Message: fmt.Sprintf("more than %d files; the rest were not scanned", opts.MaxFiles)})
				break
			}
			files++
			info, err := os.Stat(f)
			if err != nil {
				res.Errors = append(res.Errors, posture.CollectionError{Source: f, Message: pathError(err)})
				continue
			}
			if info.IsDir() {
				continue // a symlink to a directory: not followed
			}
			readFile(f, info, opts, res)
		}
	}
	res.Inventory.Compact()
	return res, nil
}

func readFile(path string, info fs.FileInfo, opts Options, res *Result) {
	if !info.Mode().IsRegular() {
		res.Files++
		res.Errors = append(res.Errors, posture.CollectionError{Source: path, Message: "not a regular file; not scanned"})
		return
	}
	if info.Size() > opts.MaxFileBytes {
		res.Files++
		res.Errors = append(res.Errors, posture.CollectionError{Source: path, Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit; not scanned", info.Size(), opts.MaxFileBytes)})
		return
	}
	f, err := os.Open(path)
	if err != nil {
		res.Files++
		res.Errors = append(res.Errors, posture.CollectionError{Source: path, Message: pathError(err)})
		return
	}
	defer f.Close()
	Read(f, path, opts, res) // Read caps again: the file may have grown since Stat
}

func pathError(err error) string {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return fmt.Sprintf("%s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}
