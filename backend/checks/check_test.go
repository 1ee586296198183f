package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

func validCheck(id string) *Check {
	return &Check{
		ID: id, Title: "t", Description: "d", Severity: posture.SeverityLow, CSA: []string{"3.1.2.3"},
		Remediation: Remediation{Text: "x", Example: "y"}, Applies: posture.AssetWorkload,
		Eval: func(*Snapshot) []posture.Result { return nil },
	}
}

func TestBuiltinCatalog(t *testing.T) {
	cat := Builtin()
	if n := len(cat.Checks()); n < 45 {
		t.Fatalf("%d built-in checks, want at least 45", n)
	}
	for _, ch := range cat.Checks() {
		family, _, _ := strings.Cut(ch.ID, ".")
		if family != "k8s" && family != "image" && family != "registry" {
			t.Errorf("built-in check %s is not in the k8s, image or registry family", ch.ID)
		}
		if (family == "k8s") == (ch.Facet == FacetImages) {
			t.Errorf("check %s: image and registry checks, and only they, read the image facet", ch.ID)
		}
	}
}

func TestCatalogRejectsBadChecks(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Check)
		want   string
	}{
		{"no CSA", func(c *Check) { c.CSA = nil }, "no CSA IDs"},
		{"unknown CSA", func(c *Check) { c.CSA = []string{"3.1.99.1"} }, `unknown CSA ID "3.1.99.1"`},
		{"attest CSA", func(c *Check) { c.CSA = []string{"3.1.17.1"} }, "attest-only"},
		{"duplicate CSA", func(c *Check) { c.CSA = []string{"3.1.2.3", "3.1.2.3"} }, "listed twice"},
		{"no remediation", func(c *Check) { c.Remediation.Text = "" }, "no remediation text"},
		{"no example", func(c *Check) { c.Remediation.Example = " " }, "no remediation example"},
		{"bad ID", func(c *Check) { c.ID = "Privileged" }, "is not of the form"},
		{"no eval", func(c *Check) { c.Eval = nil }, "no Eval"},
		{"no kind", func(c *Check) { c.Applies = "" }, "no asset kind"},
		{"bad severity", func(c *Check) { c.Severity = 9 }, "invalid severity"},
		{"needs a typo", func(c *Check) { c.Needs = []string{"NetworkPolicies"} }, `needs unknown kind "NetworkPolicies"`},
		{"needs a resource, not a kind", func(c *Check) { c.Needs = []string{"networkpolicies"} }, `needs unknown kind "networkpolicies"`},
		{"needs twice", func(c *Check) { c.Needs = []string{"Node", "Node"} }, "needs Node twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validCheck("k8s.test-check")
			tc.mutate(c)
			if _, err := NewCatalog(c); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("duplicate", func(t *testing.T) {
		if _, err := NewCatalog(validCheck("k8s.a"), validCheck("k8s.a")); err == nil || !strings.Contains(err.Error(), "registered twice") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("MustNewCatalog panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		MustNewCatalog(validCheck("k8s.a"), validCheck("k8s.a"))
	})
}

// TestRecommendationCoverage: attest recommendations have no checks; the auto/partial ones
// without a Kubernetes check are listed, and must stay the ones we know need other
// collectors (registry, host) or objects the inventory does not hold.
func TestRecommendationCoverage(t *testing.T) {
	needOtherData := map[string]string{
		"3.1.1.1": "image signatures: registry collector",
		"3.1.2.2": "registry/daemon TLS: registry and host collectors",
		"3.1.6.1": "signatures: registry collector",
		"3.1.6.2": "vulnerability scans: registry collector",
		"3.1.6.3": "image contents: registry collector",
		"3.1.6.5": "rescan schedule: registry collector",
		"3.1.8.1": "signatures: registry collector",
		"3.1.8.2": "vulnerability scans: registry collector",
		"3.1.8.3": "image contents: registry collector",
		"3.1.8.5": "host hardening: host collector",
	}
	recs := Builtin().Recommendations()
	if len(recs) != len(csa.All()) {
		t.Fatalf("%d recommendations listed, want %d", len(recs), len(csa.All()))
	}
	var uncovered []string
	for _, r := range recs {
		if r.Mode == csa.ModeAttest && len(r.Checks) > 0 {
			t.Errorf("attest recommendation %s has checks %v", r.ID, r.Checks)
		}
		if r.Mode != csa.ModeAttest && len(r.Checks) == 0 {
			uncovered = append(uncovered, r.ID)
			if _, known := needOtherData[r.ID]; !known {
				t.Errorf("%s (%s) has no check and is not known to need other collectors", r.ID, r.Mode)
			}
		}
	}
	t.Logf("auto/partial recommendations without a Kubernetes check: %v", uncovered)
}

func TestEvaluateAttributesPodsToOneFinding(t *testing.T) {
	var b strings.Builder
	b.WriteString(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: d1}
spec:
  template:
    spec:
      containers: [{name: web, image: nginx, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-1
  namespace: shop
  uid: r1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]
`)
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Pod
metadata:
  name: web-1-%d
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: r1, controller: true}]
spec:
  containers: [{name: web, image: nginx, securityContext: {privileged: true}}]
`, i)
	}
	results := Evaluate(loadInv(t, b.String()), Config{})
	var fails []posture.Result
	for _, r := range results {
		if r.CheckID == "k8s.privileged-container" && r.Status == posture.Fail {
			fails = append(fails, r)
		}
	}
	if len(fails) != 1 || fails[0].Asset.Key != "apps/Deployment/shop/web" || fails[0].SubKey != "container:web" {
		t.Fatalf("privileged findings = %+v, want one on the Deployment", fails)
	}
	if fails[0].Severity != posture.SeverityCritical || fails[0].CSA[0] != "3.1.2.3" {
		t.Errorf("metadata not stamped: %+v", fails[0])
	}
}

// TestEvidenceNeverHoldsSecrets runs every check over every fixture and looks for the
// literal secret values the fixtures contain.
func TestEvidenceNeverHoldsSecrets(t *testing.T) {
	secrets := []string{"Sup3rS3cret!", "AKIAIOSFODNN7EXAMPLE", "hunter2"}
	files, _ := filepath.Glob("testdata/*/*.yaml")
	cat := Builtin()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cat.Evaluate(loadInv(t, string(data)), fixtureConfig()) {
			for _, s := range secrets {
				text := r.Message
				for k, v := range r.Evidence {
					text += k + v
				}
				if strings.Contains(text, s) {
					t.Errorf("%s: %s result leaks a secret: %q %v", f, r.CheckID, r.Message, r.Evidence)
				}
			}
		}
	}
	// and the redaction marker is there
	inv := loadInv(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, env: [{name: API_TOKEN, value: abcdef123456}]}]}\n")
	ch, _ := cat.Get("k8s.secret-literal-env")
	rs := RunCheck(ch, NewSnapshot(inv, Config{}))
	if len(rs) != 1 || rs[0].Status != posture.Fail || rs[0].Evidence["value"] != Redacted || rs[0].Evidence["env"] != "API_TOKEN" {
		t.Fatalf("results = %+v", rs)
	}
}

