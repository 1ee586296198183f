package csa

import "testing"

func TestCatalogHasAllRecommendations(t *testing.T) {
	all := All()
	if len(all) != 54 {
		t.Fatalf("catalog has %d recommendations, want 54", len(all))
	}
	seen := map[string]bool{}
	modes := map[Mode]int{}
	for _, r := range all {
		if seen[r.ID] {
			t.Errorf("duplicate ID %s", r.ID)
		}
		seen[r.ID] = true
		modes[r.Mode]++
		if _, ok := AreaTitles[r.Area()]; !ok {
			t.Errorf("%s: area %s has no title", r.ID, r.Area())
		}
	}
	if got := len(Areas()); got != 17 {
		t.Errorf("areas = %d, want 17", got)
	}
	if Areas()[9] != "3.1.10" {
		t.Errorf("areas not in numeric order: %v", Areas())
	}
	if modes[ModeAttest] == 0 || modes[ModeAuto] == 0 || modes[ModePartial] == 0 {
		t.Errorf("modes = %v", modes)
	}
	if r, ok := Lookup("3.1.2.3"); !ok || r.Mode != ModeAuto {
		t.Errorf("Lookup(3.1.2.3) = %+v, %v", r, ok)
	}
}
