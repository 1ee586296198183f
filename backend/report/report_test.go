package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/scoring"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureChecks is the check metadata the fixture's findings refer to ("custom-unknown" is
// deliberately missing, as a check removed from the catalog would be).
var fixtureChecks = map[string]CheckInfo{
	"privileged": {ID: "privileged", Title: "Privileged container", Severity: posture.SeverityCritical,
		Description: "A privileged container has every capability and full access to the host's devices.",
		CSA:         []string{"3.1.2.3"}, Remediation: "Set securityContext.privileged: false.", HelpURI: "https://example.test/checks/privileged"},
	"run-as-root": {ID: "run-as-root", Title: "Container may run as root", Severity: posture.SeverityHigh,
		CSA: []string{"3.1.2.3"}, Remediation: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser."},
	"cluster-admin-binding": {ID: "cluster-admin-binding", Title: "cluster-admin bound to a non-system subject", Severity: posture.SeverityHigh,
		CSA: []string{"3.1.8.7"}, Remediation: "Bind a narrower ClusterRole."},
	"latest-tag": {ID: "latest-tag", Title: "Image uses the latest tag", Severity: posture.SeverityMedium,
		CSA: []string{"3.1.3.1"}, Remediation: "=Pin the image by digest (image@sha256:...)."},
}

func lookupFixture(id string) (CheckInfo, bool) {
	c, ok := fixtureChecks[id]
	return c, ok
}

func asset(key, name, ns string) posture.Asset {
	return posture.Asset{Kind: posture.AssetWorkload, Key: key, Name: name, Namespace: ns}
}

// fixtureScan is a small but complete scan: every severity but info, a cluster-scoped resource,
// a Namespace, an unknown check, hostile strings, a stdin finding and two collection errors.
func fixtureScan() Scan {
	web := asset("apps/Deployment/shop/web", "web", "shop")
	db := asset("apps/StatefulSet/shop/db", "db", "shop")
	crb := posture.Asset{Kind: posture.AssetRBAC, Key: "rbac.authorization.k8s.io/ClusterRoleBinding//ops-admin", Name: "ops-admin"}
	evil := asset("apps/Deployment/billing/=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0", "billing")
	ns := posture.Asset{Kind: posture.AssetNamespace, Key: "v1/Namespace//billing", Name: "billing"}
	r := func(check string, sev posture.Severity, st posture.ResultStatus, a posture.Asset, sub, msg string, ids ...string) posture.Result {
		return posture.Result{CheckID: check, Severity: sev, CSA: ids, Asset: &a, SubKey: sub, Status: st, Message: msg}
	}
	results := []posture.Result{
		r("run-as-root", posture.SeverityHigh, posture.Fail, db, "container:postgres", "container postgres runs as UID 0", "3.1.2.3"),
		r("privileged", posture.SeverityCritical, posture.Fail, web, "container:app", "container app is privileged", "3.1.2.3"),
		r("run-as-root", posture.SeverityHigh, posture.Fail, web, "container:app", "container app does not set runAsNonRoot", "3.1.2.3"),
		r("cluster-admin-binding", posture.SeverityHigh, posture.Fail, crb, "", "User alice@example.com is bound to cluster-admin", "3.1.8.7"),
		r("latest-tag", posture.SeverityMedium, posture.Fail, evil, "container:-x", "+image uses tag latest\x1b[31m RED\nsecond line", "3.1.3.1"),
		r("custom-unknown", posture.SeverityLow, posture.Fail, ns, "", "@namespace has no ResourceQuota", "3.1.12.2"),
		// Passes and not-applicable results only feed the score.
		r("allow-privilege-escalation", posture.SeverityHigh, posture.Pass, web, "container:app", "", "3.1.2.3"),
		r("allow-privilege-escalation", posture.SeverityHigh, posture.Pass, db, "container:postgres", "", "3.1.2.3"),
		r("allow-privilege-escalation", posture.SeverityHigh, posture.Pass, evil, "container:-x", "", "3.1.2.3"),
		r("caps-drop-all", posture.SeverityMedium, posture.Pass, web, "container:app", "", "3.1.2.5"),
		r("rbac-wildcards", posture.SeverityHigh, posture.Pass, crb, "", "", "3.1.8.7"),
		r("image-digest", posture.SeverityMedium, posture.Pass, evil, "container:-x", "", "3.1.3.1"),
		r("limit-range", posture.SeverityLow, posture.Pass, ns, "", "", "3.1.12.2"),
		r("host-path", posture.SeverityCritical, posture.NotApplicable, web, "", "", "3.1.2.4"),
	}
	// Numbers (docs/scoring.md; default weights; attestations ignored, as for a manifest scan):
	//   compliance per recommendation, subjects passing: 3.1.2.3 evil of web, db, evil -> 33.33;
	//   3.1.2.5 web -> 100; 3.1.2.4 not applicable only -> no evidence; 3.1.8.7 (crb fails one of
	//   two checks), 3.1.3.1 (evil) and 3.1.12.2 (billing) -> 0
	//   areas: 3.1.2 = (33.33 + 100) / 2 = 66.67; 3.1.3, 3.1.8, 3.1.12 = 0
	//   overall = (33.33 + 100 + 0 + 0 + 0) / 5 = 26.67 over 5 recommendations
	//   risk = 10 + 7 + 7 (web, db) + 7 (crb) + 4 (evil) + 1 (billing) = 36
	card := scoring.Compute(results, scoring.Options{IgnoreAttestations: true})
	findings := FindingsFrom(results)
	files := map[string]struct {
		file string
		line int
	}{
		"web": {"deploy/web.yaml", 12}, "db": {"./deploy/db.yaml", 1}, "ops-admin": {"deploy/rbac.yaml", 30},
		"=cmd|' /C calc'!A0": {"deploy/billing app.yaml", 5}, "billing": {"-", 0},
	}
	for i := range findings {
		loc := files[findings[i].Result.Asset.Name]
		findings[i].SourceFile, findings[i].Line = loc.file, loc.line
	}
	return Scan{
		Score:    card,
		Findings: findings,
		Errors: []posture.CollectionError{
			{Source: "deploy/huge.yaml", Message: "document exceeds the 10 MiB limit"},
			{Source: "deploy/broken.yaml", Message: "yaml: line 3: mapping values are not allowed in this context"},
		},
		Checks:      lookupFixture,
		ToolVersion: "1.2.3",
	}
}

// emptyScan has nothing: no findings, no evidence, no errors.
func emptyScan() Scan {
	return Scan{Score: scoring.Compute(nil, scoring.Options{IgnoreAttestations: true})}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./backend/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff)\ngot:\n%s", p, got)
	}
}

