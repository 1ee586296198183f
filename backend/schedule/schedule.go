// Package schedule runs each target's collection on its interval or cron schedule with
// gocron: jitter, a timeout, one run at a time per target, a bound on concurrent runs, and a
// lock in the database so that several replicas sharing it never collect one target twice.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/robfig/cron/v3"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Runner performs one collection (backend/runner).
type Runner interface {
	Run(ctx context.Context, t posture.Target, trigger string) (*posture.Run, error)
}

// LockStore is a lease-based lock shared by replicas (backend/store).
type LockStore interface {
	TryLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)
	RenewLock(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)
	Unlock(ctx context.Context, key, owner string) error
	LockOwners(ctx context.Context) ([]string, error)
	ReleaseLocksOf(ctx context.Context, owner string) error
}

// Options configure a Scheduler.
type Options struct {
	// Owner identifies this replica in locks (hostname + pid + random is a good choice).
	Owner string
	// MaxConcurrent bounds collections running at once on this replica.
	MaxConcurrent uint
	// Timeout bounds one collection.
	Timeout time.Duration
	// Lease is how long a lock or a run stays claimed without a sign of life from its
	// process (default 2m): a process killed mid-run frees its target within it, and a
	// database outage shorter than it loses nothing.
	Lease time.Duration
	Locks LockStore
	Runs  posture.RunStore
	// Reconciler ends runs whose process is gone (nil: runs are not reconciled).
	Reconciler posture.RunReconciler
	Log        *slog.Logger
	Now        func() time.Time
}

// Starter begins a run and returns it with the function that completes it (backend/runner).
type Starter interface {
	Begin(ctx context.Context, t posture.Target, trigger string) (*posture.Run, func(context.Context) (*posture.Run, error), error)
}

// Scheduler owns the gocron scheduler and one job per target.
type Scheduler struct {
	cron   gocron.Scheduler
	runner Runner
	opts   Options
	// manual runs (RunNow) live outside gocron; base ends them at shutdown. inflight counts
	// every collection, so that shutdown waits until each is recorded.
	base     context.Context
	stop     context.CancelCauseFunc
	inflight sync.WaitGroup
	loops    sync.WaitGroup
	// running cancels the collection in flight per target (JobName), for a deleted target;
	// stopping is set when Shutdown begins, after which no collection starts.
	mu       sync.Mutex
	running  map[string]context.CancelCauseFunc
	stopping bool
}

// Why a collection was cancelled; the run records it (runner.interrupted).
var (
	errStopping      = errors.New("cancelled: Palisade was stopping")
	errTargetDeleted = errors.New("cancelled: the target was deleted")
)

// New builds a scheduler; Start begins running jobs.
func New(runner Runner, opts Options) (*Scheduler, error) {
	if opts.MaxConcurrent == 0 {
		opts.MaxConcurrent = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	schedOpts := []gocron.SchedulerOption{gocron.WithLimitConcurrentJobs(opts.MaxConcurrent, gocron.LimitModeWait)}
	if opts.Locks != nil {
		schedOpts = append(schedOpts, gocron.WithDistributedLocker(&locker{store: opts.Locks, owner: opts.Owner, ttl: opts.Lease, log: opts.Log}))
	}
	cron, err := gocron.NewScheduler(schedOpts...)
	if err != nil {
		return nil, err
	}
	base, stop := context.WithCancelCause(context.Background())
	return &Scheduler{cron: cron, runner: runner, opts: opts, base: base, stop: stop, running: map[string]context.CancelCauseFunc{}}, nil
}

// Schedule says when a target runs.
type Schedule struct {
	Definition gocron.JobDefinition
	// MinGap is how recent another replica's run may be for this one to skip its turn.
	MinGap time.Duration
}

// ParseSchedule reads "15m" (an interval, jittered by ±5%) or a cron expression ("*/10 * * * *").
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d < 10*time.Second {
			return Schedule{}, posture.Errorf(posture.EINVALID, "schedule %q: the shortest interval is 10s", s)
		}
		jitter := d / 20
		return Schedule{Definition: gocron.DurationRandomJob(d-jitter, d+jitter), MinGap: d / 2}, nil
	}
	if len(strings.Fields(s)) != 5 {
		return Schedule{}, posture.Errorf(posture.EINVALID, "schedule %q is neither a duration (15m) nor a 5-field cron expression", s)
	}
	return Schedule{Definition: gocron.CronJob(s, false), MinGap: 30 * time.Second}, nil
}

