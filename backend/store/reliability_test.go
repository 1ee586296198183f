package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// TestIntegrationTicketKeysCountPerTenant: keys count in each tenant (PAL-1, PAL-2, ...), so
// a key tells nothing of other tenants' volume, and concurrent creations never share one.
func TestIntegrationTicketKeysCountPerTenant(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		findings := func(slug string, n int) (*posture.Tenant, []int64) {
			ten, tgt := seedTenant(t, db, slug)
			var results []posture.Result
			for i := 0; i < n; i++ {
				results = append(results, result(fmt.Sprintf("apps/Deployment/shop/w%02d", i), "shop", "k8s.privileged-container", "", posture.Fail))
			}
			finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, at, results...)
			page, err := db.ListFindings(ctx, ten.ID, posture.FindingFilter{Limit: 100})
			if err != nil || len(page.Findings) != n {
				t.Fatalf("findings of %s: %d, %v", slug, len(page.Findings), err)
			}
			var ids []int64
			for _, f := range page.Findings {
				ids = append(ids, f.ID)
			}
			return ten, ids
		}
		acme, acmeFindings := findings("acme", 12)
		globex, globexFindings := findings("globex", 1)
		create := func(tenantID, findingID int64) string {
			tk := &store.Ticket{TenantID: tenantID, FindingIDs: []int64{findingID}, CreatedBy: "omar"}
			if err := db.CreateTicket(ctx, tk, store.DefaultSLA); err != nil {
				t.Fatal(err)
			}
			return tk.Key
		}
		for i, want := range []string{"PAL-1", "PAL-2", "PAL-3"} {
			if got := create(acme.ID, acmeFindings[i]); got != want {
				t.Fatalf("acme ticket %d: key %s, want %s", i, got, want)
			}
		}
		if got := create(globex.ID, globexFindings[0]); got != "PAL-1" {
			t.Fatalf("globex's first ticket: key %s, want PAL-1 (keys count per tenant)", got)
		}
		var mu sync.Mutex
		var keys []string
		var wg sync.WaitGroup
		for _, id := range acmeFindings[3:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := create(acme.ID, id)
				mu.Lock()
				keys = append(keys, k)
				mu.Unlock()
			}()
		}
		wg.Wait()
		sort.Strings(keys)
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Fatalf("two concurrent tickets got key %s: %v", k, keys)
			}
			seen[k] = true
		}
		if len(seen) != 9 || !seen["PAL-4"] || !seen["PAL-12"] {
			t.Fatalf("concurrent keys %v, want PAL-4 to PAL-12", keys)
		}
	})
}

// TestIntegrationRunsEndOnlyWhenTheirProcessIsSilent: a running run names its process and
// heartbeat; InterruptRun ends it only while it is still silent, and a late FinishRun of the
// ended run is a conflict, not a second outcome.
func TestIntegrationRunsEndOnlyWhenTheirProcessIsSilent(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			clock := &testClock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
			db := storetest.OpenWith(t, d, storetest.Options{Now: clock.Now, Migrate: true, Owner: "node-a-42-7777"})
			ten, tgt := storetest.Seed(t, db, "acme", posture.TargetCluster)
			run, err := db.StartRun(ctx, ten.ID, tgt.ID, "test", clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			running, err := db.RunningRuns(ctx)
			if err != nil || len(running) != 1 || running[0].Owner != "node-a-42-7777" || running[0].HeartbeatAt == nil ||
				!running[0].HeartbeatAt.Equal(clock.Now()) {
				t.Fatalf("running runs = %+v, %v", running, err)
			}
			clock.Advance(time.Minute)
			if err := db.HeartbeatRun(ctx, ten.ID, run.ID, clock.Now()); err != nil {
				t.Fatal(err)
			}
			// Silent since before the heartbeat: left alone.
			if ok, err := db.InterruptRun(ctx, ten.ID, run.ID, "node-a-42-7777", clock.Now().Add(-time.Second), "interrupted: test"); err != nil || ok {
				t.Fatalf("a run that just beat was ended: %v %v", ok, err)
			}
			// Another owner's claim on it does not end it either.
			if ok, _ := db.InterruptRun(ctx, ten.ID, run.ID, "node-b-1-1", clock.Now().Add(time.Hour), "interrupted: test"); ok {
				t.Fatal("ended through another owner")
			}
			if ok, err := db.InterruptRun(ctx, ten.ID, run.ID, "node-a-42-7777", clock.Now().Add(time.Second), "interrupted: the process stopped"); err != nil || !ok {
				t.Fatalf("silent run not ended: %v %v", ok, err)
			}
			got, err := db.Run(ctx, ten.ID, run.ID)
			if err != nil || got.Status != posture.RunFailed || got.FinishedAt == nil || len(got.Errors) != 1 ||
				got.Errors[0].Source != posture.InterruptedSource || got.Errors[0].Message != "interrupted: the process stopped" {
				t.Fatalf("ended run = %+v, %v", got, err)
			}
			_, err = db.FinishRun(ctx, ten.ID, run.ID, posture.RunOutcome{Status: posture.RunComplete})
			wantCode(t, err, posture.ECONFLICT)
			if running, _ := db.RunningRuns(ctx); len(running) != 0 {
				t.Fatalf("still running: %+v", running)
			}
		})
	}
}

