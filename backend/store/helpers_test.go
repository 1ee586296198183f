package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// testClock is a store clock that tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// forEachDialectAt is forEachDialect with a fresh clock, starting at t0, per dialect.
func forEachDialectAt(t *testing.T, t0 time.Time, fn func(t *testing.T, db *store.DB, clock *testClock)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			clock := &testClock{t: t0}
			fn(t, storetest.OpenWith(t, d, storetest.Options{Now: clock.Now, Migrate: true}), clock)
		})
	}
}

func seedUser(t *testing.T, db *store.DB, subject string) *posture.User {
	t.Helper()
	u := &posture.User{Issuer: "https://idp", Subject: subject, Email: subject + "@example.com"}
	if err := db.UpsertUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// wantMessage checks a domain error's code and that its message says what it should.
func wantMessage(t *testing.T, err error, code, part string) {
	t.Helper()
	wantCode(t, err, code)
	if msg := posture.ErrorMessage(err); !strings.Contains(msg, part) {
		t.Fatalf("error message %q does not contain %q", msg, part)
	}
}

func ptr[T any](v T) *T { return &v }
