package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
)

// rawControls are bytes a terminal acts on: ESC, BEL, CSI (C1, as UTF-8) and a bidi override.
const rawControls = "\x1b\x07\u009b\u202e"

func assertNoRawControls(t *testing.T, what, out string) {
	t.Helper()
	if strings.ContainsAny(out, rawControls) {
		t.Errorf("%s holds raw control characters:\n%q", what, out)
	}
}

// A hostile manifest (object and container names with OSC/CSI sequences, an unknown field
// named with ESC) cannot reach the terminal through scan's warnings or its table.
func TestScanOutputHasNoRawControlCharacters(t *testing.T) {
	dir := t.TempDir()
	manifest := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"evil\\e]0;pwned\\a\"\n  namespace: \"ns\\u009b31m\"\n" +
		"spec:\n  \"bogus\\e[31m\": 1\n  containers:\n  - name: \"c\\e[2J\"\n    image: nginx\n"
	if err := os.WriteFile(filepath.Join(dir, "evil\x1b[5m.yaml"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"table", "csv"} {
		t.Run(format, func(t *testing.T) {
			r := palisade(t, nil, "scan", "-p", dir, "-o", format)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, `bogus\x1b[31m`) {
				t.Fatalf("no warning about the unknown field, or not escaped visibly:\n%q", r.stderr)
			}
			assertNoRawControls(t, "stderr", r.stderr)
			assertNoRawControls(t, "stdout", r.stdout)
			if format == "table" && !strings.Contains(r.stdout, `evil\x1b]0;pwned\x07`) {
				t.Errorf("the table does not show the name escaped:\n%s", r.stdout)
			}
		})
	}
}

// A target name stored with ESC (by an older version, before the API refused it) is shown
// escaped by `targets list`.
func TestTargetsListEscapesNames(t *testing.T) {
	vars := sqliteEnv(t)
	if r := palisade(t, vars, "migrate", "up"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db := openFromVars(t, vars)
	ctx := context.Background()
	ten := &posture.Tenant{Slug: "acme", Name: "Acme"}
	if err := db.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	tg := &posture.Target{TenantID: ten.ID, Name: "prod\x1b]0;pwned\x07\x1b[2J", Kind: posture.TargetManifests,
		Schedule: "15m", Enabled: true, Settings: map[string]string{"path": "/srv/x"}}
	if err := db.CreateTarget(ctx, tg); err != nil {
		t.Fatal(err)
	}
	r := palisade(t, vars, "targets", "list")
	if r.code != 0 || !strings.Contains(r.stdout, `prod\x1b]0;pwned\x07\x1b[2J`) {
		t.Fatalf("targets list: exit %d\n%q\n%s", r.code, r.stdout, r.stderr)
	}
	assertNoRawControls(t, "targets list", r.stdout+r.stderr)
}

// A custom check's text comes from the configuration and is printed escaped by checks list
// and checks show; a description's own newlines stay.
func TestChecksOutputEscapesCustomText(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "palisade.yaml")
	err := os.WriteFile(cfg, []byte(`checks:
  custom:
    - id: acme.team-label
      title: "Team label\e]0;pwned\a"
      description: "line one\nline two\e[2J"
      severity: high
      csa: ["3.1.2.1"]
      scope: workload
      expression: has(workload.metadata.labels)
      remediation: {text: "Add\e[8m a label.", example: "metadata: {labels: {team: shop}}\e[0m"}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"checks", "list"}, {"checks", "show", "acme.team-label"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := palisade(t, nil, append([]string{"-c", cfg}, args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, `Team label\x1b]0;pwned\x07`) {
				t.Fatalf("exit %d\n%q\n%s", r.code, r.stdout, r.stderr)
			}
			assertNoRawControls(t, "output", r.stdout+r.stderr)
			if args[1] == "show" && !strings.Contains(r.stdout, "line one\nline two\\x1b[2J") {
				t.Errorf("description not shown as multi-line escaped text:\n%s", r.stdout)
			}
		})
	}
}
