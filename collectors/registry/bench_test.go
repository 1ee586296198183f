package registry_test

// BenchmarkRegistryInventory (issue 12, item 9): the inventory of 2,000 repositories x 5 tags
// (10,000 distinct image digests) on Debian's docker-registry (CNCF Distribution 2.8, TLS and
// htpasswd, loopback), the registry most self-hosted sites run. scripts/bench.sh runs it alone
// in its own process (`make bench`), so that the peak-MB metric (VmHWM) is this benchmark's.
// PALISADE_BENCH_SCALE=0.1 runs it with a tenth of the repositories.
//
//   - first: a collection with nothing known: the catalog, every repository's tags, every tag
//     resolved (HEAD), every digest inspected (manifest, config, referrers with the tag
//     fallback, cosign's .sig and .att tags).
//   - steady: the next scheduled collection, Options.Fresh true for every digest of the first:
//     the catalog, the tags listed and resolved, nothing inspected again.
//
// Seeding (not timed) pushes 10,000 small images: four base images (one 256-byte layer each)
// whose config varies per tag (labels), so every tag has its own digest and the layer blob
// is uploaded once per repository; eight repositories are pushed at once through one
// go-containerregistry Pusher (one authenticated transport per repository).
//
// Metrics besides ns/op: repos, tags, images (inspected), requests (made by the collector,
// rate-limited by it), req/s (requests over the wall-clock time), read-MB (bodies read),
// conns (connections the collector opened, each a TLS handshake; docker-registry speaks
// HTTP/2, so one connection carries every request), cpu-s
// (the test process's user+system CPU: the collector, not the registry),
// registry-cpu-s (the docker-registry process's, read from /proc), peak-MB (the process's
// VmHWM from /proc/self/status, reset with /proc/self/clear_refs just before the timed part,
// so the seeding's peak is not in it; the memory still live then, the Go runtime and the test
// binary, is), heap-peak-MB (the largest runtime.MemStats.HeapInuse sampled every 10 ms during
// the collection), seed-s (the seeding's wall-clock time, on the first sub-benchmark).

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/registry"
	rt "github.com/palisade-dev/palisade/collectors/registry/registrytest"
)

const (
	benchRepos         = 2000
	benchTagsPerRepo   = 5
	benchSeedWorkers   = 8
	benchUser          = "palisade"
	benchPass          = "registry-bench-pass"
	benchRatePerSecond = 2000
	benchConcurrency   = 8
)

func BenchmarkRegistryInventory(b *testing.B) {
	repos := benchRepos
	if v := os.Getenv("PALISADE_BENCH_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			b.Fatalf("PALISADE_BENCH_SCALE=%q: want a positive number", v)
		}
		repos = max(1, int(float64(repos)*f))
	}
	srv := rt.Distribution(b, benchUser, benchPass) // skips without docker-registry
	registryPID := childPID("docker-registry")

	t0 := time.Now()
	seedInventory(b, srv, repos)
	seedSeconds := time.Since(t0).Seconds()
	seedPeakMB, _ := peakRSSMB()
	b.Logf("seeded %d repositories x %d tags in %.1f s (peak RSS %.0f MB)", repos, benchTagsPerRepo, seedSeconds, seedPeakMB)

	var conns atomic.Int64 // connections the collector opened (each a TLS handshake)
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	opts := registry.Options{URL: srv.URL, CABundle: srv.CAPEM,
		Credentials: registry.Credentials{Username: benchUser, Password: benchPass},
		Limits:      registry.Limits{RequestsPerSecond: benchRatePerSecond, Concurrency: benchConcurrency},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conns.Add(1)
			return dialer.DialContext(ctx, network, addr)
		}}
	var seen map[string]bool // the digests of a first collection

	b.Run("first", func(b *testing.B) {
		conns.Store(0)
		res := timedCollect(b, opts, registryPID, repos, false)
		b.ReportMetric(float64(conns.Load())/float64(b.N), "conns")
		b.ReportMetric(seedSeconds, "seed-s")
		seen = digests(res)
	})
	b.Run("steady", func(b *testing.B) {
		if seen == nil { // run alone (-bench .../steady): a first collection, not timed
			res, err := registry.Collect(context.Background(), opts)
			if err != nil {
				b.Fatalf("first collection: %v", err)
			}
			seen = digests(res)
		}
		o := opts
		o.Fresh = func(d string) bool { return seen[d] }
		conns.Store(0)
		timedCollect(b, o, registryPID, repos, true)
		b.ReportMetric(float64(conns.Load())/float64(b.N), "conns")
	})
}

// seedInventory pushes repos repositories of benchTagsPerRepo tags, each tag its own digest.
func seedInventory(b *testing.B, srv *rt.Server, repos int) {
	b.Helper()
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	specs := []rt.Spec{
		{User: "10001:10001", Entrypoint: []string{"/app"}, Ports: []string{"8080/tcp"}},
		{Env: []string{"PATH=/usr/bin", "DB_PASSWORD=bench-secret"},
			History: []string{"RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"}},
		{User: "app", Entrypoint: []string{"/bin/sh", "-c", "exec /srv/run"},
			Labels: map[string]string{imagefacts.LabelBaseName: "docker.io/library/debian:12"}},
		{User: "nobody", Env: []string{"PATH=/usr/bin"}, Ports: []string{"9090/tcp"}},
	}
	type base struct {
		img v1.Image
		cf  *v1.ConfigFile
	}
	bases := make([]base, len(specs))
	for i, s := range specs {
		s.Created = created
		img := rt.Image(b, s)
		cf, err := img.ConfigFile()
		if err != nil {
			b.Fatal(err)
		}
		bases[i] = base{img, cf}
	}
	pusher, err := remote.NewPusher(remote.WithTransport(srv.Pusher.Transport), remote.WithAuth(srv.Pusher.Auth))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	work := make(chan int)
	errs := make(chan error, benchSeedWorkers)
	var wg sync.WaitGroup
	for range benchSeedWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := pushRepository(ctx, pusher, srv.Host, i, bases[i%len(bases)].img, bases[i%len(bases)].cf); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for i := range repos {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("seed: %v", err)
	}
}

