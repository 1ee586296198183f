package scoring

import "time"

// StaleGraceFactor: a target is stale once its last complete collection is older than
// StaleGraceFactor × its expected interval (the extra half interval absorbs jitter and run time),
// with at least MinStaleGrace of slack for very short intervals.
const StaleGraceFactor = 1.5

// MinStaleGrace is the least slack given beyond the interval.
const MinStaleGrace = time.Minute

// StaleAfter is when a target whose last complete collection finished at lastComplete becomes
// stale: lastComplete + interval + max((StaleGraceFactor−1) × interval, MinStaleGrace).
func StaleAfter(lastComplete time.Time, interval time.Duration) time.Time {
	grace := time.Duration(float64(interval) * (StaleGraceFactor - 1))
	if grace < MinStaleGrace {
		grace = MinStaleGrace
	}
	return lastComplete.Add(interval + grace)
}

// Stale reports whether a target must be shown as stale (never as compliant): it has never
// completed a collection, its expected interval is unknown (<= 0: fail closed; for a cron
// schedule pass the gap between two firings), or its last complete collection is past StaleAfter.
func Stale(lastComplete time.Time, interval time.Duration, now time.Time) bool {
	if lastComplete.IsZero() || interval <= 0 {
		return true
	}
	return now.After(StaleAfter(lastComplete, interval))
}
