package imagepkgstest

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

// goLayers keeps the Go executable layers built, by path in the image: the executable is
// compressed once per process.
var goLayers = struct {
	sync.Mutex
	byPath map[string]v1.Layer
}{byPath: map[string]v1.Layer{}}

// WithGoBinary appends a layer holding a real Go executable at p: the running program
// itself (os.Executable), which needs no compiler — the demo seeder's binary lists every
// module it was built with. Under `go test` it is the test binary, whose build
// information names the standard library only (cmd/go records no dependencies for test
// binaries, and the main module is "(devel)"); WithGoApp gives one with a dependency. The
// file is streamed into the tar, never held whole in memory; the compressed layer is
// built once per process and path.
func WithGoBinary(t registrytest.T, img v1.Image, p string) v1.Image {
	t.Helper()
	p = strings.TrimPrefix(p, "/")
	return Append(t, img, "COPY /out/app /"+p+" # buildkit", goBinaryLayer(t, p))
}

// ScratchGoImage is a `FROM scratch` image holding only the Go executable at p.
func ScratchGoImage(t registrytest.T, p string) v1.Image {
	t.Helper()
	return WithGoBinary(t, Base(t), p)
}

func goBinaryLayer(t registrytest.T, p string) v1.Layer {
	t.Helper()
	goLayers.Lock()
	defer goLayers.Unlock()
	if l, ok := goLayers.byPath[p]; ok {
		return l
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	l := LayerFromTar(t, func() (io.ReadCloser, error) {
		f, err := os.Open(exe)
		if err != nil {
			return nil, err
		}
		pr, pw := io.Pipe()
		go func() {
			defer f.Close()
			pw.CloseWithError(writeFileTar(pw, p, st.Size(), f))
		}()
		return pr, nil
	})
	goLayers.byPath[p] = l
	return l
}

// writeFileTar writes a tar of one executable of size bytes at p, after its parent
// directories.
func writeFileTar(w io.Writer, p string, size int64, body io.Reader) error {
	tw := tar.NewWriter(w)
	for _, d := range parents(p) {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: Epoch}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o755, Size: size, ModTime: Epoch}); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, body, size); err != nil {
		return err
	}
	return tw.Close()
}

// goApp is the program of testdata/goapp, built once per process.
var goApp struct {
	once sync.Once
	b    []byte
	err  error
}

// GoApp is a small real Go executable (about 2 MB) whose build information names the
// standard library and github.com/package-url/packageurl-go at the version go.mod
// requires: testdata/goapp, built with the go command once per process (about a second,
// offline: the module is in the module cache). It needs the source tree, so tests only.
func GoApp(t registrytest.T) []byte {
	t.Helper()
	goApp.once.Do(func() { goApp.b, goApp.err = buildGoApp() })
	if goApp.err != nil {
		t.Fatalf("build testdata/goapp: %v", goApp.err)
	}
	return goApp.b
}

func buildGoApp() ([]byte, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("no source path")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir, err := os.MkdirTemp("", "palisade-goapp-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "goapp")
	cmd := exec.Command(goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(self), "testdata", "goapp")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, msg)
	}
	return os.ReadFile(out)
}

// WithGoApp appends a layer holding GoApp at p.
func WithGoApp(t registrytest.T, img v1.Image, p string) v1.Image {
	t.Helper()
	p = strings.TrimPrefix(p, "/")
	return WithFiles(t, img, "COPY /out/goapp /"+p+" # buildkit", Exec(p, GoApp(t)))
}
