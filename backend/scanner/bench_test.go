package scanner

// Benchmarks of `palisade scan` against the cost of merely reading the same YAML (issue 16):
//
//   - BenchmarkDecodeFloor/<corpus>: every document of every file into map[string]any with
//     gopkg.in/yaml.v3, on one goroutine: the floor.
//   - BenchmarkScan/<corpus>: manifests.Load + Run with the JSON report written to
//     io.Discard, as `palisade scan -o json` does, on a fresh heap; then the floor on the
//     same files in the same process. It reports cpu-s, floor-cpu-s, x-floor (the budget is
//     2), peak-MB (of the scan alone), inventory-MB (the live heap after loading: the
//     cross-object indexes, for linear growth) and findings.
//
// Corpora: real-world (the manifests of pinned public projects, scripts/corpus.sh, from
// $PALISADE_CORPUS_REALWORLD; skipped when unset), the synthetic cluster at two sizes (15.5k
// and 77.5k objects: linear growth is judged between them) and two single files at the size
// limit's worst (a Pod with 20,000 containers, a List of 10,000 Pods). scripts/bench.sh runs
// each in its own process.

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/report"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/manifests"
	"github.com/palisade-dev/palisade/internal/synth"
)

// corpus writes (or finds) a corpus and returns its directory.
type corpus func(b *testing.B) string

var corpora = map[string]corpus{
	"realworld": func(b *testing.B) string {
		dir := os.Getenv("PALISADE_CORPUS_REALWORLD")
		if dir == "" {
			b.Skip("PALISADE_CORPUS_REALWORLD not set (scripts/corpus.sh builds it; scripts/bench.sh sets it)")
		}
		return dir
	},
	"synthetic-15k": synthetic(synth.Spec{Seed: 1, Workloads: 2200, Pods: 4400, RBACBindings: 550}),
	"synthetic-77k": synthetic(synth.Spec{Seed: 1, Workloads: 11000, Pods: 22000, RBACBindings: 2750}),
	"pod-20k-containers": oneFile(func(w *strings.Builder) {
		w.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: wide, namespace: shop}\nspec:\n  containers:\n")
		for i := 0; i < 20000; i++ {
			fmt.Fprintf(w, "  - {name: c%05d, image: \"registry.example.com/app:1.0\", securityContext: {privileged: true}}\n", i)
		}
	}),
	"list-10k-pods": oneFile(func(w *strings.Builder) {
		w.WriteString("apiVersion: v1\nkind: List\nitems:\n")
		for i := 0; i < 10000; i++ {
			fmt.Fprintf(w, "- {apiVersion: v1, kind: Pod, metadata: {name: p%05d, namespace: ns%02d}, spec: {containers: [{name: app, image: \"nginx:latest\"}]}}\n", i, i%50)
		}
	}),
}

func synthetic(spec synth.Spec) corpus {
	return func(b *testing.B) string {
		dir := b.TempDir()
		if _, err := synth.WriteYAML(spec, dir); err != nil {
			b.Fatal(err)
		}
		return dir
	}
}

func oneFile(write func(*strings.Builder)) corpus {
	return func(b *testing.B) string {
		var w strings.Builder
		write(&w)
		dir := b.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(w.String()), 0o600); err != nil {
			b.Fatal(err)
		}
		return dir
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// decodeFloor reads every manifest file and decodes each document into map[string]any.
func decodeFloor(b *testing.B, dir string) (docs int, bytesRead int64) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !manifests.IsManifestFile(p) {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		bytesRead += int64(len(raw))
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var m map[string]any
			if err := dec.Decode(&m); err == io.EOF {
				break
			} else if err != nil {
				break // a real-world file the floor cannot read either: the rest of it is skipped
			}
			docs++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return docs, bytesRead
}

func BenchmarkDecodeFloor(b *testing.B) {
	for _, name := range sortedNames() {
		b.Run(name, func(b *testing.B) {
			dir := corpora[name](b)
			b.ResetTimer()
			c0 := cpuSeconds()
			var docs int
			var size int64
			for i := 0; i < b.N; i++ {
				docs, size = decodeFloor(b, dir)
			}
			b.ReportMetric((cpuSeconds()-c0)/float64(b.N), "cpu-s")
			b.ReportMetric(float64(docs), "documents")
			b.ReportMetric(float64(size)/(1<<20), "input-MB")
		})
	}
}

func BenchmarkScan(b *testing.B) {
	for _, name := range sortedNames() {
		b.Run(name, func(b *testing.B) {
			dir := corpora[name](b)
			reset := synth.ResetPeakRSS()
			tune := TuneGC(os.Environ())
			b.ResetTimer()
			var cpus, floors []float64
			var out Outcome
			var inventoryMB, peak float64
			var objects int
			peakOK := false
			for i := 0; i < b.N; i++ {
				c0 := cpuSeconds()
				res, err := manifests.Load(b.Context(), []string{dir}, nil, manifests.Options{})
				if err != nil {
					b.Fatal(err)
				}
				objects = res.Read
				if i == 0 {
					inventoryMB = liveMB()
				}
				out = scanOnce(b, res)
				cpus = append(cpus, cpuSeconds()-c0)
				if i == 0 {
					peak, peakOK = synth.PeakRSSMB()
				}
				// The floor after the scan, so that the scan starts on a fresh heap as
				// the command does; runs alternate, so that a slow moment of a shared
				// machine falls on both.
				runtime.GC()
				c0 = cpuSeconds()
				decodeFloor(b, dir)
				floors = append(floors, cpuSeconds()-c0)
				runtime.GC()
			}
			b.StopTimer()
			tune()
			cpu, floor := median(cpus), median(floors)
			b.ReportMetric(cpu, "cpu-s")
			b.ReportMetric(floor, "floor-cpu-s")
			b.ReportMetric(cpu/floor, "x-floor")
			b.ReportMetric(inventoryMB, "inventory-MB")
			b.ReportMetric(float64(objects), "objects")
			b.ReportMetric(float64(out.Summary.Findings), "findings")
			if peakOK && reset {
				b.ReportMetric(peak, "peak-MB")
			}
		})
	}
}

// scanOnce runs the scan of a load with the JSON report discarded.
func scanOnce(b *testing.B, res *manifests.Result) Outcome {
	cfg := checks.DefaultConfig()
	cfg.OnlyDeclaredNamespaces = true
	st, err := report.NewStream(io.Discard, report.FormatJSON, report.Meta{Rules: RuleIDs(checks.Builtin())})
	if err != nil {
		b.Fatal(err)
	}
	out, err := Run(Input{Inventory: res.Inventory, Sources: res.Sources, Errors: res.Errors, Warnings: res.Warnings, Manifests: res},
		Options{Catalog: checks.Builtin(), Config: cfg, Score: scoring.Options{IgnoreAttestations: true}}, st)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// liveMB is the heap still in use after a collection: what the scan keeps.
func liveMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func sortedNames() []string {
	return []string{"list-10k-pods", "pod-20k-containers", "realworld", "synthetic-15k", "synthetic-77k"}
}
