package kubeinv

import (
	"reflect"
	"testing"
)

// fullInventory holds one zero object in every slice field of Inventory.
func fullInventory(t *testing.T) (*Inventory, int) {
	t.Helper()
	inv := &Inventory{}
	v := reflect.ValueOf(inv).Elem()
	n := 0
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Slice && v.Type().Field(i).IsExported() {
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			n++
		}
	}
	return inv, n
}

// TestKindsCoverEveryField keeps the kind table in step with Inventory: a new slice
// field without a kind name fails here.
func TestKindsCoverEveryField(t *testing.T) {
	inv, fields := fullInventory(t)
	kinds := Kinds()
	if len(kinds) != fields {
		t.Fatalf("%d kinds for %d slice fields of Inventory", len(kinds), fields)
	}
	seen := map[string]bool{}
	for _, k := range kinds {
		if seen[k] {
			t.Errorf("kind %s listed twice", k)
		}
		seen[k] = true
		if !IsKind(k) {
			t.Errorf("IsKind(%q) = false", k)
		}
		if got := inv.Count(k); got != 1 {
			t.Errorf("Count(%s) = %d, want 1", k, got)
		}
	}
	for _, w := range WorkloadKinds() {
		if !IsKind(w) {
			t.Errorf("workload kind %q is not a kind", w)
		}
	}
	if IsKind("NetworkPolicies") || IsKind("") {
		t.Error("IsKind accepts a name that is not a kind")
	}
}

func TestWithoutDropsOnlyThatKind(t *testing.T) {
	inv, _ := fullInventory(t)
	inv.MarkMissing(KindNode)
	for _, k := range Kinds() {
		t.Run(k, func(t *testing.T) {
			out := inv.Without(k)
			for _, other := range Kinds() {
				want := 1
				if other == k {
					want = 0
				}
				if got := out.Count(other); got != want {
					t.Errorf("Without(%s).Count(%s) = %d, want %d", k, other, got, want)
				}
				if inv.Count(other) != 1 {
					t.Fatalf("Without(%s) changed the original inventory's %s", k, other)
				}
			}
			if out.Has(KindNode) {
				t.Error("Without lost Missing")
			}
		})
	}
}

func TestMissing(t *testing.T) {
	var inv Inventory
	if !inv.Has(KindNetworkPolicy) || len(inv.MissingKinds()) != 0 {
		t.Fatal("an empty inventory misses nothing")
	}
	inv.MarkMissing(KindNetworkPolicy)
	inv.MarkMissing(KindDeployment)
	inv.MarkMissing(KindNetworkPolicy)
	if inv.Has(KindNetworkPolicy) || inv.Has(KindDeployment) || !inv.Has(KindPod) {
		t.Errorf("Has after MarkMissing: NetworkPolicy %v, Deployment %v, Pod %v", inv.Has(KindNetworkPolicy), inv.Has(KindDeployment), inv.Has(KindPod))
	}
	if got := inv.MissingKinds(); !reflect.DeepEqual(got, []string{KindDeployment, KindNetworkPolicy}) {
		t.Errorf("MissingKinds = %v", got)
	}
	c := inv.Without()
	c.MarkMissing(KindNode)
	if !inv.Has(KindNode) {
		t.Error("Without shares Missing with the original")
	}
}