// TestIntegrationLocksRenewAndReleaseByOwner: a held lock is renewed only by its owner, and
// every lock of an owner known gone can be released at once.
func TestIntegrationLocksRenewAndReleaseByOwner(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if ok, err := db.TryLock(ctx, "target:1:1", "a", time.Minute); err != nil || !ok {
			t.Fatalf("lock: %v %v", ok, err)
		}
		if ok, _ := db.TryLock(ctx, "target:1:2", "a", time.Minute); !ok {
			t.Fatal("second lock")
		}
		if ok, _ := db.TryLock(ctx, "target:1:1", "b", time.Minute); ok {
			t.Fatal("b took a's lock")
		}
		if ok, _ := db.RenewLock(ctx, "target:1:1", "b", time.Hour); ok {
			t.Fatal("b renewed a's lock")
		}
		if ok, err := db.RenewLock(ctx, "target:1:1", "a", time.Hour); err != nil || !ok {
			t.Fatalf("a could not renew: %v %v", ok, err)
		}
		owners, err := db.LockOwners(ctx)
		if err != nil || len(owners) != 1 || owners[0] != "a" {
			t.Fatalf("owners = %v, %v", owners, err)
		}
		if err := db.ReleaseLocksOf(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"target:1:1", "target:1:2"} {
			if ok, _ := db.TryLock(ctx, key, "b", time.Minute); !ok {
				t.Fatalf("%s still held after a's locks were released", key)
			}
		}
	})
}

// TestIntegrationBusySQLiteIsUnavailable: a write that cannot get SQLite's lock within the
// busy timeout is EUNAVAILABLE (a 503 to API clients), not an internal error.
func TestIntegrationBusySQLiteIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	holder := storetest.OpenWith(t, store.SQLite, storetest.Options{DSN: path, Migrate: true})
	waiter := storetest.OpenWith(t, store.SQLite, storetest.Options{DSN: path, BusyTimeout: 50 * time.Millisecond})
	conn, err := holder.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	err = waiter.CreateTenant(ctx, &posture.Tenant{Slug: "acme", Name: "Acme"})
	wantMessage(t, err, posture.EUNAVAILABLE, "busy")
	// Reads are not blocked by the writer (WAL).
	if _, err := waiter.ListTenants(ctx); err != nil {
		t.Fatalf("read during a write: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := waiter.CreateTenant(ctx, &posture.Tenant{Slug: "acme", Name: "Acme"}); err != nil {
		t.Fatalf("after the lock was released: %v", err)
	}
}

// TestSQLiteFileIsPrivate: the database file is its user's only (0600) in a directory made
// 0700; an existing file readable by others is made private.
func TestSQLiteFileIsPrivate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "palisade.db")
	db, err := store.Open(ctx, store.Options{Driver: store.SQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		info, err := os.Stat(p)
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, info.Mode().Perm(), err, want)
		}
	}
	for _, side := range []string{"-wal", "-shm"} {
		if info, err := os.Stat(path + side); err == nil && info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s%s: mode %v", path, side, info.Mode().Perm())
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(ctx, store.Options{Driver: store.SQLite, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("an existing 0644 file stayed %v", info.Mode().Perm())
	}
	if !strings.HasPrefix(dir, os.TempDir()) {
		t.Fatal("test wrote outside the temp dir")
	}
}
