package manifests

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

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
	var files []string
	for _, p := range paths {
		if p == StdinPath {
			files = append(files, StdinPath)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			res.Errors = append(res.Errors, posture.CollectionError{Source: p, Message: pathError(err)})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		files = append(files, walk(p, res)...)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(files) > opts.MaxFiles {
		res.Errors = append(res.Errors, posture.CollectionError{Source: paths[0], Message: fmt.Sprintf("more than %d files; the rest were not scanned", opts.MaxFiles)})
		files = files[:opts.MaxFiles]
	}
	// Decode files on every core; merge them in file order as they finish, so the result
	// does not depend on scheduling and decoded objects join the (compacting) inventory
	// early instead of all waiting for the last file. Stdin is read in order, once.
	parts := make([]*Result, len(files))
	var mu sync.Mutex
	merged := 0
	mergeReady := func() {
		for merged < len(parts) && parts[merged] != nil {
			res.merge(parts[merged])
			res.flush()
			parts[merged] = nil
			merged++
		}
	}
	done := func(i int, part *Result) {
		mu.Lock()
		defer mu.Unlock()
		parts[i] = part
		mergeReady()
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), max(len(files), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				part := &Result{}
				readFile(files[i], opts, part)
				done(i, part)
			}
		}()
	}
	var err error
	for i, f := range files {
		if err = ctx.Err(); err != nil {
			break
		}
		if f == StdinPath {
			part := &Result{}
			if stdin == nil {
				part.Errors = append(part.Errors, posture.CollectionError{Source: StdinPath, Message: "no standard input available"})
			} else {
				read(stdin, StdinPath, opts, part)
			}
			done(i, part)
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return res, err
	}
	res.flush()
	res.Inventory.Compact()
	return res, nil
}

// walk lists the manifest files under dir in lexical order, skipping hidden directories.
func walk(dir string, res *Result) []string {
	var found []string
	walkErr := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			res.Errors = append(res.Errors, posture.CollectionError{Source: path, Message: pathError(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) && IsManifestFile(d.Name()) {
			found = append(found, path)
		}
		return nil
	})
	if walkErr != nil {
		res.Errors = append(res.Errors, posture.CollectionError{Source: dir, Message: pathError(walkErr)})
	}
	sort.Strings(found)
	return found
}

func readFile(path string, opts Options, res *Result) {
	info, err := os.Stat(path)
	if err != nil {
		res.Files++
		res.Errors = append(res.Errors, posture.CollectionError{Source: path, Message: pathError(err)})
		return
	}
	if info.IsDir() {
		return // a symlink to a directory: not followed
	}
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
	read(f, path, opts, res) // read caps again: the file may have grown since Stat
}

func pathError(err error) string {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return fmt.Sprintf("%s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}
