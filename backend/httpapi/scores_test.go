package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

type rankedScope struct {
	Kind       string   `json:"kind"`
	Key        string   `json:"key"`
	TargetID   *int64   `json:"target_id"`
	TargetName string   `json:"target_name"`
	Risk       float64  `json:"risk"`
	Compliance *float64 `json:"compliance"`
	Open       int      `json:"open"`
}

// Namespaces, owners and targets are listed and ranked, most risk first, each with the same
// numbers its own explanation gives: a manager never types a name in to find the worst one.
func TestScoreScopesRankedAndConsistent(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			tok, target := f.Acme.Tokens[posture.RoleViewer], f.Acme.Target.ID
			list := func(query string) ([]rankedScope, int) {
				t.Helper()
				w := f.call(t, tok, "GET", "/api/v1/tenants/acme/scores/scopes?"+query, "")
				if w.Code != 200 {
					t.Fatalf("%s: %d %s", query, w.Code, w.Body)
				}
				var out struct {
					Items []rankedScope `json:"items"`
					Total int           `json:"total"`
				}
				must(t, json.Unmarshal(w.Body.Bytes(), &out))
				return out.Items, out.Total
			}
			for _, kind := range []string{"namespace", "owner"} {
				items, total := list("kind=" + kind + fmt.Sprintf("&target=%d", target))
				if len(items) < 2 || total != len(items) {
					t.Fatalf("%s: %d items of %d; the demo has several", kind, len(items), total)
				}
				for i, it := range items {
					if i > 0 && it.Risk > items[i-1].Risk {
						t.Errorf("%s: %q (risk %v) ranked after %q (risk %v)", kind, it.Key, it.Risk, items[i-1].Key, items[i-1].Risk)
					}
					w := f.call(t, tok, "GET", fmt.Sprintf("/api/v1/tenants/acme/scores/explain?target=%d&scope=%s&key=%s", target, kind, url.QueryEscape(it.Key)), "")
					var ex rankedScope
					must(t, json.Unmarshal(w.Body.Bytes(), &ex))
					if w.Code != 200 || ex.Risk != it.Risk || ex.Open != it.Open || fmt.Sprint(deref(ex.Compliance)) != fmt.Sprint(deref(it.Compliance)) {
						t.Errorf("%s %q: ranked %+v, explained %+v (%d)", kind, it.Key, it, ex, w.Code)
					}
					// The open count opens exactly that many findings (namespace-level ones included).
					if it.Key != "" {
						if n := countOpenFindings(t, f, tok, fmt.Sprintf("%s=%s&target=%d", kind, url.QueryEscape(it.Key), target)); n != it.Open {
							t.Errorf("%s %q: %d open findings listed, the numbers count %d", kind, it.Key, n, it.Open)
						}
					}
				}
			}
			// The tenant's and each area's open findings are the lists they open.
			var sum struct {
				Overall struct{ Open int } `json:"overall"`
				Areas   []struct {
					ID   string `json:"id"`
					Open int    `json:"open"`
				} `json:"areas"`
			}
			w := f.call(t, tok, "GET", "/api/v1/tenants/acme/scores", "")
			must(t, json.Unmarshal(w.Body.Bytes(), &sum))
			if n := countOpenFindings(t, f, tok, ""); n != sum.Overall.Open || n == 0 {
				t.Errorf("tenant: %d open findings listed, the numbers count %d", n, sum.Overall.Open)
			}
			for _, a := range sum.Areas {
				if n := countOpenFindings(t, f, tok, "csa="+a.ID); n != a.Open {
					t.Errorf("area %s: %d open findings listed, the numbers count %d", a.ID, n, a.Open)
				}
			}
			// Remediation metrics count the same open findings, by severity and age.
			var rem struct {
				Severities []struct {
					Severity string `json:"severity"`
					Open     int    `json:"open"`
					Ages     struct {
						Under7 int `json:"under_7_days"`
					} `json:"open_ages"`
					SLA *int `json:"sla_days"`
				} `json:"severities"`
				Flow []struct {
					Opened int `json:"opened"`
				} `json:"flow"`
			}
			w = f.call(t, tok, "GET", "/api/v1/tenants/acme/metrics/remediation?days=30", "")
			must(t, json.Unmarshal(w.Body.Bytes(), &rem))
			open := 0
			for _, s := range rem.Severities {
				open += s.Open
				if s.Ages.Under7 != s.Open {
					t.Errorf("%s: %d open, %d of them under 7 days old (all were found just now)", s.Severity, s.Open, s.Ages.Under7)
				}
			}
			if w.Code != 200 || len(rem.Severities) != 5 || rem.Severities[0].Severity != "critical" || *rem.Severities[0].SLA != 7 ||
				open != sum.Overall.Open || len(rem.Flow) != 1 || rem.Flow[0].Opened < open {
				t.Errorf("remediation metrics (%d): %+v; %d open, the numbers count %d", w.Code, rem, open, sum.Overall.Open)
			}
			// Tenant-wide, owners are added up across targets (one target here: the same numbers).
			all, _ := list("kind=owner")
			one, _ := list(fmt.Sprintf("kind=owner&target=%d", target))
			if fmt.Sprint(len(all), all[0].Key, all[0].Risk) != fmt.Sprint(len(one), one[0].Key, one[0].Risk) || all[0].TargetID != nil {
				t.Errorf("tenant-wide owners %+v, target's %+v", all[0], one[0])
			}
			if items, total := list("kind=namespace&limit=1"); len(items) != 1 || total < 2 {
				t.Errorf("limit 1: %d items of %d", len(items), total)
			}
			if targets, _ := list("kind=target"); len(targets) != 1 || targets[0].Key != f.Acme.Target.Name {
				t.Errorf("targets = %+v", targets)
			}
			if w := f.call(t, tok, "GET", fmt.Sprintf("/api/v1/tenants/acme/scores/scopes?kind=owner&target=%d", f.Globex.Target.ID), ""); w.Code != 404 {
				t.Errorf("another tenant's target: %d, want 404", w.Code)
			}
			if w := f.call(t, tok, "GET", "/api/v1/tenants/acme/scores/scopes?kind=area", ""); w.Code != 400 {
				t.Errorf("kind=area: %d, want 400", w.Code)
			}
		})
	}
}

