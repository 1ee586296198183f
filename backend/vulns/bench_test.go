package vulns_test

// BenchmarkVulnerabilities: issue 13's budgets for the vulnerability subsystem, on one
// estate seeded once per process (benchseed_test.go, benchfeed_test.go):
//
//   - store: 5,000 images x 400 components stored through the real path, vulns.Service.Ingest
//     (the SBOM saved, its new packages matched against the advisory database, the image's
//     vulnerabilities derived), one image after another; timed; the tables' sizes reported.
//     Before it, untimed: the baseline OSV feeds (Debian, Alpine, Go, npm; 48,450 records)
//     loaded by Service.Refresh from all.zip files built here. After it, untimed: another
//     tenant's 1,000 images.
//   - rematch: 10,000 changed advisories (60 % modified, 40 % new; about 15 % naming
//     packages images hold) stored as a refresh stores them, then Service.Rematch timed:
//     from "advisories stored and pending" to image vulnerabilities current and drift
//     events raised (budget 60 s).
//   - refresh: another 10,000 changes written into the four all.zip exports, then one
//     Service.Refresh timed: every archive read, changed records stored, re-matched.
//   - list: GET /api/v1/tenants/bench/vulnerabilities through the real handler (API tokens,
//     JSON), in-process, one request at a time, round-robin over filter cases, each at
//     least PALISADE_BENCH_VULNS_REQUESTS times (default 200) after a validated warm-up
//     round; the worst case's p95 is the budget's verdict (100 ms).
//
// Environment:
//
//	PALISADE_BENCH_SCALE           e.g. 0.1: a tenth of the images, changes and unheld advisories
//	PALISADE_BENCH_VULNS_REQUESTS  requests per list case (default 200)
//	PALISADE_BENCH_VULNS_SCHEMA    keep the estate in this schema of the test PostgreSQL and
//	                               reuse it next time (only "list" runs then; drop it to reseed)
//	PALISADE_BENCH_VULNS_SQLITE=1  also run on SQLite (informational; slow to seed)

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/sbom"
	"github.com/palisade-dev/palisade/internal/synth"
)

// countingStore counts the package versions re-matching reads (the packages re-matched)
// and times the store's calls, for the log's "where the time goes".
type countingStore struct {
	*store.DB
	packages int
	spent    map[string]time.Duration
}

func (c *countingStore) timed(name string, start time.Time) {
	if c.spent == nil {
		c.spent = map[string]time.Duration{}
	}
	c.spent[name] += time.Since(start)
}

// breakdown returns the store's share of d, by call, and resets the clocks.
func (c *countingStore) breakdown(d time.Duration) string {
	names := slices.Sorted(maps.Keys(c.spent))
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(c.spent[b], c.spent[a]) })
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.1fs", n, c.spent[n].Seconds()))
	}
	c.spent = nil
	return fmt.Sprintf("of %.1fs: %s", d.Seconds(), strings.Join(parts, ", "))
}

func (c *countingStore) PackagesNamed(ctx context.Context, names []vulns.PackageName) ([]vulns.Package, error) {
	defer c.timed("PackagesNamed", time.Now())
	p, err := c.DB.PackagesNamed(ctx, names)
	c.packages += len(p)
	return p, err
}

func (c *countingStore) SaveSBOM(ctx context.Context, tenantID int64, s *sbom.SBOM) (vulns.SBOMSaved, error) {
	defer c.timed("SaveSBOM", time.Now())
	return c.DB.SaveSBOM(ctx, tenantID, s)
}

func (c *countingStore) UnmatchedPackages(ctx context.Context, sbomID int64) ([]vulns.Package, error) {
	defer c.timed("UnmatchedPackages", time.Now())
	return c.DB.UnmatchedPackages(ctx, sbomID)
}

func (c *countingStore) AffectedFor(ctx context.Context, names []vulns.PackageName) ([]vulns.AffectedPackage, error) {
	defer c.timed("AffectedFor", time.Now())
	return c.DB.AffectedFor(ctx, names)
}

