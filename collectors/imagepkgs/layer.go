package imagepkgs

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// Paths of the files read (as in a layer's tar, without a leading slash).
const (
	osReleaseEtc = "etc/os-release"
	osReleaseLib = "usr/lib/os-release"
	dpkgStatus   = "var/lib/dpkg/status"
	dpkgStatusD  = "var/lib/dpkg/status.d"
	apkInstalled = "lib/apk/db/installed"
)

// layerReader reads one layer's tar stream once, from start to end, keeping the facts.
type layerReader struct {
	digest          string
	lim             Limits
	facts           *LayerFacts
	complete        bool           // false once a limit was hit or the stream broke: facts are partial
	paths           int            // whiteouts, opaque dirs and replaced paths recorded
	goIndex         map[string]int // path -> index in facts.GoBinaries
	tooManyBinaries bool
	spool           *os.File // one temp file per layer, rewritten for each ELF executable
}

// readLayer reads the layer's uncompressed stream within the limits, spending imageBudget
// (bytes the image may still read). The error is only ctx's: everything else the layer
// does wrong is a Problem, and complete is false when the facts are partial.
func readLayer(ctx context.Context, layer v1.Layer, digest string, lim Limits, imageBudget *int64) (*LayerFacts, bool, error) {
	r := &layerReader{digest: digest, lim: lim, complete: true, goIndex: map[string]int{},
		facts: &LayerFacts{Version: factsVersion}}
	defer r.closeSpool()
	rc, err := layer.Uncompressed()
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		r.problemf("layer %s could not be read: %v", digest, err)
		return r.facts, false, nil
	}
	defer rc.Close()
	br := &boundedReader{ctx: ctx, r: rc, layerLimit: lim.LayerBytes, image: imageBudget}
	err = r.readTar(ctx, br)
	if err == nil {
		// Read to the end of the stream: the padding after the tar's end counts, and a
		// registry layer's digest is verified only when its stream is read to EOF.
		_, err = io.Copy(io.Discard, br)
	}
	r.facts.BytesRead = br.n
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		r.streamProblem(br, err)
	}
	r.compact()
	return r.facts, r.complete, nil
}

// readTar walks the tar entries; it returns when the archive ends, the stream fails or the
// entries limit is reached.
func (r *layerReader) readTar(ctx context.Context, br *boundedReader) error {
	tr := tar.NewReader(br)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		r.facts.Entries++
		if r.facts.Entries > r.lim.Entries {
			r.problemf("layer %s has more than %d entries: the rest of it was not read", r.digest, r.lim.Entries)
			r.complete = false
			return nil
		}
		if err := r.entry(hdr, tr); err != nil {
			return err
		}
	}
}

// streamProblem says why a layer's stream stopped early.
func (r *layerReader) streamProblem(br *boundedReader, err error) {
	switch br.exceeded {
	case "layer":
		r.problemf("layer %s is larger than %s uncompressed: the rest of it was not read", r.digest, formatBytes(r.lim.LayerBytes))
	case "image":
		r.problemf("layer %s was not read to its end: the image's layers are larger than %s uncompressed in all", r.digest, formatBytes(r.lim.ImageBytes))
	default:
		r.problemf("layer %s could not be read (%s): packages it holds may be missing", r.digest, posture.CleanText(err.Error()))
	}
	r.complete = false
}

// entry handles one tar entry; an error is the stream's (or the spool file's).
func (r *layerReader) entry(hdr *tar.Header, body io.Reader) error {
	name := cleanPath(hdr.Name)
	if name == "" {
		return nil
	}
	if base := path.Base(name); strings.HasPrefix(base, ".wh.") {
		r.whiteout(cleanPath(path.Dir(name)), base)
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return nil
	case tar.TypeReg:
		return r.regular(name, hdr, body)
	case tar.TypeLink:
		r.hardLink(name, cleanPath(hdr.Linkname))
		return nil
	}
	r.replace(name) // a symlink, device or fifo now stands where a file may have been
	return nil
}

// regular handles a regular file: a database, an os-release, or an executable.
func (r *layerReader) regular(name string, hdr *tar.Header, body io.Reader) error {
	var err error
	switch {
	case name == osReleaseEtc || name == osReleaseLib:
		err = r.osRelease(name, hdr.Size, body)
	case name == dpkgStatus:
		r.facts.Dpkg, err = r.dbFile(name, hdr.Size, body, func(rd io.Reader, max int) ([]OSPackage, bool, error) {
			return parseDpkg(rd, true, max)
		})
	case path.Dir(name) == dpkgStatusD && !strings.HasSuffix(name, ".md5sums"):
		var part *DBFile
		if part, err = r.dbFile(name, hdr.Size, body, func(rd io.Reader, max int) ([]OSPackage, bool, error) {
			return parseDpkg(rd, false, max)
		}); part != nil {
			r.facts.DpkgParts = append(r.facts.DpkgParts, *part)
		}
	case name == apkInstalled:
		r.facts.Apk, err = r.dbFile(name, hdr.Size, body, parseApk)
	case hdr.Mode&0o111 != 0:
		err = r.executable(name, hdr.Size, body)
	}
	return err
}

