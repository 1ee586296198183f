package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/store"
)

func TestIntegrationLocks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ok, err := db.TryLock(ctx, "target:1", "replica-a", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first lock = %v, %v", ok, err)
		}
		if ok, _ := db.TryLock(ctx, "target:1", "replica-b", time.Minute); ok {
			t.Fatal("second owner took a held lock")
		}
		if ok, _ := db.TryLock(ctx, "target:2", "replica-b", time.Minute); !ok {
			t.Fatal("another key is independent")
		}
		if err := db.Unlock(ctx, "target:1", "replica-b"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.TryLock(ctx, "target:1", "replica-b", time.Minute); ok {
			t.Fatal("a non-owner's unlock released the lock")
		}
		if err := db.Unlock(ctx, "target:1", "replica-a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.TryLock(ctx, "target:1", "replica-b", -time.Second); !ok {
			t.Fatal("released lock not available")
		}
		// replica-b's lock has already expired (negative ttl): a crashed holder does not block forever.
		if ok, _ := db.TryLock(ctx, "target:1", "replica-c", time.Minute); !ok {
			t.Fatal("expired lock not taken over")
		}

		// Many racers, one winner.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ok, err := db.TryLock(ctx, "race", string(rune('a'+i)), time.Minute)
				if err != nil {
					t.Errorf("racer %d: %v", i, err)
				}
				if ok {
					wins.Add(1)
				}
			}(i)
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d racers won the lock, want 1", wins.Load())
		}
	})
}
