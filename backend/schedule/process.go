package schedule

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// NewOwnerID names this process in run records and scheduler locks: host, pid and the
// process's start time (clock ticks since boot, from /proc), so that a later process with
// the same pid (a restarted container is pid 1 again) is told apart from the one it
// replaced. Where /proc is missing the start is random and only leases tell.
func NewOwnerID() string {
	host, _ := os.Hostname()
	start, ok := processStart(os.Getpid())
	if !ok {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		start = "r" + hex.EncodeToString(b)
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), start)
}

// processGone reports whether the process an owner id names is known to have stopped: it
// ran on this host and no process with its pid and start time runs now. An owner on another
// host, or one whose start is unknown, is never known gone: its lease tells.
func processGone(owner string) bool {
	rest, start, ok := cutLast(owner, "-")
	if !ok || start == "" || start[0] == 'r' {
		return false
	}
	host, p, ok := cutLast(rest, "-")
	pid, err := strconv.Atoi(p)
	if !ok || err != nil || pid <= 0 {
		return false
	}
	if me, err := os.Hostname(); err != nil || me != host {
		return false
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return false // no /proc here: cannot tell
	}
	now, running := processStart(pid)
	return !running || now != start
}

// processStart reads field 22 of /proc/<pid>/stat: when the process started.
func processStart(pid int) (string, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", false
	}
	// The command name (field 2) is in parentheses and may hold spaces: count after it.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	fields := strings.Fields(s[i+1:])
	const startField = 22 - 3 // fields after ")" start at field 3
	if len(fields) <= startField {
		return "", false
	}
	return fields[startField], true
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
