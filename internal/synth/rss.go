package synth

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Peak RSS helpers for benchmarks (Linux; elsewhere they report ok=false). Run each heavy
// benchmark in its own process (scripts/bench.sh does) so that the high-water mark is that
// benchmark's.

// PeakRSSMB returns the process's peak resident set size (VmHWM) in MiB.
func PeakRSSMB() (float64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return 0, false
			}
			return kb / 1024, true
		}
	}
	return 0, false
}

// ResetPeakRSS returns freed memory to the OS and resets VmHWM to the current RSS
// (writing 5 to /proc/self/clear_refs, Linux 4.0+), so that a later PeakRSSMB measures
// only what follows (on top of what is still live, e.g. a benchmark's input). It reports
// whether the reset was possible.
func ResetPeakRSS() bool {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
