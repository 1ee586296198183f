package checks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// loadFixture loads one fixture file into an inventory.
func loadFixture(t *testing.T, path string) ([]byte, *kubeinv.Inventory) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := manifests.NewResult()
	manifests.DecodeBytes(data, path, manifests.Options{}, res)
	if len(res.Errors) > 0 {
		t.Fatalf("%s: %v", path, res.Errors)
	}
	if m := res.Inventory.MissingKinds(); len(m) > 0 {
		t.Fatalf("%s: a manifest scan marked %v missing; what the files hold is all there is", path, m)
	}
	return data, res.Inventory
}

// partialWithout is what a live collection that could not list kind sees: none of its
// objects, and the kind marked missing.
func partialWithout(inv *kubeinv.Inventory, kind string) *kubeinv.Inventory {
	p := inv.Without(kind)
	p.MarkMissing(kind)
	return p
}

func resultKey(r posture.Result) string { return r.CheckID + " " + r.Asset.Key + " " + r.SubKey }

// TestMissingNetworkPoliciesAreNotFindings: a collection that could not list
// NetworkPolicies (a 403) must not fail every namespace and workload for having none.
// The checks that need them become not applicable; every other check judges as before.
func TestMissingNetworkPoliciesAreNotFindings(t *testing.T) {
	cat := Builtin()
	const incomplete = "NetworkPolicy could not be collected"
	for _, f := range []string{
		"testdata/good-app.yaml",
		"testdata/k8s.namespace-default-deny/pass-deny.yaml",
		"testdata/k8s.namespace-default-deny/fail-allow-all.yaml",
		"testdata/k8s.workload-network-policy/pass-selected.yaml",
		"testdata/k8s.privileged-container/fail-privileged.yaml",
		"testdata/k8s.privileged-container/pass-unprivileged.yaml",
	} {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			_, inv := loadFixture(t, f)
			full := cat.Evaluate(inv, fixtureConfig())
			partial := cat.Evaluate(partialWithout(inv, kubeinv.KindNetworkPolicy), fixtureConfig())

			before := map[string]posture.Result{}
			for _, r := range full {
				before[resultKey(r)] = r
			}
			perCheck := map[string]int{}
			for _, r := range partial {
				ch, _ := cat.Get(r.CheckID)
				perCheck[r.CheckID]++
				if slices.Contains(ch.Needs, kubeinv.KindNetworkPolicy) {
					if r.Status != posture.NotApplicable || r.Evidence["incomplete"] != incomplete || !strings.Contains(r.Message, incomplete) {
						t.Errorf("%s: %s %q %v; want not_applicable with evidence incomplete=%q", resultKey(r), r.Status, r.Message, r.Evidence, incomplete)
					}
					continue
				}
				// Unrelated checks judge exactly as on the complete inventory (they may see
				// fewer namespaces: one known only from its policies is gone).
				b, ok := before[resultKey(r)]
				if !ok {
					t.Errorf("%s: a result the complete inventory did not have", resultKey(r))
					continue
				}
				if r.Status != b.Status || r.Message != b.Message || fmt.Sprint(r.Evidence) != fmt.Sprint(b.Evidence) {
					t.Errorf("%s: %s %q, was %s %q with every kind collected", resultKey(r), r.Status, r.Message, b.Status, b.Message)
				}
			}
			for _, id := range []string{"k8s.namespace-default-deny", "k8s.workload-network-policy"} {
				if ch, _ := cat.Get(id); perCheck[id] > 0 && !slices.Contains(ch.Needs, kubeinv.KindNetworkPolicy) {
					t.Errorf("%s has results but does not need NetworkPolicy", id)
				}
			}
			if perCheck["k8s.namespace-default-deny"]+perCheck["k8s.workload-network-policy"] == 0 {
				t.Fatalf("fixture gives no network-policy results to check: %v", perCheck)
			}
		})
	}

	// Named cases, so that a regression reads plainly.
	t.Run("privileged container still fails", func(t *testing.T) {
		_, inv := loadFixture(t, "testdata/k8s.privileged-container/fail-privileged.yaml")
		ch, _ := cat.Get("k8s.privileged-container")
		rs := RunCheck(ch, NewSnapshot(partialWithout(inv, kubeinv.KindNetworkPolicy), fixtureConfig()))
		if !slices.ContainsFunc(rs, func(r posture.Result) bool { return r.Status == posture.Fail }) {
			t.Errorf("privileged-container: %+v; want a fail", rs)
		}
	})
	t.Run("without the marker the old false finding is back", func(t *testing.T) {
		// Guards the test itself: the pass fixture really depends on its policy.
		_, inv := loadFixture(t, "testdata/k8s.namespace-default-deny/pass-deny.yaml")
		ch, _ := cat.Get("k8s.namespace-default-deny")
		rs := RunCheck(ch, NewSnapshot(inv.Without(kubeinv.KindNetworkPolicy), fixtureConfig()))
		if len(rs) != 1 || rs[0].Status != posture.Fail {
			t.Errorf("default-deny without policies and without the marker: %+v; want the (false) fail", rs)
		}
	})
}

