package imagepkgs_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/collectors/imagepkgs"
	ipt "github.com/palisade-dev/palisade/collectors/imagepkgs/imagepkgstest"
)

const mib = 1 << 20

func TestLimitsDefaults(t *testing.T) {
	got := imagepkgs.Limits{Entries: 10, LayerBytes: -1}.WithDefaults()
	want := imagepkgs.Limits{LayerBytes: 4 << 30, ImageBytes: 8 << 30, Entries: 10, DBFileBytes: 64 * mib,
		BinaryBytes: 256 * mib, Binaries: 500, Packages: 100_000, Paths: 100_000}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// gzipBomb is a layer of one tar entry of size zero bytes: the tar header, then gzip
// members of 16 MiB of zeros each (concatenated members are one stream), about 16 KiB
// compressed apiece.
func gzipBomb(t *testing.T, size int64) []byte {
	t.Helper()
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Name: "var/tmp/zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	out := gzipBytes(t, gzip.BestCompression, hdr.Bytes())
	member := gzipBytes(t, gzip.BestCompression, make([]byte, 16*mib))
	for range size / (16 * mib) {
		out = append(out, member...)
	}
	return out
}

// allocated runs f and returns the bytes the process allocated meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A few MB of gzip that decompress to 4 GiB: reading stops at the limit, memory stays
// small whatever the limit (streaming), and the partial facts are not cached.
func TestGzipBombLayer(t *testing.T) {
	bomb := gzipBomb(t, 4<<30)
	t.Logf("bomb: %d bytes compressed, 4 GiB uncompressed", len(bomb))
	img, layer := withRawLayer(t, ipt.DebianImage(t, "12"), bomb)
	for _, limit := range []int64{8 * mib, 256 * mib} {
		cache := imagepkgs.NewMemoryCache()
		var h *layerLog
		alloc := allocated(func() {
			sb, hh := extract(t, img, imagepkgs.Options{Cache: cache, Limits: imagepkgs.Limits{LayerBytes: limit}})
			h = hh
			wantProblem(t, sb, fmt.Sprintf("layer %s is larger than %d MiB uncompressed: the rest of it was not read", layer, limit/mib))
			if len(sb.Components) != 5 {
				t.Errorf("%d components: the base layer's packages are lost", len(sb.Components))
			}
		})
		t.Logf("limit %d MiB: read %d bytes, allocated %d bytes", limit/mib, h.bytes, alloc)
		if alloc > 16*mib {
			t.Errorf("allocated %d bytes reading a %d MiB stream: not streaming", alloc, limit/mib)
		}
		if _, ok, _ := cache.Layer(context.Background(), layer); ok || cache.Len() != 1 {
			t.Errorf("partial layer cached (cache holds %d)", cache.Len())
		}
	}
}

func TestImageBytesLimit(t *testing.T) {
	zeros := ipt.File{Path: "var/tmp/zeros", Body: make([]byte, 6*mib)}
	img := ipt.WithFiles(t, ipt.Base(t), "one", zeros)
	img = ipt.WithFiles(t, img, "two", zeros, ipt.File{Path: "var/tmp/two"})
	img = ipt.WithFiles(t, img, "three", ipt.File{Path: "var/tmp/three"})
	d := layerDigests(t, img)
	s, h := extract(t, img, imagepkgs.Options{Limits: imagepkgs.Limits{ImageBytes: 8 * mib}})
	wantProblem(t, s, "layer "+d[1]+" was not read to its end: the image's layers are larger than 8 MiB uncompressed in all")
	wantProblem(t, s, "layer "+d[2]+" was not read: the image's layers are larger than 8 MiB uncompressed in all")
	if h.bytes != 8*mib || len(s.Problems) != 2 {
		t.Errorf("read %d bytes, problems %q", h.bytes, s.Problems)
	}
}

// Over the entries limit the layer is not cached, so that bigger limits can read it later.
func TestEntriesLimit(t *testing.T) {
	var files []ipt.File
	for i := range 1200 {
		files = append(files, ipt.File{Path: fmt.Sprintf("usr/share/doc/f%04d", i)})
	}
	files = append(files, ipt.File{Path: "var/lib/dpkg/status", Body: ipt.DpkgStatus(ipt.DefaultDebPackages()...)},
		ipt.File{Path: "usr/lib/os-release", Body: []byte("ID=debian\nVERSION_ID=\"12\"\n")})
	img := ipt.WithFiles(t, ipt.Base(t), "many files", files...)
	layer := layerDigests(t, img)[0]
	cache := imagepkgs.NewMemoryCache()
	s, _ := extract(t, img, imagepkgs.Options{Cache: cache, Limits: imagepkgs.Limits{Entries: 1000}})
	wantProblem(t, s, "layer "+layer+" has more than 1000 entries: the rest of it was not read")
	if len(s.Components) != 0 || cache.Len() != 0 {
		t.Errorf("%d components, %d cached", len(s.Components), cache.Len())
	}
	s, _ = extract(t, img, imagepkgs.Options{Cache: cache})
	wantNoProblems(t, s)
	if len(s.Components) != 5 || cache.Len() != 1 {
		t.Errorf("with default limits: %d components, %d cached", len(s.Components), cache.Len())
	}
}

// An oversized dpkg status is not read; it still replaces the earlier layer's, whose
// list would be stale.
func TestOversizedDpkgStatus(t *testing.T) {
	var pkgs []ipt.DebPackage
	for i := range 400 {
		pkgs = append(pkgs, ipt.DebPackage{Name: fmt.Sprintf("pkg%d", i), Version: "1.0-1"})
	}
	img := ipt.WithDpkgStatus(t, ipt.DebianImage(t, "12"), "RUN apt-get install -y everything", pkgs...)
	layer := layerDigests(t, img)[1]
	cache := imagepkgs.NewMemoryCache()
	s, _ := extract(t, img, imagepkgs.Options{Cache: cache, Limits: imagepkgs.Limits{DBFileBytes: 64 << 10}})
	wantProblem(t, s, "var/lib/dpkg/status in layer "+layer+" is larger than 64 KiB: it was not read")
	if len(s.Components) != 0 || cache.Len() != 1 {
		t.Errorf("%d components, %d layers cached (want 0, the base only)", len(s.Components), cache.Len())
	}
}

func TestPackagesLimit(t *testing.T) {
	img := ipt.DebianImage(t, "12")
	layer := layerDigests(t, img)[0]
	cache := imagepkgs.NewMemoryCache()
	s, _ := extract(t, img, imagepkgs.Options{Cache: cache, Limits: imagepkgs.Limits{Packages: 3}})
	wantProblem(t, s, "var/lib/dpkg/status in layer "+layer+" lists more than 3 packages: the rest were not read")
	if len(s.Components) != 3 || cache.Len() != 0 {
		t.Errorf("%d components, %d cached", len(s.Components), cache.Len())
	}
	s, _ = extract(t, ipt.WithGoApp(t, img, "app"), imagepkgs.Options{Limits: imagepkgs.Limits{Packages: 6}})
	wantProblem(t, s, "the image holds more than 6 packages: only the first 6 are listed")
	if len(s.Components) != 6 {
		t.Errorf("%d components", len(s.Components))
	}
}

func TestGoBinaryLimits(t *testing.T) {
	app := ipt.GoApp(t)
	t.Run("too large", func(t *testing.T) {
		img := ipt.WithGoApp(t, ipt.Base(t), "usr/local/bin/app")
		s, _ := extract(t, img, imagepkgs.Options{Limits: imagepkgs.Limits{BinaryBytes: mib}})
		wantProblem(t, s, "usr/local/bin/app in layer "+layerDigests(t, img)[0]+" is larger than 1 MiB: it was not examined for Go modules")
		if len(s.Components) != 0 {
			t.Errorf("components %v", s.Components)
		}
	})
	t.Run("too many in a layer", func(t *testing.T) {
		img := ipt.WithFiles(t, ipt.Base(t), "COPY", ipt.Exec("bin/a", app), ipt.Exec("bin/b", app))
		s, _ := extract(t, img, imagepkgs.Options{Limits: imagepkgs.Limits{Binaries: 1}})
		wantProblem(t, s, "layer "+layerDigests(t, img)[0]+" holds more than 1 Go executables: the others were not examined")
		if len(s.Components) != 2 || s.Components[0].Location != "bin/a" {
			t.Errorf("components %v", s.Components)
		}
	})
	t.Run("too many in the image", func(t *testing.T) {
		img := ipt.WithGoApp(t, ipt.WithGoApp(t, ipt.Base(t), "bin/a"), "bin/b")
		s, _ := extract(t, img, imagepkgs.Options{Limits: imagepkgs.Limits{Binaries: 1}})
		wantProblem(t, s, "the image holds more than 1 Go executables: only the modules of the first 1 are listed")
		if len(s.Components) != 2 {
			t.Errorf("components %v", s.Components)
		}
	})
}

// Broken streams are problems of the SBOM, never a panic or an error; nothing is cached.
func TestBrokenLayers(t *testing.T) {
	l, err := ipt.DebianImage(t, "12").Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	good, _ := io.ReadAll(rc)
	cases := map[string]struct {
		gz   []byte
		want string
	}{
		"truncated":     {good[:len(good)/2], "unexpected EOF"},
		"not a tar":     {gzipBytes(t, gzip.BestSpeed, bytes.Repeat([]byte("this is not a tar archive\n"), 100)), "could not be read"},
		"not gzip":      {[]byte("plain text, neither gzip nor tar"), "could not be read"},
		"trailing junk": {append(append([]byte{}, good...), "junk after the gzip stream"...), "could not be read (gzip: invalid header)"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			img, layer := withRawLayer(t, ipt.Base(t), c.gz)
			cache := imagepkgs.NewMemoryCache()
			s, _ := extract(t, img, imagepkgs.Options{Cache: cache})
			wantProblem(t, s, "layer "+layer)
			wantProblem(t, s, c.want)
			if cache.Len() != 0 {
				t.Errorf("broken layer cached")
			}
		})
	}
}

func TestContextCancellation(t *testing.T) {
	img, _ := withRawLayer(t, ipt.Base(t), gzipBomb(t, 4<<30))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := imagepkgs.Extract(ctx, img, imagepkgs.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// While the 4 GiB entry is being skipped (copied to nowhere), the deadline stops it.
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := imagepkgs.Extract(ctx, img, imagepkgs.Options{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("deadline: %v after %v", err, time.Since(start))
	}
}
