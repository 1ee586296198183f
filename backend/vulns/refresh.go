package vulns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/palisade-dev/palisade/backend/advisories"
	"github.com/palisade-dev/palisade/backend/posture"
)

// FeedResult is what one feed refresh did.
type FeedResult struct {
	Ecosystem   string
	Source      string
	NotModified bool
	Records     int // records read from the archive
	Skipped     int // malformed records left out
	Changed     int // new or modified advisories
	NewVulns    int // image vulnerabilities seen for the first time
	Events      int // drift events raised
	Baseline    bool
	Duration    time.Duration
	Err         error
}

// recordBatch is how many advisories are saved at once while an archive is read.
const recordBatch = 1000

// Refresh loads every configured feed in turn; one feed's failure does not stop the
// others. It returns each feed's result.
func (s *Service) Refresh(ctx context.Context) []FeedResult {
	out := make([]FeedResult, 0, len(s.o.Feeds))
	for _, src := range s.o.Feeds {
		out = append(out, s.RefreshFeed(ctx, src))
	}
	return out
}

// SourceText names a feed's source for people: the file, the mirror or osv.dev.
func SourceText(src advisories.FeedSource) string {
	if src.File != "" {
		return "file " + src.File
	}
	u, err := advisories.FeedURL(src)
	if err != nil {
		return "invalid URL"
	}
	u.User = nil
	return u.String()
}

// RefreshFeed downloads a feed if it changed, stores its new and modified advisories,
// re-matches the packages they name, and raises drift events for vulnerabilities new to
// running images. The first successful load of a feed is its baseline: no events, as a
// target's first run raises none.
func (s *Service) RefreshFeed(ctx context.Context, src advisories.FeedSource) FeedResult {
	start := s.o.Now()
	res := FeedResult{Ecosystem: src.Ecosystem, Source: SourceText(src)}
	prev, err := s.feedState(ctx, src.Ecosystem)
	if err != nil {
		res.Err = err
		return res
	}
	state := Feed{Ecosystem: src.Ecosystem, Source: res.Source, ETag: prev.ETag, LastModified: prev.LastModified,
		FileSize: prev.FileSize, FileMtime: prev.FileMtime, RefreshedAt: prev.RefreshedAt, FeedDate: prev.FeedDate,
		Records: prev.Records, Skipped: prev.Skipped, AttemptedAt: start.UTC()}
	if prev.Source != res.Source { // a new source: download it whole
		state.ETag, state.LastModified, state.FileSize, state.FileMtime = "", "", 0, nil
	}
	res.Baseline = prev.RefreshedAt == nil
	err = s.load(ctx, src, &state, &res)
	res.Duration = s.o.Now().Sub(start)
	if err != nil {
		res.Err = err
		state.Error = posture.ErrorMessage(err)
		s.o.Log.Warn("advisory feed refresh failed", "ecosystem", src.Ecosystem, "source", res.Source, "error", state.Error)
	} else {
		now := s.o.Now().UTC()
		state.RefreshedAt, state.Error = &now, ""
		s.o.Log.Info("advisory feed refreshed", "ecosystem", src.Ecosystem, "not_modified", res.NotModified, "records", res.Records,
			"changed", res.Changed, "new_vulnerabilities", res.NewVulns, "events", res.Events, "duration", res.Duration.String())
	}
	if err := s.o.Store.SaveAdvisoryFeed(context.WithoutCancel(ctx), state); err != nil && res.Err == nil {
		res.Err = fmt.Errorf("record the feed's state: %w", err)
	}
	return res
}

func (s *Service) feedState(ctx context.Context, ecosystem string) (Feed, error) {
	feeds, err := s.o.Store.AdvisoryFeeds(ctx)
	if err != nil {
		return Feed{}, fmt.Errorf("read advisory feeds: %w", err)
	}
	for _, f := range feeds {
		if f.Ecosystem == ecosystem {
			return f, nil
		}
	}
	return Feed{}, nil
}

// load fetches and imports one feed, updating state's validators and counts.
func (s *Service) load(ctx context.Context, src advisories.FeedSource, state *Feed, res *FeedResult) error {
	prev := advisories.FetchState{ETag: state.ETag, LastModified: state.LastModified, Size: state.FileSize}
	if state.FileMtime != nil {
		prev.ModTime = *state.FileMtime
	}
	if state.RefreshedAt == nil {
		prev = advisories.FetchState{} // never imported: no conditional request
	}
	got, err := advisories.Fetch(ctx, s.o.HTTP, src, prev, s.o.Dir, s.o.MaxFeedBytes)
	if err != nil {
		return err
	}
	defer got.Remove()
	if got.NotModified {
		res.NotModified = true
		return nil
	}
	f, err := os.Open(got.Path)
	if err != nil {
		return fmt.Errorf("open the %s archive: %w", src.Ecosystem, err)
	}
	defer f.Close()
	changed, stats, err := s.importArchive(ctx, src.Ecosystem, f, got.Size)
	if err != nil {
		// What was stored stays pending and is matched by the next refresh.
		return err
	}
	res.Records, res.Skipped, res.Changed = stats.Records, stats.Skipped, len(changed)
	state.ETag, state.LastModified, state.FileSize = got.ETag, got.LastModified, got.Size
	if !got.ModTime.IsZero() {
		mt := got.ModTime.UTC()
		state.FileMtime = &mt
	}
	state.Records, state.Skipped = stats.Records, stats.Skipped
	if !stats.Newest.IsZero() {
		n := stats.Newest.UTC()
		state.FeedDate = &n
	}
	found, events, err := s.Rematch(ctx, !res.Baseline)
	res.NewVulns, res.Events = len(found), events
	return err
}