func TestGolden(t *testing.T) {
	scans := map[string]func() Scan{"scan": fixtureScan, "empty": emptyScan}
	exts := map[Format]string{FormatTable: "txt", FormatJSON: "json", FormatSARIF: "sarif", FormatCSV: "csv"}
	for name, mk := range scans {
		for _, f := range Formats() {
			t.Run(name+"."+exts[f], func(t *testing.T) {
				var b bytes.Buffer
				if err := Write(&b, f, mk()); err != nil {
					t.Fatal(err)
				}
				golden(t, name+"."+exts[f], b.Bytes())
				// Output must not depend on the order findings and errors arrive in.
				s := mk()
				reverse(s.Findings)
				reverse(s.Errors)
				var b2 bytes.Buffer
				if err := Write(&b2, f, s); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), b2.Bytes()) {
					t.Errorf("output depends on input order")
				}
			})
		}
	}
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, v any, where string) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", where, v)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sortedCopy(s ...string) []string {
	sort.Strings(s)
	return s
}

// TestJSONKeys pins the JSON contract of issue 3: the required keys exist under exactly these
// names with these types; extra keys are listed so that adding one is a deliberate change.
func TestJSONKeys(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, fixtureScan()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := keys(t, doc, "top level"), sortedCopy("score", "findings", "errors", "warnings", "summary"); !reflect.DeepEqual(got, want) {
		t.Errorf("top-level keys = %v, want %v", got, want)
	}
	summary := doc["summary"].(map[string]any)
	if got, want := keys(t, summary, "summary"), sortedCopy("findings", "by_severity", "errors", "warnings", "unlisted"); !reflect.DeepEqual(got, want) {
		t.Errorf("summary keys = %v, want %v", got, want)
	}
	score := doc["score"].(map[string]any)
	if got, want := keys(t, score, "score"), sortedCopy("overall", "areas", // required
		"overall_without_exceptions", "areas_averaged", "evaluated", "passed", "failed", "not_applicable", "excepted", "needs_attestation",
		"compliance", "recommendations", "left_out", "risk", "risk_without_exceptions", "open_by_severity", "model"); !reflect.DeepEqual(got, want) {
		t.Errorf("score keys = %v, want %v", got, want)
	}
	if v, ok := score["overall"].(float64); !ok || v != 26.67 || score["compliance"] != v {
		t.Errorf("score.overall = %#v, compliance %#v, want 26.67 both", score["overall"], score["compliance"])
	}
	if v, ok := score["risk"].(float64); !ok || v != 36 || score["recommendations"] != 5.0 {
		t.Errorf("score.risk = %#v over %#v recommendations, want 36 over 5", score["risk"], score["recommendations"])
	}
	if lo := score["left_out"].(map[string]any); lo["attest_only_recommendations"] != 10.0 || lo["partial_recommendations_attested_half"] != 20.0 {
		t.Errorf("score.left_out = %v, want 10 attest-only and 20 partial", lo)
	}
	areas := score["areas"].(map[string]any)
	if got, want := keys(t, areas, "areas"), sortedCopy("3.1.2", "3.1.3", "3.1.8", "3.1.12"); !reflect.DeepEqual(got, want) {
		t.Errorf("areas = %v, want %v", got, want)
	}
	if v, ok := areas["3.1.2"].(float64); !ok || v != 66.67 {
		t.Errorf(`areas["3.1.2"] = %#v, want 66.67`, areas["3.1.2"])
	}

	findings := doc["findings"].([]any)
	if len(findings) != 6 {
		t.Fatalf("findings = %d, want 6", len(findings))
	}
	required := []string{"check_id", "severity", "csa", "resource", "message", "remediation"}
	for i, f := range findings {
		fm := f.(map[string]any)
		got := keys(t, fm, "finding")
		for _, k := range required {
			if _, ok := fm[k]; !ok {
				t.Errorf("finding %d lacks %q (has %v)", i, k, got)
			}
		}
		for _, k := range got {
			switch k {
			case "check_id", "severity", "csa", "resource", "container", "message", "remediation", // contract
				"title", "source_file", "line": // extras
			default:
				t.Errorf("finding %d has unexpected key %q", i, k)
			}
		}
		if got, want := keys(t, fm["resource"], "resource"), sortedCopy("kind", "namespace", "name"); !reflect.DeepEqual(got, want) {
			t.Errorf("finding %d resource keys = %v, want %v", i, got, want)
		}
		if _, ok := fm["csa"].([]any); !ok {
			t.Errorf("finding %d csa = %#v, want a list", i, fm["csa"])
		}
		if c, ok := fm["container"]; ok && (c == "" || c == nil) {
			t.Errorf("finding %d has an empty container key; it should be omitted", i)
		}
	}
	first := findings[0].(map[string]any)
	wantFirst := map[string]any{
		"check_id": "privileged", "severity": "critical", "csa": []any{"3.1.2.3"},
		"resource":  map[string]any{"kind": "Deployment", "namespace": "shop", "name": "web"},
		"container": "app", "message": "container app is privileged", "remediation": "Set securityContext.privileged: false.",
	}
	for k, v := range wantFirst {
		if !reflect.DeepEqual(first[k], v) {
			t.Errorf("first finding %s = %#v, want %#v", k, first[k], v)
		}
	}
	// The cluster-scoped binding has no container key and an empty namespace.
	for _, f := range findings {
		fm := f.(map[string]any)
		if fm["check_id"] == "cluster-admin-binding" {
			if _, ok := fm["container"]; ok {
				t.Errorf("cluster-admin-binding has a container key")
			}
			if ns := fm["resource"].(map[string]any)["namespace"]; ns != "" {
				t.Errorf("cluster-scoped namespace = %#v", ns)
			}
		}
	}

	errs := doc["errors"].([]any)
	if len(errs) != 2 {
		t.Fatalf("errors = %d, want 2", len(errs))
	}
	for _, e := range errs {
		if got, want := keys(t, e, "error"), sortedCopy("source", "message"); !reflect.DeepEqual(got, want) {
			t.Errorf("error keys = %v, want %v", got, want)
		}
	}
}

func TestJSONEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, emptyScan()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Score struct {
			Overall *float64           `json:"overall"`
			Areas   map[string]float64 `json:"areas"`
		} `json:"score"`
		Findings json.RawMessage `json:"findings"`
		Errors   json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// Nothing evaluated: overall is null (never 100), lists are [] (never null).
	if doc.Score.Overall != nil || doc.Score.Areas == nil || len(doc.Score.Areas) != 0 {
		t.Errorf("score = %+v", doc.Score)
	}
	if string(doc.Findings) != "[]" || string(doc.Errors) != "[]" {
		t.Errorf("findings = %s, errors = %s", doc.Findings, doc.Errors)
	}
	if !strings.Contains(b.String(), `"overall": null`) {
		t.Errorf("overall not null:\n%s", b.String())
	}
}

// TestSARIFShape checks the parts of SARIF 2.1.0 that viewers rely on, beyond the golden file.
func TestSARIFShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, fixtureScan()); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, InformationURI, Version string
					Rules                         []struct {
						ID               string
						Name             string
						ShortDescription struct{ Text string }
						FullDescription  struct{ Text string }
						Properties       map[string]any
					}
				}
			}
			Invocations []struct {
				ExecutionSuccessful        *bool
				ToolExecutionNotifications []struct{ Level string }
			}
			Results []struct {
				RuleID    string
				RuleIndex *int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
					LogicalLocations []struct{ FullyQualifiedName, Kind string }
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-schema-2.1.0.json") || len(log.Runs) != 1 {
		t.Fatalf("version %q schema %q runs %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "palisade" || d.InformationURI == "" || d.Version != "1.2.3" {
		t.Errorf("driver = %+v", d)
	}
	var ruleIDs []string
	for _, r := range d.Rules {
		ruleIDs = append(ruleIDs, r.ID)
		if r.Name == "" || r.ShortDescription.Text == "" || r.FullDescription.Text == "" {
			t.Errorf("rule %s lacks name or descriptions", r.ID)
		}
		if _, ok := r.Properties["security-severity"].(string); !ok {
			t.Errorf("rule %s security-severity = %#v, want a string", r.ID, r.Properties["security-severity"])
		}
	}
	if !sort.StringsAreSorted(ruleIDs) || len(ruleIDs) != 5 {
		t.Errorf("rules = %v, want 5 sorted", ruleIDs)
	}
	if inv := run.Invocations; len(inv) != 1 || inv[0].ExecutionSuccessful == nil || *inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 2 {
		t.Errorf("invocations = %+v, want one unsuccessful with 2 notifications", inv)
	}
	if len(run.Results) != 6 {
		t.Fatalf("results = %d", len(run.Results))
	}
	levels := map[string]bool{"error": true, "warning": true, "note": true}
	for i, r := range run.Results {
		if r.RuleIndex == nil || d.Rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex does not point at %s", i, r.RuleID)
		}
		if !levels[r.Level] || r.Message.Text == "" || len(r.Locations) != 1 || len(r.Locations[0].LogicalLocations) != 1 {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	first := run.Results[0]
	if first.RuleID != "privileged" || first.Level != "error" {
		t.Errorf("first result = %s %s", first.RuleID, first.Level)
	}
	pl := first.Locations[0].PhysicalLocation
	if pl == nil || pl.ArtifactLocation.URI != "deploy/web.yaml" || pl.Region == nil || pl.Region.StartLine != 12 {
		t.Errorf("first physical location = %+v", pl)
	}
	if ll := first.Locations[0].LogicalLocations[0]; ll.FullyQualifiedName != "Deployment/shop/web" || ll.Kind != "resource" {
		t.Errorf("first logical location = %+v", ll)
	}
	// The stdin finding (custom-unknown) has only a logical location.
	last := run.Results[5]
	if last.RuleID != "custom-unknown" || last.Level != "note" || last.Locations[0].PhysicalLocation != nil ||
		last.Locations[0].LogicalLocations[0].FullyQualifiedName != "Namespace/billing" {
		t.Errorf("last result = %+v", last)
	}
}

func TestCSVInjection(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, fixtureScan()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 || !reflect.DeepEqual(rows[0], csvHeader) {
		t.Fatalf("rows = %d, header = %v", len(rows), rows[0])
	}
	for i, row := range rows {
		if len(row) != len(csvHeader) {
			t.Errorf("row %d has %d cells", i, len(row))
		}
		for j, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("row %d cell %d starts with a formula character: %q", i, j, cell)
			}
		}
	}
	tests := map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1", "\r=1": "'\r=1",
		"": "", "a=1": "a=1", "3.1.2.3": "3.1.2.3", "a\x1b[2Jb\u202e": "a?[2Jb?", "a\nb": "a\nb",
	}
	for in, want := range tests {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableSanitizes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, fixtureScan()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\t\r\u009b\u202e") {
		t.Errorf("table holds control characters:\n%q", out)
	}
	tests := []struct{ in, want string }{
		{"a\x1b[31mb\u202ec\nd", `a\x1b[31mb\u202ec d`},
		{"evil\x1b]0;pwned\x07", `evil\x1b]0;pwned\x07`},
		{"tab\tand\r\n", "tab and  "},
		{"c1\u009bx", `c1\u009bx`},
		{"ok ✓", "ok ✓"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFailOn(t *testing.T) {
	fs := []Finding{{Result: posture.Result{Severity: posture.SeverityMedium}}, {Result: posture.Result{Severity: posture.SeverityLow}}}
	tests := []struct {
		threshold posture.Severity
		findings  []Finding
		want      bool
	}{
		{posture.SeverityCritical, fs, false},
		{posture.SeverityHigh, fs, false},
		{posture.SeverityMedium, fs, true}, // at the threshold fails
		{posture.SeverityLow, fs, true},
		{posture.SeverityInfo, fs, true},
		{posture.SeverityLow, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.threshold.String(), func(t *testing.T) {
			if got := FailOn(tt.findings, tt.threshold); got != tt.want {
				t.Errorf("FailOn(%s) = %v, want %v", tt.threshold, got, tt.want)
			}
		})
	}
}

func TestFindingsFrom(t *testing.T) {
	in := []posture.Result{
		{CheckID: "a", Status: posture.Pass},
		{CheckID: "b", Status: posture.Fail, SubKey: "container:app"},
		{CheckID: "e", Status: posture.Fail, SubKey: "initContainer:setup"},
		{CheckID: "f", Status: posture.Fail, SubKey: "rule:0"},
		{CheckID: "c", Status: posture.NotApplicable},
		{CheckID: "d", Status: "error"}, // unknown status: a finding (fail closed)
	}
	got := FindingsFrom(in)
	if len(got) != 4 || got[0].Result.CheckID != "b" || got[0].Container != "app" || got[1].Container != "setup (init)" ||
		got[2].Container != "" || got[3].Result.CheckID != "d" {
		t.Errorf("FindingsFrom = %+v", got)
	}
}

func TestResourceOf(t *testing.T) {
	tests := []struct {
		asset posture.Asset
		want  Resource
	}{
		{posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/web", Name: "web", Namespace: "shop"}, Resource{"Deployment", "shop", "web"}},
		{posture.Asset{Kind: posture.AssetWorkload, Key: "/Pod/shop/p", Name: "p", Namespace: "shop"}, Resource{"Pod", "shop", "p"}},
		{posture.Asset{Kind: posture.AssetRBAC, Key: "rbac.authorization.k8s.io/ClusterRole//admin", Name: "admin"}, Resource{"ClusterRole", "", "admin"}},
		{posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/ns/a/b", Name: "a/b", Namespace: "ns"}, Resource{"Deployment", "ns", "a/b"}},
		{posture.Asset{Kind: posture.AssetImage, Key: "registry.example/app@sha256:abc", Name: "app"}, Resource{"image", "", "app"}},
	}
	for _, tt := range tests {
		if got := ResourceOf(tt.asset); got != tt.want {
			t.Errorf("ResourceOf(%s) = %+v, want %+v", tt.asset.Key, got, tt.want)
		}
	}
	// An explicit resource wins.
	a0 := tt0()
	f := Finding{Result: posture.Result{Asset: &a0}, Resource: Resource{Kind: "CronJob", Namespace: "x", Name: "y"}}
	if f.resource().Kind != "CronJob" {
		t.Errorf("explicit resource ignored")
	}
}

func tt0() posture.Asset {
	return posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/a/b"}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatTable, "table": FormatTable, "JSON": FormatJSON, "sarif": FormatSARIF, "csv": FormatCSV} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("xml"); posture.ErrorCode(err) != posture.EINVALID {
		t.Errorf("ParseFormat(xml) error = %v, want invalid", err)
	}
}

func TestFileURI(t *testing.T) {
	for in, want := range map[string]string{
		"deploy/web.yaml":         "deploy/web.yaml",
		"./deploy/db.yaml":        "deploy/db.yaml",
		"deploy/billing app.yaml": "deploy/billing%20app.yaml",
		"/abs/app.yaml":           "file:///abs/app.yaml",
		"a:b/c.yaml":              "./a:b/c.yaml", // a colon in the first segment must not read as a scheme
	} {
		if got := fileURI(in); got != want {
			t.Errorf("fileURI(%q) = %q, want %q", in, got, want)
		}
	}
}
