package advisories

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// Bounds on what one record may hold. A record over MaxRecordBytes is refused; lists longer
// than their bound are cut (with a note), so that one verbose record cannot swell the store.
const (
	MaxRecordBytes   = 1 << 20
	maxIDBytes       = 128
	maxAliases       = 50
	maxSummaryBytes  = 512
	maxDetailsBytes  = 4 << 10
	maxReferences    = 20
	maxURLBytes      = 2048
	maxAffected      = 2000
	maxRanges        = 100
	maxEvents        = 1000
	maxVersions      = 5000
	maxVersionBytes  = 256
	maxNameBytes     = 512
	maxNotes         = 20
	maxVectorBytes   = 512
	maxLabelBytes    = 64
	truncationSuffix = "…"
)

// The OSV JSON shapes read here; fields not listed are ignored.
type osvRecord struct {
	ID               string          `json:"id"`
	Modified         string          `json:"modified"`
	Published        string          `json:"published"`
	Withdrawn        string          `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []osvSeverity   `json:"severity"`
	Affected         []osvAffected   `json:"affected"`
	References       []osvReference  `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Severity []osvSeverity `json:"severity"`
	Ranges   []osvRange    `json:"ranges"`
	Versions []string      `json:"versions"`
}

type osvRange struct {
	Type   string     `json:"type"`
	Events []osvEvent `json:"events"`
}

type osvEvent struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	LastAffected string `json:"last_affected"`
	Limit        string `json:"limit"`
}

type osvReference struct {
	URL string `json:"url"`
}

// ParseRecord reads one OSV JSON record. It fails on a record over MaxRecordBytes, on JSON
// that is not an OSV record, without an id or a modified time, or with a malformed date;
// smaller faults (a malformed CVSS vector, an over-long list) are left out and noted.
func ParseRecord(b []byte) (*Advisory, error) {
	if len(b) > MaxRecordBytes {
		return nil, posture.Errorf(posture.EINVALID, "OSV record is %d bytes, over the limit of %d", len(b), MaxRecordBytes)
	}
	var rec osvRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, posture.Errorf(posture.EINVALID, "OSV record is not valid JSON of the OSV schema: %s", clip(err.Error(), 200))
	}
	id, err := parseID(rec.ID)
	if err != nil {
		return nil, err
	}
	a := &Advisory{ID: id}
	if err := a.readDates(rec); err != nil {
		return nil, err
	}
	a.readText(rec)
	if err := a.readAffected(rec.Affected); err != nil {
		return nil, posture.Errorf(posture.EINVALID, "OSV record %s: %s", id, err)
	}
	a.readSeverity(rec)
	return a, nil
}

// parseID checks an OSV id: present, short, printable, without spaces.
func parseID(raw string) (string, error) {
	id := posture.CleanText(strings.TrimSpace(raw))
	switch {
	case id == "":
		return "", posture.Errorf(posture.EINVALID, "OSV record has no id")
	case len(id) > maxIDBytes:
		return "", posture.Errorf(posture.EINVALID, "OSV record id %q is longer than %d bytes", clip(id, 40), maxIDBytes)
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return "", posture.Errorf(posture.EINVALID, "OSV record id %q holds spaces or control characters", id)
	}
	return id, nil
}

func (a *Advisory) readDates(rec osvRecord) error {
	if strings.TrimSpace(rec.Modified) == "" {
		return posture.Errorf(posture.EINVALID, "OSV record %s has no modified time", a.ID)
	}
	var err error
	if a.Modified, err = parseTime(a.ID, "modified", rec.Modified); err != nil {
		return err
	}
	if rec.Published != "" {
		if a.Published, err = parseTime(a.ID, "published", rec.Published); err != nil {
			return err
		}
	}
	if rec.Withdrawn != "" {
		w, err := parseTime(a.ID, "withdrawn", rec.Withdrawn)
		if err != nil {
			return err
		}
		a.Withdrawn = &w
	}
	return nil
}

// parseTime reads an OSV timestamp: RFC 3339 as the schema says; a time without a zone
// (seen in older records) is taken as UTC.
func parseTime(id, field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, posture.Errorf(posture.EINVALID, "OSV record %s has a malformed %s time %q (want RFC 3339)", id, field, clip(posture.CleanText(s), 40))
}

func (a *Advisory) readText(rec osvRecord) {
	a.Summary = truncate(posture.CleanText(strings.TrimSpace(rec.Summary)), maxSummaryBytes)
	a.Details = truncate(posture.CleanText(strings.TrimSpace(rec.Details)), maxDetailsBytes)
	seen := map[string]bool{a.ID: true}
	for _, alias := range rec.Aliases {
		alias = posture.CleanText(strings.TrimSpace(alias))
		if alias == "" || len(alias) > maxIDBytes || seen[alias] {
			continue
		}
		if len(a.Aliases) == maxAliases {
			a.note("aliases cut at %d", maxAliases)
			break
		}
		seen[alias] = true
		a.Aliases = append(a.Aliases, alias)
	}
	seen = map[string]bool{}
	for _, ref := range rec.References {
		u := posture.CleanText(strings.TrimSpace(ref.URL))
		if !isWebURL(u) || seen[u] {
			continue
		}
		if len(a.References) == maxReferences {
			a.note("references cut at %d", maxReferences)
			break
		}
		seen[u] = true
		a.References = append(a.References, u)
	}
}

