package vulns

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

// Store is what the service needs of the database (backend/store implements it).
type Store interface {
	LayerStore
	SaveSBOM(ctx context.Context, tenantID int64, s *sbom.SBOM) (SBOMSaved, error)
	SBOMInfos(ctx context.Context, tenantID int64, digests []string) (map[string]SBOMInfo, error)
	UnmatchedPackages(ctx context.Context, sbomID int64) ([]Package, error)
	PackagesNamed(ctx context.Context, names []PackageName) ([]Package, error)
	AffectedFor(ctx context.Context, names []PackageName) ([]AffectedPackage, error)
	AdvisoryPackageNames(ctx context.Context, advisoryIDs []string) ([]PackageName, error)
	SaveAdvisories(ctx context.Context, recs []AdvisoryRecord) ([]string, error)
	// ApplyAdvisoryMatches replaces what advisories affect, brings their image
	// vulnerabilities up to date, marks them matched and (raise) raises drift events for
	// vulnerabilities new to running images, in one transaction.
	ApplyAdvisoryMatches(ctx context.Context, advisoryIDs []string, matches []PackageMatch, raise bool) ([]NewImageVuln, int, error)
	PendingAdvisories(ctx context.Context, limit int) ([]string, error)
	ReplacePackageMatches(ctx context.Context, packageIDs []int64, matches []PackageMatch) error
	RefreshImageVulnsForImage(ctx context.Context, tenantID int64, digest string) error
	AdvisoryFeeds(ctx context.Context) ([]Feed, error)
	SaveAdvisoryFeed(ctx context.Context, f Feed) error
	ImageVulnCounts(ctx context.Context, tenantID int64, digests []string) ([]VulnCount, error)
	WorstFixable(ctx context.Context, tenantID int64, digests []string, minSeverity, n int) (map[string][]ImageVuln, error)
	ImageEcosystems(ctx context.Context, tenantID int64, digests []string) (map[string][]string, error)
}

// LayerStore keeps per-layer inventories per tenant (backend/store).
type LayerStore interface {
	LayerInventory(ctx context.Context, tenantID int64, digest string) ([]byte, bool, error)
	SaveLayerInventory(ctx context.Context, tenantID int64, digest string, facts []byte) error
}

// Options configure the service.
type Options struct {
	Store Store
	// Feeds are the advisory feeds to load, one per OSV ecosystem.
	Feeds []advisories.FeedSource
	HTTP  *http.Client
	// Dir holds downloads while they are read (default: the system's temporary directory).
	Dir string
	// MaxFeedBytes bounds one downloaded archive (default 2 GiB).
	MaxFeedBytes int64
	Archive      advisories.ArchiveLimits
	Log          *slog.Logger
	Now          func() time.Time
}

// Service keeps vulnerabilities current. Matching is serialised within a process: an SBOM
// stored while a refresh re-matches must not be matched against half of it.
type Service struct {
	o  Options
	mu sync.Mutex
}

// New returns a service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 30 * time.Minute}
	}
	if o.MaxFeedBytes <= 0 {
		o.MaxFeedBytes = 2 << 30
	}
	return &Service{o: o}
}

// Configured reports whether a feed is configured for an OSV ecosystem ("Debian").
func (s *Service) Configured(ecosystem string) bool {
	for _, f := range s.o.Feeds {
		if f.Ecosystem == ecosystem {
			return true
		}
	}
	return false
}

// Ingest stores an image's SBOM (unless a better one is stored), matches the packages it
// brings that were never matched, and brings the image's vulnerabilities up to date.
func (s *Service) Ingest(ctx context.Context, tenantID int64, sb *sbom.SBOM) (SBOMSaved, error) {
	if sb.ObservedAt.IsZero() {
		sb.ObservedAt = s.o.Now().UTC()
	}
	sb.Dedupe()
	s.mu.Lock()
	defer s.mu.Unlock()
	saved, err := s.o.Store.SaveSBOM(ctx, tenantID, sb)
	if err != nil || saved.Kept != "" {
		return saved, err
	}
	pending, err := s.o.Store.UnmatchedPackages(ctx, saved.ID)
	if err != nil {
		return saved, fmt.Errorf("unmatched packages: %w", err)
	}
	if len(pending) > 0 {
		affected, err := s.o.Store.AffectedFor(ctx, namesOf(pending))
		if err != nil {
			return saved, fmt.Errorf("advisories of the SBOM's packages: %w", err)
		}
		ids := make([]int64, len(pending))
		for i, p := range pending {
			ids[i] = p.ID
		}
		if err := s.o.Store.ReplacePackageMatches(ctx, ids, s.match(pending, affected)); err != nil {
			return saved, fmt.Errorf("store matches: %w", err)
		}
	}
	if err := s.o.Store.RefreshImageVulnsForImage(ctx, tenantID, sb.Digest); err != nil {
		return saved, fmt.Errorf("image vulnerabilities: %w", err)
	}
	return saved, nil
}

func namesOf(pkgs []Package) []PackageName {
	seen := map[PackageName]bool{}
	var out []PackageName
	for _, p := range pkgs {
		if n := (PackageName{p.Ecosystem, p.Name}); !seen[n] && p.Ecosystem != "" {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// match matches packages with the affected entries of advisories: one match per package
// and advisory. A version that cannot be compared is logged and matches nothing.
func (s *Service) match(pkgs []Package, affected []AffectedPackage) []PackageMatch {
	byName := map[PackageName][]AffectedPackage{}
	for _, a := range affected {
		n := PackageName{a.Ecosystem, a.Name}
		byName[n] = append(byName[n], a)
	}
	decoded := map[*AffectedPackage][]advisories.Affected{}
	var out []PackageMatch
	unparsable := 0
	for _, p := range pkgs {
		entries := byName[PackageName{p.Ecosystem, p.Name}]
		c := sbom.Component{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
		for i := range entries {
			ap := &entries[i]
			list, ok := decoded[ap]
			if !ok {
				if err := json.Unmarshal(ap.Affected, &list); err != nil {
					s.o.Log.Warn("stored advisory ranges unreadable", "advisory", ap.AdvisoryID, "error", err)
				}
				decoded[ap] = list
			}
			for _, a := range list {
				m, hit, err := advisories.Affects(a, c)
				if err != nil {
					unparsable++
					continue
				}
				if hit {
					out = append(out, PackageMatch{PackageID: p.ID, AdvisoryID: ap.AdvisoryID, Fixed: m.Fixed, Range: m.Range})
					break
				}
			}
		}
	}
	if unparsable > 0 {
		s.o.Log.Warn("versions that cannot be compared were not matched", "comparisons", unparsable)
	}
	return out
}
