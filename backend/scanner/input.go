package scanner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/report"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// inputFindings are the findings about the manifests themselves: keys given twice and
// removed apiVersions. They come first in a report and stay out of the score.
func inputFindings(m *manifests.Result, opts Options) []report.Finding {
	if m == nil {
		return nil
	}
	var out []report.Finding
	for _, a := range m.Ambiguous {
		out = append(out, ambiguityFinding(a, opts, m.Sources))
	}
	for _, r := range m.Removed {
		msg := fmt.Sprintf("apiVersion %s of %s was removed in Kubernetes %s and current API servers refuse it; evaluated as %s",
			r.APIVersion, r.Kind, r.RemovedIn, r.Current)
		out = append(out, inputFinding(manifests.RemovedAPICheck, manifests.RemovedAPICheck.Severity, r.AssetKey, msg, r.Source))
	}
	return report.SortFindings(out)
}

func inputFinding(ic manifests.InputCheck, sev posture.Severity, key, msg, source string) report.Finding {
	res := resourceOfKey(key)
	asset := &posture.Asset{Key: key, Name: res.Name, Namespace: res.Namespace}
	return report.Finding{Result: posture.Result{CheckID: ic.ID, Severity: sev, Asset: asset, Status: posture.Fail, Message: msg},
		Resource: res, SourceFile: source}
}

// ambiguityFinding judges what duplicate keys conceal: the object is checked as read (the
// later values) and as the duplicates would have it otherwise (the earlier ones); the checks
// only the hidden reading fails set the finding's severity, so `--fail-on high` fails on a
// hidden "privileged: true" however it is written.
func ambiguityFinding(a manifests.Ambiguity, opts Options, sources map[string]string) report.Finding {
	sev := manifests.DuplicateKeyCheck.Severity
	paths := a.DuplicatePaths()
	msg := "key given twice: " + strings.Join(paths, ", ") + "; kubectl applies the later value, the API server refuses the object"
	if a.Hidden == nil {
		msg += "; the earlier values do not make a valid object"
	} else {
		shown := failing(a.Effective, a.AssetKey, opts)
		var hidden []string
		for id, s := range failing(a.Hidden, a.AssetKey, opts) {
			if _, both := shown[id]; !both {
				hidden = append(hidden, fmt.Sprintf("%s (%s)", id, s))
				sev = max(sev, s)
			}
		}
		if len(hidden) == 0 {
			msg += "; the earlier values fail no other check"
		} else {
			sort.Strings(hidden)
			msg += "; with the earlier values the object fails " + strings.Join(hidden, ", ")
		}
	}
	return inputFinding(manifests.DuplicateKeyCheck, sev, a.AssetKey, msg, firstOf(sources[a.AssetKey], a.Source))
}

// failing evaluates one object on its own and returns the checks it fails (by check and
// sub-key, so two containers count apart) with their severity.
func failing(obj any, key string, opts Options) map[string]posture.Severity {
	inv := &kubeinv.Inventory{}
	if err := inv.Add(obj); err != nil {
		return nil
	}
	out := map[string]posture.Severity{}
	for _, r := range opts.Catalog.Evaluate(inv, opts.Config) {
		if r.Status == posture.Fail && r.Asset != nil && r.Asset.Key == key {
			id := r.CheckID
			if r.SubKey != "" {
				id += "[" + r.SubKey + "]"
			}
			out[id] = r.Severity
		}
	}
	return out
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
