package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// textWindow is how many findings free text also searches by message: the first textWindow
// of the list, in its order, with every filter but the text and the label applied (see
// textFindings). Reading the window is most of the cost of a search whose matches are few
// (every one of its findings is read from the table): at 1,000,000 findings on 2 loaded
// cores, a workload's name took 16 ms (p50) to search with 5,000 and 30 ms with 10,000,
// whose p95 through the API came to 78-103 ms. Past the window, the list is read textWindow
// findings at a time where it is walked. A variable for tests.
var textWindow = 5_000

// textAssets is how many assets a text may match for their findings to be collected through
// findings_asset; beyond it, each finding's asset is looked up in asset_search instead (so
// many assets have findings all over the list). A variable for tests.
var textAssets = 1000

// textCollect is how many findings of a matched check, at most, are collected and sorted
// rather than met by walking the list, where no index has a check's findings in the list's
// order (the orders by time, several statuses). A variable for tests.
var textCollect = 5000

// textFindings lists the findings that match free text, on both dialects. The text matches
// (case-insensitive, LIKE wildcards literal) when it is part of
//
//   - the finding's check id, or its check's title (FindingFilter.TextChecks: the API knows
//     the catalog);
//   - its asset's key, which holds the asset's kind, namespace and name
//     ("apps/Deployment/shop/web"; a finding's namespace is its asset's);
//   - its message, for the findings in the message window only: the first textWindow of the
//     list in its order, with every filter but the text and the label applied, counted from
//     the top of the list and not from the cursor, so that every page of a listing answers
//     the same question. Deeper findings match by check or asset only.
//
// The message is the only text that is the finding's own. Searching every message needs an
// index on the findings' text, which made persisting too slow (migration 00009), or a scan of
// the tenant's findings (more than a second at 1,000,000). Everything else is resolved
// against small sets first, and the findings of what matched are read by index.
//
// SQLite takes these conditions in one query; PostgreSQL runs textSearch.
func (db *DB) textFindings(ctx context.Context, tenantID int64, w findingWhere, sort findingSort, cursor *position, n int) ([]findingRow, error) {
	t := w.text
	if db.dialect == Postgres {
		var rows []findingRow
		err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// The plans' costs count a lookup per finding for all the findings a walk could
			// read, not the few it reads before its LIMIT stops it; JIT compilation
			// triggered by such a cost takes longer (about 250 ms) than the query.
			if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
				return err
			}
			s := &textSearch{q: tx, tenantID: tenantID, plain: w.plain, cursor: cursor, t: t, sort: sort,
				walk: w.ordered && sort.column == "severity"}
			var err error
			rows, err = s.run(n)
			return err
		}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		return rows, err
	}
	conds := w.plain
	if cursor != nil {
		conds = plus(conds, sort.after(cursor.key, cursor.id))
	}
	message := cond{`LOWER(findings.message) LIKE ? ESCAPE '\'`, []any{t.pat}}
	end, err := windowEndOf(db.gorm.WithContext(ctx), w.plain, sort)
	if err != nil {
		return nil, err
	}
	if end != nil {
		message = and(message, sort.upTo(end.key, end.id))
	}
	match := cond{`LOWER(findings.check_id) LIKE ? ESCAPE '\'`, []any{t.pat}}
	if len(t.titled) > 0 {
		match = or(match, cond{`findings.check_id IN ?`, []any{t.titled}})
	}
	match = or(match, cond{assetIn + `LOWER(a.key) LIKE ? ESCAPE '\')`, []any{tenantID, t.pat}})
	conds = append(conds, or(match, message))
	if t.label != nil {
		conds = append(conds, t.label.plain)
	}
	var rows []findingRow
	q := db.gorm.WithContext(ctx).Model(&findingRow{}).Select(findingColumns)
	for _, c := range conds {
		q = q.Where(c.sql, c.args...)
	}
	return rows, q.Order(sort.order()).Limit(n).Find(&rows).Error
}