func TestNeedsInCheckJSON(t *testing.T) {
	ch, _ := Builtin().Get("k8s.namespace-default-deny")
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"needs":["NetworkPolicy"]`) {
		t.Errorf("check JSON does not list needs: %s", b)
	}
}

// subjectKind is the Kind in a subject's asset key ("apps/Deployment/shop/web" ->
// "Deployment"); "" for the cluster.
func subjectKind(key string) string {
	parts := strings.Split(key, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// verdicts is everything a check said, per subject: each result's sub-key and status,
// sorted.
func verdicts(results []posture.Result) map[string][]string {
	out := map[string][]string{}
	for _, r := range results {
		out[r.Asset.Key] = append(out[r.Asset.Key], r.SubKey+"="+string(r.Status))
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func allNotApplicable(verdict []string) bool {
	for _, v := range verdict {
		if !strings.HasSuffix(v, "="+string(posture.NotApplicable)) {
			return false
		}
	}
	return true
}

// TestNeedsAreComplete keeps every check's Needs honest against the fixtures: for each
// fixture, it removes, one kind at a time, all objects of each kind the fixture holds
// that the check does not declare in Needs, and asserts that the verdict on the subject
// does not change. A failure means the check reads a kind it does not
// declare, so a collection that could not list that kind would produce a false verdict:
// add the kind to Needs (or stop the check from reading it).
//
// A check's own fixtures are minimal (mostly the subject and what it needs), so every
// check is also run over every other check's fixtures and testdata/good-app.yaml, and
// the verdict on every subject there is held to the same rule: a new fixture for any
// check probes all of them.
//
// Two changes are allowed, both "the subject's kind is missing", which the engine leaves
// alone (fewer subjects, each remaining one judged on complete data):
//   - The subject disappears. Removing Deployments removes the Deployment subjects; and
//     a namespace exists for the checks when a Namespace object or any object in it was
//     collected, so removing the only PVC of a namespace without a Namespace object
//     removes that namespace too.
//   - The subject's own kind is removed but the subject remains, and the check now says
//     not_applicable. Only namespaces do this: without its Namespace object a namespace
//     still exists through its workloads, and a check that reads the object's labels
//     (k8s.namespace-labels) must then answer "Namespace object not collected", never a
//     pass or a fail.
//
// Any other change, to or from not_applicable included, is a failure: a fail that turns
// not applicable is a finding silently lost, a pass that does is a compliance claim
// silently lost; either way the kind belongs in Needs.
func TestNeedsAreComplete(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "k8s.*", "*.yaml"))
	files = append(files, filepath.Join("testdata", "good-app.yaml"))
	type fixture struct {
		path string
		data []byte
		inv  *kubeinv.Inventory
		// without[kind] is the inventory without that kind's objects
		without map[string]*kubeinv.Inventory
	}
	fixtures := make([]fixture, 0, len(files))
	for _, f := range files {
		data, inv := loadFixture(t, f)
		fx := fixture{path: f, data: data, inv: inv, without: map[string]*kubeinv.Inventory{}}
		for _, kind := range kubeinv.Kinds() {
			if inv.Count(kind) > 0 {
				fx.without[kind] = inv.Without(kind)
			}
		}
		fixtures = append(fixtures, fx)
	}
	probes := 0
	for _, ch := range Builtin().Checks() {
		if ch.Facet != "" {
			continue // reads image facts, whose absence TestImageChecksWithoutFacts covers
		}
		t.Run(ch.ID, func(t *testing.T) {
			own := 0
			for _, fx := range fixtures {
				ownFixture := filepath.Base(filepath.Dir(fx.path)) == ch.ID
				want := verdicts(RunCheck(ch, NewSnapshot(fx.inv, fixtureConfig())))
				if ownFixture {
					own++
					if subject := subjectKey(t, ch, fx.data); len(want[subject]) == 0 {
						t.Errorf("%s: no result on its subject %s", fx.path, subject)
					}
				}
				for _, kind := range kubeinv.Kinds() {
					inv := fx.without[kind]
					if inv == nil || slices.Contains(ch.Needs, kind) {
						continue
					}
					got := verdicts(RunCheck(ch, NewSnapshot(inv, fixtureConfig())))
					for subject, w := range want {
						probes++
						g := got[subject]
						if kind == subjectKind(subject) && allNotApplicable(g) {
							continue // the subject's own object is gone and the check says it cannot judge
						}
						if len(g) > 0 && !slices.Equal(g, w) {
							t.Errorf("%s: without %s objects the verdict on %s changes from %v to %v: add %q to the check's Needs",
								fx.path, kind, subject, w, g, kind)
						}
					}
				}
			}
			if own == 0 {
				t.Errorf("no fixtures in testdata/%s", ch.ID)
			}
		})
	}
	if probes < 1000 {
		t.Errorf("only %d subject verdicts compared: the fixtures no longer exercise the rule", probes)
	}
	t.Logf("%d subject verdicts compared", probes)
}
