package httpapi_test

// The tenant BenchmarkAPI1MFindings measures against (bench_test.go): its shape, derived
// deterministically, and how it is seeded.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

const (
	benchSlug     = "bench"
	benchOwnerKey = "palisade.dev/owner"
	benchEvery    = 15 * time.Minute
	benchFinal    = "bench-seeded" // an API token named so marks a complete seed
)

var benchTiers = []string{"frontend", "backend", "data", "batch"}

// apiBench describes the seeded tenant; everything is derived from it deterministically, so a
// reused schema needs no bookkeeping.
type apiBench struct {
	targets, workloads, fails int
	namespaces, owners        int
	systems                   int
	gone                      int     // workloads per target deleted after the first run
	churn                     float64 // share of workloads fixing one check and failing another, per churn run
	historyDays               int
	requests                  int
	checks                    []*checks.Check // the workload checks
	cumWeight                 []float64       // cumulative failure weights of checks
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

func newAPIBench(b *testing.B) *apiBench {
	s := &apiBench{targets: 5, workloads: 20_000, fails: 10, namespaces: 500, owners: 100, systems: 200, gone: 500,
		churn: 0.05, historyDays: envInt(b, "PALISADE_BENCH_API_HISTORY_DAYS", 7),
		requests: max(1, envInt(b, "PALISADE_BENCH_API_REQUESTS", 200))}
	if v := os.Getenv("PALISADE_BENCH_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			b.Fatalf("PALISADE_BENCH_SCALE=%q: want a positive number", v)
		}
		s.workloads = max(20, int(float64(s.workloads)*f+0.5))
		s.gone = max(1, int(float64(s.gone)*f+0.5))
	}
	for _, ch := range checks.Builtin().Checks() {
		if ch.Applies == posture.AssetWorkload {
			s.checks = append(s.checks, ch)
		}
	}
	if len(s.checks) < 2*s.fails {
		b.Fatalf("only %d workload checks in the catalog", len(s.checks))
	}
	slices.SortFunc(s.checks, func(x, y *checks.Check) int { return strings.Compare(x.ID, y.ID) })
	// Low and medium checks fail often, high ones less, critical ones rarely; a fixed jitter
	// spreads checks of one severity.
	jitter := rand.New(rand.NewPCG(42, 42))
	total := 0.0
	for _, ch := range s.checks {
		w := map[posture.Severity]float64{posture.SeverityCritical: 0.05, posture.SeverityHigh: 0.3,
			posture.SeverityMedium: 0.8}[ch.Severity]
		if w == 0 {
			w = 1
		}
		total += w * (0.3 + 1.4*jitter.Float64())
		s.cumWeight = append(s.cumWeight, total)
	}
	return s
}

func (s *apiBench) openFindings() int         { return s.targets * s.workloads * s.fails }
func (s *apiBench) nsName(i int) string       { return fmt.Sprintf("team-%03d", i) }
func (s *apiBench) ownerOf(ns int) string     { return fmt.Sprintf("squad-%02d", ns%s.owners) }
func (s *apiBench) workloadName(w int) string { return fmt.Sprintf("app-%05d", w) }
func (s *apiBench) targetName(t int) string   { return fmt.Sprintf("cluster-%d", t) }

// workload is one workload of target t (the same name can run in several clusters).
func (s *apiBench) workload(t, w int) (*posture.Asset, string) {
	r := rand.New(rand.NewPCG(uint64(t)<<32|uint64(w), 1))
	ns := int(float64(s.namespaces) * math.Pow(r.Float64(), 1.5)) // a few big namespaces, many small
	kind := "apps/Deployment"
	switch k := r.IntN(100); {
	case k < 10:
		kind = "apps/StatefulSet"
	case k < 17:
		kind = "batch/CronJob"
	case k < 20:
		kind = "apps/DaemonSet"
	}
	name, system := s.workloadName(w), fmt.Sprintf("system-%03d", r.IntN(s.systems))
	labels := map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": system,
		"tier": benchTiers[r.IntN(len(benchTiers))]}
	if r.IntN(5) != 0 {
		labels[benchOwnerKey] = s.ownerOf(ns)
	}
	nsName := s.nsName(ns)
	a := &posture.Asset{Kind: posture.AssetWorkload, Key: kind + "/" + nsName + "/" + name, ParentKey: "core/Namespace/" + nsName,
		Name: name, Namespace: nsName, Labels: labels}
	image := fmt.Sprintf("registry.example.com/%s/%s:1.%d.%d", system, name, r.IntN(20), r.IntN(10))
	return a, image
}

func (s *apiBench) drawCheck(r *rand.Rand, not []int) int {
	for {
		x := r.Float64() * s.cumWeight[len(s.cumWeight)-1]
		i, _ := slices.BinarySearch(s.cumWeight, x)
		if !slices.Contains(not, i) {
			return i
		}
	}
}