// importArchive stores an archive's new and modified advisories and returns their ids.
func (s *Service) importArchive(ctx context.Context, feed string, f *os.File, size int64) ([]string, advisories.ArchiveStats, error) {
	var changed []string
	batch := make([]AdvisoryRecord, 0, recordBatch)
	flush := func() error {
		ids, err := s.o.Store.SaveAdvisories(ctx, batch)
		if err != nil {
			return fmt.Errorf("store advisories: %w", err)
		}
		changed = append(changed, ids...)
		batch = batch[:0]
		return nil
	}
	stats, err := advisories.ReadArchive(ctx, f, size, s.o.Archive, func(a *advisories.Advisory) error {
		batch = append(batch, recordOf(feed, a))
		if len(batch) == recordBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		var perr *posture.Error
		if !errors.As(err, &perr) {
			err = fmt.Errorf("the %s archive: %w", feed, err)
		}
		return nil, stats, err
	}
	return changed, stats, nil
}

// recordOf turns a parsed advisory into what the store keeps: per affected package name,
// the JSON of its entries.
func recordOf(feed string, a *advisories.Advisory) AdvisoryRecord {
	r := AdvisoryRecord{ID: a.ID, Feed: feed, Modified: a.Modified, Withdrawn: a.Withdrawn, Severity: a.Severity.Rank(),
		CVSS: a.CVSS, CVSSVector: a.CVSSVector, Summary: a.Summary, Details: a.Details, Aliases: a.Aliases, References: a.References}
	if !a.Published.IsZero() {
		p := a.Published
		r.Published = &p
	}
	byName := map[PackageName][]advisories.Affected{}
	var order []PackageName
	for _, af := range a.Affected {
		n := PackageName{af.Ecosystem, af.Name}
		if _, ok := byName[n]; !ok {
			order = append(order, n)
		}
		byName[n] = append(byName[n], af)
	}
	for _, n := range order {
		b, _ := json.Marshal(byName[n])
		r.Packages = append(r.Packages, AffectedPackage{Ecosystem: n.Ecosystem, Name: n.Name, Affected: b})
	}
	return r
}

// rematchBatch is how many changed advisories are re-matched at once.
const rematchBatch = 1000

// Rematch matches again the packages that pending advisories (new or modified since they
// were last matched) name, and only those, and brings those advisories' image
// vulnerabilities up to date; raise says whether vulnerabilities new to running images
// become drift events (not on a feed's baseline). It returns the image vulnerabilities
// seen for the first time and the number of events raised. Pending advisories are kept in
// the database, so a refresh that stopped half-way is finished by the next one.
func (s *Service) Rematch(ctx context.Context, raise bool) ([]NewImageVuln, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []NewImageVuln
	events := 0
	for {
		chunk, err := s.o.Store.PendingAdvisories(ctx, rematchBatch)
		if err != nil {
			return found, events, fmt.Errorf("pending advisories: %w", err)
		}
		if len(chunk) == 0 {
			return found, events, nil
		}
		matches, err := s.matchAdvisories(ctx, chunk)
		if err != nil {
			return found, events, err
		}
		fresh, n, err := s.o.Store.ApplyAdvisoryMatches(ctx, chunk, matches, raise)
		if err != nil {
			return found, events, fmt.Errorf("apply matches: %w", err)
		}
		found, events = append(found, fresh...), events+n
	}
}

// matchAdvisories matches advisories with every stored version of the packages they name.
func (s *Service) matchAdvisories(ctx context.Context, ids []string) ([]PackageMatch, error) {
	names, err := s.o.Store.AdvisoryPackageNames(ctx, ids)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	pkgs, err := s.o.Store.PackagesNamed(ctx, names)
	if err != nil || len(pkgs) == 0 {
		return nil, err
	}
	affected, err := s.o.Store.AffectedFor(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("advisory ranges: %w", err)
	}
	return s.match(pkgs, onlyAdvisories(affected, ids)), nil
}

func onlyAdvisories(affected []AffectedPackage, ids []string) []AffectedPackage {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := affected[:0:0]
	for _, a := range affected {
		if want[a.AdvisoryID] {
			out = append(out, a)
		}
	}
	return out
}