func benchRepo(i int) string { return fmt.Sprintf("team%02d/svc%04d", i%40, i) }
func benchTag(t int) string  { return fmt.Sprintf("1.%d.0", t) }

func pushRepository(ctx context.Context, p *remote.Pusher, host string, i int, img v1.Image, cf *v1.ConfigFile) error {
	repo := benchRepo(i)
	for t := range benchTagsPerRepo {
		c := cf.DeepCopy()
		c.Config.Labels = map[string]string{imagefacts.LabelVersion: benchTag(t), "org.opencontainers.image.source": "https://git.example/" + repo}
		for k, v := range cf.Config.Labels {
			c.Config.Labels[k] = v
		}
		tagged, err := mutate.ConfigFile(img, c)
		if err != nil {
			return err
		}
		ref, err := name.NewTag(host + "/" + repo + ":" + benchTag(t))
		if err != nil {
			return err
		}
		if err := p.Push(ctx, ref, tagged); err != nil {
			return fmt.Errorf("push %s: %w", ref, err)
		}
	}
	return nil
}

// timedCollect runs the collection b.N times, checks each result and reports the metrics.
func timedCollect(b *testing.B, o registry.Options, registryPID, repos int, steady bool) *registry.Result {
	b.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sampler := startHeapSampler()
	cpu0, reg0 := cpuSeconds(), procCPUSeconds(registryPID)
	var res *registry.Result
	var requests, bytesRead int64
	b.ResetTimer()
	for range b.N {
		var err error
		res, err = registry.Collect(context.Background(), o)
		if err != nil {
			b.Fatalf("collect: %v", err)
		}
		requests += res.Requests
		bytesRead += res.Bytes
	}
	b.StopTimer()
	heapPeak := sampler.stop()
	n := float64(b.N)

	tags := 0
	for _, r := range res.Repositories {
		tags += len(r.Tags)
	}
	wantImages := repos * benchTagsPerRepo
	if steady {
		wantImages = 0
	}
	if res.Status != posture.RunComplete || len(res.Errors) > 0 {
		b.Fatalf("status %s, %d errors (first: %+v)", res.Status, len(res.Errors), res.Errors[:min(1, len(res.Errors))])
	}
	if len(res.Repositories) != repos || tags != repos*benchTagsPerRepo || len(res.Images) != wantImages {
		b.Fatalf("%d repositories, %d tags, %d images inspected; want %d, %d, %d",
			len(res.Repositories), tags, len(res.Images), repos, repos*benchTagsPerRepo, wantImages)
	}

	b.ReportMetric(float64(len(res.Repositories)), "repos")
	b.ReportMetric(float64(tags), "tags")
	b.ReportMetric(float64(len(res.Images)), "images")
	b.ReportMetric(float64(requests)/n, "requests")
	b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(bytesRead)/n/(1<<20), "read-MB")
	b.ReportMetric((cpuSeconds()-cpu0)/n, "cpu-s")
	if registryPID > 0 {
		b.ReportMetric((procCPUSeconds(registryPID)-reg0)/n, "registry-cpu-s")
	}
	if mb, ok := peakRSSMB(); ok && reset {
		b.ReportMetric(mb, "peak-MB")
	}
	b.ReportMetric(heapPeak, "heap-peak-MB")
	return res
}

func digests(res *registry.Result) map[string]bool {
	out := make(map[string]bool, len(res.Images))
	for _, im := range res.Images {
		out[im.Digest] = true
	}
	return out
}

// heapSampler records the largest HeapInuse seen every 10 ms.
type heapSampler struct {
	done chan struct{}
	peak chan uint64
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{done: make(chan struct{}), peak: make(chan uint64)}
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-s.done:
				s.peak <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak in MiB.
func (s *heapSampler) stop() float64 {
	close(s.done)
	return float64(<-s.peak) / (1 << 20)
}

// peakRSSMB is the process's VmHWM in MiB (Linux).
func peakRSSMB() (float64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}

// cpuSeconds is the test process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// childPID finds this process's child with the command name comm (0 when there is none).
func childPID(comm string) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		f := procStat(p)
		if len(f) > 2 && f[0] == comm && f[2] == strconv.Itoa(os.Getpid()) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			return pid
		}
	}
	return 0
}

// procCPUSeconds is a process's user+system CPU time from /proc/<pid>/stat (USER_HZ 100).
func procCPUSeconds(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	f := procStat(fmt.Sprintf("/proc/%d/stat", pid))
	if len(f) < 14 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[12], 64)
	st, _ := strconv.ParseFloat(f[13], 64)
	return (ut + st) / 100
}

// procStat splits /proc/<pid>/stat after the pid: the command name (without parentheses),
// then the fields from the state on (f[1] state, f[2] ppid, f[12] utime, f[13] stime).
func procStat(path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := string(raw)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return nil
	}
	return append([]string{s[open+1 : closing]}, strings.Fields(s[closing+1:])...)
}
