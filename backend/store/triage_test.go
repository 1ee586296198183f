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

// sortFixture is a tenant whose findings were written by three runs, with the stored first
// and last seen of each finding known by its asset key.
type sortFixture struct {
	tenant, target int64
	first, last    map[string]time.Time
	severity       map[string]posture.Severity
}

func labelled(i int, message string) posture.Result {
	key := fmt.Sprintf("w%02d", i)
	return posture.Result{CheckID: "check", Severity: posture.Severity(i % 5), Status: posture.Fail, Message: message,
		Asset: &posture.Asset{Kind: posture.AssetWorkload, Key: "apps/Deployment/shop/" + key, Name: key, Namespace: "shop",
			Labels: map[string]string{"app.kubernetes.io/name": key, "tier": []string{"web", "db"}[i%2]}}}
}

// seedSortFixture: run 1 (complete) opens w00-w11; run 2 (complete) changes w03 and w07,
// resolves w05 and opens w12-w19; run 3 (partial) changes w12 and opens w20-w22.
func seedSortFixture(t *testing.T, db *store.DB) sortFixture {
	ten, tgt := seedTenant(t, db, "acme")
	fx := sortFixture{tenant: ten.ID, target: tgt.ID, first: map[string]time.Time{}, last: map[string]time.Time{}, severity: map[string]posture.Severity{}}
	var run1, run2, run3 []posture.Result
	for i := 0; i < 23; i++ {
		key := fmt.Sprintf("apps/Deployment/shop/w%02d", i)
		fx.severity[key] = posture.Severity(i % 5)
		switch {
		case i < 12:
			run1 = append(run1, labelled(i, "v1"))
			fx.first[key], fx.last[key] = t0.Add(time.Second), t0.Add(time.Second)
			if i == 3 || i == 7 {
				run2 = append(run2, labelled(i, "v2"))
				fx.last[key] = t0.Add(time.Hour + time.Second)
			} else if i != 5 {
				run2 = append(run2, labelled(i, "v1"))
			}
		case i < 20:
			run2 = append(run2, labelled(i, "v1"))
			fx.first[key], fx.last[key] = t0.Add(time.Hour+time.Second), t0.Add(time.Hour+time.Second)
			if i == 12 {
				run3 = append(run3, labelled(i, "v2"))
				fx.last[key] = t0.Add(2*time.Hour + time.Second)
			}
		default:
			run3 = append(run3, labelled(i, "v1"))
			fx.first[key], fx.last[key] = t0.Add(2*time.Hour+time.Second), t0.Add(2*time.Hour+time.Second)
		}
	}
	finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0, run1...)
	finishRun(t, db, ten.ID, tgt.ID, posture.RunComplete, t0.Add(time.Hour), run2...)
	finishRun(t, db, ten.ID, tgt.ID, posture.RunPartial, t0.Add(2*time.Hour), run3...)
	return fx
}

// expected orders findings as the sort says, by the fixture's stored values, then id.
func (fx sortFixture) expected(all []posture.Finding, sort string) []int64 {
	desc := !strings.HasPrefix(sort, "-")
	key := func(f posture.Finding) int64 {
		switch strings.TrimPrefix(sort, "-") {
		case "first_seen":
			return fx.first[f.AssetKey].UnixNano()
		case "last_seen":
			return fx.last[f.AssetKey].UnixNano()
		}
		return int64(fx.severity[f.AssetKey])
	}
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, func(a, b posture.Finding) int {
		c := int64Cmp(key(a), key(b))
		if c == 0 {
			c = int64Cmp(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
	ids := make([]int64, len(sorted))
	for i, f := range sorted {
		ids[i] = f.ID
	}
	return ids
}

func int64Cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestIntegrationFindingSortsPageWithoutGapsOrDuplicates(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		full, err := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Limit: 500})
		if err != nil || len(full.Findings) != 23 {
			t.Fatalf("all findings = %d, %v; want 23", len(full.Findings), err)
		}
		for _, sort := range posture.FindingSorts {
			want := fx.expected(full.Findings, sort)
			var got []int64
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatalf("%s: more pages than findings", sort)
				}
				page, err := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Sort: sort, Cursor: cursor, Limit: 4})
				if err != nil {
					t.Fatalf("%s page %d: %v", sort, pages, err)
				}
				for _, f := range page.Findings {
					got = append(got, f.ID)
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("sort %s paged\n %v\nwant\n %v", sort, got, want)
			}
		}
		// The default is severity.
		if want := fx.expected(full.Findings, "severity"); !slices.Equal(idsOf(full.Findings), want) {
			t.Errorf("default order %v, want %v", idsOf(full.Findings), want)
		}
		_, err = db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Sort: "message"})
		wantCode(t, err, posture.EINVALID)
	})
}

