package store

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
)

var _ posture.FindingStore = (*DB)(nil)

const maxPageSize = 500

// findingColumns adds the asset's key, which users recognise, and derives last_seen: a live
// (open or suppressed) finding was seen by every complete run of its target since it was
// last written, because a complete run resolves what it does not see.
const findingColumns = `findings.id, findings.tenant_id, findings.target_id, findings.asset_id, findings.check_id,
 findings.sub_key, findings.fingerprint, findings.severity, findings.status, findings.message, findings.evidence,
 findings.namespace, findings.owner, findings.assignee, findings.triage, findings.first_seen, findings.resolved_at,
 findings.last_run_id, findings.content_hash, findings.last_seen,
 (SELECT a.key FROM assets a WHERE a.tenant_id = findings.tenant_id AND a.id = findings.asset_id) AS asset_key,
 CASE WHEN findings.status = 'resolved' THEN findings.last_seen ELSE COALESCE((
   SELECT MAX(r.finished_at) FROM collection_runs r
   WHERE r.tenant_id = findings.tenant_id AND r.target_id = findings.target_id AND r.status = 'complete'
     AND r.finished_at > findings.last_seen), findings.last_seen) END AS seen_at`

func findingFromRow(r findingRow) posture.Finding {
	f := posture.Finding{
		ID: r.ID, TenantID: r.TenantID, TargetID: r.TargetID, AssetID: r.AssetID, CheckID: r.CheckID,
		SubKey: r.SubKey, Fingerprint: r.Fingerprint, Severity: posture.Severity(r.Severity),
		Status: posture.FindingStatus(r.Status), Message: r.Message, Evidence: stringMap(r.Evidence),
		Namespace: r.Namespace, OwnerLabel: r.Owner, Triage: posture.Triage(r.Triage), Assignee: r.Assignee,
		AssetKey: r.AssetKey, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, ResolvedAt: r.ResolvedAt,
	}
	if r.LastRunID != nil {
		f.LastRunID = *r.LastRunID
	}
	if r.SeenAt.Valid && r.SeenAt.Time.After(f.LastSeen) {
		f.LastSeen = r.SeenAt.Time
	}
	return f
}

// likeEscape makes user text literal inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListFindings returns one page of a tenant's findings in the order f.Sort names (worst first
// by default), continuing from f.Cursor.
func (db *DB) ListFindings(ctx context.Context, tenantID int64, f posture.FindingFilter) (*posture.FindingPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > maxPageSize {
		return nil, posture.Errorf(posture.EINVALID, "limit must be at most %d", maxPageSize)
	}
	name := f.Sort
	if name == "" {
		name = "severity"
	}
	sort, ok := findingSorts[name]
	if !ok {
		return nil, posture.Errorf(posture.EINVALID, "unknown sort %q (want one of %s)", f.Sort, strings.Join(posture.FindingSorts, ", "))
	}
	w, err := db.findingConds(tenantID, f)
	if err != nil {
		return nil, err
	}
	var cursor *position
	var after []cond
	if f.Cursor != "" {
		key, id, err := decodeCursor(f.Cursor, name)
		if err != nil {
			return nil, err
		}
		cursor, after = &position{key, id}, []cond{sort.after(key, id)}
	}
	var rows []findingRow
	switch {
	case w.text != nil:
		rows, err = db.textFindings(ctx, tenantID, w, sort, cursor, limit+1)
	case w.search != nil:
		w.plain = plus(w.plain, after...)
		rows, err = db.searchFindings(ctx, w, sort, limit+1)
	default:
		q := db.gorm.WithContext(ctx).Model(&findingRow{}).Select(findingColumns)
		for _, c := range plus(w.plain, after...) {
			q = q.Where(c.sql, c.args...)
		}
		err = q.Order(sort.order()).Limit(limit + 1).Find(&rows).Error
	}
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	page := &posture.FindingPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = encodeCursor(name, sort.key(last), last.ID)
	}
	page.Findings = make([]posture.Finding, len(rows))
	for i, r := range rows {
		page.Findings[i] = findingFromRow(r)
	}
	return page, nil
}

