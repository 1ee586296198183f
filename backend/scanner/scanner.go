// Package scanner evaluates an inventory for `palisade scan`: it runs every check, scores the
// results as they come and writes the findings to a report stream, a check at a time, so that
// memory follows the input and never the number of findings. It also reports what the input
// itself gets wrong (keys given twice, removed apiVersions) and accounts for every object.
// Images (`palisade scan --image`) are judged beside the inventory by the catalog's image
// checks, into the same report and score.
package scanner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/report"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// DefaultMaxFindingsPerObject bounds the findings listed for one object; more are counted
// (score, summary, --fail-on) and named in a warning, not listed.
const DefaultMaxFindingsPerObject = 1000

// Input is what was collected.
type Input struct {
	// Inventory is the Kubernetes input; nil when there is none (images only): then no
	// Kubernetes check runs.
	Inventory *kubeinv.Inventory
	// Sources maps asset keys to the files they came from (manifests), for locations.
	Sources  map[string]string
	Errors   []posture.CollectionError
	Warnings []posture.CollectionError
	// Manifests is the manifest load (nil for a cluster): duplicate keys, removed
	// apiVersions and the accounting come from it.
	Manifests *manifests.Result
	// Images are image facets (scan --image), each with its Registry and the Repositories
	// that name its images. Each is judged on its own by the catalog's image checks (Facet
	// images); a registry or repository that several facets share is reported once.
	Images []*imagefacts.Facet
}

// Options configure a scan.
type Options struct {
	Catalog *checks.Catalog
	Config  checks.Config
	Score   scoring.Options
	// MaxFindingsPerObject: 0 means DefaultMaxFindingsPerObject.
	MaxFindingsPerObject int
}

// Outcome is what the scan found, after the report was closed.
type Outcome struct {
	Score    scoring.Scorecard
	Summary  report.Summary
	Errors   []posture.CollectionError
	Warnings []posture.CollectionError
	// Worst is the highest severity of any finding, listed or not (for --fail-on); ok is false
	// when there is none.
	Worst   posture.Severity
	AnyFind bool
}

// Run evaluates in and writes the report to st, closing it.
func Run(in Input, opts Options, st report.Stream) (Outcome, error) {
	kube := in.Inventory != nil || in.Manifests != nil
	if in.Inventory == nil {
		in.Inventory = &kubeinv.Inventory{}
	}
	limit := opts.MaxFindingsPerObject
	if limit <= 0 {
		limit = DefaultMaxFindingsPerObject
	}
	sink := &sink{stream: st, limit: limit, perObject: map[string]int{}, bySeverity: map[posture.Severity]int{}}
	snap := checks.NewSnapshot(in.Inventory, opts.Config)
	images := imageSnapshots(in.Images, opts.Config)
	if err := sink.addAll(inputFindings(in.Manifests, opts)); err != nil {
		return Outcome{}, err
	}
	scoreOpts := opts.Score
	if scoreOpts.Exposure == nil {
		scoreOpts.Exposure = snap.Exposure() // as the server weighs the same objects
	}
	acc := scoring.NewAccumulator(scoreOpts)
	for _, ch := range Ordered(opts.Catalog) {
		var results []posture.Result
		if kube {
			results = checks.RunCheck(ch, snap)
		}
		if ch.Facet == checks.FacetImages {
			results = append(results, images.run(ch)...)
		}
		for _, r := range results {
			acc.Add(r)
		}
		fs := report.FindingsFrom(results)
		for i := range fs {
			fs[i].SourceFile = in.Sources[fs[i].Result.Asset.Key]
			if res, ok := imageResource(fs[i].Result.Asset); ok {
				fs[i].Resource = res
			}
		}
		if err := sink.addAll(report.SortFindings(fs)); err != nil {
			return Outcome{}, err
		}
	}
	out := Outcome{Score: acc.Card(), Errors: in.Errors, Worst: sink.worst, AnyFind: sink.total > 0}
	out.Warnings = append(append(append([]posture.CollectionError(nil), in.Warnings...), undeclaredNamespaces(snap, opts.Config)...),
		sink.overflowWarnings()...)
	out.Summary = report.Summary{Findings: sink.total, BySeverity: sink.bySeverity, Unlisted: sink.unlisted, Objects: accounting(in.Manifests)}
	err := st.Close(report.End{Score: out.Score, Errors: out.Errors, Warnings: out.Warnings, Summary: out.Summary})
	return out, err
}