// JobName is the job's name and lock key for a target.
func JobName(t posture.Target) string { return fmt.Sprintf("target:%d:%d", t.TenantID, t.ID) }

// Add schedules a target. Its first run starts as soon as the scheduler does.
func (s *Scheduler) Add(t posture.Target) error {
	sched, err := ParseSchedule(t.Schedule)
	if err != nil {
		return err
	}
	return s.add(t, sched)
}

func (s *Scheduler) add(t posture.Target, sched Schedule) error {
	_, err := s.cron.NewJob(sched.Definition,
		gocron.NewTask(func(ctx context.Context) { s.runOnce(ctx, t, sched.MinGap) }),
		gocron.WithName(JobName(t)),
		gocron.WithTags(JobName(t)),
		gocron.WithSingletonMode(gocron.LimitModeReschedule), // never two runs of one target here
		gocron.WithStartAt(gocron.WithStartImmediately()),
	)
	return err
}

// Remove unschedules a target. A collection of it already under way goes on (a changed
// schedule or a disabled target does not throw away the work in flight), unless the target
// was deleted: that one is cancelled and recorded as such.
func (s *Scheduler) Remove(t posture.Target, deleted bool) {
	s.cron.RemoveByTags(JobName(t))
	if deleted {
		s.mu.Lock()
		cancel := s.running[JobName(t)]
		s.mu.Unlock()
		if cancel != nil {
			cancel(errTargetDeleted)
		}
	}
}

// collection gives a collection of t its context: the scheduler's lifetime (not gocron's
// job, which ends when the job is rescheduled), its timeout, and a cancel for deletion.
// It returns ok false once Shutdown has begun; done must be called when the run is recorded.
func (s *Scheduler) collection(t posture.Target) (ctx context.Context, done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, nil, false
	}
	ctx, cancel := context.WithCancelCause(s.base)
	ctx, stopTimer := context.WithTimeout(ctx, s.opts.Timeout)
	key := JobName(t)
	s.running[key] = cancel
	s.inflight.Add(1)
	return ctx, func() {
		s.mu.Lock()
		delete(s.running, key)
		s.mu.Unlock()
		stopTimer()
		cancel(nil)
		s.inflight.Done()
	}, true
}

// Start ends the runs of processes that are gone (so that their targets are free at once),
// then begins running jobs and reconciling runs every Lease/2; it does not block.
func (s *Scheduler) Start() {
	if s.opts.Reconciler != nil {
		ctx, cancel := context.WithTimeout(s.base, 30*time.Second)
		if _, err := s.Reconcile(ctx); err != nil {
			s.opts.Log.Warn("interrupted runs not reconciled at start-up", "error", err.Error())
		}
		cancel()
		s.loops.Add(1)
		go s.reconcileEvery(s.opts.Lease / 2)
	}
	s.cron.Start()
}

// Shutdown stops scheduling and cancels running collections, then waits until ctx ends at
// most for each to be recorded (as failed, "cancelled: Palisade was stopping"). A run still
// recording when ctx ends is ended by the next process's reconciler.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.stop(errStopping)
	err := s.cron.ShutdownWithContext(ctx)
	if errors.Is(err, gocron.ErrStopJobsTimedOut) {
		err = nil // gocron stops waiting after its own timeout; inflight below still waits
	}
	done := make(chan struct{})
	go func() { s.inflight.Wait(); s.loops.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return errors.Join(err, fmt.Errorf("collections still recording at shutdown: %w", ctx.Err()))
	}
	return err
}