func idsOf(fs []posture.Finding) []int64 {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}

func TestIntegrationFindingCursorBelongsToItsSort(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		page, err := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Sort: "first_seen", Limit: 5})
		if err != nil || page.NextCursor == "" {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		for _, other := range []string{"", "severity", "-first_seen", "last_seen"} {
			_, err := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Sort: other, Cursor: page.NextCursor, Limit: 5})
			wantMessage(t, err, posture.EINVALID, "cursor does not match sort")
		}
		_, err = db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Sort: "first_seen", Cursor: "Zmlyc3Rfc2Vlbjp4OjE", Limit: 5}) // "first_seen:x:1"
		wantMessage(t, err, posture.EINVALID, "malformed cursor")
	})
}

func TestIntegrationFindingLabelAndTextFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		count := func(f posture.FindingFilter) int {
			t.Helper()
			f.Limit = 500
			page, err := db.ListFindings(ctx, fx.tenant, f)
			if err != nil {
				t.Fatalf("filter %+v: %v", f, err)
			}
			return len(page.Findings)
		}
		for label, want := range map[string]int{
			"app.kubernetes.io/name=w07":        1,
			"tier=db":                           11,
			"tier=":                             0,
			"missing=web":                       0,
			"tier=web' OR '1'='1":               0,
			`tier=%`:                            0,
			`tier=web"); DROP TABLE assets; --`: 0,
		} {
			if got := count(posture.FindingFilter{Label: label}); got != want {
				t.Errorf("label %q: %d findings, want %d", label, got, want)
			}
		}
		for _, bad := range []string{"tier", "=web", "bad key=x", `ti"er=x`, "-tier=x", "a/b/c=x", "Example.COM/x=y", strings.Repeat("k", 64) + "=v"} {
			_, err := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Label: bad})
			wantCode(t, err, posture.EINVALID)
		}
		// Free text finds the asset key, not only the message, check and namespace.
		if got := count(posture.FindingFilter{Text: "Deployment/shop/w1"}); got != 10 {
			t.Errorf("text on asset key: %d findings, want 10 (w10-w19)", got)
		}
		if got := count(posture.FindingFilter{Text: "v2", Label: "tier=db"}); got != 2 {
			t.Errorf("text and label together: %d, want 2 (w03, w07)", got)
		}
	})
}

func TestIntegrationUpdateFindingsValidation(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		page, err := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		ids := idsOf(page.Findings)
		if page.Findings[0].Triage != posture.TriageNew || page.Findings[0].Assignee != "" {
			t.Fatalf("a new finding = %+v, want triage new, no assignee", page.Findings[0])
		}
		ack := posture.TriageAcknowledged
		bad := []posture.FindingUpdate{
			{Triage: &ack, Actor: "alice"},
			{IDs: make([]int64, 1001), Triage: &ack, Actor: "alice"},
			{IDs: ids, Actor: "alice"},
			{IDs: ids, Triage: ptr(posture.Triage("done")), Actor: "alice"},
			{IDs: ids, Assignee: ptr(strings.Repeat("a", 201)), Actor: "alice"},
			{IDs: ids, Triage: &ack},
			{IDs: ids, Triage: &ack, Actor: "alice", Note: strings.Repeat("n", 2001)},
		}
		for _, u := range bad {
			_, err := db.UpdateFindings(ctx, fx.tenant, u)
			wantCode(t, err, posture.EINVALID)
		}
	})
}

// An update naming one finding of another tenant changes nothing, not even the tenant's own.
func TestIntegrationUpdateFindingsIsAllOrNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		ids := firstIDs(t, db, fx.tenant, 1)
		ack := posture.TriageAcknowledged
		other, otherTarget := seedTenant(t, db, "other")
		finishRun(t, db, other.ID, otherTarget.ID, posture.RunComplete, t0, labelled(1, "theirs"))
		theirs, err := db.ListFindings(ctx, other.ID, posture.FindingFilter{})
		if err != nil || len(theirs.Findings) != 1 {
			t.Fatalf("other tenant's findings = %+v, %v", theirs, err)
		}
		foreign := theirs.Findings[0].ID
		_, err = db.UpdateFindings(ctx, fx.tenant, posture.FindingUpdate{IDs: []int64{ids[0], foreign}, Triage: &ack, Actor: "alice"})
		wantMessage(t, err, posture.ENOTFOUND, fmt.Sprintf("finding %d not found", foreign))
		_, err = db.UpdateFindings(ctx, other.ID, posture.FindingUpdate{IDs: []int64{ids[0]}, Triage: &ack, Actor: "mallory"})
		wantCode(t, err, posture.ENOTFOUND)
		if f, _ := db.Finding(ctx, fx.tenant, ids[0]); f.Triage != posture.TriageNew {
			t.Fatalf("a failed update changed finding %d: %+v", ids[0], f)
		}
		if got := eventKinds(t, db, fx.tenant, ids[0]); got != "[opened]" {
			t.Fatalf("a failed update wrote events: %s", got)
		}
	})
}