// textSearch is one page of a free-text search on PostgreSQL, in one read-only transaction
// (one snapshot for its queries):
//
//  1. the checks whose id matches (one index descent per distinct check of the tenant) or
//     whose title does, and the assets whose key matches (asset_search's trigram index), are
//     found first;
//  2. the window is probed: its findings after the cursor are read in order and each is
//     tested against the message, the checks and the assets; a full page is the answer;
//  3. otherwise, when the list goes on past the window, the rest of the page is the first
//     findings past it of the matched checks and assets, each set read the way that suits
//     it, and merged by their sort keys: a check's findings through findings_check, which is
//     in the severity order for a check (other orders: collected when the check has at most
//     textCollect findings); at most textAssets assets' findings through findings_asset,
//     collected; the rest by walking the list, textWindow findings at a time.
//
// With a label that at most fewAssets assets have, their findings (some thousands) are the
// candidates instead, tested at once.
//
// A query has at most one keyset condition (a row comparison on the sort key) for an index
// to start from: with two, PostgreSQL may bound its scan by neither.
type textSearch struct {
	q        *gorm.DB
	tenantID int64
	plain    []cond    // the filters but the text and the label
	cursor   *position // the page starts after it; nil: the first page
	t        *findingText
	sort     findingSort
	// walk: plain is a range of findings_list, in the severity order, so that a walk of the
	// list reads only findings of the list; otherwise a window is read whole, the planner
	// choosing how for textWindow findings rather than for a page.
	walk bool
}

// textMatches are what the text matched before any finding is read.
type textMatches struct {
	checks []string
	assets *cond // the finding's asset is one of the few assets whose key matched
	many   *cond // the finding's asset key matches (looked up for each finding): too many assets matched
	any    *cond // the finding matches by check or asset; nil: nothing matched
}

func (s *textSearch) run(n int) ([]findingRow, error) {
	m, err := s.matches()
	if err != nil {
		return nil, err
	}
	message := cond{`LOWER(findings.message) LIKE ? ESCAPE '\'`, []any{s.t.pat}}
	if s.t.label != nil {
		ids, few, err := fewAssetsOf(s.q, &s.t.label.assets)
		if err != nil || (few && len(ids) == 0) {
			return nil, err
		}
		if few {
			return s.amongAssets(ids, message, m, n)
		}
	}
	test := message
	if m.any != nil {
		test = or(test, *m.any)
	}
	if s.t.label != nil {
		test = and(test, s.t.label.of) // more than fewAssets assets have it
	}
	rows, end, err := s.inWindow(test, n)
	if err != nil || len(rows) == n || end == nil || m.any == nil {
		return rows, err
	}
	more, err := s.pastWindow(*end, m, n-len(rows))
	if err != nil {
		return nil, err
	}
	return append(rows, more...), nil
}

// matches finds the checks and assets the text matches.
func (s *textSearch) matches() (textMatches, error) {
	var m textMatches
	var err error
	if m.checks, err = s.checks(); err != nil {
		return m, err
	}
	assets, many, err := s.assets()
	if err != nil {
		return m, err
	}
	var checkSet *cond
	if len(m.checks) > 0 {
		checkSet = &cond{`findings.check_id IN ?`, []any{m.checks}}
	}
	if many {
		m.many = &cond{`(SELECT s.key_lower FROM asset_search s WHERE s.tenant_id = findings.tenant_id
 AND s.asset_id = findings.asset_id) LIKE ? ESCAPE '\'`, []any{s.t.pat}}
	} else if len(assets) > 0 {
		m.assets = &cond{`findings.asset_id IN ?`, []any{assets}}
	}
	m.any = anyOf(checkSet, m.assets, m.many)
	return m, nil
}

// amongAssets is the page when a label that few assets have is given: their findings (some
// thousands) are the candidates, tested at once.
func (s *textSearch) amongAssets(ids []int64, message cond, m textMatches, n int) ([]findingRow, error) {
	end, err := windowEndOf(s.q, s.plain, s.sort)
	if err != nil {
		return nil, err
	}
	if end != nil {
		message = and(message, s.sort.upTo(end.key, end.id))
	}
	match := message
	if m.any != nil {
		match = or(match, *m.any)
	}
	found, err := s.collect(plus(s.plain, cond{`findings.asset_id IN ?`, []any{ids}}, match), s.afterCursor(), n)
	if err != nil {
		return nil, err
	}
	return s.fetch(found)
}

