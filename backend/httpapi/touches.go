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
	sessions map[string]time.Time
	tokens   map[int64]time.Time
	running  bool
	idle     chan struct{} // closed when the writer stops; nil while none ran
}

// maxPendingTouches bounds memory when the database stays away: older uses are dropped
// (last_seen_at only moves forward, so a dropped touch costs at most an early idle expiry).
const maxPendingTouches = 100_000

func newTouches(store touchStore, log *slog.Logger) *touches {
	return &touches{store: store, log: log, retry: time.Second, sessions: map[string]time.Time{}, tokens: map[int64]time.Time{}}
}

func (t *touches) session(id string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.sessions) < maxPendingTouches || !t.sessions[id].IsZero() {
		if at.After(t.sessions[id]) {
			t.sessions[id] = at
		}
	}
	t.startLocked()
}

func (t *touches) token(id int64, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.tokens) < maxPendingTouches || !t.tokens[id].IsZero() {
		if at.After(t.tokens[id]) {
			t.tokens[id] = at
		}
	}
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
		ok := t.write(ctx)
		cancel()
		t.mu.Lock()
		if len(t.sessions) == 0 && len(t.tokens) == 0 {
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		if !ok {
			time.Sleep(t.retry)
		}
	}
}

// write stores every pending use once; an entry leaves the map only when the value written
// is still the newest. It reports whether every write succeeded.
func (t *touches) write(ctx context.Context) bool {
	t.mu.Lock()
	sessions, tokens := make(map[string]time.Time, len(t.sessions)), make(map[int64]time.Time, len(t.tokens))
	for k, v := range t.sessions {
		sessions[k] = v
	}
	for k, v := range t.tokens {
		tokens[k] = v
	}
	t.mu.Unlock()
	ok := true
	for id, at := range sessions {
		if err := t.store.TouchSession(ctx, id, at); err != nil {
			ok = false
			t.log.Warn("session activity not recorded yet; will retry", "error", err.Error())
			break
		}
		t.mu.Lock()
		if t.sessions[id].Equal(at) {
			delete(t.sessions, id)
		}
		t.mu.Unlock()
	}
	for id, at := range tokens {
		if !ok {
			break
		}
		if err := t.store.TouchAPIToken(ctx, id, at); err != nil {
			ok = false
			t.log.Warn("API token use not recorded yet; will retry", "error", err.Error())
			break
		}
		t.mu.Lock()
		if t.tokens[id].Equal(at) {
			delete(t.tokens, id)
		}
		t.mu.Unlock()
	}
	return ok
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