// cond is one SQL condition on the findings table (named findings) with its parameters.
type cond struct {
	sql  string
	args []any
}

// plus returns a new slice of cs and more.
func plus(cs []cond, more ...cond) []cond {
	return append(append(make([]cond, 0, len(cs)+len(more)), cs...), more...)
}

// findingWhere is a filter as SQL conditions: plain ones go into one query in the list's
// order; a label search (PostgreSQL) needs searchFindings and free text textFindings,
// because how many findings they match, and where in the order, nobody can tell in advance.
type findingWhere struct {
	plain  []cond
	search *findingSearch
	text   *findingText
	// ordered: the plain conditions are one status and at most a minimum severity, a range
	// of findings_list (which is in the severity order).
	ordered bool
}

// findingSearch holds the conditions of a label search in the two forms searchFindings
// needs: probe tests one finding (its asset looked up by id), and the matching findings are
// the union of sets (each with the plain conditions).
type findingSearch struct {
	probe cond
	sets  []cond
	// assets selects the assets of a label-only search: when they are few, the probe could
	// not fill a page, and searchFindings collects their findings directly.
	assets *cond
}

// findingText is a free-text filter (see textFindings).
type findingText struct {
	pat    string      // LIKE pattern of the text in lower case, its wildcards escaped
	titled []string    // ids of the checks whose title holds the text (FindingFilter.TextChecks)
	label  *labelConds // the label filter given with it, if any
}

// labelConds is a label filter ("key=value" on the finding's asset) in the forms the queries
// need.
type labelConds struct {
	plain  cond // SQLite: a condition of the list query
	assets cond // PostgreSQL: the ids of the assets with the label (the GIN index on labels)
	in     cond // PostgreSQL: the finding's asset is one of them (the set found once)
	of     cond // PostgreSQL: the finding's asset has the label (looked up for each finding)
}

// findingConds turns the filter into conditions. Every user value is a bound parameter.
func (db *DB) findingConds(tenantID int64, f posture.FindingFilter) (findingWhere, error) {
	w := findingWhere{plain: []cond{{"findings.tenant_id = ?", []any{tenantID}}}}
	add := func(sql string, args ...any) { w.plain = append(w.plain, cond{sql, args}) }
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = string(s)
		}
		add("findings.status IN ?", st)
	}
	if f.MinSeverity != nil {
		add("findings.severity >= ?", int(*f.MinSeverity))
	}
	if len(f.CheckIDs) > 0 {
		add("findings.check_id IN ?", f.CheckIDs)
	}
	if f.TargetID != 0 {
		add("findings.target_id = ?", f.TargetID)
	}
	if f.Namespace != "" {
		add("findings.namespace = ?", f.Namespace)
	}
	if f.Owner != "" {
		add("findings.owner = ?", f.Owner)
	}
	if len(f.Triage) > 0 {
		tr := make([]string, len(f.Triage))
		for i, t := range f.Triage {
			if !t.Valid() {
				return w, posture.Errorf(posture.EINVALID, "unknown triage %q", t)
			}
			tr[i] = string(t)
		}
		add("findings.triage IN ?", tr)
	}
	if f.Assignee != "" {
		// The literal term lets the planner prove the partial index's predicate.
		add("findings.assignee = ? AND findings.assignee <> ''", f.Assignee)
	}
	var label *labelConds
	if f.Label != "" {
		key, value, err := parseLabel(f.Label)
		if err != nil {
			return w, err
		}
		label = &labelConds{}
		if db.dialect != Postgres {
			label.plain = cond{assetIn + `json_extract(a.labels, '$."' || ? || '"') = ?)`, []any{tenantID, key, value}}
		} else {
			// Containment, which the GIN index on labels serves (migration 00006); labels
			// are string to string, so it is the same test as labels ->> key = value.
			doc, _ := json.Marshal(map[string]string{key: value})
			label.assets = cond{`SELECT a.id FROM assets a WHERE a.tenant_id = ? AND a.labels @> CAST(? AS jsonb)`, []any{tenantID, string(doc)}}
			label.in = cond{`findings.asset_id IN (` + label.assets.sql + `)`, label.assets.args}
			label.of = cond{assetOf("a.labels") + ` @> CAST(? AS jsonb)`, []any{string(doc)}}
		}
	}
	w.ordered = len(f.Statuses) == 1 && len(f.CheckIDs) == 0 && f.TargetID == 0 && f.Namespace == "" && f.Owner == "" &&
		len(f.Triage) == 0 && f.Assignee == ""
	if f.Text != "" {
		w.text = &findingText{pat: "%" + likeEscape(strings.ToLower(f.Text)) + "%", titled: f.TextChecks, label: label}
		return w, nil
	}
	if label != nil {
		if db.dialect != Postgres {
			w.plain = append(w.plain, label.plain)
		} else {
			w.search = &findingSearch{probe: label.of, sets: []cond{label.in}, assets: &label.assets}
		}
	}
	return w, nil
}

