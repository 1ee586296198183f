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
	Unlock(ctx context.Context, key, owner string) error
}

// Options configure a Scheduler.
type Options struct {
	// Owner identifies this replica in locks (hostname + pid + random is a good choice).
	Owner string
	// MaxConcurrent bounds collections running at once on this replica.
	MaxConcurrent uint
	// Timeout bounds one collection.
	Timeout time.Duration
	Locks   LockStore
	Runs    posture.RunStore
	Log     *slog.Logger
	Now     func() time.Time
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
	// manual runs (RunNow) live outside gocron; base ends them at shutdown.
	base   context.Context
	stop   context.CancelFunc
	manual sync.WaitGroup
}

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
	schedOpts := []gocron.SchedulerOption{gocron.WithLimitConcurrentJobs(opts.MaxConcurrent, gocron.LimitModeWait)}
	if opts.Locks != nil {
		schedOpts = append(schedOpts, gocron.WithDistributedLocker(&locker{store: opts.Locks, owner: opts.Owner, ttl: opts.Timeout + time.Minute}))
	}
	cron, err := gocron.NewScheduler(schedOpts...)
	if err != nil {
		return nil, err
	}
	base, stop := context.WithCancel(context.Background())
	return &Scheduler{cron: cron, runner: runner, opts: opts, base: base, stop: stop}, nil
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

// Remove unschedules a target.
func (s *Scheduler) Remove(t posture.Target) { s.cron.RemoveByTags(JobName(t)) }

// Start begins running jobs; it does not block.
func (s *Scheduler) Start() { s.cron.Start() }

// Shutdown stops scheduling and cancels running collections (their runs are still recorded,
// as failed or partial), waiting until ctx ends at most.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.stop()
	err := s.cron.ShutdownWithContext(ctx)
	done := make(chan struct{})
	go func() { s.manual.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
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
		got, err := s.opts.Locks.TryLock(ctx, JobName(t), s.opts.Owner, s.opts.Timeout+time.Minute)
		if err != nil {
			return nil, err
		}
		if !got {
			return nil, posture.Errorf(posture.ECONFLICT, "a collection of target %q is already running", t.Name)
		}
		release = func() { _ = (&lease{store: s.opts.Locks, key: JobName(t), owner: s.opts.Owner}).Unlock(s.base) }
	}
	run, finish, err := st.Begin(ctx, t, "manual")
	if err != nil {
		release()
		return nil, err
	}
	s.manual.Add(1)
	go func() {
		defer s.manual.Done()
		defer release()
		rctx, cancel := context.WithTimeout(s.base, s.opts.Timeout)
		defer cancel()
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
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if _, err := s.runner.Run(ctx, t, "schedule"); err != nil {
		log.Error("collection could not be recorded", "error", err.Error())
	}
}

// locker adapts the database lock to gocron.
type locker struct {
	store LockStore
	owner string
	ttl   time.Duration
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
	return &lease{store: l.store, key: key, owner: l.owner}, nil
}

type lease struct {
	store      LockStore
	key, owner string
}

func (l *lease) Unlock(ctx context.Context) error {
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
