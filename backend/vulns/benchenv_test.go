package vulns_test

// The environment of BenchmarkVulnerabilities: the database, two tenants with targets,
// runs, image facts and where images run, the service reading the feeds from all.zip files.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
	"github.com/palisade-dev/palisade/backend/vulns"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
)

const (
	benchTenantSeed = 1
	otherTenantSeed = 2
	benchNamespaces = 300
	benchRegistry   = "registry.example.com"
	benchSeededMark = "bench-vulns-seeded" // an API token so named marks a complete kept estate
)

type vulnEnv struct {
	dialect                           string
	images, others, changed, requests int
	db                                *store.DB
	counting                          *countingStore
	svc                               *vulns.Service
	u                                 *benchUniverse
	feeds                             []*benchFeed
	dir                               string
	tenant, other                     *posture.Tenant
	targets                           []posture.Target // the bench tenant's
	reused, stored, vexed             bool
	handler                           http.Handler
	tokens                            []string
	next                              int
	lines                             []string
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

func benchScale(b *testing.B) float64 {
	v := os.Getenv("PALISADE_BENCH_SCALE")
	if v == "" {
		return 1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		b.Fatalf("PALISADE_BENCH_SCALE=%q: want a positive number", v)
	}
	return f
}

func scaled(n int, f float64, least int) int { return max(least, int(math.Round(float64(n)*f))) }

func newVulnEnv(b *testing.B, dialect string) *vulnEnv {
	b.Helper()
	f := benchScale(b)
	env := &vulnEnv{dialect: dialect, images: scaled(5000, f, 20), others: scaled(1000, f, 4), changed: scaled(10_000, f, 100),
		requests: envInt(b, "PALISADE_BENCH_VULNS_REQUESTS", 200), u: newBenchUniverse(), dir: b.TempDir()}
	env.feeds = []*benchFeed{
		{name: "Debian", eco: ecoDebian, pool: &env.u.deb, held: 1000, unheld: scaled(24_000, f, 100), cveBase: 0,
			unknown: 0.45, kinds: [3]float64{0.7, 0.18, 0.12}},
		{name: "Alpine", eco: ecoAlpine, pool: &env.u.apk, held: 250, unheld: scaled(5000, f, 100), cveBase: 100_000,
			unknown: 0.5, kinds: [3]float64{0.65, 0.35, 0}},
		{name: "Go", eco: "Go", pool: &env.u.gomod, stdlib: env.u.stdlib, held: 1200, unheld: scaled(3000, f, 100),
			cveBase: 200_000, unknown: 0.7, kinds: [3]float64{0.55, 0.4, 0.05}},
		{name: "npm", eco: "npm", pool: &env.u.npm, held: 2000, unheld: scaled(12_000, f, 100), cveBase: 300_000,
			unknown: 0.1, kinds: [3]float64{0.55, 0.4, 0.05}},
	}
	var kept bool
	env.db, kept = openVulnBenchDB(b, dialect)
	env.counting = &countingStore{DB: env.db}
	var sources []advisories.FeedSource
	for _, fd := range env.feeds {
		sources = append(sources, advisories.FeedSource{Ecosystem: fd.name, File: env.feedPath(fd)})
	}
	env.svc = vulns.New(vulns.Options{Store: env.counting, Feeds: sources, Dir: env.dir})
	if kept && env.reuse(b) {
		return env
	}
	start := time.Now()
	env.tenant, env.targets = env.seedTenant(b, "bench", benchTenantSeed, env.images, 5)
	env.other, _ = env.seedTenant(b, "other", otherTenantSeed, env.others, 2)
	env.loadBaseline(b)
	env.logf("seed: tenants, targets, image facts and usages, baseline feeds in %.1fs", time.Since(start).Seconds())
	return env
}

// openVulnBenchDB opens a fresh database, or the kept PostgreSQL schema (true).
func openVulnBenchDB(b *testing.B, dialect string) (*store.DB, bool) {
	keep := os.Getenv("PALISADE_BENCH_VULNS_SCHEMA")
	if dialect != store.Postgres || keep == "" {
		return storetest.OpenWith(b, dialect, storetest.Options{Migrate: true}), false
	}
	ctx := context.Background()
	base := os.Getenv(storetest.DSNEnv)
	admin, err := store.Open(ctx, store.Options{Driver: store.Postgres, DSN: base})
	must(b, err)
	must(b, admin.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+keep))
	admin.Close()
	u, err := url.Parse(base)
	must(b, err)
	q := u.Query()
	q.Set("search_path", keep)
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, store.Options{Driver: store.Postgres, DSN: u.String(), MaxOpenConns: 8})
	must(b, err)
	b.Cleanup(func() { db.Close() })
	_, err = db.MigrateUp(ctx)
	must(b, err)
	return db, true
}

