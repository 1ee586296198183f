package runner_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// hostileWeb is a workload whose labels, annotations, env value and container name hold NUL
// characters: what a hostile manifest or a live object can carry. (Bytes that are not UTF-8
// do not get this far: the manifest decoder refuses such a file, and JSON from an API server
// arrives as U+FFFD; posture.CleanText covers them anyway.)
const hostileWeb = `{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "web", "namespace": "shop", "labels": {"palisade.dev/owner": "team\u0000shop", "tier": "front\u0000end"},
   "annotations": {"note": "a\u0000b"}},
 "spec": {"selector": {"matchLabels": {"app": "web"}},
   "template": {"metadata": {"labels": {"app": "web\u0000"},
       "annotations": {"container.apparmor.security.beta.kubernetes.io/web": "unconfined\u0000"}},
     "spec": {"containers": [{"name": "web\u0000x", "image": "nginx:1.27", "securityContext": {"privileged": true},
       "env": [{"name": "MODE", "value": "x\u0000y"}]}]}}}}
`

func newRunner(db posture.RunStore, src runner.Source) *runner.Runner {
	return &runner.Runner{Runs: db, Sources: map[posture.TargetKind]runner.Source{posture.TargetCluster: src},
		Catalog: checks.Builtin(), CheckConfig: checks.DefaultConfig(), Weights: posture.DefaultWeights(), Log: slog.New(slog.DiscardHandler)}
}

// TestIntegrationCollectedTextWithNULIsStored: NUL characters and invalid UTF-8 in
// collected objects are stored as U+FFFD on both databases; the run completes with its
// findings. On PostgreSQL such a run used to fail to record and stay "running" forever.
func TestIntegrationCollectedTextWithNULIsStored(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d)
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
			run, err := newRunner(db, &fixtureSource{yaml: hostileWeb}).Run(ctx, *tgt, "test")
			if err != nil || run.Status != posture.RunComplete || run.Opened == 0 {
				t.Fatalf("run = %+v, %v", run, err)
			}
			if n := countOpen(t, db, ten.ID, "k8s.privileged-container"); n != 1 {
				t.Fatalf("privileged findings = %d, want 1", n)
			}
			assets, err := db.ListAssets(ctx, ten.ID, posture.AssetFilter{Kind: posture.AssetWorkload})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range assets {
				if a.Key == "apps/Deployment/shop/web" {
					found = true
					if a.Labels["palisade.dev/owner"] != "team\uFFFDshop" || !strings.Contains(a.Labels["tier"], "\uFFFD") {
						t.Errorf("labels stored as %q", a.Labels)
					}
				}
			}
			if !found {
				t.Fatalf("the workload was not stored: %+v", assets)
			}
		})
	}
}

// failingStore refuses FinishRun as a database refuses a value, or is unavailable for a while.
type failingStore struct {
	*store.DB
	refuse      atomic.Int32 // FinishRun calls left to refuse with a plain error
	unavailable atomic.Int32 // FinishRun calls left to answer unavailable
	calls       atomic.Int32
}

func (s *failingStore) FinishRun(ctx context.Context, tenantID, runID int64, out posture.RunOutcome) (*posture.Run, error) {
	s.calls.Add(1)
	if s.unavailable.Add(-1) >= 0 {
		return nil, posture.Errorf(posture.EUNAVAILABLE, "the database is unavailable; try again shortly")
	}
	if s.refuse.Add(-1) >= 0 {
		return nil, errors.New(`ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)`)
	}
	return s.DB.FinishRun(ctx, tenantID, runID, out)
}

