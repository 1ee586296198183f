package imagepkgs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/palisade-dev/palisade/collectors/imagepkgs"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

var observed = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// layerLog sums what the extractor logs of the layers it read.
type layerLog struct {
	mu    sync.Mutex
	reads int
	bytes int64
}

func (h *layerLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *layerLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *layerLog) WithGroup(string) slog.Handler            { return h }
func (h *layerLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "layer read" {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reads++
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "bytes" {
			h.bytes += a.Value.Int64()
		}
		return true
	})
	return nil
}

// extract runs Extract, logging how long it took and what it read.
func extract(t *testing.T, img v1.Image, o imagepkgs.Options) (*sbom.SBOM, *layerLog) {
	t.Helper()
	h := &layerLog{}
	o.Log = slog.New(h)
	if o.Now == nil {
		o.Now = func() time.Time { return observed }
	}
	start := time.Now()
	s, err := imagepkgs.Extract(context.Background(), img, o)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	t.Logf("extracted %d components in %v: %d layers read, %d bytes uncompressed", len(s.Components), time.Since(start).Round(time.Microsecond), h.reads, h.bytes)
	return s, h
}

func wantComponents(t *testing.T, got, want []sbom.Component) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("components:\n got %s\nwant %s", jsonLines(got), jsonLines(want))
	}
}

func jsonLines(cs []sbom.Component) string {
	var b strings.Builder
	for _, c := range cs {
		j, _ := json.Marshal(c)
		b.WriteString("\n  " + string(j))
	}
	return b.String()
}

func wantProblem(t *testing.T, s *sbom.SBOM, substr string) {
	t.Helper()
	for _, p := range s.Problems {
		if strings.Contains(p, substr) {
			return
		}
	}
	t.Errorf("no problem says %q; problems: %q", substr, s.Problems)
}

func wantNoProblems(t *testing.T, s *sbom.SBOM) {
	t.Helper()
	if len(s.Problems) > 0 {
		t.Errorf("problems: %q", s.Problems)
	}
}

// countingImage counts the reads of its layers' content.
type countingImage struct {
	v1.Image
	reads *atomic.Int32
}

func counting(img v1.Image) countingImage { return countingImage{Image: img, reads: new(atomic.Int32)} }

func (c countingImage) Layers() ([]v1.Layer, error) {
	ls, err := c.Image.Layers()
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = countingLayer{Layer: l, reads: c.reads}
	}
	return out, err
}

type countingLayer struct {
	v1.Layer
	reads *atomic.Int32
}

func (l countingLayer) Uncompressed() (io.ReadCloser, error) {
	l.reads.Add(1)
	return l.Layer.Uncompressed()
}

func (l countingLayer) Compressed() (io.ReadCloser, error) {
	l.reads.Add(1)
	return l.Layer.Compressed()
}

// rawLayer is a layer of given gzip bytes, however broken: its digest is theirs, its
// DiffID made up (nothing checks it), and Uncompressed decompresses as a registry layer's
// does.
type rawLayer struct{ gz []byte }

func (l rawLayer) Digest() (v1.Hash, error) {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(l.gz))}, nil
}
func (l rawLayer) DiffID() (v1.Hash, error) {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(append([]byte("diff"), l.gz...)))}, nil
}
func (l rawLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.gz)), nil
}
func (l rawLayer) Size() (int64, error)                { return int64(len(l.gz)), nil }
func (l rawLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (l rawLayer) Uncompressed() (io.ReadCloser, error) {
	zr, err := gzip.NewReader(bytes.NewReader(l.gz))
	if err != nil {
		return nil, err
	}
	return zr, nil
}

func withRawLayer(t *testing.T, img v1.Image, gz []byte) (v1.Image, string) {
	t.Helper()
	l := rawLayer{gz: gz}
	out, err := mutate.AppendLayers(img, l)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := l.Digest()
	return out, d.String()
}

func gzipBytes(t *testing.T, level int, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if _, err := zw.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layerDigests(t *testing.T, img v1.Image) []string {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.String())
	}
	return out
}

// deb is a component of the Debian 12 image's dpkg status.
func deb(name, version, source, purlTail string) sbom.Component {
	return sbom.Component{Ecosystem: "Debian:12", Name: name, Version: version, SourceName: source,
		SourceVersion: sourceVersion(source, version), Location: "var/lib/dpkg/status",
		PURL: "pkg:deb/debian/" + name + "@" + purlTail}
}

func sourceVersion(source, version string) string {
	if source == "" {
		return ""
	}
	return version
}
