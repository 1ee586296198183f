package manifests

import (
	"context"
	"fmt"
	"io"
	"io/fs"
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
	fsys := opts.fileSystem()
	res := NewResult()
	var files []string
	for _, p := range paths {
		if p == StdinPath {
			files = append(files, StdinPath)
			continue
		}
		info, err := fsys.stat(p)
		if err != nil {
			res.Errors = append(res.Errors, posture.CollectionError{Source: fsys.display(p), Message: fsys.describe(err)})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		files = append(files, walk(fsys, p, res)...)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(files) > opts.MaxFiles {
		res.Errors = append(res.Errors, posture.CollectionError{Source: fsys.display(paths[0]), Message: fmt.Sprintf("more than %d files; the rest were not scanned", opts.MaxFiles)})
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
				readFile(fsys, files[i], opts, part)
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

// specialKind names a file type that is neither a regular file, a directory nor a link.
func specialKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// walk lists the manifest files under dir in lexical order, skipping hidden directories.
// Symbolic links to directories are not followed; one that leaves a confining root is
// reported, so that nothing out of the root is skipped without a word.
func walk(fsys fileSystem, dir string, res *Result) []string {
	var found []string
	top := true // the walk's first entry is dir itself, in whatever form the walker gives it
	walkErr := fsys.walkDir(dir, func(path string, d fs.DirEntry, err error) error {
		isTop := top
		top = false
		if err != nil {
			res.Errors = append(res.Errors, posture.CollectionError{Source: fsys.display(path), Message: fsys.describe(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if !isTop && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		isLink := d.Type()&fs.ModeSymlink != 0
		switch {
		case (d.Type().IsRegular() || isLink) && IsManifestFile(d.Name()):
			found = append(found, path) // readFile checks where a link leads
		case isLink:
			if err := fsys.checkLink(path); err != nil {
				res.Errors = append(res.Errors, posture.CollectionError{Source: fsys.display(path), Message: fsys.describe(err)})
			}
		case !d.Type().IsRegular():
			// A named pipe, socket or device is never read (a pipe would block the scan), and
			// never skipped in silence: something in the tree was not scanned.
			res.Errors = append(res.Errors, posture.CollectionError{Source: fsys.display(path),
				Message: "not a regular file (" + specialKind(d.Type()) + "); not scanned"})
		}
		return nil
	})
	if walkErr != nil {
		res.Errors = append(res.Errors, posture.CollectionError{Source: fsys.display(dir), Message: fsys.describe(walkErr)})
	}
	sort.Strings(found)
	return found
}

// readFile reads one file; through a root, stat and open each resolve the path again
// inside it, so swapping the file for a link between the walk and the read changes nothing.
func readFile(fsys fileSystem, path string, opts Options, res *Result) {
	source := fsys.display(path)
	fail := func(msg string) {
		res.Files++
		res.Errors = append(res.Errors, posture.CollectionError{Source: source, Message: msg})
	}
	info, err := fsys.stat(path)
	if err != nil {
		fail(fsys.describe(err))
		return
	}
	if info.IsDir() {
		return // a symlink to a directory: not followed
	}
	if !info.Mode().IsRegular() {
		fail("not a regular file (" + specialKind(info.Mode()) + "); not scanned")
		return
	}
	if info.Size() > opts.MaxFileBytes {
		fail(fmt.Sprintf("file is %d bytes, larger than the %d-byte limit; not scanned", info.Size(), opts.MaxFileBytes))
		return
	}
	f, err := fsys.open(path)
	if err != nil {
		fail(fsys.describe(err))
		return
	}
	defer f.Close()
	readSized(f, source, info.Size(), opts, res) // caps again: the file may have grown since Stat
}

func pathError(err error) string {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return fmt.Sprintf("%s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}