// TestIntegrationRunWhoseResultsAreRefusedEndsFailed: when the database refuses a run's
// results, the run is recorded as failed with the reason instead of staying "running".
func TestIntegrationRunWhoseResultsAreRefusedEndsFailed(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := &failingStore{DB: storetest.Open(t, d)}
			db.refuse.Store(1)
			ten, tgt := storetest.Seed(t, db.DB, "acme", posture.TargetCluster)
			run, err := newRunner(db, &fixtureSource{yaml: privileged(true)}).Run(ctx, *tgt, "test")
			if err != nil {
				t.Fatal(err)
			}
			stored, err := db.Run(ctx, ten.ID, run.ID)
			if err != nil || stored.Status != posture.RunFailed || len(stored.Errors) != 1 ||
				!strings.Contains(stored.Errors[0].Message, "could not be stored") {
				t.Fatalf("run = %+v, %v; want failed with the reason", stored, err)
			}
			if n := countOpen(t, db.DB, ten.ID, "k8s.privileged-container"); n != 0 {
				t.Fatalf("a failed run recorded findings")
			}
		})
	}
}

// TestIntegrationRunWaitsForTheDatabase: a database unavailable for a while when the run is
// recorded loses nothing: recording is tried again until it is back.
func TestIntegrationRunWaitsForTheDatabase(t *testing.T) {
	ctx := context.Background()
	db := &failingStore{DB: storetest.Open(t, store.SQLite)}
	db.unavailable.Store(2)
	ten, tgt := storetest.Seed(t, db.DB, "acme", posture.TargetCluster)
	run, err := newRunner(db, &fixtureSource{yaml: privileged(true)}).Run(ctx, *tgt, "test")
	if err != nil || run.Status != posture.RunComplete || db.calls.Load() != 3 {
		t.Fatalf("run = %+v, %v after %d attempts; want complete on the third", run, err, db.calls.Load())
	}
	if n := countOpen(t, db.DB, ten.ID, "k8s.privileged-container"); n != 1 {
		t.Fatalf("privileged findings = %d, want 1", n)
	}
}

// blockingSource collects until its context ends, as a slow cluster does.
type blockingSource struct{ started chan struct{} }

func (b *blockingSource) Collect(ctx context.Context, _ posture.Target) (*runner.Collection, error) {
	close(b.started)
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestIntegrationCancelledRunIsRecordedAsInterrupted: a run cancelled mid-collection (the
// server stopping) or past its timeout is recorded as failed with why, at once.
func TestIntegrationCancelledRunIsRecordedAsInterrupted(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
	for _, tc := range []struct {
		name, want string
		ctx        func() (context.Context, context.CancelFunc)
		cancel     bool
	}{
		{"stopping", "cancelled: Palisade was stopping", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, true},
		{"timeout", "timed out", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &blockingSource{started: make(chan struct{})}
			ctx, cancel := tc.ctx()
			defer cancel()
			go func() {
				<-src.started
				if tc.cancel {
					cancel()
				}
			}()
			run, err := newRunner(db, src).Run(ctx, *tgt, "test")
			if err != nil {
				t.Fatal(err)
			}
			stored, err := db.Run(context.Background(), ten.ID, run.ID)
			if err != nil || stored.Status != posture.RunFailed || len(stored.Errors) != 1 ||
				stored.Errors[0].Source != posture.InterruptedSource || !strings.Contains(stored.Errors[0].Message, tc.want) {
				t.Fatalf("run = %+v, %v", stored, err)
			}
		})
	}
}

// TestIntegrationRunningRunHeartbeats: while a run collects, its heartbeat moves.
func TestIntegrationRunningRunHeartbeats(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
	src := &blockingSource{started: make(chan struct{})}
	r := newRunner(db, src)
	r.HeartbeatEvery = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	run, finish, err := r.Begin(ctx, *tgt, "test")
	if err != nil {
		t.Fatal(err)
	}
	first := *run.HeartbeatAt
	done := make(chan struct{})
	go func() { defer close(done); _, _ = finish(ctx) }()
	<-src.started
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := db.Run(context.Background(), ten.ID, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.HeartbeatAt != nil && got.HeartbeatAt.After(first) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the heartbeat never moved")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}