func or(a, b cond) cond {
	return cond{"(" + a.sql + " OR " + b.sql + ")", append(append([]any{}, a.args...), b.args...)}
}

func and(a, b cond) cond {
	return cond{"(" + a.sql + " AND " + b.sql + ")", append(append([]any{}, a.args...), b.args...)}
}

// assetOf is an expression of the finding's asset: one index lookup per finding, which for
// the probe's few thousand findings is cheaper than collecting every matching asset first.
func assetOf(expr string) string {
	return `(SELECT ` + expr + ` FROM assets a WHERE a.tenant_id = findings.tenant_id AND a.id = findings.asset_id)`
}

// assetIn opens a condition on the finding's asset (tenant id, then the condition's
// parameters; the caller appends "<condition>)"). It is not correlated: the matching assets
// are found once, and each finding is a hash probe, where a per-finding lookup would cost
// one index search for each of hundreds of thousands.
const assetIn = `findings.asset_id IN (SELECT a.id FROM assets a WHERE a.tenant_id = ? AND `

// searchProbe is how many findings, in the list's order, a label search looks through at most
// before collecting its matches instead (it stops at a full page): enough for matches of
// 0.5 % of the findings, or that start after the few critical ones.
const searchProbe = 10_000

// fewAssets is how many assets a label may match for their findings (some 10,000 at most, at
// ten an asset) to be collected at once, without a probe that would seldom fill a page. A
// variable for tests.
var fewAssets = 1000

