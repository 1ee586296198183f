// Package advisories reads OSV vulnerability advisories (https://ossf.github.io/osv-schema/)
// and decides whether an image's packages are affected by them.
//
// It parses single OSV records (ParseRecord), reads an ecosystem's all.zip export safely
// even when the archive is hostile (ReadArchive), fetches those exports from osv.dev, a
// mirror or a local file (Fetch), and matches a package against an advisory's affected
// ranges (Affects). It is pure apart from net/http and archive/zip: it never touches the
// database; the store saves the Advisory values it produces.
package advisories

import "time"

// Severity is an advisory's severity label.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
	// SeverityUnknown: the record gives no usable score or label. It is never read as low.
	SeverityUnknown Severity = "unknown"
)

// Rank orders severities: higher is worse; unknown is 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// Advisory is one OSV record, bounded and cleaned, as the store saves it.
type Advisory struct {
	// ID is the OSV id: CVE-…, GHSA-…, DEBIAN-CVE-…, ALPINE-CVE-…, GO-…, DSA-…, USN-….
	ID         string     `json:"id"`
	Aliases    []string   `json:"aliases,omitempty"` // other ids of the same flaw (CVE ids)
	Summary    string     `json:"summary,omitempty"`
	Details    string     `json:"details,omitempty"`
	Published  time.Time  `json:"published"`
	Modified   time.Time  `json:"modified"`
	Withdrawn  *time.Time `json:"withdrawn,omitempty"`
	Severity   Severity   `json:"severity"`
	CVSS       float64    `json:"cvss,omitempty"` // base score, 0 when unknown
	CVSSVector string     `json:"cvssVector,omitempty"`
	References []string   `json:"references,omitempty"` // http(s) URLs only
	Affected   []Affected `json:"affected,omitempty"`
	// GitRangesDropped counts GIT ranges left out: commit ranges cannot be compared with
	// package versions.
	GitRangesDropped int `json:"gitRangesDropped,omitempty"`
	// Notes are parts of the record that were left out or could not be read (a malformed
	// CVSS vector, a list cut at its bound), each a sentence.
	Notes []string `json:"notes,omitempty"`
}

// Affected is one package an advisory names, with the versions of it that are affected.
type Affected struct {
	// Ecosystem is normalised with sbom.NormalizeEcosystem: "Debian:12", "Alpine:v3.19",
	// "Ubuntu:22.04", "Go", "npm", ….
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	Ranges    []Range  `json:"ranges,omitempty"`   // ECOSYSTEM and SEMVER ranges only
	Versions  []string `json:"versions,omitempty"` // explicitly affected versions
}

// Range types kept from OSV records.
const (
	RangeEcosystem = "ECOSYSTEM" // versions ordered by the ecosystem's own rules
	RangeSemver    = "SEMVER"    // versions ordered by SemVer 2.0
)

// Range is a timeline of events over one version ordering.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one point of a range's timeline; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"lastAffected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}