func (c *countingStore) ReplacePackageMatches(ctx context.Context, ids []int64, m []vulns.PackageMatch) error {
	defer c.timed("ReplacePackageMatches", time.Now())
	return c.DB.ReplacePackageMatches(ctx, ids, m)
}

func (c *countingStore) RefreshImageVulnsForImage(ctx context.Context, tenantID int64, digest string) error {
	defer c.timed("RefreshImageVulnsForImage", time.Now())
	return c.DB.RefreshImageVulnsForImage(ctx, tenantID, digest)
}

func (c *countingStore) SaveAdvisories(ctx context.Context, recs []vulns.AdvisoryRecord) ([]string, error) {
	defer c.timed("SaveAdvisories", time.Now())
	return c.DB.SaveAdvisories(ctx, recs)
}

func (c *countingStore) ApplyAdvisoryMatches(ctx context.Context, ids []string, m []vulns.PackageMatch, raise bool) ([]vulns.NewImageVuln, int, error) {
	defer c.timed("ApplyAdvisoryMatches", time.Now())
	return c.DB.ApplyAdvisoryMatches(ctx, ids, m, raise)
}

func (c *countingStore) AdvisoryPackageNames(ctx context.Context, ids []string) ([]vulns.PackageName, error) {
	defer c.timed("AdvisoryPackageNames", time.Now())
	return c.DB.AdvisoryPackageNames(ctx, ids)
}

