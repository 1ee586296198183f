package posture

import (
	"testing"
	"time"
)

// Covers parses the selector once and then tests assets against the exception's check,
// target, namespace and selector; an exception not valid at the time, or with a malformed
// selector, and a finding-level one cover nothing.
func TestActiveExceptionCovers(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	target := int64(7)
	ex := func(e Exception) ActiveException {
		e.TenantID, e.Status, e.ExpiresAt = 1, ExceptionApproved, now.Add(time.Hour)
		return ActiveException{Exception: e}
	}
	team := map[string]string{"owner": "team-shop"}
	type asset struct {
		target    int64
		check, ns string
		labels    map[string]string
		want      bool
	}
	for _, tc := range []struct {
		name string
		e    ActiveException
		at   time.Time
		in   []asset
	}{
		{"check", ex(Exception{CheckID: "privileged"}), now, []asset{
			{7, "privileged", "shop", nil, true}, {8, "privileged", "data", team, true}, {7, "host-path", "shop", nil, false}}},
		{"namespace", ex(Exception{CheckID: "privileged", Namespace: "shop"}), now, []asset{
			{7, "privileged", "shop", nil, true}, {8, "privileged", "shop", team, true}, {7, "privileged", "data", nil, false}}},
		{"target", ex(Exception{CheckID: "privileged", TargetID: &target}), now, []asset{
			{7, "privileged", "shop", nil, true}, {8, "privileged", "shop", nil, false}}},
		{"selector", ex(Exception{CheckID: "privileged", Namespace: "shop", LabelSelector: "owner in (team-shop)"}), now, []asset{
			{7, "privileged", "shop", team, true}, {7, "privileged", "shop", map[string]string{"owner": "x"}, false},
			{7, "privileged", "shop", nil, false}, {7, "privileged", "data", team, false}}},
		{"malformed selector", ex(Exception{CheckID: "privileged", LabelSelector: "owner in ("}), now, []asset{
			{7, "privileged", "shop", team, false}}},
		{"expired", ex(Exception{CheckID: "privileged"}), now.Add(time.Hour), []asset{{7, "privileged", "shop", nil, false}}},
		{"finding-level", ActiveException{Exception: Exception{TenantID: 1, Status: ExceptionApproved, ExpiresAt: now.Add(time.Hour),
			CheckID: "privileged", FindingID: &target}, Fingerprint: "f"}, now, []asset{{7, "privileged", "shop", nil, false}}},
	} {
		covers := tc.e.Covers(tc.at)
		for _, a := range tc.in {
			if got := covers(a.target, a.check, a.ns, a.labels); got != a.want {
				t.Errorf("%s: covers(%d, %s, %s, %v) = %v, want %v", tc.name, a.target, a.check, a.ns, a.labels, got, a.want)
			}
		}
	}
}