// afterCursor is the keyset condition of the page's cursor, if any.
func (s *textSearch) afterCursor() []cond {
	if s.cursor == nil {
		return nil
	}
	return []cond{s.sort.after(s.cursor.key, s.cursor.id)}
}

// inWindow returns the first n findings of the window after the cursor that pass test, and
// where the window ends (nil: the list ends first). With a full page, end may be left nil.
func (s *textSearch) inWindow(test cond, n int) (rows []findingRow, end *position, err error) {
	if s.cursor == nil {
		// The window is the first textWindow findings: no need to know where it ends yet.
		if rows, err = s.probe(s.plain, nil, test, findingColumns, n); err != nil || len(rows) == n {
			return rows, nil, err
		}
		end, err = windowEndOf(s.q, s.plain, s.sort)
		return rows, end, err
	}
	if end, err = windowEndOf(s.q, s.plain, s.sort); err != nil {
		return nil, nil, err
	}
	if end == nil || s.sort.before(*s.cursor, *end) {
		// At most textWindow findings of the window follow the cursor.
		rows, err = s.probe(plus(s.plain, s.afterCursor()...), end, test, findingColumns, n)
	}
	return rows, end, err
}

// pastWindow returns the first n findings past the window's end (and the cursor) that
// match by check or asset, each set read the way that suits it, merged by their sort keys.
func (s *textSearch) pastWindow(end position, m textMatches, n int) ([]findingRow, error) {
	from := end
	if s.cursor != nil && s.sort.before(from, *s.cursor) {
		from = *s.cursor
	}
	past := s.sort.after(from.key, from.id)
	label := func(cs []cond) []cond {
		if s.t.label != nil {
			return append(cs, s.t.label.of)
		}
		return cs
	}
	var found []findingRow
	add := func(rs []findingRow, err error) error {
		found = append(found, rs...)
		return err
	}
	if m.assets != nil {
		if err := add(s.collect(label(plus(s.plain, *m.assets)), []cond{past}, n)); err != nil {
			return nil, err
		}
	}
	walkSets := []*cond{m.many}
	if s.walk && len(m.checks) > 0 {
		each := make([][]cond, len(m.checks))
		for i, c := range m.checks {
			each[i] = label(plus(s.plain, past, cond{`findings.check_id = ?`, []any{c}}))
		}
		if err := add(s.first(each, n)); err != nil {
			return nil, err
		}
	} else if len(m.checks) > 0 {
		rare, common, err := s.splitChecks(m.checks)
		if err != nil {
			return nil, err
		}
		if len(rare) > 0 {
			if err := add(s.collect(label(plus(s.plain, cond{`findings.check_id IN ?`, []any{rare}})), []cond{past}, n)); err != nil {
				return nil, err
			}
		}
		if len(common) > 0 {
			walkSets = append(walkSets, &cond{`findings.check_id IN ?`, []any{common}})
		}
	}
	if ws := anyOf(walkSets...); ws != nil {
		test := *ws
		if s.t.label != nil {
			test = and(test, s.t.label.of)
		}
		if err := add(s.walkFrom(from, test, n)); err != nil {
			return nil, err
		}
	}
	return s.fetch(s.merge(found, n))
}

// anyOf is the disjunction of the conditions given (nil ones left out; nil: none).
func anyOf(cs ...*cond) *cond {
	var out *cond
	for _, c := range cs {
		switch {
		case c == nil:
		case out == nil:
			out = c
		default:
			o := or(*out, *c)
			out = &o
		}
	}
	return out
}

// keyCols are the columns that place a finding in the list: its id and sort key.
func (s *textSearch) keyCols() string { return "findings.id, findings." + s.sort.column }

