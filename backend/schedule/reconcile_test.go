package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// childOwner starts a process and returns it with the owner id it would have had.
func childOwner(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	start, ok := processStart(cmd.Process.Pid)
	if !ok {
		if runtime.GOOS == "linux" {
			t.Fatalf("cannot read the start time of pid %d from /proc", cmd.Process.Pid)
		}
		t.Skip("no /proc: a process's start cannot be read here")
	}
	host, _ := os.Hostname()
	return cmd, fmt.Sprintf("%s-%d-%s", host, cmd.Process.Pid, start)
}

func TestProcessGone(t *testing.T) {
	me := NewOwnerID()
	if processGone(me) {
		t.Fatal("this process is gone?")
	}
	child, owner := childOwner(t)
	if processGone(owner) {
		t.Fatalf("a running process %s is gone?", owner)
	}
	_ = child.Process.Kill()
	_ = child.Wait()
	if !processGone(owner) {
		t.Fatalf("a killed process %s is not gone", owner)
	}
	host, _ := os.Hostname()
	for owner, want := range map[string]bool{
		fmt.Sprintf("%s-%d-1", host, os.Getpid()): true,  // our pid, another start: a restarted container's predecessor
		"elsewhere-1-123":                         false, // another host: only its lease tells
		fmt.Sprintf("%s-%d-r0a1b2c3", host, 1):    false, // start unknown (no /proc where it ran)
		"replica-a":                               false,
		"":                                        false,
	} {
		if got := processGone(owner); got != want {
			t.Errorf("processGone(%q) = %v, want %v", owner, got, want)
		}
	}
}

// TestIntegrationStartReconcilesRunsOfGoneProcesses: a process killed mid-run leaves its
// run "running" and its target locked. The next scheduler to start ends the run as
// interrupted and frees the target at once; a run silent for longer than the lease is ended
// too; a live process's run is left alone.
func TestIntegrationStartReconcilesRunsOfGoneProcesses(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Now().UTC())
			dsn := filepath.Join(t.TempDir(), "p.db")
			if d == store.Postgres {
				dsn = storetest.DSN(t)
			}
			db := storetest.OpenWith(t, d, storetest.Options{Now: clock.Now, Migrate: true, DSN: dsn})
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
			dead, deadOwner := childOwner(t)
			_, liveOwner := childOwner(t)
			begin := func(owner string, beat time.Time) *posture.Run {
				h := storetest.OpenWith(t, d, storetest.Options{Now: func() time.Time { return beat }, Owner: owner, DSN: dsn})
				run, err := h.StartRun(ctx, ten.ID, tgt.ID, "schedule", beat)
				if err != nil {
					t.Fatal(err)
				}
				return run
			}
			killed := begin(deadOwner, clock.Now())
			if ok, err := db.TryLock(ctx, JobName(*tgt), deadOwner, time.Hour); err != nil || !ok {
				t.Fatalf("lock: %v %v", ok, err)
			}
			_ = dead.Process.Kill()
			_ = dead.Wait()
			silent := begin("far-away-7-99", clock.Now().Add(-10*time.Minute))
			alive := begin(liveOwner, clock.Now())

			s, err := New(runnerFunc(nil), Options{Owner: NewOwnerID(), Locks: db, Runs: db, Reconciler: db, Lease: 2 * time.Minute,
				Timeout: time.Minute, Log: slog.New(slog.DiscardHandler), Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			s.Start()
			defer func() { _ = s.Shutdown(ctx) }()
			for run, want := range map[*posture.Run]string{killed: "stopped before it finished", silent: "no sign of life"} {
				got, err := db.Run(ctx, ten.ID, run.ID)
				if err != nil || got.Status != posture.RunFailed || len(got.Errors) != 1 || !strings.Contains(got.Errors[0].Message, want) {
					t.Errorf("run %d = %+v, %v; want failed, %q", run.ID, got, err, want)
				}
			}
			if got, _ := db.Run(ctx, ten.ID, alive.ID); got.Status != posture.RunRunning {
				t.Errorf("a live process's run was ended: %+v", got)
			}
			if ok, err := db.TryLock(ctx, JobName(*tgt), "someone-else", time.Minute); err != nil || !ok {
				t.Errorf("the killed process's lock was not released: %v %v", ok, err)
			}
		})
	}
}

