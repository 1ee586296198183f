package alerting

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
)

func state(objs map[string]posture.WatchedObject, labels ...string) *posture.WatchedState {
	return &posture.WatchedState{Version: posture.WatchedStateVersion, LabelKeys: labels, Objects: objs}
}

func TestConfigDriftBaselineAndVersions(t *testing.T) {
	np := map[string]posture.WatchedObject{"networking.k8s.io/NetworkPolicy/a/b": {Kind: posture.WatchedNetworkPolicy, Namespace: "a"}}
	empty := state(map[string]posture.WatchedObject{})
	if ev := ConfigDrift(1, 2, 3, 0, time.Now(), nil, empty); ev != nil {
		t.Errorf("baseline raised %+v", ev)
	}
	old := state(np)
	old.Version = posture.WatchedStateVersion - 1
	if ev := ConfigDrift(1, 2, 3, 2, time.Now(), old, empty); ev != nil {
		t.Errorf("a state of another layout version was compared: %+v", ev)
	}
	if ev := ConfigDrift(1, 2, 3, 2, time.Now(), state(np), empty); len(ev) != 1 || ev[0].Details["watch"] != WatchNetworkPolicy ||
		ev[0].Namespace != "a" || !strings.Contains(ev[0].Summary, "NetworkPolicy networking.k8s.io/NetworkPolicy/a/b was deleted") {
		t.Errorf("deletion = %+v", ev)
	}
}

func TestConfigDriftLabelsOnlyUnderKeysWatchedByBoth(t *testing.T) {
	prev := state(map[string]posture.WatchedObject{"core/Namespace/shop": {Kind: posture.WatchedNamespace,
		Labels: map[string]string{"class": "secret", "owner": "a"}}}, "class", "owner")
	// The configuration stopped watching "owner": its label leaving the state is no drift.
	cur := state(map[string]posture.WatchedObject{"core/Namespace/shop": {Kind: posture.WatchedNamespace}}, "class")
	ev := ConfigDrift(1, 2, 3, 2, time.Now(), prev, cur)
	if len(ev) != 1 || len(ev[0].Changes) != 1 || ev[0].Changes[0] != (FieldChange{Field: "metadata.labels[class]", Before: "secret"}) ||
		ev[0].Namespace != "shop" || ev[0].Severity != posture.SeverityMedium || ev[0].CSA[0] != "3.1.2.1" {
		t.Errorf("events = %+v", ev)
	}
}

func TestConfigDriftTruncatedObjectsCompareWhatBothKept(t *testing.T) {
	key := "apps/Deployment/shop/web"
	prev := state(map[string]posture.WatchedObject{key: {Kind: posture.WatchedWorkload, Truncated: true,
		Security: map[string]string{"containers[a].securityContext.privileged": "true", "hostPID": "true"}}})
	cur := state(map[string]posture.WatchedObject{key: {Kind: posture.WatchedWorkload, Truncated: true,
		Security: map[string]string{"containers[b].securityContext.privileged": "true", "hostPID": "true"}}})
	if ev := ConfigDrift(1, 2, 3, 2, time.Now(), prev, cur); len(ev) != 0 {
		t.Errorf("fields cut by the limit were reported: %+v", ev)
	}
	cur.Objects[key].Security["hostPID"] = ""
	if ev := ConfigDrift(1, 2, 3, 2, time.Now(), prev, cur); len(ev) != 1 || ev[0].Changes[0].Field != "hostPID" {
		t.Errorf("a change of a kept field: %+v", ev)
	}
}

func TestConfigDriftNewBindingNeedsCompletePrevious(t *testing.T) {
	b := map[string]posture.WatchedObject{"rbac.authorization.k8s.io/RoleBinding/shop/x": {Kind: posture.WatchedRoleBinding, Namespace: "shop",
		RoleRef: "Role/deployer", Risk: "wildcard", Subjects: []string{"User:a"}}}
	prev := state(map[string]posture.WatchedObject{})
	prev.Incomplete = []string{posture.WatchedRoleBinding}
	if ev := ConfigDrift(1, 2, 3, 2, time.Now(), prev, state(b)); len(ev) != 0 {
		t.Errorf("a binding unseen by an incomplete state was reported new: %+v", ev)
	}
	ev := ConfigDrift(1, 2, 3, 2, time.Now(), state(map[string]posture.WatchedObject{}), state(b))
	if len(ev) != 1 || ev[0].Severity != posture.SeverityHigh || ev[0].Details["risk"] != "wildcard" ||
		ev[0].Details["subjects_added"] != "User:a" || !strings.Contains(ev[0].Summary, "grants Role/deployer (wildcard rules) to User:a") {
		t.Errorf("new wildcard binding = %+v", ev)
	}
}