func TestParseImage(t *testing.T) {
	tests := []struct {
		ref  string
		want ImageRef
	}{
		{"nginx", ImageRef{Registry: "docker.io", Repository: "library/nginx"}},
		{"nginx:1.27", ImageRef{Registry: "docker.io", Repository: "library/nginx", Tag: "1.27"}},
		{"bitnami/redis:7", ImageRef{Registry: "docker.io", Repository: "bitnami/redis", Tag: "7"}},
		{"localhost:5000/app", ImageRef{Registry: "localhost:5000", Repository: "app"}},
		{"ghcr.io/acme/app:v1@sha256:abc", ImageRef{Registry: "ghcr.io", Repository: "acme/app", Tag: "v1", Digest: "sha256:abc"}},
		{"REGISTRY.example.com/a/b@sha256:abc", ImageRef{Registry: "registry.example.com", Repository: "a/b", Digest: "sha256:abc"}},
	}
	for _, tc := range tests {
		if got := ParseImage(tc.ref); got != tc.want {
			t.Errorf("ParseImage(%q) = %+v, want %+v", tc.ref, got, tc.want)
		}
	}
	allowed := []string{"registry.example.com", "ghcr.io/acme", "index.docker.io/library"}
	for ref, want := range map[string]bool{
		"registry.example.com/x:1": true, "ghcr.io/acme/app:1": true, "ghcr.io/acmecorp/app:1": false,
		"registry.example.com.evil.io/x:1": false, "nginx:1.27": true, "bitnami/redis:7": false,
	} {
		if got := imageAllowed(ParseImage(ref), allowed); got != want {
			t.Errorf("imageAllowed(%s) = %v, want %v", ref, got, want)
		}
	}
}

