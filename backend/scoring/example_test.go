package scoring

import (
	"testing"

	"github.com/palisade-dev/palisade/backend/csa"
	"github.com/palisade-dev/palisade/backend/posture"
)

// The worked example of docs/scoring.md, number by number. If this test changes, the
// document changes with it.

var exampleCatalog = []csa.Recommendation{
	{ID: "3.1.2.3", Mode: csa.ModeAuto},
	{ID: "3.1.3.1", Mode: csa.ModeAuto},
	{ID: "3.1.7.3", Mode: csa.ModeAttest},
}

type exampleWorkload struct {
	asset    *posture.Asset
	exposure posture.Exposure
}

func exampleWorkloads() (web, worker, tool exampleWorkload) {
	wl := func(ns, name string, e posture.Exposure) exampleWorkload {
		return exampleWorkload{&posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/" + ns + "/" + name, Name: name, Namespace: ns}, e}
	}
	return wl("shop", "web", posture.ExposureInternet|posture.ExposureProduction),
		wl("shop", "worker", posture.ExposureProduction),
		wl("dev", "tool", posture.ExposurePrivileged)
}

func exampleResults(ws ...exampleWorkload) []posture.Result {
	verdict := map[string]map[string]posture.ResultStatus{
		"web":    {"k8s.privileged-container": posture.Pass, "k8s.run-as-non-root": posture.Pass, "k8s.image-tag-mutable": posture.Fail},
		"worker": {"k8s.privileged-container": posture.Pass, "k8s.run-as-non-root": posture.Fail, "k8s.image-tag-mutable": posture.Pass},
		"tool":   {"k8s.privileged-container": posture.Fail, "k8s.run-as-non-root": posture.Fail, "k8s.image-tag-mutable": posture.Pass},
		"cron":   {"k8s.privileged-container": posture.Fail, "k8s.run-as-non-root": posture.Pass, "k8s.image-tag-mutable": posture.Pass},
	}
	checks := []struct {
		id  string
		sev posture.Severity
		csa string
	}{{"k8s.privileged-container", crit, "3.1.2.3"}, {"k8s.run-as-non-root", high, "3.1.2.3"}, {"k8s.image-tag-mutable", med, "3.1.3.1"}}
	var out []posture.Result
	for _, w := range ws {
		for _, c := range checks {
			out = append(out, posture.Result{CheckID: c.id, Severity: c.sev, CSA: []string{c.csa}, Asset: w.asset,
				Status: verdict[w.asset.Name][c.id]})
		}
	}
	return out
}

func exampleOptions(ws ...exampleWorkload) Options {
	exposure := map[*posture.Asset]posture.Exposure{}
	for _, w := range ws {
		exposure[w.asset] = w.exposure
	}
	return Options{Recommendations: exampleCatalog, Now: now, MaxContributors: -1,
		Exposure: func(a *posture.Asset) posture.Exposure { return exposure[a] }}
}

func TestWorkedExample(t *testing.T) {
	web, worker, tool := exampleWorkloads()
	ws := []exampleWorkload{web, worker, tool}
	card := Compute(exampleResults(ws...), exampleOptions(ws...))

	rec := func(id string) posture.ScoreSnapshot { s, _ := card.Recommendation(id); return s }
	expectValue(t, "3.1.2.3", rec("3.1.2.3").Compliance, 100.0/3)
	expectValue(t, "3.1.3.1", rec("3.1.3.1").Compliance, 200.0/3)
	expectValue(t, "3.1.7.3", rec("3.1.7.3").Compliance, 0)
	expectValue(t, "target compliance", card.Overall.Compliance, 100.0/3)
	if card.Overall.Recommendations != 3 || card.Overall.NeedsAttestation != 1 {
		t.Errorf("averaged %d recommendations, %d need attestation; want 3 and 1", card.Overall.Recommendations, card.Overall.NeedsAttestation)
	}
	shop, _ := card.Namespace("shop")
	expectValue(t, "namespace shop compliance", shop.Compliance, 50)

	expectNear(t, "target risk", card.Overall.Risk, 48)
	if got := card.Overall.OpenBySeverity; got[crit] != 1 || got[high] != 2 || got[med] != 1 || got.Total() != 4 {
		t.Errorf("open by severity = %v, want 1 critical, 2 high, 1 medium", got)
	}
	dev, _ := card.Namespace("dev")
	expectNear(t, "namespace shop risk", shop.Risk, 22.5)
	expectNear(t, "namespace dev risk", dev.Risk, 25.5)
	if c := card.Overall.Contributors[0]; c.CheckID != "k8s.run-as-non-root" || !near(c.Risk, 21) || c.Failed != 2 {
		t.Errorf("top contributor = %+v, want run-as-non-root with 21 points from 2 findings", c)
	}

	// One attestation: one recommendation's share (100/3 with this catalog).
	opts := exampleOptions(ws...)
	opts.Attestations = []Attestation{{CSAID: "3.1.7.3", ValidUntil: now.AddDate(1, 0, 0)}}
	attested := Compute(exampleResults(ws...), opts)
	expectValue(t, "attested compliance", attested.Overall.Compliance, 200.0/3)
	expectNear(t, "risk does not see attestations", attested.Overall.Risk, 48)

	// An approved exception for web's mutable tag.
	opts = exampleOptions(ws...)
	opts.Excepted = func(r posture.Result) bool { return r.Asset == web.asset && r.CheckID == "k8s.image-tag-mutable" }
	excepted := Compute(exampleResults(ws...), opts)
	expectNear(t, "risk with exceptions", excepted.Overall.Risk, 36)
	expectNear(t, "risk without exceptions", excepted.Overall.RiskWithoutExceptions, 48)
	expectValue(t, "compliance with exceptions", excepted.Overall.Compliance, (100.0/3+100+0)/3)
	expectValue(t, "compliance without exceptions", excepted.Overall.ComplianceWithoutExceptions, 100.0/3)

	// A new privileged production workload.
	cron := exampleWorkload{&posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/cron", Name: "cron", Namespace: "shop"},
		posture.ExposurePrivileged | posture.ExposureProduction}
	ws = append(ws, cron)
	worse := Compute(exampleResults(ws...), exampleOptions(ws...))
	expectNear(t, "risk after cron", worse.Overall.Risk, 70.5)
	r, _ := worse.Recommendation("3.1.2.3")
	expectValue(t, "3.1.2.3 after cron", r.Compliance, 25)
}

func expectValue(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no value, want %.4f", what, want)
		return
	}
	expectNear(t, what, *got, want)
}

func expectNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %.6f, want %.6f", what, got, want)
	}
}