// failing lists the checks workload w of target t fails in real run k (0, 1, 2; later runs
// see what run 2 saw): churn runs fix one check and break another on a few workloads.
func (s *apiBench) failing(t, w, k int) []int {
	r := rand.New(rand.NewPCG(uint64(t)<<32|uint64(w), 2))
	set := make([]int, 0, s.fails)
	for len(set) < s.fails {
		set = append(set, s.drawCheck(r, set))
	}
	for c := 1; c <= min(k, 2); c++ {
		cr := rand.New(rand.NewPCG(uint64(t)<<32|uint64(w), uint64(10+c)))
		if cr.Float64() < s.churn {
			set[c-1] = s.drawCheck(cr, set)
		}
	}
	return set
}

// results is what a collection of target t sees in real run k: a result per workload check
// and workload, ten failed.
func (s *apiBench) results(t, k int) ([]posture.Result, []posture.Asset) {
	n := s.workloads
	if k == 0 {
		n += s.gone // deleted before the second run
	}
	out := make([]posture.Result, 0, n*len(s.checks))
	seenNS := map[string]bool{}
	var nsAssets []posture.Asset
	for w := 0; w < n; w++ {
		a, image := s.workload(t, w)
		if !seenNS[a.Namespace] {
			seenNS[a.Namespace] = true
			nsAssets = append(nsAssets, posture.Asset{Kind: posture.AssetNamespace, Key: a.ParentKey, Name: a.Namespace,
				Labels: map[string]string{"kubernetes.io/metadata.name": a.Namespace}})
		}
		fails := s.failing(t, w, k)
		for i, ch := range s.checks {
			r := posture.Result{CheckID: ch.ID, Severity: ch.Severity, CSA: ch.CSA, Asset: a, Status: posture.Pass}
			if i%3 != 2 { // container-level checks
				r.SubKey = "container:app"
			}
			if slices.Contains(fails, i) {
				r.Status = posture.Fail
				r.Message = ch.Title + " (container app)"
				if strings.Contains(ch.ID, "image") {
					r.Message = ch.Title + ": " + image
					r.Evidence = map[string]string{"container": "app", "image": image}
				} else if i%2 == 0 {
					r.Evidence = map[string]string{"container": "app", "field": "spec.template.spec.containers[0].securityContext"}
				}
			}
			out = append(out, r)
		}
	}
	return out, nsAssets
}

type benchEnv struct {
	spec     *apiBench
	db       *store.DB
	tenant   *posture.Tenant
	targets  []posture.Target
	handler  http.Handler
	tokens   []string
	next     int
	seedTime time.Duration
	lines    []string // for the raw log (b.Logf output of a passing benchmark is cut at 10 lines)
}

func (env *benchEnv) logf(format string, args ...any) {
	env.lines = append(env.lines, fmt.Sprintf(format, args...))
}

// openBenchDB opens the dialect's database: a fresh one, or the kept PostgreSQL schema.
func openBenchDB(b *testing.B, dialect string) (*store.DB, bool) {
	b.Helper()
	keep := os.Getenv("PALISADE_BENCH_API_SCHEMA")
	if dialect != store.Postgres || keep == "" {
		return storetest.OpenWith(b, dialect, storetest.Options{Migrate: true}), false
	}
	ctx := context.Background()
	base := os.Getenv(storetest.DSNEnv)
	admin, err := store.Open(ctx, store.Options{Driver: store.Postgres, DSN: base})
	if err != nil {
		b.Fatal(err)
	}
	if err := admin.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+keep); err != nil {
		b.Fatal(err)
	}
	admin.Close()
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", keep)
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, store.Options{Driver: store.Postgres, DSN: u.String(), MaxOpenConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		b.Fatal(err)
	}
	return db, true
}