func TestIntegrationUpdateFindingsRecordsAndFilters(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		ids := firstIDs(t, db, fx.tenant, 3)
		ack := posture.TriageAcknowledged

		got, err := db.UpdateFindings(ctx, fx.tenant, posture.FindingUpdate{IDs: []int64{ids[1], ids[0], ids[1]}, Triage: &ack,
			Assignee: ptr("bob"), Actor: "alice", Note: "looking into it"})
		if err != nil || len(got) != 2 || got[0].ID != ids[1] || got[1].Triage != ack || got[1].Assignee != "bob" || got[1].AssetKey == "" {
			t.Fatalf("update = %+v, %v", got, err)
		}
		events, err := db.FindingEvents(ctx, fx.tenant, ids[0])
		if err != nil || len(events) != 2 {
			t.Fatalf("events = %+v, %v", events, err)
		}
		last := events[1]
		if last.Kind != posture.EventStatus || last.Actor != "alice" || last.RunID != nil ||
			last.Note != `triage new -> acknowledged; assignee "" -> "bob"; note: looking into it` {
			t.Fatalf("triage event = %+v", last)
		}
		// Setting what is already set records nothing more.
		if _, err := db.UpdateFindings(ctx, fx.tenant, posture.FindingUpdate{IDs: ids[:1], Assignee: ptr("bob"), Actor: "alice"}); err != nil {
			t.Fatal(err)
		}
		if got := eventKinds(t, db, fx.tenant, ids[0]); got != "[opened status_changed]" {
			t.Fatalf("no-op update wrote an event: %s", got)
		}

		// Filters see the new state; a later run leaves the triage alone.
		finishRun(t, db, fx.tenant, fx.target, posture.RunPartial, t0.Add(3*time.Hour), labelled(0, "v3"), labelled(3, "v3"))
		for _, f := range []posture.FindingFilter{{Triage: []posture.Triage{ack}}, {Assignee: "bob"}, {Triage: []posture.Triage{ack, posture.TriageWontFix}, Assignee: "bob"}} {
			page, err := db.ListFindings(ctx, fx.tenant, f)
			if err != nil || !slices.Equal(sortedIDs(page.Findings), sortedIDs(got)) {
				t.Errorf("filter %+v = %v, %v; want %v", f, idsOf(page.Findings), err, idsOf(got))
			}
		}
		if page, _ := db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Triage: []posture.Triage{posture.TriageNew}, Limit: 500}); len(page.Findings) != 21 {
			t.Errorf("findings still new = %d, want 21", len(page.Findings))
		}
		_, err = db.ListFindings(ctx, fx.tenant, posture.FindingFilter{Triage: []posture.Triage{"done"}})
		wantCode(t, err, posture.EINVALID)
	})
}

// firstIDs returns the ids of the tenant's first n findings in the default order.
func firstIDs(t *testing.T, db *store.DB, tenantID int64, n int) []int64 {
	t.Helper()
	page, err := db.ListFindings(context.Background(), tenantID, posture.FindingFilter{Limit: n})
	if err != nil || len(page.Findings) != n {
		t.Fatalf("first %d findings = %+v, %v", n, page, err)
	}
	return idsOf(page.Findings)
}

func sortedIDs(fs []posture.Finding) []int64 {
	ids := idsOf(fs)
	slices.Sort(ids)
	return ids
}

func eventKinds(t *testing.T, db *store.DB, tenantID, findingID int64) string {
	t.Helper()
	events, err := db.FindingEvents(context.Background(), tenantID, findingID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []posture.FindingEventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	return fmt.Sprint(kinds)
}

// Migration 00005 goes down and up again with findings in the table.
func TestIntegrationTriageMigrationDownWithData(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := seedSortFixture(t, db)
		if _, err := db.UpdateFindings(ctx, fx.tenant, posture.FindingUpdate{IDs: []int64{1}, Triage: ptr(posture.TriageWontFix), Actor: "alice"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MigrateDown(ctx, 4); err != nil {
			t.Fatalf("down to 4: %v", err)
		}
		if err := db.Exec(ctx, "SELECT triage FROM findings"); err == nil {
			t.Fatal("triage column still there after down")
		}
		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		f, err := db.Finding(ctx, fx.tenant, 1)
		if err != nil || f.Triage != posture.TriageNew {
			t.Fatalf("finding after down and up = %+v, %v; want triage back to new", f, err)
		}
	})
}
