package scanner

import (
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/report"
	"github.com/palisade-dev/palisade/backend/scoring"
	"github.com/palisade-dev/palisade/collectors/manifests"
)

// recorder is a report stream that keeps what it is given.
type recorder struct {
	findings []report.Finding
	end      *report.End
}

func (r *recorder) Finding(f report.Finding) error { r.findings = append(r.findings, f); return nil }
func (r *recorder) Close(e report.End) error       { r.end = &e; return nil }

const wide = `apiVersion: v1
kind: Pod
metadata: {name: wide, namespace: shop}
spec:
  containers:
  - {name: a, image: x:latest, securityContext: {privileged: true}}
  - {name: b, image: x:latest, securityContext: {privileged: true}}
  - {name: c, image: x:latest, securityContext: {privileged: true}}
`

// At most the limit of findings are listed per object; the rest are counted (summary,
// --fail-on) and named in a warning. Findings arrive worst first, check by check.
func TestRunListsAtMostTheLimitPerObject(t *testing.T) {
	res := manifests.NewResult()
	manifests.DecodeBytes([]byte(wide), "wide.yaml", manifests.Options{}, res)
	rec := &recorder{}
	out, err := Run(Input{Inventory: res.Inventory, Manifests: res}, Options{Catalog: checks.Builtin(), Config: checks.DefaultConfig(),
		Score: scoring.Options{IgnoreAttestations: true}, MaxFindingsPerObject: 4}, rec)
	if err != nil {
		t.Fatal(err)
	}
	onPod := 0
	for _, f := range rec.findings {
		if f.Result.Asset.Key == "core/Pod/shop/wide" {
			onPod++
		}
	}
	if onPod != 4 || out.Summary.Unlisted == 0 || out.Summary.Findings != len(rec.findings)+out.Summary.Unlisted {
		t.Fatalf("listed %d on the pod, unlisted %d, total %d, streamed %d", onPod, out.Summary.Unlisted, out.Summary.Findings, len(rec.findings))
	}
	if !out.AnyFind || out.Worst != posture.SeverityCritical || rec.findings[0].Result.Severity != posture.SeverityCritical {
		t.Fatalf("worst %v, first %v", out.Worst, rec.findings[0].Result.Severity)
	}
	for i := 1; i < len(rec.findings); i++ {
		if rec.findings[i].Result.Severity > rec.findings[i-1].Result.Severity {
			t.Fatalf("finding %d is worse than the one before it", i)
		}
	}
	warned := false
	for _, w := range rec.end.Warnings {
		warned = warned || (w.Source == "core/Pod/shop/wide" && strings.Contains(w.Message, "not listed"))
	}
	if !warned {
		t.Fatalf("no warning names the object: %+v", rec.end.Warnings)
	}
}

func TestGCPercentFor(t *testing.T) {
	for live, want := range map[uint64]int{0: gcSmall, 95 << 20: gcSmall, 96 << 20: 100, 192 << 20: 200, 2 << 30: gcTuneMax} {
		if got := gcPercentFor(live); got != want {
			t.Errorf("gcPercentFor(%d MB) = %d, want %d", live>>20, got, want)
		}
	}
}