// probe returns (cols of) the first n findings that pass test among the first textWindow
// that conds select, in the list's order, and not past end (nil: no end).
func (s *textSearch) probe(conds []cond, end *position, test cond, cols string, n int) ([]findingRow, error) {
	sql, args := joinConds(conds)
	order := s.sort.order()
	if end != nil {
		// A filter on the window's rows, not a second bound for the index scan.
		test = and(s.sort.upTo(end.key, end.id), test)
	}
	var q string
	if s.walk {
		// Read in order through findings_list, and left as soon as the page is full.
		q = `SELECT ` + cols + ` FROM (SELECT * FROM findings WHERE ` + sql + ` ORDER BY ` + order +
			` LIMIT ?) AS findings WHERE ` + test.sql + ` ORDER BY ` + order + ` LIMIT ?`
		args = append(append(append(args, textWindow), test.args...), n)
	} else {
		q = `WITH w AS MATERIALIZED (SELECT findings.id, findings.tenant_id, findings.asset_id, findings.check_id, findings.message, findings.` +
			s.sort.column + ` FROM findings WHERE ` + sql + ` ORDER BY ` + order + ` LIMIT ?) SELECT ` + cols +
			` FROM findings WHERE findings.tenant_id = ? AND findings.id IN (SELECT findings.id FROM w AS findings WHERE ` + test.sql +
			` ORDER BY ` + order + ` LIMIT ?) ORDER BY ` + order
		args = append(append(append(append(args, textWindow), s.tenantID), test.args...), n)
	}
	var rows []findingRow
	if err := s.q.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}

// first returns the ids and sort keys of the first n findings that each of sets selects,
// each read in the list's order (for conditions an index serves in that order), in one
// statement.
func (s *textSearch) first(sets [][]cond, n int) ([]findingRow, error) {
	parts := make([]string, len(sets))
	var args []any
	for i, cs := range sets {
		sql, a := joinConds(cs)
		parts[i] = `(SELECT ` + s.keyCols() + ` FROM findings WHERE ` + sql + ` ORDER BY ` + s.sort.order() + ` LIMIT ?)`
		args = append(append(args, a...), n)
	}
	var rows []findingRow
	err := s.q.Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&rows).Error
	return rows, err
}

// collect returns the ids and sort keys of the first n findings that base selects and that
// keyset lets through, collecting them all before sorting: base selects a few thousand
// findings through an index that is not in the list's order, and leaving the keyset
// condition out of it keeps the planner on that index.
func (s *textSearch) collect(base, keyset []cond, n int) ([]findingRow, error) {
	sql, args := joinConds(base)
	q := `WITH c AS MATERIALIZED (SELECT ` + s.keyCols() + ` FROM findings WHERE ` + sql + `) SELECT ` + s.keyCols() +
		` FROM c AS findings`
	if len(keyset) > 0 {
		ksql, kargs := joinConds(keyset)
		q += ` WHERE ` + ksql
		args = append(args, kargs...)
	}
	var rows []findingRow
	err := s.q.Raw(q+` ORDER BY `+s.sort.order()+` LIMIT ?`, append(args, n)...).Scan(&rows).Error
	return rows, err
}

// walkFrom returns the ids and sort keys of the first n findings of the list after from
// that pass test, reading the list in order textWindow findings at a time: for sets of
// findings common enough to be met early.
func (s *textSearch) walkFrom(from position, test cond, n int) ([]findingRow, error) {
	var out []findingRow
	for {
		cs := plus(s.plain, s.sort.after(from.key, from.id))
		rows, err := s.probe(cs, nil, test, s.keyCols(), n-len(out))
		if err != nil {
			return nil, err
		}
		if out = append(out, rows...); len(out) == n {
			return out, nil
		}
		end, err := windowEndOf(s.q, cs, s.sort)
		if err != nil || end == nil {
			return out, err
		}
		from = *end
	}
}

