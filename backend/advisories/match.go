package advisories

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// Match says why a component is affected.
type Match struct {
	// Fixed is the fixed version of the range that applies; "" when no fix is known.
	Fixed string `json:"fixed,omitempty"`
	// Range is the applying range as text: ">= 0, < 3.0.13-1~deb12u1", "= 1.2.3".
	Range string `json:"range"`
}

// Affects reports whether component c is affected by a. The ecosystem must be the same
// ("Debian:12" is not "Debian:11"), the name equal as the ecosystem compares names (the
// source package for OS packages: binary libssl3 is matched as openssl), and the version
// listed in a.Versions or inside one of a.Ranges, evaluated as the OSV schema's
// algorithm says. A version that cannot be parsed, the component's or an event's, is an
// error rather than a silent "not affected"; an error in one range does not hide another
// range that matches.
func Affects(a Affected, c sbom.Component) (Match, bool, error) {
	if c.Ecosystem == "" || c.Ecosystem != a.Ecosystem || !namesEqual(a.Ecosystem, a.Name, c.MatchName()) {
		return Match{}, false, nil
	}
	version := componentVersion(c)
	if version == "" {
		return Match{}, false, posture.Errorf(posture.EINVALID, "%s package %s has no version to compare", c.Ecosystem, c.MatchName())
	}
	for _, listed := range a.Versions {
		if listed == version || (a.Ecosystem == sbom.EcosystemGo && strings.TrimPrefix(listed, "v") == version) {
			return Match{Range: "= " + listed}, true, nil
		}
	}
	var firstErr error
	for _, r := range a.Ranges {
		m, affected, err := rangeAffects(r, a.Ecosystem, version)
		if err != nil {
			if firstErr == nil {
				firstErr = posture.Errorf(posture.EINVALID, "matching %s %s %s: %s", a.Ecosystem, a.Name, version, posture.ErrorMessage(err))
			}
			continue
		}
		if affected {
			return m, true, nil
		}
	}
	return Match{}, false, firstErr
}

// eventKind orders events that carry the same version: an introduced event sorts before
// a fixed or last_affected one at that version, so that "introduced X, fixed X" is the
// empty range it says rather than everything from X on.
type eventKind int

const (
	kindIntroduced eventKind = iota
	kindFixed
	kindLastAffected
	kindLimit
)

// timelineEvent is one event with its version parsed.
type timelineEvent struct {
	kind   eventKind
	text   string
	ver    semantic.Version // nil for bottom and top
	bottom bool             // introduced "0": before every version
	top    bool             // a limit holding "*": after every version
}

// rangeAffects evaluates one range as the OSV schema's pseudocode does: only versions
// below some limit (every version when there is none) can be affected; then, walking the
// events in version order, an introduced event at or below v sets "affected", a fixed
// event at or below v clears it, and a last_affected event below v clears it.
func rangeAffects(r Range, ecosystem, version string) (m Match, affected bool, err error) {
	defer func() { // semantic parses text from feeds; a panic there must not stop a scan
		if p := recover(); p != nil {
			m, affected, err = Match{}, false, posture.Errorf(posture.EINVALID, "version comparison failed: %v", p)
		}
	}()
	scheme, err := rangeScheme(r.Type, ecosystem)
	if err != nil {
		return Match{}, false, err
	}
	v, err := scheme.Parse(version)
	if err != nil {
		return Match{}, false, err
	}
	events, err := timeline(r.Events, scheme)
	if err != nil {
		return Match{}, false, err
	}
	limit, below, err := belowLimits(v, events)
	if err != nil || !below {
		return Match{}, false, err
	}
	introduced := -1
	for i, e := range events {
		c, err := compareTo(v, e)
		if err != nil {
			return Match{}, false, err
		}
		switch {
		case e.kind == kindIntroduced && c >= 0:
			affected, introduced = true, i
		case e.kind == kindFixed && c >= 0, e.kind == kindLastAffected && c > 0:
			affected = false
		}
	}
	if !affected {
		return Match{}, false, nil
	}
	return describe(events, introduced, limit), true, nil
}

