package checks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/imagefacts"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// fixtureNow is the evaluation time for every fixture (backups are dated against it).
var fixtureNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func fixtureConfig() Config {
	cfg := DefaultConfig()
	cfg.AllowedRegistries = []string{"registry.example.com"}
	cfg.Now = func() time.Time { return fixtureNow }
	return cfg
}

// subjectKey is the asset key a fixture's verdict is about: a leading "# subject: KEY"
// comment, else "cluster" for cluster-wide checks, else the first object in the file.
func subjectKey(t *testing.T, ch *Check, data []byte) string {
	t.Helper()
	first, _ := bufio.NewReader(bytes.NewReader(data)).ReadString('\n')
	if k, ok := strings.CutPrefix(strings.TrimSpace(first), "# subject:"); ok {
		return strings.TrimSpace(k)
	}
	if ch.Applies == posture.AssetCluster {
		return kubeinv.ClusterKey
	}
	doc, _, _ := bytes.Cut(data, []byte("\n---"))
	js, err := sigsyaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatalf("first document: %v", err)
	}
	var m struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct{ Name, Namespace string }
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatalf("first document: %v", err)
	}
	group := ""
	if g, _, ok := strings.Cut(m.APIVersion, "/"); ok {
		group = g
	}
	ns := m.Metadata.Namespace
	switch m.Kind {
	case "Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "StorageClass":
		ns = ""
	default:
		if ns == "" {
			ns = manifests.DefaultNamespace
		}
	}
	return kubeinv.AssetKey(group, m.Kind, ns, m.Metadata.Name)
}

// TestFixtures walks testdata/<check-id>/{pass,fail}-*.yaml: every registered check must
// have both kinds of fixture, every folder must belong to a registered check, and each
// fixture must produce its verdict on its subject.
func TestFixtures(t *testing.T) {
	cat := Builtin()
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	haveDir := map[string]bool{}
	for _, d := range dirs {
		if d.IsDir() && strings.Contains(d.Name(), ".") {
			haveDir[d.Name()] = true
			if _, ok := cat.Get(d.Name()); !ok {
				t.Errorf("testdata/%s: no registered check with that ID", d.Name())
			}
		}
	}
	for _, ch := range cat.Checks() {
		ch := ch
		t.Run(ch.ID, func(t *testing.T) {
			ext := "yaml"
			if ch.Facet == FacetImages {
				ext = "json"
			}
			passes, _ := filepath.Glob(filepath.Join("testdata", ch.ID, "pass-*."+ext))
			fails, _ := filepath.Glob(filepath.Join("testdata", ch.ID, "fail-*."+ext))
			if len(passes) == 0 || len(fails) == 0 {
				t.Fatalf("check %s needs testdata/%s/pass-*.yaml and fail-*.yaml (have %d pass, %d fail)", ch.ID, ch.ID, len(passes), len(fails))
			}
			// na-* fixtures pin a not-applicable verdict: missing or stale data is no pass.
			nas, _ := filepath.Glob(filepath.Join("testdata", ch.ID, "na-*."+ext))
			for _, f := range append(append(passes, fails...), nas...) {
				want := posture.Pass
				switch {
				case strings.HasPrefix(filepath.Base(f), "fail-"):
					want = posture.Fail
				case strings.HasPrefix(filepath.Base(f), "na-"):
					want = posture.NotApplicable
				}
				t.Run(filepath.Base(f), func(t *testing.T) {
					snap, subject := loadCheckFixture(t, ch, f)
					results := RunCheck(ch, snap)
					var got []string
					sawWant, sawFail := false, false
					for _, r := range results {
						if r.CheckID != ch.ID || r.Severity != ch.Severity || len(r.CSA) == 0 {
							t.Errorf("result not stamped with check metadata: %+v", r)
						}
						if r.Asset.Key != subject {
							continue
						}
						got = append(got, string(r.Status)+" "+r.SubKey+": "+r.Message)
						sawWant = sawWant || r.Status == want
						sawFail = sawFail || r.Status == posture.Fail
						if r.Status == posture.Fail && r.Message == "" {
							t.Errorf("failing result without a message")
						}
					}
					if !sawWant || (want != posture.Fail && sawFail) {
						all := make([]string, 0, len(results))
						for _, r := range results {
							all = append(all, r.Asset.Key+" "+string(r.Status))
						}
						sort.Strings(all)
						t.Errorf("subject %s: want %s, got %v (all results: %v)", subject, want, got, all)
					}
				})
			}
		})
	}
}

// imageFixture is a fixture of a check that reads image facts: the facet, optionally
// manifests (running pods whose digests join the facts), and the subject's asset key.
type imageFixture struct {
	Comment   string           `json:"comment"`
	Subject   string           `json:"subject"`
	Facet     imagefacts.Facet `json:"facet"`
	Manifests string           `json:"manifests"`
}

// loadCheckFixture loads a fixture into a snapshot and names the asset its verdict is about.
func loadCheckFixture(t *testing.T, ch *Check, f string) (*Snapshot, string) {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var fx imageFixture
	isImage := strings.HasSuffix(f, ".json")
	if isImage {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fx); err != nil {
			t.Fatalf("fixture: %v", err)
		}
		data = []byte(fx.Manifests)
	}
	res := manifests.NewResult()
	manifests.DecodeBytes(data, f, manifests.Options{}, res)
	if len(res.Errors) > 0 || len(res.Ignored) > 0 || len(res.Warnings) > 0 {
		t.Fatalf("fixture does not load cleanly: errors=%v ignored=%v warnings=%v", res.Errors, res.Ignored, res.Warnings)
	}
	snap := NewSnapshot(res.Inventory, fixtureConfig())
	if !isImage {
		return snap, subjectKey(t, ch, data)
	}
	if fx.Facet.Images == nil {
		fx.Facet.Images = map[string]*imagefacts.Image{}
	}
	snap.SetImages(&fx.Facet)
	return snap, fx.Subject
}
