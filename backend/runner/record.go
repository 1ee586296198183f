package runner

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// record stores a run's outcome. Recording goes on after the collection's context ended
// (a stopping server still records what it collected), retries while the database is
// unavailable, and when the outcome itself cannot be stored it records the run as failed
// with the reason instead: a run never stays "running" because its results were refused.
func (r *Runner) record(ctx context.Context, t posture.Target, runID int64, out posture.RunOutcome, log *slog.Logger) (*posture.Run, error) {
	rctx := context.WithoutCancel(ctx) // bounded by untilAvailable's window
	// Collected text enters the domain here, with everything derived from it (asset keys,
	// evidence, score scopes, watched state): NUL and invalid UTF-8 become U+FFFD.
	out.Clean()
	for {
		var done *posture.Run
		err := r.untilAvailable(rctx, log, "the run's results", func(ctx context.Context) error {
			var err error
			done, err = r.Runs.FinishRun(ctx, t.TenantID, runID, out)
			return err
		})
		switch code := posture.ErrorCode(err); {
		case err == nil:
			return done, nil
		case code == posture.EUNAVAILABLE, code == posture.ECONFLICT, out.Status == posture.RunFailed && len(out.Results) == 0:
			// Out of time, ended meanwhile (the reconciler took it), or a bare failure that
			// cannot be stored either: nothing smaller is left to record.
			return nil, err
		default:
			log.Error("the run's results could not be stored; recording the run as failed", "error", err.Error())
			out = posture.RunOutcome{Status: posture.RunFailed, Errors: append(out.Errors, posture.CollectionError{Source: "palisade",
				Message: fmt.Sprintf("the results could not be stored (%s); the server log has the cause under run id %d", posture.ErrorMessage(err), runID)})}
		}
	}
}

// untilAvailable calls fn until it succeeds, fails for another reason than an unavailable
// database, or ctx ends (bounded by RecordFor): a database back within that window costs the
// run nothing.
func (r *Runner) untilAvailable(ctx context.Context, log *slog.Logger, what string, fn func(context.Context) error) error {
	window := r.RecordFor
	if window <= 0 {
		window = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	pause := time.Second
	for {
		err := fn(ctx)
		if posture.ErrorCode(err) != posture.EUNAVAILABLE || ctx.Err() != nil {
			return err
		}
		log.Warn("the database is unavailable; trying again", "for", what, "retry_in", pause.String(), "error", err.Error())
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
		pause = min(2*pause, 15*time.Second)
	}
}

// heartbeat says the run is alive every HeartbeatEvery until stop is called, including
// while it is recorded after its context ended.
func (r *Runner) heartbeat(ctx context.Context, tenantID, runID int64, log *slog.Logger) (stop func()) {
	every := r.HeartbeatEvery
	if every <= 0 {
		every = 20 * time.Second
	}
	ctx = context.WithoutCancel(ctx)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				hctx, cancel := context.WithTimeout(ctx, every)
				if err := r.Runs.HeartbeatRun(hctx, tenantID, runID, r.now()); err != nil {
					log.Warn("run heartbeat not recorded", "error", err.Error())
				}
				cancel()
			}
		}
	}()
	return func() { close(done); <-finished }
}
