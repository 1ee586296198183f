package alerting

import (
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

func TestDriftBaselineRunRaisesNothing(t *testing.T) {
	ch := []FindingChange{{FindingID: 1, Kind: KindNewFinding, Severity: posture.SeverityHigh, CheckID: "k8s.privileged-container"}}
	if ev := Drift(1, 2, 3, 0, time.Now(), ch, &ScoreDrop{Severity: posture.SeverityHigh}); len(ev) != 0 {
		t.Fatalf("first run of a target raised %d events", len(ev))
	}
}

func TestDriftEventsAndScoreDrop(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ch := []FindingChange{
		{FindingID: 10, Kind: KindNewFinding, Severity: posture.SeverityCritical, CheckID: "k8s.privileged-container", AssetKey: "apps/Deployment/shop/web", Message: "privileged"},
		{FindingID: 11, Kind: KindRegression, Severity: posture.SeverityHigh, CheckID: "k8s.host-pid", AssetKey: "core/Pod/shop/debug"},
		{FindingID: 12, Kind: KindResolved, Severity: posture.SeverityHigh, CheckID: "k8s.image-digest", AssetKey: "apps/Deployment/shop/api"},
	}
	ev := Drift(1, 2, 9, 8, at, ch, &ScoreDrop{Severity: posture.SeverityHigh, Summary: "risk rose 30.0 points (10.0 → 40.0)",
		Details: map[string]string{"risk_to": "40.0"}})
	if len(ev) != 4 {
		t.Fatalf("%d events", len(ev))
	}
	if ev[0].Severity != posture.SeverityCritical || !strings.Contains(ev[0].Summary, "now fails on apps/Deployment/shop/web") {
		t.Errorf("new finding: %+v", ev[0])
	}
	if ev[2].Severity != posture.SeverityInfo {
		t.Errorf("a resolved finding is news, not an alarm: %v", ev[2].Severity)
	}
	drop := ev[3]
	if drop.Kind != KindScoreDrop || drop.Severity != posture.SeverityHigh || drop.Details["risk_to"] != "40.0" || drop.PrevRunID != 8 {
		t.Errorf("score drop: %+v", drop)
	}
	if ev[0].DedupKey() == ev[1].DedupKey() || drop.DedupKey() != "score_drop:9:target:2" {
		t.Errorf("dedup keys: %q %q %q", ev[0].DedupKey(), ev[1].DedupKey(), drop.DedupKey())
	}
	if len(Drift(1, 2, 9, 8, at, nil, nil)) != 0 {
		t.Error("no changes and no regression raised an event")
	}
}

func TestRuleMatches(t *testing.T) {
	e := Event{Kind: KindNewFinding, Severity: posture.SeverityHigh, TenantID: 1, TargetID: 7, CheckID: "k8s.privileged-container", CSA: []string{"3.1.2.4"}}
	cases := []struct {
		name string
		rule Rule
		want bool
	}{
		{"everything", Rule{TenantID: 1, Enabled: true}, true},
		{"disabled", Rule{TenantID: 1}, false},
		{"other tenant", Rule{TenantID: 2, Enabled: true}, false},
		{"severity at", Rule{TenantID: 1, Enabled: true, MinSeverity: posture.SeverityHigh}, true},
		{"severity above", Rule{TenantID: 1, Enabled: true, MinSeverity: posture.SeverityCritical}, false},
		{"kind", Rule{TenantID: 1, Enabled: true, Kinds: []string{KindRegression}}, false},
		{"check", Rule{TenantID: 1, Enabled: true, Checks: []string{"k8s.privileged-container"}}, true},
		{"area prefix", Rule{TenantID: 1, Enabled: true, Areas: []string{"3.1.2"}}, true},
		{"area is not a string prefix", Rule{TenantID: 1, Enabled: true, Areas: []string{"3.1.2.4.1", "3.1.20"}}, false},
		{"target", Rule{TenantID: 1, Enabled: true, Targets: []int64{8}}, false},
	}
	for _, c := range cases {
		if got := c.rule.Matches(e); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

func TestBackoffGrowsAndIsBounded(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 20; n++ {
		d := Backoff(n)
		if d > 72*time.Minute {
			t.Fatalf("attempt %d waits %s", n, d)
		}
		if n <= 6 && d <= prev*11/10/2 {
			t.Fatalf("attempt %d waits %s after %s", n, d, prev)
		}
		prev = d
	}
	if d := Backoff(1); d < 24*time.Second || d > 36*time.Second {
		t.Fatalf("first retry after %s", d)
	}
}
