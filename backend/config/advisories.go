package config

import (
	"fmt"
	"net/url"
	"time"
)

// Advisories configures the OSV advisory feeds vulnerabilities are matched with.
type Advisories struct {
	// Ecosystems are the OSV ecosystems loaded, one archive each (default Debian, Ubuntu,
	// Alpine, Go, npm, PyPI, Maven); [] loads none.
	Ecosystems []string `yaml:"ecosystems"`
	// MirrorURL replaces osv.dev's bucket with an internal mirror of the same layout
	// (<mirror>/<Ecosystem>/all.zip).
	MirrorURL string `yaml:"mirror_url"`
	// Files name a local all.zip per ecosystem, for air-gapped sites (they win over the
	// mirror and osv.dev).
	Files map[string]string `yaml:"files"`
	// Interval is how often the feeds are refreshed (default 6h); 0 in the file means the
	// default, a negative value is refused.
	Interval time.Duration `yaml:"interval"`
	// MaxDownloadBytes bounds one downloaded archive (default 2 GiB).
	MaxDownloadBytes int64 `yaml:"max_download_bytes"`
}

// Vulnerabilities bounds the SBOM work.
type Vulnerabilities struct {
	// MaxUploadBytes bounds an uploaded SBOM or scanner report (default 64 MiB).
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
	// ExtractionsPerRun bounds the images whose layers one collection reads for packages
	// (default 20); ExtractionBudget the time it spends on them (default 5m). Images left
	// over are read by the next runs.
	ExtractionsPerRun int           `yaml:"extractions_per_run"`
	ExtractionBudget  time.Duration `yaml:"extraction_budget"`
}

// DefaultEcosystems are the feeds loaded unless configured otherwise.
var DefaultEcosystems = []string{"Debian", "Ubuntu", "Alpine", "Go", "npm", "PyPI", "Maven"}

func (c Config) validateVulnerabilities(bad func(key, format string, args ...any)) {
	a := c.Advisories
	if a.Interval < 0 {
		bad("advisories.interval", "must not be negative")
	}
	if a.MaxDownloadBytes < 0 {
		bad("advisories.max_download_bytes", "must not be negative")
	}
	if a.MirrorURL != "" {
		u, err := url.Parse(a.MirrorURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("advisories.mirror_url", "must be an http(s) URL, got %q", a.MirrorURL)
		}
	}
	for i, e := range a.Ecosystems {
		if e == "" || len(e) > 64 {
			bad(fmt.Sprintf("advisories.ecosystems[%d]", i), "is not an OSV ecosystem name: %q", e)
		}
	}
	for e, f := range a.Files {
		if f == "" {
			bad("advisories.files."+e, "must name a file")
		}
	}
	v := c.Vulnerabilities
	if v.MaxUploadBytes < 0 || v.ExtractionsPerRun < 0 || v.ExtractionBudget < 0 {
		bad("vulnerabilities", "limits must not be negative")
	}
}