// TestIntegrationShutdownRecordsCancelledRuns: stopping the scheduler mid-collection ends
// the run as failed ("cancelled: Palisade was stopping") before Shutdown returns, so a
// stopping server leaves no run "running".
func TestIntegrationShutdownRecordsCancelledRuns(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, d)
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
			started := make(chan struct{})
			r := &runner.Runner{Runs: db, Log: slog.New(slog.DiscardHandler), Sources: map[posture.TargetKind]runner.Source{
				posture.TargetCluster: runner.SourceFunc(func(ctx context.Context, _ posture.Target) (*runner.Collection, error) {
					close(started)
					<-ctx.Done()
					time.Sleep(300 * time.Millisecond) // a collector slow to notice
					return nil, ctx.Err()
				})}}
			s, err := New(r, Options{Owner: "replica-a", Locks: db, Runs: db, Reconciler: db, Timeout: time.Minute,
				Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Add(*tgt); err != nil {
				t.Fatal(err)
			}
			s.Start()
			<-started
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := s.Shutdown(sctx); err != nil {
				t.Fatal(err)
			}
			runs, err := db.ListRuns(ctx, ten.ID, tgt.ID, 10)
			if err != nil || len(runs) != 1 || runs[0].Status != posture.RunFailed || len(runs[0].Errors) != 1 ||
				runs[0].Errors[0].Message != "cancelled: Palisade was stopping" {
				t.Fatalf("runs after shutdown = %+v, %v", runs, err)
			}
		})
	}
}

// TestIntegrationHeldLockIsRenewed: a lock outlives its ttl while its holder lives (the
// lease renews it), and is free once released: a long collection keeps its target, a killed
// process loses it within the ttl.
func TestIntegrationHeldLockIsRenewed(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	if ok, err := db.TryLock(ctx, "k", "a", 200*time.Millisecond); err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	l := newLease(db, "k", "a", 200*time.Millisecond, slog.New(slog.DiscardHandler))
	time.Sleep(700 * time.Millisecond) // three and a half ttls
	if ok, _ := db.TryLock(ctx, "k", "b", time.Minute); ok {
		t.Fatal("the held lock expired")
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.TryLock(ctx, "k", "b", time.Minute); !ok {
		t.Fatal("the released lock is still held")
	}
}

// TestIntegrationEditingATargetKeepsItsRunDeletingCancelsIt: a collection under way goes on
// when its target's schedule is changed (the job is rescheduled), and is cancelled, saying
// so, when the target is deleted.
func TestIntegrationEditingATargetKeepsItsRunDeletingCancelsIt(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
	started, release := make(chan struct{}, 2), make(chan struct{})
	r := &runner.Runner{Runs: db, Log: slog.New(slog.DiscardHandler), Sources: map[posture.TargetKind]runner.Source{
		posture.TargetCluster: runner.SourceFunc(func(ctx context.Context, _ posture.Target) (*runner.Collection, error) {
			started <- struct{}{}
			select {
			case <-release:
				return &runner.Collection{Status: posture.RunFailed, Errors: []posture.CollectionError{{Source: "test", Message: "finished"}}}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})}}
	s, err := New(r, Options{Owner: "replica-a", Locks: db, Runs: db, Timeout: time.Minute, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Shutdown(ctx) }()
	if err := s.Add(*tgt); err != nil {
		t.Fatal(err)
	}
	s.Start()
	<-started
	// A new schedule: the job is replaced, the run in flight is not touched.
	tgt.Schedule = "2h"
	s.Remove(*tgt, false)
	if err := s.Add(*tgt); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitRun := func(want string) posture.Run {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			runs, err := db.ListRuns(ctx, ten.ID, tgt.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if len(r.Errors) == 1 && strings.Contains(r.Errors[0].Message, want) {
					return r
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no run recorded %q: %+v", want, runs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitRun("finished")

	// Deleting the target cancels its next collection and says why.
	release = make(chan struct{})
	go func() { _, _ = s.RunNow(ctx, *tgt) }()
	<-started
	s.Remove(*tgt, true)
	waitRun("cancelled: the target was deleted")
}