func (r *layerReader) osRelease(name string, size int64, body io.Reader) error {
	if size > r.lim.DBFileBytes {
		r.tooLarge(name)
		return nil
	}
	d, err := parseOSRelease(body)
	if err != nil {
		return err
	}
	if d == nil {
		r.replace(name)
		return nil
	}
	if r.facts.OSRelease == nil {
		r.facts.OSRelease = map[string]*sbom.Distro{}
	}
	r.facts.OSRelease[name] = d
	return nil
}

// dbFile reads a package database within the size and package limits; nil when it was
// not read (the path is then recorded as replaced: what an earlier layer said is stale).
func (r *layerReader) dbFile(name string, size int64, body io.Reader, parse func(io.Reader, int) ([]OSPackage, bool, error)) (*DBFile, error) {
	if size > r.lim.DBFileBytes {
		r.tooLarge(name)
		return nil, nil
	}
	pkgs, complete, err := parse(body, r.lim.Packages)
	if err != nil {
		return nil, err
	}
	if !complete {
		r.problemf("%s in layer %s lists more than %d packages: the rest were not read", name, r.digest, r.lim.Packages)
		r.complete = false
	}
	return &DBFile{Path: name, Packages: pkgs}, nil
}

func (r *layerReader) tooLarge(name string) {
	r.problemf("%s in layer %s is larger than %s: it was not read", name, r.digest, formatBytes(r.lim.DBFileBytes))
	r.complete = false
	r.replace(name)
}

// whiteout records a deletion: ".wh..wh..opq" hides dir's earlier content, ".wh.<name>"
// deletes dir/<name>; other ".wh..wh." names are aufs bookkeeping.
func (r *layerReader) whiteout(dir, base string) {
	switch {
	case base == ".wh..wh..opq":
		r.recordPath(&r.facts.Opaque, dir)
	case strings.HasPrefix(base, ".wh..wh."):
	default:
		r.recordPath(&r.facts.Whiteouts, cleanPath(path.Join(dir, strings.TrimPrefix(base, ".wh."))))
	}
}

// replace records that this layer put something unreadable or irrelevant at name, and
// forgets what this layer itself said of name earlier in its stream.
func (r *layerReader) replace(name string) {
	if i, ok := r.goIndex[name]; ok {
		r.facts.GoBinaries[i].Path = "" // dropped by compact
		delete(r.goIndex, name)
	}
	switch {
	case r.facts.Dpkg != nil && r.facts.Dpkg.Path == name:
		r.facts.Dpkg = nil
	case r.facts.Apk != nil && r.facts.Apk.Path == name:
		r.facts.Apk = nil
	}
	delete(r.facts.OSRelease, name)
	r.recordPath(&r.facts.Replaced, name)
}

func (r *layerReader) recordPath(list *[]string, p string) {
	if r.paths >= r.lim.Paths {
		if r.paths == r.lim.Paths {
			r.problemf("layer %s deletes or replaces more than %d paths: packages an earlier layer held may be listed although this layer removed them", r.digest, r.lim.Paths)
			r.complete = false
			r.paths++
		}
		return
	}
	r.paths++
	*list = append(*list, p)
}

func (r *layerReader) problemf(format string, args ...any) {
	r.facts.Problems = append(r.facts.Problems, posture.CleanText(fmt.Sprintf(format, args...)))
}

// compact drops Go binaries the layer replaced later in its own stream.
func (r *layerReader) compact() {
	out := r.facts.GoBinaries[:0]
	for _, b := range r.facts.GoBinaries {
		if b.Path != "" {
			out = append(out, b)
		}
	}
	r.facts.GoBinaries = out
	if len(out) == 0 {
		r.facts.GoBinaries = nil
	}
}

// cleanPath is a tar entry name as a relative, clean path ("./usr/bin/x/" is
// "usr/bin/x"); "" is the root. Names are only compared, never opened.
func cleanPath(name string) string {
	p := strings.TrimPrefix(path.Clean("/"+name), "/")
	return posture.CleanText(p)
}
