package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/vulns"
)

// VulnQuery, VulnRow and VulnPage are the vulnerability service's.
type (
	VulnQuery = vulns.VulnQuery
	VulnRow   = vulns.VulnRow
	VulnPage  = vulns.VulnPage
)

func encodeVulnCursor(r VulnRow) string {
	raw := strings.Join([]string{strconv.Itoa(r.Severity), r.AdvisoryID, r.Digest, r.Component}, "\x00")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeVulnCursor(c string) (int, []string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(raw), "\x00")
	if err != nil || len(parts) != 4 {
		return 0, nil, posture.Errorf(posture.EINVALID, "invalid cursor")
	}
	sev, err := strconv.Atoi(parts[0])
	if err != nil {
		return 0, nil, posture.Errorf(posture.EINVALID, "invalid cursor")
	}
	return sev, parts[1:], nil
}

// vulnOrder is the list's order, worst first. Severity is negated so that the whole key
// ascends: a cursor is then one row comparison, which the image_vulns_list index (on
// -severity) answers as a range, where "severity below, or equal and after" scanned the
// index from its start to reach a deep page.
const vulnOrder = "-iv.severity, iv.advisory_id, iv.digest, iv.component"

// ListImageVulns lists a tenant's image vulnerabilities, worst first (severity, then
// advisory, image and package), a page at a time.
func (db *DB) ListImageVulns(ctx context.Context, tenantID int64, q VulnQuery) (VulnPage, error) {
	var page VulnPage
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	vex, err := db.vexScopeOf(ctx, tenantID, db.now().UTC())
	if err != nil {
		return page, err
	}
	notAffected, vexArgs := vex.condition()
	w, none, err := db.vulnWhere(ctx, tenantID, q)
	if err != nil || none {
		return page, err
	}
	if !q.NotAffected && notAffected != "" {
		w.add("NOT "+notAffected, vexArgs...)
	}
	if q.Cursor != "" {
		sev, rest, err := decodeVulnCursor(q.Cursor)
		if err != nil {
			return page, err
		}
		// The first condition, implied by the second, is the range SQLite can use: it
		// does not take a row comparison on an expression index as one.
		w.add("-iv.severity >= ? AND (-iv.severity, iv.advisory_id, iv.digest, iv.component) > (?, ?, ?, ?)",
			-sev, -sev, rest[0], rest[1], rest[2])
	}
	rows, err := db.vulnRows(ctx, w, notAffected, vexArgs, limit+1)
	if err != nil {
		return page, err
	}
	for _, r := range rows {
		v := VulnRow{Digest: r.Digest, Registry: r.Registry, Repository: r.Repository, AdvisoryID: r.AdvisoryID, Component: r.Component,
			Installed: r.Installed, Fixed: r.Fixed, Severity: r.Severity, CVSS: r.Cvss, CVSSVector: r.CvssVector, Summary: r.Summary,
			Published: r.Published, FirstSeenAt: r.FirstSeenAt, NotAffected: r.NotAffectedI == 1}
		_ = json.Unmarshal([]byte(r.Aliases), &v.Aliases)
		page.Items = append(page.Items, v)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = encodeVulnCursor(page.Items[limit-1])
	}
	return page, db.countRunning(ctx, tenantID, page.Items)
}

// vulnListRow is a row of the vulnerability list query.
type vulnListRow struct {
	Digest, Registry, Repository, AdvisoryID, Component, Installed, Fixed string
	Severity                                                              int
	Cvss                                                                  float64
	CvssVector, Summary, Aliases                                          string
	Published                                                             *time.Time
	FirstSeenAt                                                           time.Time
	NotAffectedI                                                          int
}

// vulnConds are the list's conditions on image_vulns (alias iv), as SQL.
type vulnConds struct {
	conds []string
	args  []any
	// narrow: the conditions keep few rows (one image, a few advisories, a few images)
	// that lie apart in the list's order. Walking the list index in order for them is
	// PostgreSQL's choice under a LIMIT (it takes matches to be spread evenly; an
	// advisory's rows are together, deep in the index), and cost seconds at 1,000,000
	// rows: such rows are selected first, then sorted.
	narrow bool
}

func (w *vulnConds) add(cond string, args ...any) {
	w.conds, w.args = append(w.conds, cond), append(w.args, args...)
}

// maxListedDigests bounds the digests of running images written into the query; more
// are selected by a subquery. narrowDigests is how few make the selection narrow.
const (
	maxListedDigests = 500
	narrowDigests    = 16
)

