package synth_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubeinv"
	"github.com/palisade-dev/palisade/collectors/manifests"
	"github.com/palisade-dev/palisade/internal/synth"
)

var small = synth.Spec{Seed: 7, Pods: 2_000, Workloads: 400, RBACBindings: 100}

func counts(t *testing.T, inv *kubeinv.Inventory, spec synth.Spec) {
	t.Helper()
	if got := inv.Count(kubeinv.KindPod); got != spec.Pods {
		t.Errorf("pods = %d, want %d", got, spec.Pods)
	}
	if got := len(inv.Workloads()); got != spec.Workloads {
		t.Errorf("workloads = %d, want %d", got, spec.Workloads)
	}
	if got := len(inv.RoleBindings) + len(inv.ClusterRoleBindings); got != spec.RBACBindings {
		t.Errorf("RBAC bindings = %d, want %d", got, spec.RBACBindings)
	}
	for name, n := range map[string]int{"Deployments": len(inv.Deployments), "ReplicaSets": len(inv.ReplicaSets),
		"StatefulSets": len(inv.StatefulSets), "DaemonSets": len(inv.DaemonSets), "CronJobs": len(inv.CronJobs), "Jobs": len(inv.Jobs),
		"ServiceAccounts": len(inv.ServiceAccounts), "Roles": len(inv.Roles), "ClusterRoles": len(inv.ClusterRoles),
		"NetworkPolicies": len(inv.NetworkPolicies), "Services": len(inv.Services), "PVCs": len(inv.PVCs), "Nodes": len(inv.Nodes),
		"VeleroSchedules": len(inv.VeleroSchedules), "VeleroBackups": len(inv.VeleroBackups), "Secrets": len(inv.Secrets)} {
		if n == 0 {
			t.Errorf("no %s generated", name)
		}
	}
}

// sortKeys orders Secret key names (kubeinv lists them in map order).
func sortKeys(inv *kubeinv.Inventory) {
	for i := range inv.Secrets {
		sort.Strings(inv.Secrets[i].Keys)
	}
}

func TestInventoryCountsAndDeterminism(t *testing.T) {
	inv, st, err := synth.Inventory(small)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, inv, small)
	if st.Pods != small.Pods || st.Workloads != small.Workloads || st.RBACBindings != small.RBACBindings {
		t.Errorf("stats = %+v", st)
	}
	again, _, _ := synth.Inventory(small)
	sortKeys(inv)
	sortKeys(again)
	if !reflect.DeepEqual(inv, again) {
		t.Error("the same spec generated different inventories")
	}
	other := small
	other.Seed++
	diff, _, _ := synth.Inventory(other)
	if reflect.DeepEqual(inv.Deployments, diff.Deployments) {
		t.Error("another seed generated the same Deployments")
	}
}

func TestInventoryHasGoodAndBadResults(t *testing.T) {
	inv, _, err := synth.Inventory(small)
	if err != nil {
		t.Fatal(err)
	}
	cfg := checks.DefaultConfig()
	cfg.Now = func() time.Time { return synth.DefaultNow }
	cfg.AllowedRegistries = []string{synth.AllowedRegistry}
	byCheck := map[string][2]int{}
	for _, r := range checks.Evaluate(inv, cfg) {
		c := byCheck[r.CheckID]
		switch r.Status {
		case posture.Pass:
			c[0]++
		case posture.Fail:
			c[1]++
		}
		byCheck[r.CheckID] = c
	}
	// The mix must exercise both verdicts of the main workload, RBAC and network checks.
	for _, id := range []string{"k8s.privileged-container", "k8s.run-as-non-root", "k8s.image-tag-mutable", "k8s.resource-limits",
		"k8s.rbac-secrets-read", "k8s.rbac-cluster-admin", "k8s.namespace-default-deny", "k8s.workload-network-policy",
		"k8s.backup-schedule", "k8s.ingress-tls", "k8s.service-exposed", "k8s.sensitive-zone-placement", "k8s.secret-literal-env"} {
		if c := byCheck[id]; c[0] == 0 || c[1] == 0 {
			t.Errorf("%s: %d pass, %d fail; want both", id, c[0], c[1])
		}
	}
}

func TestWriteYAMLLoadsBackToTheSameCluster(t *testing.T) {
	dir := t.TempDir()
	st, err := synth.WriteYAML(small, dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files < 10 || st.Bytes == 0 {
		t.Fatalf("stats = %+v", st)
	}
	res, err := manifests.Load(context.Background(), []string{dir}, nil, manifests.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 || len(res.Warnings) > 0 || len(res.Ignored) > 0 {
		t.Fatalf("errors %v, warnings %v, ignored %v", res.Errors, res.Warnings, res.Ignored)
	}
	if res.Objects != st.Objects {
		t.Errorf("loaded %d objects, generated %d", res.Objects, st.Objects)
	}
	counts(t, res.Inventory, small)
	direct, _, _ := synth.Inventory(small)
	if a, b := len(direct.Workloads()), len(res.Inventory.Workloads()); a != b {
		t.Errorf("workloads: direct %d, from YAML %d", a, b)
	}
}
