package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// Free text matches the title of a finding's check (the API passes the catalog's matches to
// the store), and only the tenant's own findings, on both dialects.
func TestFindingsTextMatchesCheckTitle(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect)
			type item struct {
				ID         int64  `json:"id"`
				AssetKey   string `json:"asset_key"`
				CheckID    string `json:"check_id"`
				CheckTitle string `json:"check_title"`
				Message    string `json:"message"`
			}
			list := func(slug, query string) []item {
				t.Helper()
				w := f.call(t, f.Acme.Tokens[posture.RoleViewer], "GET", "/api/v1/tenants/"+slug+"/findings?limit=500&"+query, "")
				if w.Code != 200 {
					t.Fatalf("%s: %d %s", query, w.Code, w.Body.String())
				}
				var page struct {
					Items []item `json:"items"`
				}
				must(t, json.Unmarshal(w.Body.Bytes(), &page))
				return page.Items
			}
			all := list("acme", "")
			mine := map[int64]bool{}
			for _, it := range all {
				mine[it.ID] = true
			}
			// A title none of the findings' own text holds.
			title := ""
			for _, it := range all {
				lt := strings.ToLower(it.CheckTitle)
				own := false
				for _, o := range all {
					if strings.Contains(strings.ToLower(o.CheckID+"\n"+o.Message+"\n"+o.AssetKey), lt) {
						own = true
						break
					}
				}
				if lt != "" && !own {
					title = it.CheckTitle
					break
				}
			}
			if title == "" {
				t.Fatal("every title is also in some finding's own text")
			}
			want := 0
			for _, it := range all {
				if strings.EqualFold(it.CheckTitle, title) {
					want++
				}
			}
			got := list("acme", "q="+url.QueryEscape(strings.ToUpper(title)))
			if len(got) != want {
				t.Fatalf("q=%q: %d findings, want %d (its check's)", title, len(got), want)
			}
			for _, it := range got {
				if !strings.EqualFold(it.CheckTitle, title) || !mine[it.ID] {
					t.Fatalf("q=%q listed %+v", title, it)
				}
			}
		})
	}
}
