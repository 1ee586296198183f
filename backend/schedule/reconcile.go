package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Runs and locks outlive the process that took them when it is killed (kill -9, OOM, a node
// lost) or cannot finish (its database went away). Every replica reconciles them: a run is
// ended as interrupted when its process is known to be gone (same host, pid not running),
// or when it has been silent for longer than the lease; a gone process's locks are released
// at once. A restarted process so frees its targets at start-up instead of answering
// "already running" until a lease runs out.

// Reconcile ends the runs of processes that are gone and releases their locks; it returns
// how many runs it ended.
func (s *Scheduler) Reconcile(ctx context.Context) (int, error) {
	if s.opts.Reconciler == nil {
		return 0, nil
	}
	runs, err := s.opts.Reconciler.RunningRuns(ctx)
	if err != nil {
		return 0, fmt.Errorf("list running runs: %w", err)
	}
	now := s.opts.Now().UTC()
	ended := 0
	var errs []error
	for _, r := range runs {
		reason, staleBefore := "", now.Add(-s.opts.Lease)
		switch {
		case r.Owner != "" && r.Owner != s.opts.Owner && processGone(r.Owner):
			reason = "interrupted: the Palisade process collecting it stopped before it finished (" + r.Owner + ")"
			staleBefore = now.Add(time.Minute) // dead whatever its last heartbeat says
		case r.HeartbeatAt != nil && now.Sub(*r.HeartbeatAt) > s.opts.Lease:
			reason = fmt.Sprintf("interrupted: no sign of life from the Palisade process collecting it since %s (%s)",
				r.HeartbeatAt.UTC().Format(time.RFC3339), r.Owner)
		case r.HeartbeatAt == nil && now.Sub(r.StartedAt) > s.opts.Timeout+s.opts.Lease:
			reason = "interrupted: started by an earlier version of Palisade that stopped before it finished"
		default:
			continue
		}
		ok, err := s.opts.Reconciler.InterruptRun(ctx, r.TenantID, r.ID, r.Owner, staleBefore, reason)
		if err != nil {
			errs = append(errs, fmt.Errorf("end run %d: %w", r.ID, err))
			continue
		}
		if ok {
			ended++
			s.opts.Log.Warn("run ended as interrupted", "tenant_id", r.TenantID, "target_id", r.TargetID, "run_id", r.ID, "reason", reason)
		}
	}
	if err := s.releaseGoneLocks(ctx); err != nil {
		errs = append(errs, err)
	}
	return ended, errors.Join(errs...)
}

func (s *Scheduler) releaseGoneLocks(ctx context.Context) error {
	if s.opts.Locks == nil {
		return nil
	}
	owners, err := s.opts.Locks.LockOwners(ctx)
	if err != nil {
		return fmt.Errorf("list lock owners: %w", err)
	}
	for _, o := range owners {
		if o == s.opts.Owner || !processGone(o) {
			continue
		}
		if err := s.opts.Locks.ReleaseLocksOf(ctx, o); err != nil {
			return fmt.Errorf("release locks of %s: %w", o, err)
		}
		s.opts.Log.Info("released the scheduler locks of a stopped process", "owner", o)
	}
	return nil
}

func (s *Scheduler) reconcileEvery(every time.Duration) {
	defer s.loops.Done()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.base.Done():
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(s.base, every)
			if _, err := s.Reconcile(ctx); err != nil && s.base.Err() == nil {
				s.opts.Log.Warn("interrupted runs not reconciled", "error", err.Error())
			}
			cancel()
		}
	}
}