// reuse picks up a complete kept estate; an incomplete one fails the benchmark.
func (env *vulnEnv) reuse(b *testing.B) bool {
	ctx := context.Background()
	ten, err := env.db.TenantBySlug(ctx, "bench")
	if err != nil {
		return false
	}
	toks, err := env.db.ListAPITokens(ctx, ten.ID)
	must(b, err)
	for _, t := range toks {
		if t.Name == benchSeededMark {
			env.tenant, env.reused = ten, true
			env.targets, err = env.db.ListTargets(ctx, ten.ID)
			must(b, err)
			env.logf("reusing the estate kept in schema %s", os.Getenv("PALISADE_BENCH_VULNS_SCHEMA"))
			return true
		}
	}
	b.Fatalf("schema %s holds an incomplete estate: drop it", os.Getenv("PALISADE_BENCH_VULNS_SCHEMA"))
	return false
}

// seedTenant creates a tenant with clusters (each with a run, for drift events), its
// images' facts (registry, repository) and where seven in ten of them run.
func (env *vulnEnv) seedTenant(b *testing.B, slug string, seed, images, clusters int) (*posture.Tenant, []posture.Target) {
	ctx := context.Background()
	ten := &posture.Tenant{Slug: slug, Name: slug}
	must(b, env.db.CreateTenant(ctx, ten))
	var targets []posture.Target
	for c := range clusters {
		t := posture.Target{TenantID: ten.ID, Name: fmt.Sprintf("cluster-%d", c), Kind: posture.TargetCluster, Schedule: "15m",
			Enabled: true, Settings: map[string]string{"context": fmt.Sprintf("cluster-%d", c)}}
		must(b, env.db.CreateTarget(ctx, &t))
		_, err := env.db.StartRun(ctx, ten.ID, t.ID, "schedule", time.Now().Add(-time.Hour))
		must(b, err)
		targets = append(targets, t)
	}
	facts := make([]*imagefacts.Image, 0, images)
	usages := make([][]imagefacts.Usage, clusters)
	for i := range images {
		im := env.u.image(seed, i)
		facts = append(facts, &imagefacts.Image{Digest: im.digest, Registry: benchRegistry, Repository: im.repository,
			MediaType: "application/vnd.oci.image.manifest.v1+json", ObservedAt: time.Now().UTC()})
		for _, u := range imageUsages(seed, i, im, clusters) {
			c := u.TargetID
			u.TargetID = targets[c].ID
			usages[c] = append(usages[c], u)
		}
	}
	must(b, env.db.SaveImageFacts(ctx, ten.ID, facts))
	for c, list := range usages {
		must(b, env.db.RecordImageUsages(ctx, ten.ID, targets[c].ID, list, true))
	}
	return ten, targets
}

// imageUsages says where image i runs: seven images in ten run, in one to three workloads
// of one cluster, in namespaces of skewed sizes; TargetID is the cluster's index.
func imageUsages(seed, i int, im benchImage, clusters int) []imagefacts.Usage {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(i)+1<<40))
	if r.IntN(10) >= 7 {
		return nil
	}
	cluster := r.IntN(clusters)
	var out []imagefacts.Usage
	for w := range 1 + r.IntN(3) {
		ns := benchNamespaceName(int(benchNamespaces * math.Pow(r.Float64(), 1.6)))
		out = append(out, imagefacts.Usage{TargetID: int64(cluster), Digest: im.digest, Namespace: ns,
			Workload: fmt.Sprintf("apps/Deployment/%s/svc-%04d-%d", ns, i/2, w), Container: "container:app",
			Image: benchRegistry + "/" + im.repository + "@" + im.digest})
	}
	return out
}

func benchNamespaceName(i int) string { return fmt.Sprintf("ns-%03d", i) }

// loadBaseline writes the baseline exports and loads them as a first refresh does.
func (env *vulnEnv) loadBaseline(b *testing.B) {
	total := 0
	for _, f := range env.feeds {
		f.baseline()
		total += len(f.records)
		must(b, f.writeZip(env.feedPath(f)))
	}
	start := time.Now()
	for _, r := range env.svc.Refresh(context.Background()) {
		if r.Err != nil || !r.Baseline {
			b.Fatalf("baseline refresh of %s: %+v", r.Ecosystem, r)
		}
	}
	env.logf("seed: baseline feeds, %d advisories, loaded in %.1fs", total, time.Since(start).Seconds())
}