func TestConfigDriftIsBoundedPerRun(t *testing.T) {
	prev := state(map[string]posture.WatchedObject{})
	for i := range 590 {
		prev.Objects[fmt.Sprintf("networking.k8s.io/NetworkPolicy/ns/p%03d", i)] = posture.WatchedObject{Kind: posture.WatchedNetworkPolicy}
	}
	for i := range 10 {
		prev.Objects[fmt.Sprintf("velero.io/Schedule/velero/s%d", i)] = posture.WatchedObject{Kind: posture.WatchedBackupSchedule}
	}
	ev := ConfigDrift(1, 2, 3, 2, time.Now(), prev, state(map[string]posture.WatchedObject{}))
	if len(ev) != MaxConfigEvents {
		t.Fatalf("%d events, want %d", len(ev), MaxConfigEvents)
	}
	for _, e := range ev[:10] {
		if e.Details["watch"] != WatchBackupSchedule {
			t.Fatalf("the most severe are not kept first: %+v", e)
		}
	}
	more := ev[len(ev)-1]
	if more.Details["watch"] != WatchMore || more.Details["count"] != "101" || more.Kind != KindConfigDrift ||
		!strings.Contains(more.Summary, "101 more configuration changes not listed (101 network_policy)") {
		t.Errorf("last event = %+v", more)
	}
}

func TestConfigDriftDedupKeysAndRules(t *testing.T) {
	mk := func(watch, asset string) Event {
		return Event{Kind: KindConfigDrift, RunID: 7, TargetID: 2, TenantID: 1, Severity: posture.SeverityMedium, AssetKey: asset,
			Details: map[string]string{"watch": watch}, CSA: watchCSA[watch]}
	}
	a, b, c := mk(WatchSecurityContext, "apps/Deployment/a/x"), mk(WatchLabels, "apps/Deployment/a/x"), mk(WatchSecurityContext, "apps/Deployment/a/y")
	if a.DedupKey() == b.DedupKey() || a.DedupKey() == c.DedupKey() || a.DedupKey() != mk(WatchSecurityContext, "apps/Deployment/a/x").DedupKey() {
		t.Errorf("dedup keys %q %q %q: want distinct per watch and asset, stable", a.DedupKey(), b.DedupKey(), c.DedupKey())
	}
	if !strings.HasPrefix(a.DedupKey(), "config_drift:7:target:2:security_context:") {
		t.Errorf("dedup key %q", a.DedupKey())
	}
	rbac := mk(WatchRBACBinding, "rbac.authorization.k8s.io/RoleBinding/a/b")
	for _, tc := range []struct {
		rule Rule
		e    Event
		want bool
	}{
		{Rule{TenantID: 1, Enabled: true, Kinds: []string{KindConfigDrift}}, rbac, true},
		{Rule{TenantID: 1, Enabled: true, Kinds: []string{KindNewFinding}}, rbac, false},
		{Rule{TenantID: 1, Enabled: true, Areas: []string{"3.1.8"}}, rbac, true},
		{Rule{TenantID: 1, Enabled: true, Areas: []string{"3.1.8"}}, b, false},
		{Rule{TenantID: 1, Enabled: true, Checks: []string{"k8s.rbac-wildcard"}}, rbac, false},
		{Rule{TenantID: 1, Enabled: true, MinSeverity: posture.SeverityHigh}, rbac, false},
	} {
		if got := tc.rule.Matches(tc.e); got != tc.want {
			t.Errorf("%+v matches %s: %v, want %v", tc.rule, tc.e.Details["watch"], got, tc.want)
		}
	}
	if s := (FieldChange{Field: "hostPID", After: "true"}).String(); s != "hostPID: unset → true" {
		t.Errorf("String() = %q", s)
	}
}

func TestCarryDigests(t *testing.T) {
	key := "apps/Deployment/shop/web"
	prev := state(map[string]posture.WatchedObject{key: {Kind: posture.WatchedWorkload,
		Images:  map[string]string{"containers[a]": "a:1", "containers[b]": "b:1"},
		Digests: map[string][]string{"containers[a]": {"sha256:1"}, "containers[b]": {"sha256:2"}}}})
	cur := state(map[string]posture.WatchedObject{key: {Kind: posture.WatchedWorkload,
		Images: map[string]string{"containers[a]": "a:1", "containers[b]": "b:2"}}})
	CarryDigests(prev, cur)
	d := cur.Objects[key].Digests
	if len(d["containers[a]"]) != 1 || d["containers[a]"][0] != "sha256:1" || d["containers[b]"] != nil {
		t.Errorf("carried digests = %v: want a's (same tag) and not b's (new tag)", d)
	}
}