// Ordered is the catalog's checks in report order: severity (worst first), then ID.
func Ordered(c *checks.Catalog) []*checks.Check {
	list := c.Checks()
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Severity != list[j].Severity {
			return list[i].Severity > list[j].Severity
		}
		return list[i].ID < list[j].ID
	})
	return list
}

// RuleIDs are every check a scan can report: the catalog's and the input checks.
func RuleIDs(c *checks.Catalog) []string {
	var ids []string
	for _, ch := range c.Checks() {
		ids = append(ids, ch.ID)
	}
	for _, ic := range manifests.InputChecks() {
		ids = append(ids, ic.ID)
	}
	return ids
}

// sink counts findings and lists each one unless its object is over the limit.
type sink struct {
	stream     report.Stream
	limit      int
	perObject  map[string]int
	bySeverity map[posture.Severity]int
	total      int
	unlisted   int
	worst      posture.Severity
	over       map[string]int // object -> findings not listed
}

func (s *sink) addAll(fs []report.Finding) error {
	for _, f := range fs {
		if err := s.add(f); err != nil {
			return err
		}
	}
	return nil
}

func (s *sink) add(f report.Finding) error {
	sev := f.Result.Severity
	s.total++
	s.bySeverity[sev]++
	if s.total == 1 || sev > s.worst {
		s.worst = sev
	}
	key := f.Result.Asset.Key
	s.perObject[key]++
	if s.perObject[key] > s.limit {
		s.unlisted++
		if s.over == nil {
			s.over = map[string]int{}
		}
		s.over[key]++
		return nil
	}
	return s.stream.Finding(f)
}

func (s *sink) overflowWarnings() []posture.CollectionError {
	keys := make([]string, 0, len(s.over))
	for k := range s.over {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]posture.CollectionError, 0, len(keys))
	for _, k := range keys {
		out = append(out, posture.CollectionError{Source: k, Message: fmt.Sprintf(
			"%d more findings on this object are counted but not listed (at most %d are listed per object)", s.over[k], s.limit)})
	}
	return out
}

// undeclaredNamespaces warns about namespaces that objects use but the input does not define,
// when the configuration judges only declared ones (a manifest scan).
func undeclaredNamespaces(s *checks.Snapshot, cfg checks.Config) []posture.CollectionError {
	if !cfg.OnlyDeclaredNamespaces {
		return nil
	}
	var out []posture.CollectionError
	for _, ns := range s.Namespaces {
		if !s.HasNamespaceObject(ns) && !s.IsSystemNamespace(ns) {
			out = append(out, posture.CollectionError{Source: "namespace " + ns, Message: "used by objects in the scan but not defined " +
				"in it: its namespace-level checks (network policies, quotas, labels, ...) were not evaluated (not in the scan)"})
		}
	}
	return out
}

func accounting(m *manifests.Result) *report.Accounting {
	if m == nil {
		return nil
	}
	a := &report.Accounting{Read: m.Read, Evaluated: m.Objects, Errors: m.ObjectErrors, Files: m.Files, ByKind: m.ByKind}
	counts := map[[2]string]int{}
	for _, ig := range m.Ignored {
		counts[[2]string{ig.APIVersion, ig.Kind}]++
	}
	for k, n := range counts {
		a.Skipped = append(a.Skipped, report.SkippedKind{APIVersion: k[0], Kind: k[1], Count: n, Reason: skipReason(k[0], k[1])})
	}
	sort.Slice(a.Skipped, func(i, j int) bool {
		if a.Skipped[i].Kind != a.Skipped[j].Kind {
			return a.Skipped[i].Kind < a.Skipped[j].Kind
		}
		return a.Skipped[i].APIVersion < a.Skipped[j].APIVersion
	})
	return a
}

func skipReason(apiVersion, kind string) string {
	if manifests.IsCheckedKind(kind) {
		return "apiVersion " + apiVersion + " of " + kind + " is not one Palisade reads"
	}
	return "no check judges " + kind + " objects"
}

// resourceOfKey names the object of an asset key "group/Kind/namespace/name".
func resourceOfKey(key string) report.Resource {
	parts := strings.SplitN(key, "/", 4)
	switch len(parts) {
	case 4:
		return report.Resource{Kind: parts[1], Namespace: parts[2], Name: parts[3]}
	case 3:
		return report.Resource{Kind: parts[1], Name: parts[2]}
	}
	return report.Resource{Kind: "object", Name: key}
}
