package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

const (
	denyKey    = "networking.k8s.io/NetworkPolicy/shop/default-deny"
	devsKey    = "rbac.authorization.k8s.io/RoleBinding/shop/devs"
	webKey     = "apps/Deployment/shop/web"
	classLabel = "palisade.dev/classification"
)

// watched builds a small watched state; change applies the drift of the test's second run.
func watched(change bool) *posture.WatchedState {
	st := &posture.WatchedState{Version: posture.WatchedStateVersion, LabelKeys: []string{classLabel}, Objects: map[string]posture.WatchedObject{
		denyKey: {Kind: posture.WatchedNetworkPolicy, Namespace: "shop"},
		devsKey: {Kind: posture.WatchedRoleBinding, Namespace: "shop", RoleRef: "ClusterRole/view", Subjects: []string{"Group:dev"}},
		webKey: {Kind: posture.WatchedWorkload, Namespace: "shop", Images: map[string]string{"containers[web]": "nginx:1.27"},
			Digests: map[string][]string{"containers[web]": {"sha256:aaaa"}}, PodLabels: map[string]string{classLabel: "confidential"}},
	}}
	if change {
		delete(st.Objects, denyKey)
		devs := st.Objects[devsKey]
		devs.Subjects = []string{"Group:dev", "User:mallory"}
		st.Objects[devsKey] = devs
		w := st.Objects[webKey]
		w.Digests = map[string][]string{"containers[web]": {"sha256:bbbb"}}
		w.PodLabels = nil
		st.Objects[webKey] = w
	}
	return st
}

func finishWatched(t *testing.T, db *store.DB, ten, tgt int64, status posture.RunStatus, at time.Time, st *posture.WatchedState) *posture.Run {
	t.Helper()
	ctx := context.Background()
	run, err := db.StartRun(ctx, ten, tgt, "test", at)
	if err != nil {
		t.Fatal(err)
	}
	done, err := db.FinishRun(ctx, ten, run.ID, posture.RunOutcome{Status: status, FinishedAt: at.Add(time.Second), Watched: st,
		Results: []posture.Result{result(webKey, "shop", "k8s.run-as-non-root", "web", posture.Fail)}})
	if err != nil {
		t.Fatalf("finish run: %v", err)
	}
	return done
}