// vulnWhere builds the filters' conditions; none is true when nothing can match.
func (db *DB) vulnWhere(ctx context.Context, tenantID int64, q VulnQuery) (w *vulnConds, none bool, err error) {
	w = &vulnConds{}
	w.add("iv.tenant_id = ?", tenantID)
	if q.MinSeverity > 0 {
		w.add("iv.severity >= ?", q.MinSeverity)
	}
	if q.Fixable != nil && *q.Fixable {
		w.add("iv.fixed <> ''")
	} else if q.Fixable != nil {
		w.add("iv.fixed = ''")
	}
	if q.Package != "" {
		w.add("iv.component = ?", q.Package) // image_vulns_component keeps them in order
	}
	if q.AdvisoryIDs != nil {
		w.add("iv.advisory_id IN ?", append(q.AdvisoryIDs, ""))
		w.narrow = true
	}
	if q.Digest != "" {
		w.add("iv.digest = ?", q.Digest)
		w.narrow = true
	}
	if q.Namespace == "" && q.Workload == "" && q.TargetID == 0 {
		return w, false, nil
	}
	// The running images are read first: as a subquery correlated with the row
	// (u.tenant_id = iv.tenant_id), image_usages was scanned for every row the list index
	// visited; and written as digests, PostgreSQL estimates how many rows they hold.
	sub, args := runningDigestsQuery(tenantID, q)
	var digests []string
	if err := db.gorm.WithContext(ctx).Raw(sub+" LIMIT ?", append(args, maxListedDigests+1)...).Scan(&digests).Error; err != nil {
		return nil, false, err
	}
	switch {
	case len(digests) == 0:
		return w, true, nil
	case len(digests) > maxListedDigests:
		w.add("iv.digest IN ("+sub+")", args...)
	default:
		w.add("iv.digest IN ?", digests)
		w.narrow = w.narrow || len(digests) <= narrowDigests
	}
	return w, false, nil
}

// runningDigestsQuery selects the digests of the images that run where q says.
func runningDigestsQuery(tenantID int64, q VulnQuery) (string, []any) {
	sub := "SELECT DISTINCT u.digest FROM image_usages u WHERE u.tenant_id = ?"
	args := []any{tenantID}
	if q.Namespace != "" {
		sub += " AND u.namespace = ?"
		args = append(args, q.Namespace)
	}
	if q.Workload != "" {
		sub += " AND u.workload = ?"
		args = append(args, q.Workload)
	}
	if q.TargetID != 0 {
		sub += " AND u.target_id = ?"
		args = append(args, q.TargetID)
	}
	return sub, args
}

// vulnRows runs the list query: the rows w selects with their advisory and image names,
// and whether a statement (notAffected) covers them.
//
// The page's keys are found first, alone, then the page's rows are read with their
// advisory and image: every column the filters, the VEX condition, the order and the
// cursor read is in image_vulns_list (and image_vulns_advisory), so PostgreSQL walks the
// index without visiting the table (an index-only scan). A filter that keeps one row in a
// hundred (a namespace) walked the index and fetched every row it passed from the table,
// about 5 µs each: 600 ms at 1,000,000 rows.
func (db *DB) vulnRows(ctx context.Context, w *vulnConds, notAffected string, vexArgs []any, limit int) ([]vulnListRow, error) {
	flag, args := "0", []any{}
	if notAffected != "" {
		flag, args = "CASE WHEN "+notAffected+" THEN 1 ELSE 0 END", append(args, vexArgs...)
	}
	keys := "SELECT iv.tenant_id, iv.digest, iv.advisory_id, iv.component, iv.severity FROM image_vulns iv WHERE " +
		strings.Join(w.conds, " AND ")
	if w.narrow {
		// A subquery PostgreSQL must not pull up (OFFSET 0) and SQLite must not flatten
		// (LIMIT in both queries): the keys are selected by the filters' indexes, then
		// sorted, never found by walking the list index in order.
		fence := " OFFSET 0"
		if db.dialect == SQLite {
			fence = " LIMIT -1 OFFSET 0"
		}
		keys = "SELECT iv.tenant_id, iv.digest, iv.advisory_id, iv.component FROM (" + keys + fence + ") iv"
	}
	args = append(append(args, w.args...), limit, limit)
	query := `SELECT iv.digest, iv.advisory_id, iv.component, iv.installed, iv.fixed, iv.severity, iv.cvss, iv.first_seen_at,
		a.cvss_vector, a.summary, a.aliases, a.published,
		COALESCE(f.registry, '') AS registry, COALESCE(f.repository, '') AS repository, ` + flag + ` AS not_affected_i
		FROM (` + keys + ` ORDER BY ` + vulnOrder + ` LIMIT ?) k
		JOIN image_vulns iv ON iv.tenant_id = k.tenant_id AND iv.digest = k.digest AND iv.advisory_id = k.advisory_id
		AND iv.component = k.component
		JOIN advisories a ON a.id = iv.advisory_id
		LEFT JOIN image_facts f ON f.tenant_id = iv.tenant_id AND f.digest = iv.digest
		ORDER BY ` + vulnOrder + ` LIMIT ?`
	var rows []vulnListRow
	err := db.quickRead(ctx, func(tx *gorm.DB) error { return tx.Raw(query, args...).Scan(&rows).Error })
	return rows, err
}

// quickRead runs a query that reads a page (a LIMIT of rows) in a read-only transaction,
// on PostgreSQL without parallel workers or JIT compilation: the plans' costs count the
// whole index walk the LIMIT cuts short, which is enough to start two workers, whose
// start-up took up to 150 ms on the 2-core benchmark machine, for a query that runs in 20.
func (db *DB) quickRead(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.dialect != Postgres {
		return fn(db.gorm.WithContext(ctx))
	}
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off").Error; err != nil {
			return err
		}
		return fn(tx)
	}, &sql.TxOptions{ReadOnly: true})
}

// countRunning fills in how many containers run each listed image.
func (db *DB) countRunning(ctx context.Context, tenantID int64, items []VulnRow) error {
	if len(items) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var digests []string
	for _, v := range items {
		if !seen[v.Digest] {
			seen[v.Digest] = true
			digests = append(digests, v.Digest)
		}
	}
	counts, err := db.ImageUsageCounts(ctx, tenantID, digests)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].RunningIn = counts[items[i].Digest]
	}
	return nil
}
