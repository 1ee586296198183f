package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// The drift feed returns config_drift events with their details and field changes, in the
// shape the spec gives (every response is validated against api/openapi.yaml).
func TestDriftFeedReturnsConfigChanges(t *testing.T) {
	f := newFixture(t, store.SQLite)
	ctx := context.Background()
	const key = "apps/Deployment/shop/web"
	state := func(privileged string) *posture.WatchedState {
		return &posture.WatchedState{Version: posture.WatchedStateVersion, Objects: map[string]posture.WatchedObject{
			key: {Kind: posture.WatchedWorkload, Namespace: "shop", Security: map[string]string{"containers[web].securityContext.privileged": privileged}},
		}}
	}
	var last int64
	for i, st := range []*posture.WatchedState{state(""), state("true")} {
		at := f.clock.Now().Add(time.Duration(i+1) * time.Hour)
		run, err := f.DB.StartRun(ctx, f.Acme.Tenant.ID, f.Acme.Target.ID, "test", at)
		must(t, err)
		_, err = f.DB.FinishRun(ctx, f.Acme.Tenant.ID, run.ID, posture.RunOutcome{Status: posture.RunComplete, FinishedAt: at, Watched: st})
		must(t, err)
		last = run.ID
	}
	w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/acme/drift?limit=500", "")
	if w.Code != 200 {
		t.Fatalf("drift: %d %s", w.Code, w.Body)
	}
	var body struct {
		Items []struct {
			RunID    int64                  `json:"run_id"`
			Kind     string                 `json:"kind"`
			Severity string                 `json:"severity"`
			AssetKey string                 `json:"asset_key"`
			Details  map[string]string      `json:"details"`
			Changes  []alerting.FieldChange `json:"changes"`
		} `json:"items"`
	}
	must(t, json.Unmarshal(w.Body.Bytes(), &body))
	found := false
	for _, e := range body.Items {
		if e.Changes == nil || e.Details == nil {
			t.Fatalf("event without details or changes: %+v", e)
		}
		if e.RunID == last && e.Kind == alerting.KindConfigDrift && e.AssetKey == key {
			found = e.Severity == "high" && e.Details["watch"] == alerting.WatchSecurityContext && len(e.Changes) == 1 &&
				e.Changes[0] == alerting.FieldChange{Field: "containers[web].securityContext.privileged", After: "true"}
		}
	}
	if !found {
		t.Fatalf("no config_drift event for the privileged container in %s", w.Body)
	}

	// Server-side filters: by kind and by target; an unknown kind is refused.
	kinds := func(query string) map[string]int {
		t.Helper()
		w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/acme/drift?"+query, "")
		if w.Code != 200 {
			t.Fatalf("drift?%s: %d %s", query, w.Code, w.Body)
		}
		body.Items = nil
		must(t, json.Unmarshal(w.Body.Bytes(), &body))
		out := map[string]int{}
		for _, e := range body.Items {
			out[e.Kind]++
		}
		return out
	}
	if got := kinds("kind=config_drift"); len(got) != 1 || got[alerting.KindConfigDrift] == 0 {
		t.Errorf("kind=config_drift lists %v", got)
	}
	if got := kinds("kind=resolved,score_drop"); got[alerting.KindConfigDrift] != 0 {
		t.Errorf("kind=resolved,score_drop lists %v", got)
	}
	if got := kinds(fmt.Sprintf("target=%d", f.Acme.Target.ID)); got[alerting.KindConfigDrift] == 0 {
		t.Errorf("its own target lists %v", got)
	}
	if got := kinds(fmt.Sprintf("target=%d", f.Acme.Target.ID+1000)); len(got) != 0 {
		t.Errorf("another target lists %v", got)
	}
	if w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/acme/drift?kind=privileged", ""); w.Code != 400 {
		t.Errorf("unknown kind: %d %s", w.Code, w.Body)
	}
}
