// Package imagepkgstest builds container images in Go whose layers hold real-format
// package sources — Debian's dpkg status (and distroless status.d), Alpine's apk
// database, os-release files, Go executables, whiteouts — for tests of the layer extractor
// (collectors/imagepkgs), of what consumes its SBOMs, and for the demo seeder. Layers are
// deterministic: the same content gives the same layer digest, so images built separately
// share base layers the way real images do.
package imagepkgstest

import (
	"archive/tar"
	"bytes"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// Epoch is the time of every entry and history line: layers built twice are identical.
var Epoch = time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)

// File is one entry of a test layer.
type File struct {
	Path string // without a leading slash
	Body []byte
	Mode int64 // default 0644 (0755 for directories)
	Type byte  // default tar.TypeReg; tar.TypeSymlink and tar.TypeLink use Link
	Link string
}

// Exec is an executable regular file.
func Exec(p string, body []byte) File { return File{Path: p, Body: body, Mode: 0o755} }

// Symlink is a symbolic link p -> target.
func Symlink(p, target string) File { return File{Path: p, Type: tar.TypeSymlink, Link: target} }

// Whiteout is the entry deleting p from the layers below.
func Whiteout(p string) File {
	return File{Path: path.Join(path.Dir(p), ".wh."+path.Base(p))}
}

// Opaque is the entry hiding dir's content in the layers below.
func Opaque(dir string) File { return File{Path: path.Join(dir, ".wh..wh..opq")} }

// TarBytes writes files as a tar archive, each preceded by its parent directories (as
// image builders write them), in the order given.
func TarBytes(t registrytest.T, files ...File) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, f := range files {
		for _, d := range parents(f.Path) {
			if !dirs[d] {
				dirs[d] = true
				writeEntry(t, tw, File{Path: d + "/", Type: tar.TypeDir, Mode: 0o755})
			}
		}
		writeEntry(t, tw, f)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parents(p string) []string {
	var out []string
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		out = append(out, d)
	}
	slices.Reverse(out)
	return out
}

func writeEntry(t registrytest.T, tw *tar.Writer, f File) {
	t.Helper()
	h := &tar.Header{Name: f.Path, Typeflag: f.Type, Mode: f.Mode, Linkname: f.Link, ModTime: Epoch,
		Uname: "root", Gname: "root", Format: tar.FormatPAX}
	if h.Typeflag == 0 {
		h.Typeflag = tar.TypeReg
	}
	if h.Mode == 0 {
		h.Mode = 0o644
	}
	if h.Typeflag == tar.TypeReg {
		h.Size = int64(len(f.Body))
	}
	if err := tw.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	if h.Typeflag == tar.TypeReg {
		if _, err := tw.Write(f.Body); err != nil {
			t.Fatal(err)
		}
	}
}

// Layer is a gzip-compressed OCI layer of files.
func Layer(t registrytest.T, files ...File) v1.Layer {
	t.Helper()
	b := TarBytes(t, files...)
	return LayerFromTar(t, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// LayerFromTar is a gzip-compressed OCI layer of the tar stream open returns (compressed
// once and kept, so that pushing and reading it again cost no more gzip).
func LayerFromTar(t registrytest.T, open tarball.Opener) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(open, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Base is an image without layers: linux/amd64, OCI media types, a PATH and a creation
// time — what `FROM scratch` gives.
func Base(t registrytest.T) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: Epoch}
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Append adds a layer to img, with the history line a Dockerfile step would leave.
func Append(t registrytest.T, img v1.Image, createdBy string, l v1.Layer) v1.Image {
	t.Helper()
	out, err := mutate.Append(img, mutate.Addendum{Layer: l,
		History: v1.History{CreatedBy: createdBy, Created: v1.Time{Time: Epoch}}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// WithFiles appends a layer of files.
func WithFiles(t registrytest.T, img v1.Image, createdBy string, files ...File) v1.Image {
	t.Helper()
	return Append(t, img, createdBy, Layer(t, files...))
}

// WithWhiteout appends a layer deleting p (a file or a directory), as `RUN rm -rf /p`
// does.
func WithWhiteout(t registrytest.T, img v1.Image, p string) v1.Image {
	t.Helper()
	p = strings.TrimPrefix(p, "/")
	return WithFiles(t, img, "RUN /bin/sh -c rm -rf /"+p+" # buildkit", Whiteout(p))
}

// WithOpaqueDir appends a layer that replaces dir's content with files (each under dir),
// as `RUN rm -rf /dir && mkdir /dir && …` does on overlayfs.
func WithOpaqueDir(t registrytest.T, img v1.Image, dir string, files ...File) v1.Image {
	t.Helper()
	dir = strings.TrimPrefix(dir, "/")
	return WithFiles(t, img, "RUN /bin/sh -c rm -rf /"+dir+" && mkdir /"+dir+" # buildkit",
		append([]File{Opaque(dir)}, files...)...)
}
