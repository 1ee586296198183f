package schedule

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"15m", true}, {"1h30m", true}, {"*/10 * * * *", true}, {"0 3 * * 1-5", true},
		{"5s", false}, {"", false}, {"every hour", false}, {"* * *", false},
	} {
		_, err := ParseSchedule(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseSchedule(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && posture.ErrorCode(err) != posture.EINVALID {
			t.Errorf("ParseSchedule(%q) code = %s", tc.in, posture.ErrorCode(err))
		}
	}
}

// overlapRunner records runs into the real store and fails the test if two collections of
// the target ever run at the same time, whichever replica started them.
type overlapRunner struct {
	db      *store.DB
	active  atomic.Int32
	overlap atomic.Bool
	mu      sync.Mutex
	by      map[string]int
}

func (r *overlapRunner) runFor(replica string) Runner {
	return runnerFunc(func(ctx context.Context, t posture.Target, trigger string) (*posture.Run, error) {
		if r.active.Add(1) > 1 {
			r.overlap.Store(true)
		}
		defer r.active.Add(-1)
		run, err := r.db.StartRun(ctx, t.TenantID, t.ID, trigger, time.Now())
		if err != nil {
			return nil, err
		}
		time.Sleep(150 * time.Millisecond) // a collection takes a while
		r.mu.Lock()
		r.by[replica]++
		r.mu.Unlock()
		return r.db.FinishRun(context.WithoutCancel(ctx), t.TenantID, run.ID, posture.RunOutcome{Status: posture.RunComplete})
	})
}

type runnerFunc func(ctx context.Context, t posture.Target, trigger string) (*posture.Run, error)

func (f runnerFunc) Run(ctx context.Context, t posture.Target, trigger string) (*posture.Run, error) {
	return f(ctx, t, trigger)
}

func TestIntegrationTwoReplicasNeverCollectOneTargetTwice(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d)
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetManifests)
			rec := &overlapRunner{db: db, by: map[string]int{}}
			every := 400 * time.Millisecond
			var scheds []*Scheduler
			for _, replica := range []string{"replica-a", "replica-b"} {
				s, err := New(rec.runFor(replica), Options{Owner: replica, Locks: db, Runs: db, Timeout: 5 * time.Second,
					Log: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.add(*tgt, Schedule{Definition: gocron.DurationJob(every), MinGap: every / 2}); err != nil {
					t.Fatal(err)
				}
				scheds = append(scheds, s)
			}
			for _, s := range scheds {
				s.Start()
			}
			time.Sleep(3 * time.Second)
			for _, s := range scheds {
				if err := s.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if rec.overlap.Load() {
				t.Fatal("two replicas collected the same target at the same time")
			}
			runs, err := db.ListRuns(ctx, ten.ID, tgt.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			// Two unsynchronised replicas firing every 400ms for 3s would make ~15 runs;
			// coordinated, about one per interval: 3s/400ms plus the immediate first run.
			if len(runs) < 3 || len(runs) > 10 {
				t.Fatalf("%d runs in 3s at a 400ms interval on two replicas (by replica: %v)", len(runs), rec.by)
			}
			sort.Slice(runs, func(i, j int) bool { return runs[i].StartedAt.Before(runs[j].StartedAt) })
			for i := 1; i < len(runs); i++ {
				if gap := runs[i].StartedAt.Sub(runs[i-1].StartedAt); gap < every/2-50*time.Millisecond {
					t.Errorf("runs %d and %d started %v apart: back-to-back duplicate", runs[i-1].ID, runs[i].ID, gap)
				}
			}
			t.Logf("%d runs, by replica %v", len(runs), rec.by)
		})
	}
}

func TestInterval(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 7, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"15m": 15 * time.Minute, "*/10 * * * *": 10 * time.Minute, "0 3 * * *": 24 * time.Hour} {
		got, err := Interval(in, now)
		if err != nil || got != want {
			t.Errorf("Interval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := Interval("nonsense", now); err == nil {
		t.Error("Interval accepted nonsense")
	}
}
