package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

// findingSort is one order of the findings list: a whitelisted column, then id in the same
// direction, so one index (migration 00005, or findings_list for severity) serves both
// directions and the keyset is a single row-value comparison.
//
// last_seen sorts by the stored column, the last time a run wrote the finding (opened it,
// changed it, reopened or resolved it). The last_seen a listing shows is derived from the
// target's last complete run (see findingColumns) and can be later for an unchanged live
// finding; ordering by the derived value would need a sort of the whole tenant per page.
type findingSort struct {
	column string
	desc   bool
	time   bool
}

var findingSorts = map[string]findingSort{
	"severity":    {column: "severity", desc: true},
	"-severity":   {column: "severity"},
	"first_seen":  {column: "first_seen", desc: true, time: true},
	"-first_seen": {column: "first_seen", time: true},
	"last_seen":   {column: "last_seen", desc: true, time: true},
	"-last_seen":  {column: "last_seen", time: true},
}

func (s findingSort) order() string {
	dir := "ASC"
	if s.desc {
		dir = "DESC"
	}
	return fmt.Sprintf("findings.%s %s, findings.id %s", s.column, dir, dir)
}

// after is the keyset condition: rows strictly past (key, id) in the sort's direction. It is
// written as the equivalent "up to and including the next id" (ids are integers), because
// the planner estimates a row comparison by its first column alone: "(severity, id) <
// (1, x)" as "severity < 1", as if no finding shared the cursor's severity or time, where
// thousands do. Misled so, it walked 380,000 rows of the list for a page of a namespace's
// findings past a cursor, where reading them through the namespace's index and sorting them
// takes 13 ms.
func (s findingSort) after(key int64, id int64) cond {
	if s.desc {
		return cond{fmt.Sprintf("(findings.%s, findings.id) <= (?, ?)", s.column), []any{s.bind(key), id - 1}}
	}
	return cond{fmt.Sprintf("(findings.%s, findings.id) >= (?, ?)", s.column), []any{s.bind(key), id + 1}}
}

// upTo is the complement of after: rows up to (key, id) in the sort's direction, that row
// included.
func (s findingSort) upTo(key int64, id int64) cond {
	op := "<="
	if s.desc {
		op = ">="
	}
	return cond{fmt.Sprintf("(findings.%s, findings.id) %s (?, ?)", s.column, op), []any{s.bind(key), id}}
}

// position is a place in the list: a finding's sort key (see key) and id.
type position struct{ key, id int64 }

// before reports whether a comes before b in the sort's order.
func (s findingSort) before(a, b position) bool {
	if a == b {
		return false
	}
	if a.key == b.key {
		return (a.id > b.id) == s.desc
	}
	return (a.key > b.key) == s.desc
}

// key is the row's sort value as an integer for the cursor: severity, or a time in Unix
// nanoseconds.
func (s findingSort) key(r findingRow) int64 {
	switch s.column {
	case "first_seen":
		return r.FirstSeen.UnixNano()
	case "last_seen":
		return r.LastSeen.UnixNano()
	}
	return int64(r.Severity)
}

// bind turns a cursor key back into a parameter. Times go in as UTC: SQLite compares the
// text the driver writes, which carries the zone offset.
func (s findingSort) bind(key int64) any {
	if s.time {
		return time.Unix(0, key).UTC()
	}
	return key
}

// encodeCursor names the sort it belongs to, so a cursor cannot continue another order.
func encodeCursor(sort string, key, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d:%d", sort, key, id)))
}

func decodeCursor(c, sort string) (int64, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(raw), ":")
	if err != nil || len(parts) != 3 {
		return 0, 0, posture.Errorf(posture.EINVALID, "malformed cursor")
	}
	key, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, posture.Errorf(posture.EINVALID, "malformed cursor")
	}
	if parts[0] != sort {
		return 0, 0, posture.Errorf(posture.EINVALID, "cursor does not match sort")
	}
	return key, id, nil
}