// searchFindings lists the findings that match a label (PostgreSQL).
//
// No index serves both such a condition and the list's order, and the planner cannot tell
// how many findings match, or where in the order they are: a tier's label matches a quarter
// of the findings, an application's a handful. Walking the order and testing every finding
// is fast for the first kind only; collecting the matches by index and sorting them is fast
// for the second kind only. So:
//
//  1. probe: the first searchProbe findings of the order (the other conditions applied, by
//     their index) are tested; when they hold a full page, it is the answer. A label that
//     matches at most fewAssets assets (read through the index) skips this step;
//  2. otherwise the matching findings are collected through the asset index, only their ids
//     and sort keys, and the page is the first of them in order.
func (db *DB) searchFindings(ctx context.Context, w findingWhere, sort findingSort, n int) ([]findingRow, error) {
	plainSQL, plainArgs := joinConds(w.plain)
	order := sort.order()
	var rows []findingRow
	sets := w.search.sets
	if ids, few, err := fewAssetsOf(db.gorm.WithContext(ctx), w.search.assets); err != nil {
		return nil, err
	} else if few {
		sets = []cond{{"findings.asset_id IN ?", []any{ids}}}
		if len(ids) == 0 {
			return nil, nil
		}
	} else {
		if rows, err = db.probe(ctx, w.plain, searchProbe, w.search.probe, sort, n); err != nil {
			return nil, err
		}
		if len(rows) == n {
			return rows, nil
		}
	}
	var union []string
	var args []any
	for _, set := range sets {
		union = append(union, `SELECT findings.id, findings.`+sort.column+` AS k FROM findings WHERE `+plainSQL+` AND `+set.sql)
		args = append(append(args, plainArgs...), set.args...)
	}
	dir := "ASC"
	if sort.desc {
		dir = "DESC"
	}
	tenantID := w.plain[0].args[0]
	q := `WITH m AS MATERIALIZED (` + strings.Join(union, " UNION ") + `) SELECT ` + findingColumns +
		` FROM findings WHERE findings.tenant_id = ? AND findings.id IN (SELECT m.id FROM m ORDER BY m.k ` + dir + `, m.id ` + dir +
		` LIMIT ?) ORDER BY ` + order + ` LIMIT ?`
	rows = nil
	if err := db.gorm.WithContext(ctx).Raw(q, append(args, tenantID, n, n)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}

// probe returns the first n findings, in the list's order, that pass test among the first
// depth findings that the conditions select (read in order through their index).
func (db *DB) probe(ctx context.Context, conds []cond, depth int, test cond, sort findingSort, n int) ([]findingRow, error) {
	sql, args := joinConds(conds)
	order := sort.order()
	q := `SELECT ` + findingColumns + ` FROM (SELECT * FROM findings WHERE ` + sql + ` ORDER BY ` + order +
		` LIMIT ?) AS findings WHERE ` + test.sql + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(append(append(args, depth), test.args...), n)
	var rows []findingRow
	if err := db.gorm.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return rows, nil
}

// fewAssetsOf reads the assets a label selects (assets; nil: no label) and reports whether
// they are at most fewAssets, returning their ids when they are.
func fewAssetsOf(q *gorm.DB, assets *cond) ([]int64, bool, error) {
	if assets == nil {
		return nil, false, nil
	}
	var ids []int64
	if err := q.Raw(assets.sql+` LIMIT ?`, append(append([]any{}, assets.args...), fewAssets+1)...).Scan(&ids).Error; err != nil {
		return nil, false, err
	}
	if len(ids) > fewAssets {
		return nil, false, nil
	}
	return ids, true, nil
}

func joinConds(cs []cond) (string, []any) {
	var sqls []string
	var args []any
	for _, c := range cs {
		sqls = append(sqls, "("+c.sql+")")
		args = append(args, c.args...)
	}
	return strings.Join(sqls, " AND "), args
}

// labelKeyRE is a Kubernetes label key: an optional DNS-subdomain prefix and "/", then a name
// of up to 63 alphanumerics, dashes, underscores and dots, alphanumeric at both ends.
var labelKeyRE = regexp.MustCompile(`^(?:([a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)/)?` +
	`[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)

// parseLabel splits "key=value". The value may be anything (it is only ever compared), but
// the key must be a label key.
func parseLabel(s string) (string, string, error) {
	key, value, ok := strings.Cut(s, "=")
	m := labelKeyRE.FindStringSubmatch(key)
	if !ok || m == nil || len(m[1]) > 253 {
		return "", "", posture.Errorf(posture.EINVALID, "label filter must be key=value with a Kubernetes label key")
	}
	if len(value) > 256 {
		return "", "", posture.Errorf(posture.EINVALID, "label value must be at most 256 characters")
	}
	return key, value, nil
}

// Finding reads one finding of a tenant.
func (db *DB) Finding(ctx context.Context, tenantID, id int64) (*posture.Finding, error) {
	var row findingRow
	if err := db.gorm.WithContext(ctx).Select(findingColumns).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&row).Error; err != nil {
		return nil, notFound(err, "finding")
	}
	f := findingFromRow(row)
	return &f, nil
}

// FindingEvents returns a finding's history, oldest first.
func (db *DB) FindingEvents(ctx context.Context, tenantID, findingID int64) ([]posture.FindingEvent, error) {
	if _, err := db.Finding(ctx, tenantID, findingID); err != nil {
		return nil, err
	}
	var rows []findingEventRow
	if err := db.gorm.WithContext(ctx).Where("tenant_id = ? AND finding_id = ?", tenantID, findingID).
		Order("at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]posture.FindingEvent, len(rows))
	for i, r := range rows {
		out[i] = posture.FindingEvent{ID: r.ID, TenantID: r.TenantID, FindingID: r.FindingID, RunID: r.RunID,
			Kind: posture.FindingEventKind(r.Kind), Actor: r.Actor, Note: r.Note, At: r.At}
	}
	return out, nil
}
