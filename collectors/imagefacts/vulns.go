package imagefacts

import "time"

// Vulnerabilities is what is known of an image's known vulnerabilities: its SBOM, counts by
// severity from the advisory database, and the advisory feeds its packages need. It is
// filled on every run from the stored SBOM and matches (advisories change without the
// image changing), never taken from an inspection.
type Vulnerabilities struct {
	// SBOM is nil when the image has none: it was never scanned.
	SBOM     *SBOMRef `json:"sbom,omitempty"`
	Critical int      `json:"critical"`
	High     int      `json:"high"`
	Medium   int      `json:"medium"`
	Low      int      `json:"low"`
	Unknown  int      `json:"unknown"`
	// FixableCritical and FixableHigh count those with a fixed version published.
	FixableCritical int `json:"fixableCritical"`
	FixableHigh     int `json:"fixableHigh"`
	// NotAffected counts matches a VEX statement in force declares not affecting the image;
	// they are in no other count.
	NotAffected int `json:"notAffected,omitempty"`
	// Top are the worst fixable vulnerabilities (at most 5), for messages.
	Top []VulnRef `json:"top,omitempty"`
	// Feeds are the advisory feeds the image's packages are matched with, one per
	// ecosystem its SBOM names.
	Feeds []FeedRef `json:"feeds,omitempty"`
}

// SBOMRef says where an image's SBOM came from and when.
type SBOMRef struct {
	Source     string    `json:"source"` // attestation, upload, extractor
	Format     string    `json:"format"`
	Origin     string    `json:"origin"`
	ObservedAt time.Time `json:"observedAt"`
	Components int       `json:"components"`
	Problems   []string  `json:"problems,omitempty"`
}

// VulnRef is one vulnerability of an image, for messages.
type VulnRef struct {
	ID        string  `json:"id"`
	Severity  string  `json:"severity"`
	CVSS      float64 `json:"cvss,omitempty"`
	Package   string  `json:"package"`
	Installed string  `json:"installed"`
	Fixed     string  `json:"fixed,omitempty"`
}

// FeedRef is an advisory feed's freshness: RefreshedAt is its last successful import (nil:
// never, or no feed is configured for the ecosystem).
type FeedRef struct {
	Ecosystem   string     `json:"ecosystem"`
	Configured  bool       `json:"configured"`
	RefreshedAt *time.Time `json:"refreshedAt,omitempty"`
	FeedDate    *time.Time `json:"feedDate,omitempty"`
	// Error is the feed's last failed attempt ("" when it succeeded); the data is then
	// still the last good load's, judged by RefreshedAt.
	Error string `json:"error,omitempty"`
}