// isWebURL accepts absolute http and https URLs only: references are shown as links.
func isWebURL(s string) bool {
	if s == "" || len(s) > maxURLBytes {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (a *Advisory) readAffected(list []osvAffected) error {
	for i, raw := range list {
		if len(a.Affected) == maxAffected {
			a.note("affected packages cut at %d", maxAffected)
			break
		}
		eco := sbom.NormalizeEcosystem(posture.CleanText(strings.TrimSpace(raw.Package.Ecosystem)))
		name := posture.CleanText(strings.TrimSpace(raw.Package.Name))
		if eco == "" || name == "" || len(name) > maxNameBytes {
			continue // no package we can name (GIT-only entries, Ubuntu Pro): nothing to match
		}
		af := Affected{Ecosystem: eco, Name: name}
		for _, r := range raw.Ranges {
			rg, err := a.readRange(r)
			if err != nil {
				return fmt.Errorf("affected[%d] (%s %s): %w", i, eco, name, err)
			}
			if rg != nil && len(af.Ranges) < maxRanges {
				af.Ranges = append(af.Ranges, *rg)
			} else if rg != nil {
				a.note("ranges of %s cut at %d", name, maxRanges)
			}
		}
		versions, err := readVersions(raw.Versions)
		if err != nil {
			return fmt.Errorf("affected[%d] (%s %s): %w", i, eco, name, err)
		}
		if len(versions) > maxVersions {
			a.note("affected versions of %s cut at %d", name, maxVersions)
			versions = versions[:maxVersions]
		}
		af.Versions = versions
		a.Affected = append(a.Affected, af)
	}
	return nil
}

// readRange keeps ECOSYSTEM and SEMVER ranges; GIT ranges are counted and dropped, other
// types noted and dropped. A range that closes without an introduced event is read as
// introduced at "0": the schema requires one, and missing it must not hide a flaw.
func (a *Advisory) readRange(r osvRange) (*Range, error) {
	typ := strings.ToUpper(strings.TrimSpace(r.Type))
	switch typ {
	case RangeEcosystem, RangeSemver:
	case "GIT":
		a.GitRangesDropped++
		return nil, nil
	default:
		a.note("range of unknown type %q left out", clip(posture.CleanText(typ), 20))
		return nil, nil
	}
	rg := &Range{Type: typ}
	introduced := false
	for _, raw := range r.Events {
		evs, err := splitEvent(raw)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			introduced = introduced || ev.Introduced != ""
			rg.Events = append(rg.Events, ev)
		}
	}
	if len(rg.Events) == 0 {
		return nil, nil
	}
	if len(rg.Events) > maxEvents {
		return nil, fmt.Errorf("a range has %d events, over the limit of %d", len(rg.Events), maxEvents)
	}
	if !introduced {
		a.note("a %s range without an introduced event is read as introduced at 0", typ)
		rg.Events = append([]Event{{Introduced: "0"}}, rg.Events...)
	}
	return rg, nil
}

// splitEvent turns one OSV event object into events with one field each. The schema
// allows one field per object; an object with several is read as several events rather
// than dropped, since dropping an introduced or fixed event would change the range.
func splitEvent(raw osvEvent) ([]Event, error) {
	var out []Event
	for _, f := range []struct {
		v   string
		set func(*Event, string)
	}{
		{raw.Introduced, func(e *Event, v string) { e.Introduced = v }},
		{raw.Fixed, func(e *Event, v string) { e.Fixed = v }},
		{raw.LastAffected, func(e *Event, v string) { e.LastAffected = v }},
		{raw.Limit, func(e *Event, v string) { e.Limit = v }},
	} {
		v := strings.TrimSpace(f.v)
		if v == "" {
			continue
		}
		clean, err := cleanVersion(v)
		if err != nil {
			return nil, err
		}
		var e Event
		f.set(&e, clean)
		out = append(out, e)
	}
	return out, nil
}

func readVersions(raw []string) ([]string, error) {
	var out []string
	for _, v := range raw {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		clean, err := cleanVersion(v)
		if err != nil {
			return nil, err
		}
		out = append(out, clean)
	}
	return out, nil
}

// cleanVersion refuses version strings no ecosystem uses: over-long ones cannot be cut
// without changing what they mean, so the record is refused instead.
func cleanVersion(v string) (string, error) {
	if len(v) > maxVersionBytes {
		return "", fmt.Errorf("version %q… is longer than %d bytes", clip(posture.CleanText(v), 40), maxVersionBytes)
	}
	return posture.CleanText(v), nil
}

// note records a sentence about something left out of the record, up to maxNotes.
func (a *Advisory) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, n := range a.Notes {
		if n == msg {
			return
		}
	}
	if len(a.Notes) < maxNotes {
		a.Notes = append(a.Notes, msg)
	}
}

// truncate cuts s to at most max bytes on a rune boundary, marking the cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len(truncationSuffix)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncationSuffix
}

// clip shortens text quoted in error messages.
func clip(s string, max int) string { return truncate(s, max) }