func rangeScheme(typ, ecosystem string) (Scheme, error) {
	switch typ {
	case RangeSemver:
		return semverScheme, nil
	case RangeEcosystem:
		return Versions(ecosystem)
	}
	return Scheme{}, posture.Errorf(posture.EINVALID, "range type %q cannot be evaluated", typ)
}

// timeline parses a range's events and sorts them by version, keeping the order of kinds
// at equal versions (eventKind).
func timeline(raw []Event, scheme Scheme) ([]timelineEvent, error) {
	events := make([]timelineEvent, 0, len(raw))
	for _, ev := range raw {
		e := timelineEvent{kind: kindIntroduced, text: ev.Introduced}
		switch {
		case ev.Fixed != "":
			e.kind, e.text = kindFixed, ev.Fixed
		case ev.LastAffected != "":
			e.kind, e.text = kindLastAffected, ev.LastAffected
		case ev.Limit != "":
			e.kind, e.text = kindLimit, ev.Limit
		case ev.Introduced == "":
			continue
		}
		e.bottom = e.kind == kindIntroduced && e.text == "0"
		e.top = e.kind == kindLimit && strings.Contains(e.text, "*")
		if !e.bottom && !e.top {
			v, err := scheme.Parse(e.text)
			if err != nil {
				return nil, err
			}
			e.ver = v
		}
		events = append(events, e)
	}
	var sortErr error
	sort.SliceStable(events, func(i, j int) bool {
		c, err := compareEvents(events[i], events[j])
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c < 0 || (c == 0 && events[i].kind < events[j].kind)
	})
	return events, sortErr
}

func compareEvents(a, b timelineEvent) (int, error) {
	switch {
	case a.bottom && b.bottom, a.top && b.top:
		return 0, nil
	case a.bottom || b.top:
		return -1, nil
	case a.top || b.bottom:
		return 1, nil
	}
	c, err := a.ver.Compare(b.ver)
	if err != nil {
		return 0, posture.Errorf(posture.EINVALID, "versions %q and %q cannot be compared: %v", a.text, b.text, err)
	}
	return c, nil
}

// compareTo compares version v with an event's version.
func compareTo(v semantic.Version, e timelineEvent) (int, error) {
	switch {
	case e.bottom:
		return 1, nil
	case e.top:
		return -1, nil
	}
	c, err := v.Compare(e.ver)
	if err != nil {
		return 0, posture.Errorf(posture.EINVALID, "version cannot be compared with %q: %v", e.text, err)
	}
	return c, nil
}

// belowLimits reports whether v is below some limit event, or the range has none (an
// implicit limit "*"); limit is the lowest limit above v, for the description.
func belowLimits(v semantic.Version, events []timelineEvent) (limit string, below bool, err error) {
	hasLimit := false
	for _, e := range events { // sorted: the first limit above v is the lowest
		if e.kind != kindLimit {
			continue
		}
		hasLimit = true
		c, err := compareTo(v, e)
		if err != nil {
			return "", false, err
		}
		if c < 0 {
			if e.top {
				return "", true, nil
			}
			return e.text, true, nil
		}
	}
	return "", !hasLimit, nil
}

// describe writes the range that applies: the last introduced event at or below the
// version, and the first fixed or last_affected event after it (the walk guarantees it is
// above the version).
func describe(events []timelineEvent, introduced int, limit string) Match {
	m := Match{}
	parts := []string{">= " + events[introduced].text}
	for _, e := range events[introduced+1:] {
		if e.kind == kindFixed {
			m.Fixed = e.text
			parts = append(parts, "< "+e.text)
			break
		}
		if e.kind == kindLastAffected {
			parts = append(parts, "<= "+e.text)
			break
		}
	}
	if limit != "" {
		parts = append(parts, "< "+limit+" (limit)")
	}
	m.Range = strings.Join(parts, ", ")
	return m
}

// String is the match as one line: "affected: >= 0, < 1.2.3 (fixed in 1.2.3)".
func (m Match) String() string {
	if m.Fixed == "" {
		return fmt.Sprintf("affected: %s (no fix known)", m.Range)
	}
	return fmt.Sprintf("affected: %s (fixed in %s)", m.Range, m.Fixed)
}
