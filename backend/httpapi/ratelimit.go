package httpapi

import (
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/palisade-dev/palisade/backend/posture"
)

// ERATELIMITED extends the domain codes with one that only HTTP has; EUNAVAILABLE is the
// domain's, named here too for the handlers that refuse work this server is not set up for.
const (
	EUNAVAILABLE = posture.EUNAVAILABLE
	ERATELIMITED = "rate_limited"
	ETOOLARGE    = "too_large"          // the request body is over server.max_body_bytes
	EMETHOD      = "method_not_allowed" // the route exists, not with this method
)

var errRateLimited = posture.Errorf(ERATELIMITED, "too many attempts; wait a minute and try again")

// keyedLimiter is a token bucket per key (client address, token id). Idle buckets are
// dropped so that a flood of distinct keys cannot grow memory without bound.
type keyedLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyedLimiter(perMinute float64, burst, maxKeys int) *keyedLimiter {
	return &keyedLimiter{every: rate.Limit(perMinute / 60), burst: burst, max: maxKeys, buckets: map[string]*bucket{}}
}

func (l *keyedLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		if len(l.buckets) >= l.max {
			// A flood of new keys: forget the least recently seen one rather than grow
			// (or refuse everyone new, which would lock legitimate users out).
			l.evictOldest()
		}
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops buckets idle long enough to have refilled: forgetting them changes nothing.
func (l *keyedLimiter) evict(now time.Time) {
	full := time.Duration(float64(l.burst)/float64(l.every)*float64(time.Second)) + time.Second
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
}

func (l *keyedLimiter) evictOldest() {
	var oldest string
	var at time.Time
	for k, b := range l.buckets {
		if oldest == "" || b.seen.Before(at) {
			oldest, at = k, b.seen
		}
	}
	delete(l.buckets, oldest)
}

// addressKey is the rate-limit key of a client address: IPv6 clients are grouped by /64,
// since one host commonly holds a whole /64.
func addressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Is4() || addr.Is4In6() {
		return ip
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

func tokenRateKey(id int64) string { return "token:" + strconv.FormatInt(id, 10) }
