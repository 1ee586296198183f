// Package runner performs one collection of one target: collect, evaluate every check,
// score, and persist run, findings and scores in one transaction. The scheduler calls it on
// a timer, the API on "run now".
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
)

// Collection is what a source saw of a target.
type Collection struct {
	Inventory *kubeinv.Inventory
	// Images is the image facet: a registry's images, or the facts of the digests a
	// cluster's pods run; nil when image facts were not collected.
	Images *imagefacts.Facet
	// ImagesLater, when set, builds Images once the collection is done; it reads and writes
	// the database, so the runner retries it while the database is unavailable, as it does
	// recording.
	ImagesLater func(ctx context.Context) (*imagefacts.Facet, error)
	Errors      []posture.CollectionError
	// Status is complete only when every resource type was read in full.
	Status posture.RunStatus
}

// Source collects one kind of target (a cluster, a folder of manifests).
type Source interface {
	Collect(ctx context.Context, t posture.Target) (*Collection, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, t posture.Target) (*Collection, error)

// Collect calls f.
func (f SourceFunc) Collect(ctx context.Context, t posture.Target) (*Collection, error) {
	return f(ctx, t)
}

// Runner runs collections.
type Runner struct {
	Runs        posture.RunStore
	Sources     map[posture.TargetKind]Source
	Catalog     *checks.Catalog
	CheckConfig checks.Config
	Weights     posture.Weights
	Log         *slog.Logger
	Now         func() time.Time
	// WatchLabels are the label keys whose removal or change on a namespace or workload is
	// config drift; nil: the check configuration's classification, tenant and owner labels.
	WatchLabels []string
	// Exceptions lists a tenant's approved, unexpired exceptions; nil: none apply.
	Exceptions func(ctx context.Context, tenantID int64) ([]posture.ActiveException, error)
	// Attestations lists a tenant's attestations, of which the valid ones count in scores;
	// nil: attestations are left out of scores, as for `palisade scan`.
	Attestations func(ctx context.Context, tenantID int64) ([]posture.Attestation, error)
	// HeartbeatEvery is how often a running run says it is alive (default 20s); the
	// scheduler's reconciler ends runs silent for longer than its lease as interrupted.
	HeartbeatEvery time.Duration
	// RecordFor is how long recording keeps trying while the database is unavailable
	// (default 2m): a database back within it loses nothing.
	RecordFor time.Duration
	metrics   *runMetrics
}

type runMetrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	findings *prometheus.GaugeVec
}

// RegisterMetrics exposes run counts, durations and open findings per target.
func (r *Runner) RegisterMetrics(reg prometheus.Registerer) {
	r.metrics = &runMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "palisade", Name: "collection_runs_total",
			Help: "Collection runs by target kind and outcome."}, []string{"kind", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "palisade", Name: "collection_duration_seconds",
			Help: "Duration of collection runs.", Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900}}, []string{"kind"}),
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "palisade", Name: "run_failed_results",
			Help: "Failed results in the last run of each target."}, []string{"target"}),
	}
	reg.MustRegister(r.metrics.runs, r.metrics.duration, r.metrics.findings)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run collects target once and records the outcome. A collection that fails or is partial
// is recorded with its errors and resolves no finding. The returned error is only for
// failures to record; a failed collection is a recorded run, not an error.
func (r *Runner) Run(ctx context.Context, t posture.Target, trigger string) (*posture.Run, error) {
	_, finish, err := r.Begin(ctx, t, trigger)
	if err != nil {
		return nil, err
	}
	return finish(ctx)
}

// Begin records a run of t as started and returns it, with the function that collects,
// evaluates and records the outcome (so a caller can answer before the collection ends).
func (r *Runner) Begin(ctx context.Context, t posture.Target, trigger string) (*posture.Run, func(context.Context) (*posture.Run, error), error) {
	start := r.now()
	run, err := r.Runs.StartRun(ctx, t.TenantID, t.ID, trigger, start)
	if err != nil {
		return nil, nil, fmt.Errorf("start run of target %q: %w", t.Name, err)
	}
	log := r.Log.With("target", t.Name, "tenant_id", t.TenantID, "run_id", run.ID)
	log.Info("collection started", "trigger", trigger)
	finish := func(ctx context.Context) (*posture.Run, error) {
		stopBeating := r.heartbeat(ctx, t.TenantID, run.ID, log)
		defer stopBeating()
		out := r.collectAndEvaluate(ctx, t)
		done, err := r.record(ctx, t, run.ID, out, log)
		if err != nil {
			return nil, fmt.Errorf("record run %d of target %q: %w", run.ID, t.Name, err)
		}
		elapsed := r.now().Sub(start)
		if r.metrics != nil {
			r.metrics.runs.WithLabelValues(string(t.Kind), string(done.Status)).Inc()
			r.metrics.duration.WithLabelValues(string(t.Kind)).Observe(elapsed.Seconds())
			r.metrics.findings.WithLabelValues(t.Name).Set(float64(done.Failed))
		}
		log.Info("collection finished", "status", done.Status, "duration", elapsed.String(), "assets", done.Assets,
			"evaluated", done.Evaluated, "failed", done.Failed, "opened", done.Opened, "resolved", done.Resolved,
			"reopened", done.Reopened, "errors", len(done.Errors))
		return done, nil
	}
	return run, finish, nil
}

