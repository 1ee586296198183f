package checks_test

// Benchmarks for the budgets of ARCHITECTURE.md ("Performance budgets") on the synthetic
// cluster of internal/synth: 100,000 pods / 20,000 workloads / 5,000 RBAC bindings.
// scripts/bench.sh runs each heavy benchmark alone in its own process, so that the
// peak-MB metric (the process's VmHWM) belongs to that benchmark, and prints a table.
// PALISADE_BENCH_SCALE=0.1 runs them at a tenth of the size.

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
	"github.com/palisade-dev/palisade/internal/synth"
)

func benchSpec(tb testing.TB) synth.Spec {
	spec := synth.Scale100k()
	if v := os.Getenv("PALISADE_BENCH_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			tb.Fatalf("PALISADE_BENCH_SCALE=%q: want a positive number", v)
		}
		spec = spec.Scaled(f)
	}
	return spec
}

func benchConfig() checks.Config {
	cfg := checks.DefaultConfig()
	cfg.Now = func() time.Time { return synth.DefaultNow }
	cfg.AllowedRegistries = []string{synth.AllowedRegistry}
	return cfg
}

// resetRSS notes the peak so far (the setup's) and resets the high-water mark; reportRSS
// then reports the process's peak (peak-MB: setup included, which a real collection also
// pays) and, when the reset worked, the peak of the timed part alone with its input live
// (eval-peak-MB).
func resetRSS() (setupMB float64, reset bool) {
	setupMB, _ = synth.PeakRSSMB()
	return setupMB, synth.ResetPeakRSS()
}

func reportRSS(b *testing.B, setupMB float64, reset bool) {
	mb, ok := synth.PeakRSSMB()
	if !ok {
		return
	}
	b.ReportMetric(max(mb, setupMB), "peak-MB")
	if reset {
		b.ReportMetric(mb, "eval-peak-MB")
	}
}

// cpuSeconds is the process's user+system CPU time: on a shared machine it says what the
// benchmark itself consumed when wall-clock time is inflated by other load.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func generate(b *testing.B, spec synth.Spec) (*kubeinv.Inventory, synth.Stats) {
	b.Helper()
	inv, st, err := synth.Inventory(spec)
	if err != nil {
		b.Fatal(err)
	}
	return inv, st
}

// BenchmarkEvaluate100kPods evaluates every built-in check over the synthetic cluster
// (already collected: generating the inventory is not timed).
//
//   - raw: the inventory as collected, every pod spec kept; Evaluate returns every result.
//   - compact: after Inventory.Compact (what collectors do); Evaluate returns every result.
//   - stream: after Compact, EvaluateEach hands over each check's results and only the
//     failed ones are kept (what persisting needs), so the full result set never exists.
//
// peak-MB is the whole process (inventory generation included, which a real collection
// also pays); eval-peak-MB is the peak from just before evaluation, with the inventory live.
func BenchmarkEvaluate100kPods(b *testing.B) {
	for _, mode := range []string{"raw", "compact", "stream"} {
		b.Run(mode, func(b *testing.B) {
			spec := benchSpec(b)
			inv, st := generate(b, spec)
			if mode != "raw" {
				inv.Compact()
			}
			cfg := benchConfig()
			setupMB, reset := resetRSS()
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			b.ResetTimer()
			var results, failed int
			for i := 0; i < b.N; i++ {
				results, failed = 0, 0
				switch mode {
				case "stream":
					var kept []posture.Result
					checks.Builtin().EvaluateEach(checks.NewSnapshot(inv, cfg), func(_ string, rs []posture.Result) {
						results += len(rs)
						for j := range rs {
							if rs[j].Status == posture.Fail {
								kept = append(kept, rs[j])
							}
						}
					})
					failed = len(kept)
				default:
					rs := checks.Evaluate(inv, cfg)
					results = len(rs)
					for j := range rs {
						if rs[j].Status == posture.Fail {
							failed++
						}
					}
				}
			}
			b.StopTimer()
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s")
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(st.Objects)/perOp, "objects/s")
			b.ReportMetric(float64(st.Pods)/perOp, "pods/s")
			b.ReportMetric(float64(results), "results")
			b.ReportMetric(float64(failed), "failed")
			reportRSS(b, setupMB, reset)
		})
	}
}

