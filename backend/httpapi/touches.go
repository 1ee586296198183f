package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// touchStore is where uses of sessions and tokens end up (backend/store).
type touchStore interface {
	TouchSession(ctx context.Context, id string, at time.Time) error
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// touches records when sessions and API tokens were last used without writing on the
// request's path: on SQLite a write waits for a collection's transaction, and a read that
// waits for a write is what starved the API. Uses are kept in memory, newest per id, and
// written by one background goroutine that runs while there is something to write. The
// idle timeout reads the pending use too (lastSession), so it is exact in this process
// whenever the write lands; other replicas see it once it does.
type touches struct {
	store touchStore
	log   *slog.Logger
	// retry is the pause after a failed write (a busy or stopped database).
	retry time.Duration

	mu       sync.Mutex
	sessions pending[string]
	tokens   pending[int64]
	running  bool
	idle     chan struct{} // closed when the writer stops; nil while none ran
}

// maxPendingTouches bounds memory when the database stays away: uses of ids not already
// pending are dropped (last_seen_at only moves forward, so a dropped use costs at most an
// early idle expiry).
const maxPendingTouches = 100_000

// pending is the newest unwritten use per id. Callers hold touches.mu.
type pending[K comparable] map[K]time.Time

func (p pending[K]) note(id K, at time.Time) {
	if _, ok := p[id]; (ok || len(p) < maxPendingTouches) && at.After(p[id]) {
		p[id] = at
	}
}

func newTouches(store touchStore, log *slog.Logger) *touches {
	return &touches{store: store, log: log, retry: time.Second, sessions: pending[string]{}, tokens: pending[int64]{}}
}

func (t *touches) session(id string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sessions.note(id, at)
	t.startLocked()
}

func (t *touches) token(id int64, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tokens.note(id, at)
	t.startLocked()
}

// lastSession is the pending use of a session not yet written, or the zero time.
func (t *touches) lastSession(id string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sessions[id]
}

func (t *touches) startLocked() {
	if t.running || t.store == nil {
		return
	}
	t.running = true
	t.idle = make(chan struct{})
	go t.run(t.idle)
}

func (t *touches) run(done chan struct{}) {
	defer close(done)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := writeAll(ctx, t, t.sessions, t.store.TouchSession)
		if err == nil {
			err = writeAll(ctx, t, t.tokens, t.store.TouchAPIToken)
		}
		cancel()
		if err != nil {
			t.log.Warn("session or token use not recorded yet; will retry", "error", err.Error())
		}
		t.mu.Lock()
		if len(t.sessions) == 0 && len(t.tokens) == 0 {
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		if err != nil {
			time.Sleep(t.retry)
		}
	}
}

// writeAll writes every pending use of p once; an entry leaves p only when the value
// written is still the newest. It stops at the first failure.
func writeAll[K comparable](ctx context.Context, t *touches, p pending[K], write func(context.Context, K, time.Time) error) error {
	t.mu.Lock()
	batch := make(map[K]time.Time, len(p))
	for k, v := range p {
		batch[k] = v
	}
	t.mu.Unlock()
	for id, at := range batch {
		if err := write(ctx, id, at); err != nil {
			return err
		}
		t.mu.Lock()
		if p[id].Equal(at) {
			delete(p, id)
		}
		t.mu.Unlock()
	}
	return nil
}

// flush waits until every pending use is written or ctx ends (shutdown).
func (t *touches) flush(ctx context.Context) {
	t.mu.Lock()
	done := t.idle
	t.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}
