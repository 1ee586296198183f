package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
)

// textTitles stands for the catalog's titles: the API turns them into TextChecks.
var textTitles = map[string]string{
	"k8s.alpha": "Alpha rule", "k8s.beta": "Beta rule on a Needle", "k8s.gamma-Probe": "Gamma rule", "k8s.delta": "Delta rule",
}

func titledChecks(text string) []string {
	var ids []string
	for id, title := range textTitles {
		if strings.Contains(strings.ToLower(title), strings.ToLower(text)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// seedTextFixture writes two complete runs of 40 workloads in three namespaces: run 1 sees
// svc-00 to svc-29, run 2 svc-05 to svc-39 but those whose number divides by nine, so that
// findings were first seen at two times and some are resolved. Each workload fails two or
// three checks; k8s.delta fails on two workloads only. Messages carry "needle" here and
// there, and one "100%_done".
func seedTextFixture(t *testing.T, db *store.DB, slug string) int64 {
	t.Helper()
	ten, tgt := seedTenant(t, db, slug)
	result := func(i int, check string, sev posture.Severity, run int) posture.Result {
		ns := []string{"shop", "pay", "ops"}[i%3]
		kind := "Deployment"
		if i%4 == 0 {
			kind = "StatefulSet"
		}
		name := fmt.Sprintf("svc-%02d", i)
		msg := fmt.Sprintf("%s Haystack on %s", check, name)
		switch {
		case (i+len(check))%7 == 0:
			msg = fmt.Sprintf("a NEEDLE in run %d", run)
		case i == 13 && check == "k8s.beta":
			msg = "100%_done"
		}
		return posture.Result{CheckID: check, Severity: sev, Status: posture.Fail, Message: msg, SubKey: "container:app",
			Asset: &posture.Asset{Kind: posture.AssetWorkload, Key: "apps/" + kind + "/" + ns + "/" + name, Name: name, Namespace: ns,
				Labels: map[string]string{"app.kubernetes.io/name": name, "tier": []string{"web", "db"}[i%2]}}}
	}
	results := func(run int, in func(i int) bool) []posture.Result {
		var out []posture.Result
		for i := 0; i < 40; i++ {
			if !in(i) {
				continue
			}
			out = append(out, result(i, "k8s.alpha", posture.SeverityHigh, run), result(i, "k8s.gamma-Probe", posture.SeverityLow, run))
			if i%2 == 0 {
				out = append(out, result(i, "k8s.beta", posture.SeverityMedium, run))
			}
			if i == 11 || i == 33 {
				out = append(out, result(i, "k8s.delta", posture.SeverityCritical, run))
			}
		}
		return out
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0, results(1, func(i int) bool { return i < 30 })...)
	finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(time.Hour), results(2, func(i int) bool { return i >= 5 && i%9 != 0 })...)
	return ten.ID
}

// wantText is free text by its definition (textFindings), from the list without the text:
// a match of the check id, the check's title or the asset key anywhere, of the message in
// the first window findings of the list without the text and the label.
func wantText(t *testing.T, db *store.DB, tenant int64, f posture.FindingFilter, window int) []int64 {
	t.Helper()
	ctx := context.Background()
	text, label := f.Text, f.Label
	f.Text, f.TextChecks, f.Label, f.Cursor, f.Limit = "", nil, "", "", 500
	all, err := db.ListFindings(ctx, tenant, f)
	if err != nil {
		t.Fatal(err)
	}
	labelled := map[int64]bool{}
	if label != "" {
		f.Label = label
		page, err := db.ListFindings(ctx, tenant, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Findings {
			labelled[x.ID] = true
		}
	}
	lower := strings.ToLower(text)
	var ids []int64
	for i, x := range all.Findings {
		if label != "" && !labelled[x.ID] {
			continue
		}
		if strings.Contains(strings.ToLower(x.CheckID), lower) || slices.Contains(titledChecks(text), x.CheckID) ||
			strings.Contains(strings.ToLower(x.AssetKey), lower) || (i < window && strings.Contains(strings.ToLower(x.Message), lower)) {
			ids = append(ids, x.ID)
		}
	}
	return ids
}

// pageAll lists every page of f, limit findings at a time.
func pageAll(t *testing.T, db *store.DB, tenant int64, f posture.FindingFilter, limit int) []int64 {
	t.Helper()
	var ids []int64
	f.Limit, f.Cursor = limit, ""
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatalf("%+v: more than 200 pages", f)
		}
		page, err := db.ListFindings(context.Background(), tenant, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if len(page.Findings) > limit || (page.NextCursor != "" && len(page.Findings) != limit) {
			t.Fatalf("%+v: page of %d with next cursor %q", f, len(page.Findings), page.NextCursor)
		}
		for _, x := range page.Findings {
			ids = append(ids, x.ID)
		}
		if f.Cursor = page.NextCursor; f.Cursor == "" {
			return ids
		}
	}
}

// Free text matches the check id, the check's title and the asset key everywhere, and the
// message within the window; results are in the list's order and page without gaps or
// repeats, whatever the page size, sort, statuses and label, on both dialects, and with
// limits small enough that every way PostgreSQL reads the matches is taken (assets
// collected or looked up, checks read in order, collected or walked, labels of few assets
// or many).
func TestIntegrationFindingTextSearch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tenant := seedTextFixture(t, db, "acme")
		other := seedTextFixture(t, db, "other") // the same texts in another tenant
		const window = 7
		defer store.SetTextSearchLimits(window, 3, 4, 5)()

		mine := map[int64]bool{}
		page, err := db.ListFindings(ctx, tenant, posture.FindingFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Findings {
			mine[x.ID] = true
		}
		open := []posture.FindingStatus{posture.FindingOpen}
		filters := map[string]posture.FindingFilter{
			"open":          {Statuses: open},
			"open+resolved": {Statuses: []posture.FindingStatus{posture.FindingOpen, posture.FindingResolved}},
			"any status":    {},
			"namespace":     {Statuses: open, Namespace: "pay"},
			"tier label":    {Statuses: open, Label: "tier=db"},                       // more than 5 assets
			"name label":    {Statuses: open, Label: "app.kubernetes.io/name=svc-14"}, // one
		}
		texts := []string{
			"needle",      // messages (in and past the window) and a title
			"SHOP/",       // many asset keys
			"svc-1",       // more than 3 asset keys
			"svc-07",      // one asset key
			"GAMMA-probe", // a check id, every workload
			"delta",       // a check id and title, two workloads
			"rule",        // every title
			"0%_d",        // wildcards are literal: one message
			"w_1",         // nothing
			"haystack on svc-2",
			"s", // every check and key
		}
		matched := 0
		for name, f := range filters {
			for _, text := range texts {
				for _, sort := range []string{"", "-severity", "first_seen", "-last_seen"} {
					f := f
					f.Text, f.TextChecks, f.Sort = text, titledChecks(text), sort
					want := wantText(t, db, tenant, f, window)
					matched += len(want)
					for _, limit := range []int{2, 500} {
						got := pageAll(t, db, tenant, f, limit)
						if !slices.Equal(got, want) {
							t.Fatalf("%s, q=%q, sort %q, %d a page:\n got %v\nwant %v", name, text, sort, limit, got, want)
						}
						for _, id := range got {
							if !mine[id] {
								t.Fatalf("%s, q=%q: finding %d of another tenant", name, text, id)
							}
						}
					}
				}
			}
		}
		if matched == 0 {
			t.Fatal("no text matched anything")
		}
		// The other tenant finds its own.
		if got := pageAll(t, db, other, posture.FindingFilter{Text: "svc-07"}, 50); len(got) == 0 || mine[got[0]] {
			t.Fatalf("other tenant's search = %v", got)
		}
	})
}