// BenchmarkScan100kPodsManifests is `palisade scan --path DIR` on the synthetic cluster in
// manifest form (multi-document YAML, one folder per namespace, pods included as a
// `kubectl get -o yaml` dump would have them): manifests.Load, checks.Evaluate and
// scoring.Compute. Writing the YAML is not timed.
func BenchmarkScan100kPodsManifests(b *testing.B) {
	spec := benchSpec(b)
	dir := b.TempDir()
	st, err := synth.WriteYAML(spec, dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote %d objects, %d files, %.0f MiB of YAML", st.Objects, st.Files, float64(st.Bytes)/(1<<20))
	cfg := benchConfig()
	setupMB, reset := resetRSS()
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	var loadTime, evalTime, scoreTime time.Duration
	var overall float64
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		res, err := manifests.Load(context.Background(), []string{dir}, nil, manifests.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Errors) > 0 || res.Objects != st.Objects {
			b.Fatalf("loaded %d of %d objects, %d errors (first: %v)", res.Objects, st.Objects, len(res.Errors), res.Errors)
		}
		t1 := time.Now()
		results := checks.Evaluate(res.Inventory, cfg)
		t2 := time.Now()
		card := scoring.Compute(results, scoring.Options{OwnerLabelKey: cfg.OwnerLabel, IgnoreAttestations: true, Now: synth.DefaultNow})
		t3 := time.Now()
		loadTime, evalTime, scoreTime = loadTime+t1.Sub(t0), evalTime+t2.Sub(t1), scoreTime+t3.Sub(t2)
		if card.Overall.Compliance != nil {
			overall = *card.Overall.Compliance
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s")
	n := float64(b.N)
	perOp := b.Elapsed().Seconds() / n
	b.ReportMetric(float64(st.Objects)/perOp, "objects/s")
	b.ReportMetric(loadTime.Seconds()/n, "load-s")
	b.ReportMetric(evalTime.Seconds()/n, "eval-s")
	b.ReportMetric(scoreTime.Seconds()/n, "score-s")
	b.ReportMetric(float64(st.Bytes)/(1<<20), "yaml-MiB")
	b.ReportMetric(overall, "score")
	reportRSS(b, setupMB, reset)
}

// TestSyntheticClusterAttribution checks at a small scale what the benchmarks rely on:
// per-container checks yield one result per container of each top-level workload (pods
// are attributed to their owner, not evaluated one by one), and results grow linearly.
func TestSyntheticClusterAttribution(t *testing.T) {
	perPod := 0.0
	for _, f := range []float64{0.02, 0.08} {
		spec := synth.Scale100k().Scaled(f)
		inv, _, err := synth.Inventory(spec)
		if err != nil {
			t.Fatal(err)
		}
		containers := 0
		for _, w := range inv.Workloads() {
			containers += len(w.Containers())
		}
		rs := checks.Evaluate(inv, benchConfig())
		got := 0
		for _, r := range rs {
			if r.CheckID == "k8s.privileged-container" {
				got++
			}
		}
		if got != containers {
			t.Fatalf("scale %v: privileged-container results = %d, want one per container of a top-level workload (%d)", f, got, containers)
		}
		ratio := float64(len(rs)) / float64(spec.Pods)
		if perPod != 0 && (ratio > perPod*1.3 || ratio < perPod/1.3) {
			t.Fatalf("results per pod went from %.2f to %.2f when the cluster grew 4x: not linear", perPod, ratio)
		}
		perPod = ratio
	}
}