func seedAPIBench(b *testing.B, dialect string) *benchEnv {
	b.Helper()
	ctx := context.Background()
	s := newAPIBench(b)
	db, kept := openBenchDB(b, dialect)
	env := &benchEnv{spec: s, db: db}
	start := time.Now()
	if ten, err := db.TenantBySlug(ctx, benchSlug); err == nil && kept {
		env.tenant = ten
		targets, err := db.ListTargets(ctx, ten.ID)
		must(b, err)
		env.targets = targets
		toks, err := db.ListAPITokens(ctx, ten.ID)
		must(b, err)
		for _, tok := range toks {
			if tok.Name == benchFinal && len(targets) == s.targets {
				env.logf("reusing the tenant seeded in schema %s", os.Getenv("PALISADE_BENCH_API_SCHEMA"))
				env.serve(b)
				return env
			}
		}
		b.Fatalf("schema %s holds an incomplete seed: drop it", os.Getenv("PALISADE_BENCH_API_SCHEMA"))
	}
	env.tenant = &posture.Tenant{Slug: benchSlug, Name: "Bench"}
	must(b, db.CreateTenant(ctx, env.tenant))
	for t := 0; t < s.targets; t++ {
		tg := posture.Target{TenantID: env.tenant.ID, Name: s.targetName(t), Kind: posture.TargetCluster, Schedule: "15m",
			Enabled: true, Settings: map[string]string{"context": s.targetName(t)}}
		must(b, db.CreateTarget(ctx, &tg))
		env.targets = append(env.targets, tg)
	}
	end := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	t0 := end.Add(-time.Duration(s.historyDays) * 24 * time.Hour)
	if s.historyDays == 0 {
		t0 = end.Add(-4 * benchEvery)
	}
	open, resolved := 0, 0
	runOnce := func(t, k int, at time.Time, trigger string) *posture.Run {
		results, nsAssets := s.results(t, min(k, 2))
		card := scoring.Compute(results, scoring.Options{Weights: posture.DefaultWeights(), OwnerLabelKey: benchOwnerKey,
			Now: at, IgnoreAttestations: true})
		tg := env.targets[t]
		run, err := db.StartRun(ctx, env.tenant.ID, tg.ID, trigger, at)
		must(b, err)
		done, err := db.FinishRun(ctx, env.tenant.ID, run.ID, posture.RunOutcome{Status: posture.RunComplete,
			FinishedAt: at.Add(2 * time.Minute), Assets: nsAssets, Results: results, OwnerLabelKey: benchOwnerKey,
			Scores: card.Snapshots()})
		must(b, err)
		open += done.Opened + done.Reopened - done.Resolved
		resolved += done.Resolved
		return done
	}
	// Three real runs per cluster: everything opens, then deleted workloads and fixed checks
	// resolve while newly failing checks open.
	last := make([]*posture.Run, s.targets)
	for t := 0; t < s.targets; t++ {
		for k := 0; k < 3; k++ {
			tk := time.Now()
			last[t] = runOnce(t, k, t0.Add(time.Duration(k)*benchEvery), "schedule")
			env.logf("seed: %s run %d: %d failed, %d opened, %d resolved in %.1fs", s.targetName(t), k+1,
				last[t].Failed, last[t].Opened, last[t].Resolved, time.Since(tk).Seconds())
		}
	}
	// The steady runs of the week changed nothing: the store writes a run row and its score
	// snapshots (the same scores) and leaves the findings alone.
	th := time.Now()
	history := 0
	for t := 0; t < s.targets; t++ {
		tg, tmpl := env.targets[t], last[t]
		var rows []string
		var args []any
		flush := func() {
			if len(rows) == 0 {
				return
			}
			must(b, db.Exec(ctx, `INSERT INTO collection_runs (tenant_id, target_id, status, trigger, started_at, finished_at,
 assets_count, evaluated_count, failed_count) VALUES `+strings.Join(rows, ", "), args...))
			rows, args = rows[:0], args[:0]
		}
		for at := t0.Add(3 * benchEvery); at.Before(end); at = at.Add(benchEvery) {
			rows = append(rows, "(?, ?, 'complete', 'history', ?, ?, ?, ?, ?)")
			args = append(args, env.tenant.ID, tg.ID, at, at.Add(2*time.Minute), tmpl.Assets, tmpl.Evaluated, tmpl.Failed)
			history++
			if len(rows) == 500 {
				flush()
			}
		}
		flush()
		must(b, db.Exec(ctx, `INSERT INTO score_snapshots (tenant_id, target_id, run_id, scope_kind, scope_key, model, compliance,
 compliance_without_exceptions, risk, risk_without_exceptions, evaluated, passed, failed, not_applicable, needs_attestation, details, taken_at)
 SELECT s.tenant_id, s.target_id, r.id, s.scope_kind, s.scope_key, s.model, s.compliance, s.compliance_without_exceptions, s.risk,
 s.risk_without_exceptions, s.evaluated, s.passed, s.failed, s.not_applicable, s.needs_attestation, s.details, r.finished_at
 FROM score_snapshots s JOIN collection_runs r ON r.tenant_id = s.tenant_id AND r.target_id = s.target_id AND r.trigger = 'history'
 WHERE s.tenant_id = ? AND s.target_id = ? AND s.run_id = ?`, env.tenant.ID, tg.ID, tmpl.ID))
	}
	env.logf("seed: %d steady runs with their score snapshots in %.1fs", history, time.Since(th).Seconds())
	for t := 0; t < s.targets; t++ {
		tk := time.Now()
		run := runOnce(t, 3, end, "schedule")
		env.logf("seed: %s last run: %d failed, %d opened, %d resolved in %.1fs", s.targetName(t), run.Failed, run.Opened,
			run.Resolved, time.Since(tk).Seconds())
	}
	if open != s.openFindings() {
		b.Fatalf("seeded %d open findings, want %d", open, s.openFindings())
	}
	// Autovacuum would analyze the tables after such a load; do it now rather than race it.
	must(b, db.Exec(ctx, "ANALYZE"))
	// The mark of a complete seed, for a kept schema.
	must(b, db.CreateAPIToken(ctx, &posture.APIToken{TenantID: env.tenant.ID, Name: benchFinal, Prefix: "pal_seeded",
		Hash: hash(benchFinal), Role: posture.RoleViewer, CreatedBy: "bench"}))
	env.seedTime = time.Since(start)
	env.logf("seed: %d open and %d resolved findings, %d runs, in %.1fs", open, resolved, history+4*s.targets,
		env.seedTime.Seconds())
	env.serve(b)
	return env
}