// splitChecks sorts the matched checks into those with at most textCollect findings in the
// list and the others.
func (s *textSearch) splitChecks(checks []string) (rare, common []string, err error) {
	sql, args := joinConds(s.plain)
	for _, c := range checks {
		var count int
		if err := s.q.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM findings WHERE `+sql+` AND findings.check_id = ? LIMIT ?) AS x`,
			append(append([]any{}, args...), c, textCollect+1)...).Scan(&count).Error; err != nil {
			return nil, nil, err
		}
		if count > textCollect {
			common = append(common, c)
		} else {
			rare = append(rare, c)
		}
	}
	return rare, common, nil
}

// merge returns the first n of rows (ids and sort keys, possibly repeated) in the list's
// order.
func (s *textSearch) merge(rows []findingRow, n int) []findingRow {
	slices.SortFunc(rows, func(a, b findingRow) int {
		c := cmp.Compare(s.sort.key(a), s.sort.key(b))
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if s.sort.desc {
			c = -c
		}
		return c
	})
	rows = slices.CompactFunc(rows, func(a, b findingRow) bool { return a.ID == b.ID })
	return rows[:min(n, len(rows))]
}

// fetch reads the findings of keys (ids and sort keys, in the list's order).
func (s *textSearch) fetch(keys []findingRow) ([]findingRow, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	var rows []findingRow
	err := s.q.Raw(`SELECT `+findingColumns+` FROM findings WHERE findings.tenant_id = ? AND findings.id IN ? ORDER BY `+s.sort.order(),
		s.tenantID, ids).Scan(&rows).Error
	return rows, err
}

// distinctChecks lists the check ids of a tenant's findings with one descent of
// findings_check each (a loose index scan: there are tens of checks, not a million findings
// to read); the caller appends a condition on id.
const distinctChecks = `WITH RECURSIVE c(id) AS (
 SELECT MIN(check_id) FROM findings WHERE tenant_id = ?
 UNION ALL
 SELECT (SELECT MIN(f.check_id) FROM findings f WHERE f.tenant_id = ? AND f.check_id > c.id) FROM c WHERE c.id IS NOT NULL)
SELECT id FROM c WHERE id IS NOT NULL AND `

// checks returns the tenant's check ids that the text matches, by id or title.
func (s *textSearch) checks() ([]string, error) {
	match := cond{`LOWER(id) LIKE ? ESCAPE '\'`, []any{s.t.pat}}
	if len(s.t.titled) > 0 {
		match = or(match, cond{`id IN ?`, []any{s.t.titled}})
	}
	var ids []string
	err := s.q.Raw(distinctChecks+match.sql, append([]any{s.tenantID, s.tenantID}, match.args...)...).Scan(&ids).Error
	return ids, err
}

// assets returns the ids of the tenant's assets whose key the text matches (and that have
// the label, when one is given), or many when there are more than textAssets.
func (s *textSearch) assets() (ids []int64, many bool, err error) {
	q := `SELECT s.asset_id FROM asset_search s WHERE s.tenant_id = ? AND s.key_lower LIKE ? ESCAPE '\'`
	args := []any{s.tenantID, s.t.pat}
	if s.t.label != nil {
		q += ` AND s.asset_id IN (` + s.t.label.assets.sql + `)`
		args = append(args, s.t.label.assets.args...)
	}
	if err := s.q.Raw(q+` LIMIT ?`, append(args, textAssets+1)...).Scan(&ids).Error; err != nil {
		return nil, false, err
	}
	if len(ids) > textAssets {
		return nil, true, nil
	}
	return ids, false, nil
}

// windowEndOf returns the position of the textWindow-th finding of the list conds select, in
// the sort's order: the last of the window that starts there; nil when the list is not
// longer than that.
func windowEndOf(q *gorm.DB, conds []cond, sort findingSort) (*position, error) {
	var rows []findingRow
	q = q.Model(&findingRow{}).Select("findings.id, findings." + sort.column)
	for _, c := range conds {
		q = q.Where(c.sql, c.args...)
	}
	if err := q.Order(sort.order()).Offset(textWindow - 1).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &position{sort.key(rows[0]), rows[0].ID}, nil
}