func BenchmarkVulnerabilities(b *testing.B) {
	for _, dialect := range []string{store.Postgres, store.SQLite} {
		b.Run(dialect, func(b *testing.B) {
			if dialect == store.Postgres && os.Getenv(storetest.DSNEnv) == "" {
				b.Skipf("%s not set: PostgreSQL vulnerability benchmark not run (scripts/bench.sh starts a throwaway PostgreSQL)", storetest.DSNEnv)
			}
			if dialect == store.SQLite && os.Getenv("PALISADE_BENCH_VULNS_SQLITE") == "" {
				b.Skip("PALISADE_BENCH_VULNS_SQLITE not set: the SQLite run is informational and slow to seed")
			}
			env := newVulnEnv(b, dialect)
			defer env.printLines()
			b.Run("store", env.benchStore)
			b.Run("rematch", env.benchRematch)
			b.Run("refresh", env.benchRefresh)
			b.Run("list", env.benchList)
		})
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// phase measures a timed part: wall clock (the benchmark's timer), CPU and peak RSS.
type phase struct {
	b    *testing.B
	cpu0 float64
}

func startPhase(b *testing.B) *phase {
	synth.ResetPeakRSS()
	p := &phase{b: b, cpu0: cpuSeconds()}
	b.ResetTimer()
	b.StartTimer()
	return p
}

func (p *phase) stop() time.Duration {
	p.b.StopTimer()
	p.b.ReportMetric(cpuSeconds()-p.cpu0, "cpu-s")
	if mb, ok := synth.PeakRSSMB(); ok {
		p.b.ReportMetric(mb, "peak-MB")
	}
	return p.b.Elapsed()
}

func (env *vulnEnv) benchStore(b *testing.B) {
	if env.reused {
		b.Skip("estate reused from PALISADE_BENCH_VULNS_SCHEMA: nothing stored")
	}
	b.StopTimer()
	env.counting.spent = nil
	p := startPhase(b)
	components := env.ingest(b, env.tenant.ID, benchTenantSeed, env.images, true)
	d := p.stop()
	rows := env.count(b, "SELECT COUNT(*) FROM image_vulns WHERE tenant_id = "+strconv.FormatInt(env.tenant.ID, 10))
	env.logf("store: %d images, %d components in %.1fs (%.0f images/s); %d image vulnerabilities", env.images, components,
		d.Seconds(), float64(env.images)/d.Seconds(), rows)
	env.logf("store: store calls %s", env.counting.breakdown(d))
	b.ReportMetric(float64(env.images)/d.Seconds(), "images/s")
	b.ReportMetric(float64(components), "components")
	b.ReportMetric(float64(rows), "image-vulns")
	env.reportSizes(b)
	env.storeOthers(b)
}

// ensureStored stores both tenants' images, untimed, when "store" did not run.
func (env *vulnEnv) ensureStored(b *testing.B) {
	if env.stored || env.reused {
		return
	}
	env.ingest(b, env.tenant.ID, benchTenantSeed, env.images, false)
	env.storeOthers(b)
}

func (env *vulnEnv) storeOthers(b *testing.B) {
	start := time.Now()
	env.ingest(b, env.other.ID, otherTenantSeed, env.others, false)
	env.logf("seed: the other tenant's %d images in %.1fs", env.others, time.Since(start).Seconds())
	env.analyze(b)
	env.stored = true
}

// ingest stores n images of a tenant through Service.Ingest; when timed, the SBOMs are
// built with the timer stopped.
func (env *vulnEnv) ingest(b *testing.B, tenantID int64, seed, n int, timed bool) int {
	ctx := context.Background()
	components := 0
	t0 := time.Now()
	for i := range n {
		if timed {
			b.StopTimer()
		}
		s := env.u.sbomOf(seed, i)
		components += len(s.Components)
		if timed {
			b.StartTimer()
		}
		if _, err := env.svc.Ingest(ctx, tenantID, s); err != nil {
			b.Fatalf("ingest image %d: %v", i, err)
		}
		if (i+1)%1000 == 0 {
			env.logf("  %d images in %.1fs", i+1, time.Since(t0).Seconds())
		}
	}
	return components
}

func (env *vulnEnv) benchRematch(b *testing.B) {
	if env.reused {
		b.Skip("estate reused from PALISADE_BENCH_VULNS_SCHEMA: no changes applied")
	}
	b.StopTimer()
	env.ensureStored(b)
	ctx := context.Background()
	changed := env.storeChanges(b, 1)
	env.counting.packages, env.counting.spent = 0, nil
	p := startPhase(b)
	found, events, err := env.svc.Rematch(ctx, true)
	d := p.stop()
	if err != nil {
		b.Fatal(err)
	}
	env.logf("rematch: %d changed advisories, %d packages re-matched, %d new image vulnerabilities, %d events in %.1fs",
		changed, env.counting.packages, len(found), events, d.Seconds())
	env.logf("rematch: store calls %s", env.counting.breakdown(d))
	b.ReportMetric(float64(changed), "changed")
	b.ReportMetric(float64(changed)/d.Seconds(), "advisories/s")
	b.ReportMetric(float64(env.counting.packages), "packages")
	b.ReportMetric(float64(len(found)), "new-vulns")
	b.ReportMetric(float64(events), "events")
	if pending, err := env.db.PendingAdvisories(ctx, 1); err != nil || len(pending) != 0 {
		b.Fatalf("advisories still pending after the re-match: %v, %v", pending, err)
	}
}

// storeChanges makes round's changes and stores them as a refresh does (parsed, recorded,
// saved in batches), without re-matching them; it returns how many were stored as changed.
func (env *vulnEnv) storeChanges(b *testing.B, round int) int {
	ctx := context.Background()
	changed := 0
	for _, f := range env.feeds {
		var batch []vulns.AdvisoryRecord
		flush := func() {
			ids, err := env.db.SaveAdvisories(ctx, batch)
			if err != nil {
				b.Fatal(err)
			}
			changed += len(ids)
			batch = batch[:0]
		}
		for _, rec := range f.change(round, env.changesOf(f)) {
			raw, err := json.Marshal(rec)
			if err != nil {
				b.Fatal(err)
			}
			a, err := advisories.ParseRecord(raw)
			if err != nil {
				b.Fatal(err)
			}
			if batch = append(batch, vulns.RecordOf(f.name, a)); len(batch) == 1000 {
				flush()
			}
		}
		flush()
	}
	return changed
}

// changesOf is a feed's share of a round's changes: Debian half, npm 30 %, Go and Alpine
// 10 % each.
func (env *vulnEnv) changesOf(f *benchFeed) int {
	share := map[string]int{"Debian": 50, "npm": 30, "Go": 10, "Alpine": 10}[f.name]
	return env.changed * share / 100
}

func (env *vulnEnv) benchRefresh(b *testing.B) {
	if env.reused {
		b.Skip("estate reused from PALISADE_BENCH_VULNS_SCHEMA: no changes applied")
	}
	b.StopTimer()
	env.ensureStored(b)
	for _, f := range env.feeds {
		f.change(2, env.changesOf(f))
		must(b, f.writeZip(env.feedPath(f)))
	}
	env.counting.packages, env.counting.spent = 0, nil
	p := startPhase(b)
	results := env.svc.Refresh(context.Background())
	d := p.stop()
	var records, changed, fresh, events int
	for _, r := range results {
		if r.Err != nil || r.NotModified || r.Baseline {
			b.Fatalf("refresh of %s: %+v", r.Ecosystem, r)
		}
		records, changed, fresh, events = records+r.Records, changed+r.Changed, fresh+r.NewVulns, events+r.Events
		env.logf("refresh: %s: %d records, %d changed, %d new image vulnerabilities, %d events in %.1fs", r.Ecosystem,
			r.Records, r.Changed, r.NewVulns, r.Events, r.Duration.Seconds())
	}
	env.logf("refresh: %d records read, %d changed advisories, %d packages re-matched, %d new image vulnerabilities, %d events in %.1fs",
		records, changed, env.counting.packages, fresh, events, d.Seconds())
	env.logf("refresh: store calls %s", env.counting.breakdown(d))
	b.ReportMetric(float64(records), "records")
	b.ReportMetric(float64(changed), "changed")
	b.ReportMetric(float64(changed)/d.Seconds(), "advisories/s")
	b.ReportMetric(float64(env.counting.packages), "packages")
	b.ReportMetric(float64(fresh), "new-vulns")
	b.ReportMetric(float64(events), "events")
}

func (env *vulnEnv) feedPath(f *benchFeed) string {
	return filepath.Join(env.dir, f.name+"-all.zip")
}

// reportSizes reports the new tables' sizes (PostgreSQL: pg_total_relation_size, indexes
// and TOAST included).
func (env *vulnEnv) reportSizes(b *testing.B) {
	if env.dialect != store.Postgres {
		return
	}
	groups := []struct {
		metric string
		tables []string
	}{
		{"sbom-MB", []string{"sboms", "sbom_components", "packages"}},
		{"matches-MB", []string{"package_vulns", "image_vulns"}},
		{"advisories-MB", []string{"advisories", "advisory_packages", "advisory_aliases", "advisory_feeds"}},
	}
	total := 0.0
	for _, g := range groups {
		sum := 0.0
		for _, t := range g.tables {
			mb := float64(env.count(b, "SELECT pg_total_relation_size('"+t+"')")) / (1 << 20)
			env.logf("size: %-18s %8.1f MB (%d rows)", t, mb, env.count(b, "SELECT COUNT(*) FROM "+t))
			sum += mb
		}
		b.ReportMetric(sum, g.metric)
		total += sum
	}
	env.logf("size: all new tables %.1f MB", total)
	b.ReportMetric(total, "db-MB")
}

func (env *vulnEnv) count(b *testing.B, query string) int64 {
	var n int64
	if err := env.db.SQL().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		b.Fatalf("%s: %v", query, err)
	}
	return n
}

// analyze does what autovacuum would do after such a load, rather than race it.
func (env *vulnEnv) analyze(b *testing.B) {
	must(b, env.db.Exec(context.Background(), "ANALYZE"))
}

func (env *vulnEnv) logf(format string, args ...any) {
	env.lines = append(env.lines, fmt.Sprintf(format, args...))
}

// printLines prints the log for the raw output (b.Logf of a passing benchmark is cut).
func (env *vulnEnv) printLines() {
	for _, l := range env.lines {
		fmt.Println("    " + l)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