func configEvents(t *testing.T, db *store.DB, tenantID int64) []alerting.DriftEvent {
	t.Helper()
	list, err := db.ListDriftEvents(context.Background(), tenantID, alerting.DriftFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []alerting.DriftEvent
	for _, e := range list {
		if e.Kind == alerting.KindConfigDrift {
			out = append(out, e)
		}
	}
	return out
}

// TestIntegrationConfigDrift: the first complete run is the baseline; a partial run neither
// compares nor replaces it; the next complete run raises config_drift events (stored with
// their field changes, alerted through a rule) and becomes the new baseline.
func TestIntegrationConfigDrift(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		other, _ := seedTenant(t, db, "globex")
		ch := &alerting.Channel{TenantID: ten.ID, Name: "soc", Kind: "webhook", Settings: map[string]string{"url": "https://soc.example/hook"}}
		if err := db.CreateChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateRule(ctx, &alerting.Rule{TenantID: ten.ID, Name: "config", MinSeverity: posture.SeverityMedium,
			Kinds: []string{alerting.KindConfigDrift}, ChannelID: ch.ID}); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

		finishWatched(t, db, ten.ID, tgt.ID, posture.RunComplete, at, watched(false))
		if ev := configEvents(t, db, ten.ID); len(ev) != 0 {
			t.Fatalf("the baseline raised %+v", ev)
		}
		// A partial run may not have seen the NetworkPolicy: no deletion, no new baseline.
		finishWatched(t, db, ten.ID, tgt.ID, posture.RunPartial, at.Add(time.Hour), watched(true))
		if ev := configEvents(t, db, ten.ID); len(ev) != 0 {
			t.Fatalf("a partial run raised %+v", ev)
		}
		// A complete run without a watched state (a source that takes none) keeps the baseline too.
		finishWatched(t, db, ten.ID, tgt.ID, posture.RunComplete, at.Add(90*time.Minute), nil)

		run := finishWatched(t, db, ten.ID, tgt.ID, posture.RunComplete, at.Add(2*time.Hour), watched(true))
		ev := configEvents(t, db, ten.ID)
		byWatch := map[string]alerting.DriftEvent{}
		for _, e := range ev {
			if e.RunID != run.ID || e.TargetID != tgt.ID {
				t.Errorf("event of run %d target %d: %+v", e.RunID, e.TargetID, e)
			}
			byWatch[e.Details["watch"]] = e
		}
		if len(ev) != 4 || len(byWatch) != 4 {
			t.Fatalf("config drift events = %+v; want a deleted NetworkPolicy, a binding's new subject, a digest and a label", ev)
		}
		np := byWatch[alerting.WatchNetworkPolicy]
		if np.AssetKey != denyKey || np.Severity != posture.SeverityMedium || len(np.Changes) != 1 || np.Changes[0].After != "deleted" {
			t.Errorf("NetworkPolicy event = %+v", np)
		}
		rb := byWatch[alerting.WatchRBACBinding]
		if rb.AssetKey != devsKey || rb.Details["subjects_added"] != "User:mallory" || rb.Details["role_ref"] != "ClusterRole/view" ||
			!strings.Contains(rb.Summary, "User:mallory") {
			t.Errorf("binding event = %+v", rb)
		}
		dg := byWatch[alerting.WatchImageDigest]
		if dg.Severity != posture.SeverityHigh || len(dg.Changes) != 1 ||
			dg.Changes[0] != (alerting.FieldChange{Field: "containers[web].imageID", Before: "sha256:aaaa", After: "sha256:bbbb"}) {
			t.Errorf("digest event = %+v", dg)
		}
		lb := byWatch[alerting.WatchLabels]
		if lb.Severity != posture.SeverityMedium || len(lb.Changes) != 1 || lb.Changes[0].Before != "confidential" || lb.Changes[0].After != "" {
			t.Errorf("label event = %+v", lb)
		}
		if got := configEvents(t, db, other.ID); len(got) != 0 {
			t.Errorf("another tenant sees %+v", got)
		}

		// The rule queued one alert per event (all medium or high), each with its changes.
		deliveries, err := db.ClaimDeliveries(ctx, 50, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []notify.Message
		for _, d := range deliveries {
			var m notify.Message
			if err := json.Unmarshal(d.Payload, &m); err != nil {
				t.Fatal(err)
			}
			if m.Kind == "drift."+alerting.KindConfigDrift {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 4 {
			t.Fatalf("queued config drift alerts = %d, want 4: %+v", len(msgs), msgs)
		}
		for _, m := range msgs {
			if m.Fields["watch"] == alerting.WatchImageDigest &&
				(m.Fields["field"] != "containers[web].imageID" || !strings.Contains(m.Text, "containers[web].imageID: sha256:aaaa → sha256:bbbb")) {
				t.Errorf("digest alert = %+v", m)
			}
		}

		// The changed state is the new baseline: the same state again raises nothing.
		finishWatched(t, db, ten.ID, tgt.ID, posture.RunComplete, at.Add(3*time.Hour), watched(true))
		if n := len(configEvents(t, db, ten.ID)); n != 4 {
			t.Errorf("an unchanged run raised %d more events", n-4)
		}
	})
}

// TestIntegrationWatchedStateKeepsTheLatestRun: the stored watched state is only ever
// replaced by a later run's, even by a write that skipped the check for it (two complete
// runs of a target finishing at once: the older one's check ran before the newer one
// stored its state).
func TestIntegrationWatchedStateKeepsTheLatestRun(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ten, tgt := seedTenant(t, db, "acme")
		older, err := db.StartRun(ctx, ten.ID, tgt.ID, "test", t0)
		if err != nil {
			t.Fatal(err)
		}
		newer, err := db.StartRun(ctx, ten.ID, tgt.ID, "test", t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		store1 := func(run int64, st *posture.WatchedState, want bool) {
			t.Helper()
			stored, err := db.StoreWatchedState(ctx, ten.ID, tgt.ID, run, t0.Add(time.Hour), st)
			if err != nil || stored != want {
				t.Fatalf("store run %d's state: stored %v, %v; want %v", run, stored, err, want)
			}
		}
		wantStored := func(run int64, objects int) {
			t.Helper()
			got, st, err := db.WatchedState(ctx, ten.ID, tgt.ID)
			if err != nil || got != run || len(st.Objects) != objects {
				t.Fatalf("stored state: run %d, %v; want run %d with %d objects", got, err, run, objects)
			}
		}
		changed, orig := watched(true), watched(false)
		store1(newer.ID, changed, true)
		store1(older.ID, orig, false) // the older run, after the newer one
		wantStored(newer.ID, len(changed.Objects))
		store1(newer.ID, orig, false) // the same run again
		wantStored(newer.ID, len(changed.Objects))

		// Through FinishRun: the older run finishing last leaves the newer run's state, and
		// raises no config drift against it.
		before := len(configEvents(t, db, ten.ID))
		for _, r := range []struct {
			run *posture.Run
			st  *posture.WatchedState
		}{{newer, changed}, {older, orig}} {
			if _, err := db.FinishRun(ctx, ten.ID, r.run.ID, posture.RunOutcome{Status: posture.RunComplete,
				FinishedAt: r.run.StartedAt.Add(time.Second), Watched: r.st}); err != nil {
				t.Fatal(err)
			}
		}
		wantStored(newer.ID, len(changed.Objects))
		if got := configEvents(t, db, ten.ID); len(got) != before {
			t.Errorf("config drift events = %d, want %d", len(got), before)
		}
		later := finishWatched(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(2*time.Hour), orig)
		wantStored(later.ID, len(orig.Objects))
	})
}