// The message is searched in the window only; the check, title and key everywhere.
func TestIntegrationFindingTextMessageWindow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tenant := seedTextFixture(t, db, "acme")
		count := func(f posture.FindingFilter) int {
			t.Helper()
			return len(pageAll(t, db, tenant, f, 500))
		}
		open := []posture.FindingStatus{posture.FindingOpen}
		wide := count(posture.FindingFilter{Statuses: open, Text: "run 2"})
		if wide == 0 {
			t.Fatal(`no message holds "run 2"`)
		}
		restore := store.SetTextSearchLimits(5, 1000, 5000, 1000)
		defer restore()
		if got := count(posture.FindingFilter{Statuses: open, Text: "run 2"}); got == 0 || got >= wide || got > 5 {
			t.Errorf("message matches with a window of 5 = %d, want 1-5 and fewer than %d", got, wide)
		}
		// A narrower list has its own window.
		if got := count(posture.FindingFilter{Statuses: open, Text: "run 2", CheckIDs: []string{"k8s.delta"}}); got != 1 {
			t.Errorf("message matches among k8s.delta's two = %d, want 1", got)
		}
		// Key, check and title matches are not bounded by the window.
		all := pageAll(t, db, tenant, posture.FindingFilter{Statuses: open}, 500)
		page, err := db.ListFindings(ctx, tenant, posture.FindingFilter{Statuses: open, Limit: 500})
		if err != nil || len(page.Findings) != len(all) {
			t.Fatalf("list = %d, %v", len(page.Findings), err)
		}
		for text, of := range map[string]func(f posture.Finding) bool{
			"/pay/":       func(f posture.Finding) bool { return f.Namespace == "pay" },
			"gamma-probe": func(f posture.Finding) bool { return f.CheckID == "k8s.gamma-Probe" },
			"Beta rule":   func(f posture.Finding) bool { return f.CheckID == "k8s.beta" },
		} {
			want := 0
			for _, f := range page.Findings {
				if of(f) {
					want++
				}
			}
			f := posture.FindingFilter{Statuses: open, Text: text, TextChecks: titledChecks(text)}
			if got := count(f); got != want || want <= 5 {
				t.Errorf("q=%q: %d findings, want %d (more than the window)", text, got, want)
			}
		}
	})
}

// Migration 00009 fills asset_search from the assets already there, and goes down again.
func TestIntegrationTextSearchMigrationWithData(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tenant := seedTextFixture(t, db, "acme")
		defer store.SetTextSearchLimits(3, 1000, 5000, 1000)() // keys past the window
		f := posture.FindingFilter{Statuses: []posture.FindingStatus{posture.FindingOpen}, Text: "ops/svc-2"}
		before := pageAll(t, db, tenant, f, 500)
		if len(before) < 5 {
			t.Fatalf("q=%q before: %v", f.Text, before)
		}
		if _, err := db.MigrateDown(ctx, 8); err != nil {
			t.Fatalf("down to 8: %v", err)
		}
		if db.Dialect() == store.Postgres {
			if err := db.Exec(ctx, "SELECT 1 FROM asset_search"); err == nil {
				t.Fatal("asset_search still there after down")
			}
		}
		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if after := pageAll(t, db, tenant, f, 500); !slices.Equal(after, before) {
			t.Fatalf("q=%q after down and up = %v, want %v", f.Text, after, before)
		}
	})
}