func countOpenFindings(t *testing.T, f *fixture, tok, query string) int {
	t.Helper()
	w := f.call(t, tok, "GET", "/api/v1/tenants/acme/findings?limit=500&"+query, "")
	var page struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	must(t, json.Unmarshal(w.Body.Bytes(), &page))
	if w.Code != 200 || page.NextCursor != "" {
		t.Fatalf("findings?%s: %d, more than one page", query, w.Code)
	}
	return len(page.Items)
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// The overview lists the caller's tenants with their numbers, and only those: a token of Acme
// never sees Globex.
func TestOverviewListsOnlyTheCallersTenants(t *testing.T) {
	f := newFixture(t, "sqlite")
	w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/overview", "")
	var out struct {
		Items []struct {
			Slug    string  `json:"slug"`
			Role    string  `json:"role"`
			Risk    float64 `json:"risk"`
			Open    int     `json:"open"`
			Targets int     `json:"targets"`
		} `json:"items"`
	}
	must(t, json.Unmarshal(w.Body.Bytes(), &out))
	var scores struct {
		Overall struct {
			Risk float64 `json:"risk"`
			Open int     `json:"open"`
		} `json:"overall"`
	}
	must(t, json.Unmarshal(f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/acme/scores", "").Body.Bytes(), &scores))
	if w.Code != 200 || len(out.Items) != 1 || out.Items[0].Slug != "acme" || out.Items[0].Role != "viewer" || out.Items[0].Targets != 1 ||
		out.Items[0].Risk != scores.Overall.Risk || out.Items[0].Open != scores.Overall.Open {
		t.Fatalf("overview (%d) = %+v; tenant numbers %+v", w.Code, out.Items, scores.Overall)
	}
}

// Remediation metrics are reused for a minute (a million findings take a while to sum up) and
// say when they were computed; a minute later they are computed again.
func TestRemediationMetricsAreAtMostAMinuteOld(t *testing.T) {
	f := newFixture(t, "sqlite")
	tok := f.Acme.Tokens[posture.RoleViewer]
	at := func() string {
		t.Helper()
		w := f.call(t, tok, "GET", "/api/v1/tenants/acme/metrics/remediation", "")
		var out struct {
			GeneratedAt string `json:"generated_at"`
		}
		must(t, json.Unmarshal(w.Body.Bytes(), &out))
		return out.GeneratedAt
	}
	first := at()
	f.clock.Add(59 * time.Second)
	if again := at(); again != first {
		t.Errorf("within the minute: computed at %s, then %s", first, again)
	}
	f.clock.Add(2 * time.Second)
	if later := at(); later == first {
		t.Errorf("after a minute: still the numbers of %s", first)
	}
}
