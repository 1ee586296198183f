package scanner

import (
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"
)

// A scan's live heap is its inventory, and each garbage collection marks all of it: at
// GOGC=100 a scan of 75,000 objects (a 200 MB inventory) spent 8 s of 30 in the collector,
// against 1 s of 6 for 15,000 objects, because marking a heap that no longer fits in the
// caches costs more per byte. While the live heap is small, memory is the budget (under 200
// MB for 15,000 objects): the collector runs a little more often than Go's default (GOGC
// 80, about 5 % more CPU). Past gcTuneFrom it gets headroom in proportion to the heap
// (GOGC up to gcTuneMax), so its cost stays linear in the input. The inventory is what it
// is either way.
const (
	gcSmall     = 80
	gcTuneFrom  = 96 << 20
	gcTuneMax   = 300
	gcTuneEvery = 100 * time.Millisecond
)

// TuneGC adjusts GOGC to the live heap until stop is called, which restores it. A GOGC set
// in the environment (vars) is the user's choice and is left alone.
func TuneGC(vars []string) (stop func()) {
	for _, v := range vars {
		if strings.HasPrefix(v, "GOGC=") {
			return func() {}
		}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	done, finished := make(chan struct{}), make(chan struct{})
	previous := debug.SetGCPercent(gcSmall)
	go func() {
		defer close(finished)
		tick := time.NewTicker(gcTuneEvery)
		defer tick.Stop()
		current := gcSmall
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			want := gcPercentFor(sample[0].Value.Uint64())
			if want != current {
				debug.SetGCPercent(want)
				current = want
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetGCPercent(previous)
	}
}

// gcPercentFor is GOGC for a live heap: gcSmall below gcTuneFrom, then growing with the
// heap (200 at twice gcTuneFrom), capped at gcTuneMax.
func gcPercentFor(live uint64) int {
	if live < gcTuneFrom {
		return gcSmall
	}
	return min(gcTuneMax, int(100*live/gcTuneFrom))
}