// TestConfigChangesVerdicts proves checks read the passed-in config, not globals.
func TestConfigChangesVerdicts(t *testing.T) {
	stale, err := os.ReadFile("testdata/k8s.backup-rpo/fail-stale.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := os.ReadFile("testdata/k8s.namespace-labels/pass-all.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, check, yaml, key string
		cfg                    func(*Config)
		want                   posture.ResultStatus
	}{
		{"RPO of 30 days accepts a 12-day-old backup", "k8s.backup-rpo", string(stale), "core/Namespace/shop", func(c *Config) { c.BackupRPO = 30 * 24 * time.Hour }, posture.Pass},
		{"now moved back before the backup", "k8s.backup-rpo", string(stale), "core/Namespace/shop", func(c *Config) {
			c.Now = func() time.Time { return time.Date(2026, 5, 20, 13, 0, 0, 0, time.UTC) }
		}, posture.Pass},
		{"other owner label key", "k8s.namespace-labels", string(ns), "core/Namespace/shop", func(c *Config) { c.OwnerLabel = "example.com/owner" }, posture.Fail},
		{"namespace labels unknown without a Namespace object", "k8s.namespace-labels", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n", "core/Namespace/shop", func(c *Config) {}, posture.NotApplicable},
		{"system namespaces are exempt from hygiene checks", "k8s.namespace-resource-quota", "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n", "core/Namespace/kube-system", func(c *Config) {}, posture.NotApplicable},
		{"cluster-wide agent checks need Nodes", "k8s.logging-agent", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: app}\nspec: {template: {spec: {containers: [{name: c, image: x}]}}}\n", "cluster", func(c *Config) {}, posture.NotApplicable},
		{"empty allowlist is not applicable", "k8s.image-registry-allowlist", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n", "core/Pod/default/p", func(c *Config) { c.AllowedRegistries = nil }, posture.NotApplicable},
	}
	cat := Builtin()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig()
			tc.cfg(&cfg)
			ch, _ := cat.Get(tc.check)
			got := statusByKey(RunCheck(ch, NewSnapshot(loadInv(t, tc.yaml), cfg)))
			if got[tc.key] != tc.want {
				t.Errorf("%s = %q, want %q", tc.key, got[tc.key], tc.want)
			}
		})
	}
}

func TestRunCheckRecoversFromPanics(t *testing.T) {
	c := validCheck("k8s.broken")
	c.Eval = func(*Snapshot) []posture.Result { panic("boom") }
	rs := RunCheck(c, NewSnapshot(nil, Config{}))
	if len(rs) != 1 || rs[0].Status != posture.NotApplicable || !strings.Contains(rs[0].Message, "boom") {
		t.Fatalf("results = %+v", rs)
	}
}

// TestGoodAppHasNoFindings: a well-built application passes every built-in check, so a
// perfect score is reachable (ARCHITECTURE.md: palisade's own deploy/ scores 100).
func TestGoodAppHasNoFindings(t *testing.T) {
	data, err := os.ReadFile("testdata/good-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	passes := 0
	for _, r := range Evaluate(loadInv(t, string(data)), fixtureConfig()) {
		switch r.Status {
		case posture.Fail:
			t.Errorf("%s on %s %s: %s %v", r.CheckID, r.Asset.Key, r.SubKey, r.Message, r.Evidence)
		case posture.Pass:
			passes++
		}
	}
	if passes < 40 {
		t.Errorf("only %d passing results: checks are not applying", passes)
	}
}