// RunNow starts a collection of t outside its schedule and returns the run once it is
// recorded as started. It takes the same database lock as scheduled runs, so the two never
// overlap on any replica: a target already being collected is a conflict.
func (s *Scheduler) RunNow(ctx context.Context, t posture.Target) (*posture.Run, error) {
	st, ok := s.runner.(Starter)
	if !ok {
		return nil, posture.Errorf(posture.EINTERNAL, "runner cannot start runs in the background")
	}
	release := func() {}
	if s.opts.Locks != nil {
		got, err := s.opts.Locks.TryLock(ctx, JobName(t), s.opts.Owner, s.opts.Lease)
		if err != nil {
			return nil, err
		}
		if !got {
			return nil, posture.Errorf(posture.ECONFLICT, "a collection of target %q is already running", t.Name)
		}
		l := newLease(s.opts.Locks, JobName(t), s.opts.Owner, s.opts.Lease, s.opts.Log)
		release = func() { _ = l.Unlock(s.base) }
	}
	rctx, done, ok := s.collection(t)
	if !ok {
		release()
		return nil, posture.Errorf(posture.EUNAVAILABLE, "Palisade is stopping; try again on another replica or after the restart")
	}
	run, finish, err := st.Begin(ctx, t, "manual")
	if err != nil {
		done()
		release()
		return nil, err
	}
	go func() {
		defer done()
		defer release() // before done: Shutdown returns (and the database closes) after done
		if _, err := finish(rctx); err != nil {
			s.opts.Log.Error("collection could not be recorded", "target", t.Name, "error", err.Error())
		}
	}()
	return run, nil
}

func (s *Scheduler) runOnce(ctx context.Context, t posture.Target, minGap time.Duration) {
	log := s.opts.Log.With("target", t.Name, "tenant_id", t.TenantID)
	if s.opts.Runs != nil {
		// Another replica may have run this target moments ago (replicas' timers drift); the
		// lock prevents overlap, this prevents back-to-back duplicates.
		recent, err := s.opts.Runs.ListRuns(ctx, t.TenantID, t.ID, 1)
		if err == nil && len(recent) == 1 && s.opts.Now().Sub(recent[0].StartedAt) < minGap {
			log.Debug("skipping: a run started recently", "last_started", recent[0].StartedAt)
			return
		}
	}
	ctx, done, ok := s.collection(t)
	if !ok {
		return
	}
	defer done()
	if _, err := s.runner.Run(ctx, t, "schedule"); err != nil {
		log.Error("collection could not be recorded", "error", err.Error())
	}
}

// locker adapts the database lock to gocron.
type locker struct {
	store LockStore
	owner string
	ttl   time.Duration
	log   *slog.Logger
}

var errLocked = errors.New("held by another replica")

func (l *locker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	ok, err := l.store.TryLock(ctx, key, l.owner, l.ttl)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errLocked
	}
	return newLease(l.store, key, l.owner, l.ttl, l.log), nil
}

// lease is a held lock, renewed every ttl/4 until Unlock: a live process keeps its target
// however long the collection takes, and a killed one loses it within ttl.
type lease struct {
	store      LockStore
	key, owner string
	stop       chan struct{}
	stopped    chan struct{}
	once       sync.Once
}

func newLease(store LockStore, key, owner string, ttl time.Duration, log *slog.Logger) *lease {
	l := &lease{store: store, key: key, owner: owner, stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(l.stopped)
		tick := time.NewTicker(ttl / 4)
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), ttl/4)
				if ok, err := store.RenewLock(ctx, key, owner, ttl); err != nil || !ok {
					log.Warn("scheduler lock not renewed", "lock", key, "held", ok, "error", fmt.Sprint(err))
				}
				cancel()
			}
		}
	}()
	return l
}

func (l *lease) Unlock(ctx context.Context) error {
	l.once.Do(func() { close(l.stop); <-l.stopped })
	// The job's context may already be done; releasing must still happen.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return l.store.Unlock(ctx, l.key, l.owner)
}

// Interval is how often a schedule fires: the duration itself, or for a cron expression the
// gap between its next two firings after now. Staleness is judged against it.
func Interval(schedule string, now time.Time) (time.Duration, error) {
	s := strings.TrimSpace(schedule)
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	spec, err := cron.ParseStandard(s)
	if err != nil {
		return 0, posture.Errorf(posture.EINVALID, "schedule %q: %v", schedule, err)
	}
	next := spec.Next(now)
	return spec.Next(next).Sub(next), nil
}

// CheckedInterval is Interval for a schedule the scheduler accepts, and an error for one it
// would refuse (shorter than 10s, malformed): what an API validates before storing.
func CheckedInterval(schedule string, now time.Time) (time.Duration, error) {
	if _, err := ParseSchedule(schedule); err != nil {
		return 0, err
	}
	return Interval(schedule, now)
}
