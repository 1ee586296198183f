// Package vulns keeps every image's known vulnerabilities current: it stores SBOMs (from
// attestations, uploads or the layer extractor), loads the OSV advisory feeds on their own
// schedule, matches packages with advisories (backend/advisories), re-matches only what an
// advisory refresh changed, and raises drift events for vulnerabilities new to images that
// run. It reaches the database through the Store interface (backend/store implements it).
package vulns

import (
	"encoding/json"
	"time"

	"github.com/palisade-dev/palisade/collectors/sbom"
)

// PackageName is a package's name in an ecosystem, all versions.
type PackageName struct{ Ecosystem, Name string }

// Package is one version of a package that some image holds: the identity advisories are
// matched on (ecosystem, source package name, source version).
type Package struct {
	ID        int64
	Ecosystem string
	Name      string
	Version   string
}

// AffectedPackage is one advisory's affected entries for a package name, as stored: the
// JSON of []advisories.Affected.
type AffectedPackage struct {
	AdvisoryID string
	Ecosystem  string
	Name       string
	Affected   json.RawMessage
}

// PackageMatch is one advisory affecting one package.
type PackageMatch struct {
	PackageID  int64
	AdvisoryID string
	Fixed      string // "" when no fixed version is known
	Range      string
}

// AdvisoryRecord is one advisory as stored: the OSV record's facts, severity as
// posture.Severity's numbers with 0 meaning unknown, and per affected package the JSON of
// its ranges.
type AdvisoryRecord struct {
	ID         string
	Feed       string // the feed (OSV ecosystem archive) it came from
	Modified   time.Time
	Published  *time.Time
	Withdrawn  *time.Time
	Severity   int
	CVSS       float64
	CVSSVector string
	Summary    string
	Details    string
	Aliases    []string
	References []string
	Packages   []AffectedPackage // AdvisoryID left empty
}

// NewImageVuln is an image vulnerability first seen by a refresh.
type NewImageVuln struct {
	TenantID   int64
	Digest     string
	AdvisoryID string
	Component  string
	Installed  string
	Fixed      string
	Severity   int
}

// VulnCount is the number of an image's vulnerabilities of one severity, with or without a
// fix, and whether a VEX statement declares them not affecting.
type VulnCount struct {
	Digest      string
	Severity    int
	Fixable     bool
	NotAffected bool
	Count       int
}

// ImageVuln is one vulnerability of one image.
type ImageVuln struct {
	Digest      string
	AdvisoryID  string
	Component   string
	Installed   string
	Fixed       string
	Severity    int
	CVSS        float64
	FirstSeenAt time.Time
}

// Feed is the state of one advisory feed: where it is read from, the validators of its
// last download, when it was last imported and the date of its newest record.
type Feed struct {
	Ecosystem    string
	Source       string
	ETag         string
	LastModified string
	FileSize     int64
	FileMtime    *time.Time
	RefreshedAt  *time.Time // last successful import
	FeedDate     *time.Time // newest record's modified date
	AttemptedAt  time.Time
	Records      int
	Skipped      int
	Error        string // the last attempt's error; "" when it succeeded
}

// SBOMSaved says what SaveSBOM did.
type SBOMSaved struct {
	ID int64
	// Kept is set when the stored SBOM came from a better source and was kept: the new one
	// was not stored.
	Kept sbom.Source
}

// SBOMInfo is what is stored about an image's SBOM, without its components.
type SBOMInfo struct {
	ID         int64
	Digest     string
	Source     sbom.Source
	Format     sbom.Format
	Origin     string
	Tool       string
	CreatedAt  *time.Time
	ObservedAt time.Time
	Distro     *sbom.Distro
	Components int
	Problems   []string
}

// VulnQuery selects image vulnerabilities. Every field narrows the list.
type VulnQuery struct {
	MinSeverity int   // 0: all (0 unknown .. 4 critical)
	Fixable     *bool // a fixed version is published (or not)
	Package     string
	// AdvisoryIDs: only these advisories (an id resolved with ResolveVulnerability).
	AdvisoryIDs []string
	Digest      string
	// Namespace, Workload and TargetID select the images that run there (image_usages).
	Namespace string
	Workload  string
	TargetID  int64
	// NotAffected: also list what a VEX statement declares not affecting the image.
	NotAffected bool
	Cursor      string
	Limit       int
}

// VulnRow is one vulnerability of one image, with its advisory and the image's names.
type VulnRow struct {
	Digest      string
	Registry    string
	Repository  string
	AdvisoryID  string
	Component   string
	Installed   string
	Fixed       string
	Severity    int
	CVSS        float64
	CVSSVector  string
	Summary     string
	Aliases     []string
	Published   *time.Time
	FirstSeenAt time.Time
	NotAffected bool
	RunningIn   int    // containers that run the image
	AliasesJSON string `gorm:"column:aliases"`
}

// VulnPage is a page of vulnerabilities; NextCursor is empty on the last page.
type VulnPage struct {
	Items      []VulnRow
	NextCursor string
}

// VEXStatement is one "not affected" statement: about a vulnerability (an advisory id or an
// alias such as a CVE id), for one image digest or all ("" ), one package or all.
type VEXStatement struct {
	ID            int64     `json:"id"`
	Vulnerability string    `json:"vulnerability"`
	Digest        string    `json:"digest"`
	Component     string    `json:"component"`
	Status        string    `json:"status"`
	Justification string    `json:"justification"`
	Reason        string    `json:"reason"`
	ExpiresAt     time.Time `json:"expires_at"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// VEXJustifications are the justifications of OpenVEX and CISA's minimum requirements for
// a "not_affected" status.
var VEXJustifications = []string{"component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"}

// Advisory is a stored advisory as shown with a vulnerability.
type Advisory struct {
	ID         string
	Feed       string
	Modified   time.Time
	Published  *time.Time
	Withdrawn  *time.Time
	Severity   int
	CVSS       float64
	CVSSVector string
	Summary    string
	Details    string
	Aliases    []string
	References []string
}
