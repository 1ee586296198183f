package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// flakyTouchStore fails its first writes, as a busy or stopped database does.
type flakyTouchStore struct {
	mu       sync.Mutex
	failures int
	sessions map[string]time.Time
	tokens   map[int64]time.Time
}

func (s *flakyTouchStore) fail() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return errors.New("database is locked")
	}
	return nil
}

func (s *flakyTouchStore) TouchSession(_ context.Context, id string, at time.Time) error {
	if err := s.fail(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[id] = at
	return nil
}

func (s *flakyTouchStore) TouchAPIToken(_ context.Context, id int64, at time.Time) error {
	if err := s.fail(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = at
	return nil
}

// Uses are written in the background, newest per id, retried until the database takes
// them; until then the idle timeout sees the pending use.
func TestTouchesAreWrittenEventually(t *testing.T) {
	st := &flakyTouchStore{failures: 3, sessions: map[string]time.Time{}, tokens: map[int64]time.Time{}}
	tc := newTouches(st, slog.New(slog.DiscardHandler))
	tc.retry = 10 * time.Millisecond
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tc.session("s1", t0)
	tc.session("s1", t0.Add(time.Minute))
	tc.session("s1", t0.Add(-time.Hour)) // older: ignored
	tc.token(7, t0)
	if got := tc.lastSession("s1"); !got.IsZero() && !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("pending use %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tc.flush(ctx)
	if ctx.Err() != nil {
		t.Fatal("the uses were never written")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.sessions["s1"].Equal(t0.Add(time.Minute)) || !st.tokens[7].Equal(t0) {
		t.Fatalf("written %v %v", st.sessions, st.tokens)
	}
	if got := tc.lastSession("s1"); !got.IsZero() {
		t.Fatalf("still pending after the write: %v", got)
	}
}

// A database away for long cannot grow memory without bound.
func TestPendingTouchesAreBounded(t *testing.T) {
	p := pending[int64]{}
	at := time.Now()
	for i := int64(0); i < maxPendingTouches+10; i++ {
		p.note(i, at)
	}
	p.note(1, at.Add(time.Second)) // a pending id still moves forward
	if len(p) != maxPendingTouches || !p[1].Equal(at.Add(time.Second)) {
		t.Fatalf("%d pending, id 1 at %v", len(p), p[1])
	}
}