func (r *Runner) collectAndEvaluate(ctx context.Context, t posture.Target) posture.RunOutcome {
	src, ok := r.Sources[t.Kind]
	if !ok {
		return failed(fmt.Sprintf("no collector for %s targets in this build", t.Kind))
	}
	col, err := src.Collect(ctx, t)
	if ctx.Err() != nil {
		// Whatever the collector made of the cancellation, the run did not see everything.
		return interrupted(ctx)
	}
	if err != nil {
		return failed(err.Error())
	}
	if col.Status == posture.RunFailed || col.Inventory == nil {
		return posture.RunOutcome{Status: posture.RunFailed, Errors: col.Errors}
	}
	log := r.Log.With("target", t.Name, "tenant_id", t.TenantID)
	if col.ImagesLater != nil {
		if err := r.untilAvailable(ctx, log, "image facts", func(ctx context.Context) (err error) {
			col.Images, err = col.ImagesLater(ctx)
			return err
		}); err != nil {
			return failed("cannot read or store image facts: " + posture.ErrorMessage(err))
		}
	}
	cfg := r.CheckConfig
	// A manifests target shows what its files define, as `palisade scan --path` does: a
	// namespace they only use is not in the scan (checks.Config.OnlyDeclaredNamespaces).
	cfg.OnlyDeclaredNamespaces = t.Kind == posture.TargetManifests
	catalog := r.Catalog
	if t.Kind == posture.TargetRegistry {
		// A registry holds images, not workloads: only the checks that read image facts apply.
		catalog = catalog.Filter(func(ch *checks.Check) bool { return ch.Facet == checks.FacetImages })
	}
	snap := checks.NewSnapshot(col.Inventory, cfg)
	snap.SetImages(col.Images)
	results := catalog.EvaluateSnapshot(snap)
	if err := r.untilAvailable(ctx, log, "exceptions", func(ctx context.Context) error { return r.applyExceptions(ctx, t, results) }); err != nil {
		// Without the exceptions every failure would look unexcepted and reopen
		// suppressed findings: record nothing rather than something wrong.
		return failed("cannot read exceptions: " + posture.ErrorMessage(err))
	}
	out := posture.RunOutcome{Status: col.Status, Results: results, Errors: col.Errors, OwnerLabelKey: r.CheckConfig.OwnerLabel,
		FinishedAt: r.now()}
	// Only a complete run is scored: a partial one has not seen everything, and its score
	// would be a guess. The last complete run's score stands, shown with its age.
	if col.Status == posture.RunComplete {
		opts := scoring.Options{Weights: r.Weights, OwnerLabelKey: r.CheckConfig.OwnerLabel,
			Now: r.now(), Excepted: func(res posture.Result) bool { return res.Excepted }, Exposure: snap.Exposure()}
		if err := r.untilAvailable(ctx, log, "attestations", func(ctx context.Context) error { return r.attestations(ctx, t.TenantID, &opts) }); err != nil {
			// Scoring without them would count every attested recommendation as failing.
			return failed("cannot read attestations: " + posture.ErrorMessage(err))
		}
		out.Scores, out.Weights = scoring.Compute(results, opts).Snapshots(), r.Weights
		out.Watched = r.watched(col.Inventory)
	}
	return out
}

// attestations puts the tenant's valid attestations into opts, or leaves attestations out
// of the score when the runner has no store of them.
func (r *Runner) attestations(ctx context.Context, tenantID int64, opts *scoring.Options) error {
	if r.Attestations == nil {
		opts.IgnoreAttestations = true
		return nil
	}
	list, err := r.Attestations(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.Valid(opts.Now) {
			opts.Attestations = append(opts.Attestations, scoring.Attestation{CSAID: a.CSAID, ValidUntil: a.ExpiresAt,
				Ref: fmt.Sprint(a.ID)})
		}
	}
	return nil
}

// applyExceptions marks the failed results an approved exception covers.
func (r *Runner) applyExceptions(ctx context.Context, t posture.Target, results []posture.Result) error {
	if r.Exceptions == nil {
		return nil
	}
	list, err := r.Exceptions(ctx, t.TenantID)
	if err != nil || len(list) == 0 {
		return err
	}
	m := posture.NewExceptionMatcher(list, r.now())
	for i := range results {
		results[i].Excepted = m.Excepted(t.TenantID, t.ID, results[i])
	}
	return nil
}

// interrupted is the outcome of a run whose context ended: the server stopping, or the
// collection running past its timeout.
func interrupted(ctx context.Context) posture.RunOutcome {
	msg := "cancelled: Palisade was stopping"
	switch cause := context.Cause(ctx); {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		msg = "timed out: the collection took longer than its limit"
	case cause != nil && !errors.Is(cause, context.Canceled):
		msg = cause.Error()
	}
	return posture.RunOutcome{Status: posture.RunFailed, Errors: []posture.CollectionError{{Source: posture.InterruptedSource, Message: msg}}}
}

func failed(msg string) posture.RunOutcome {
	return posture.RunOutcome{Status: posture.RunFailed, Errors: []posture.CollectionError{{Source: "collector", Message: msg}}}
}
