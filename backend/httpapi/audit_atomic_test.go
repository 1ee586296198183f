package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// auditedAfterTheFact are the writing routes whose entry is appended after the action,
// because the action stores nothing a transaction could hold: a test message is sent, not
// stored, and a token's session end is refused.
var auditedAfterTheFact = []string{"POST /api/v1/tenants/:tenant/channels/:id/test", "DELETE /api/v1/session"}

// Every change through the API is committed with its audit entry or not at all: when the
// audit log refuses the entry, the request fails and the database is exactly as before (on
// both dialects); when it takes it, the entry is there.
func TestIntegrationChangesAndTheirAuditEntriesAreOneTransaction(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			for _, ec := range append(endpointTable(), clusterTargetCase()) {
				name := ec.method + " " + ec.route
				if !ec.writes || slices.Contains(auditedAfterTheFact, name) {
					continue
				}
				t.Run(name, func(t *testing.T) {
					f := newFixture(t, dialect)
					admin := f.Acme.Tokens[posture.RoleAdmin]
					// Authenticating stamps the token's last use: done once before the snapshot.
					if w := f.call(t, admin, "GET", "/api/v1/session", ""); w.Code != 200 {
						t.Fatalf("session: %d", w.Code)
					}
					waitTokenUsed(t, f, f.Acme.Tenant.ID, "test-admin")
					before := snapshot(t, f.DB)
					refuseAuditEntries(t, f.DB)
					w := f.call(t, admin, ec.method, ec.path(f.Acme), bodyOf(ec, f))
					if w.Code < 500 {
						t.Fatalf("with the audit log refusing entries: %d %.300s, want a 5xx", w.Code, w.Body.String())
					}
					if after := snapshot(t, f.DB); after != before {
						t.Fatalf("the change was made without its audit entry:\n%s", diffLines(before, after))
					}

					must(t, f.DB.Exec(context.Background(), "DROP TRIGGER audit_unavailable"+onAuditLog(f.DB)))
					entries := auditCount(t, f.DB)
					if w := f.call(t, admin, ec.method, ec.path(f.Acme), bodyOf(ec, f)); w.Code != ec.want {
						t.Fatalf("with the audit log back: %d %.300s, want %d", w.Code, w.Body.String(), ec.want)
					}
					if got := auditCount(t, f.DB); got != entries+1 {
						t.Fatalf("audit entries went from %d to %d, want one more", entries, got)
					}
				})
			}
		})
	}
}

// clusterTargetCase creates a target with credentials, which are sealed to the new row's id
// within the creating transaction.
func clusterTargetCase() endpointCase {
	kubeconfig := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://k8s.example.com:6443", certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=}}]
users: [{name: u, user: {token: a-service-account-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	return endpointCase{method: "POST", route: "/api/v1/tenants/:tenant/targets", allowed: "AO", want: 201, writes: true,
		path: p("/targets"), body: body(`{"name":"prod","kind":"cluster","credentials":` + jsonQuote(kubeconfig) + `}`)}
}

// refuseAuditEntries makes every insert into the audit log fail, as a full disk or a lost
// connection would at the moment of the entry.
func refuseAuditEntries(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == store.Postgres {
		must(t, db.Exec(ctx, `CREATE OR REPLACE FUNCTION audit_unavailable() RETURNS trigger LANGUAGE plpgsql AS
 $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$`))
		must(t, db.Exec(ctx, `CREATE TRIGGER audit_unavailable BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_unavailable()`))
		return
	}
	must(t, db.Exec(ctx, `CREATE TRIGGER audit_unavailable BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`))
}

func onAuditLog(db *store.DB) string {
	if db.Dialect() == store.Postgres {
		return " ON audit_log"
	}
	return ""
}

func auditCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	must(t, db.SQL().QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&n))
	return n
}

// snapshot renders every row of every table of the schema, sorted: two snapshots are equal
// when nothing was written.
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if db.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`
	}
	rows, err := db.SQL().Query(q)
	must(t, err)
	var tables []string
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	must(t, rows.Err())
	rows.Close()
	var out []string
	for _, table := range tables {
		out = append(out, dumpTable(t, db.SQL(), table)...)
	}
	return strings.Join(out, "\n")
}

func dumpTable(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	must(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	must(t, err)
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		var b strings.Builder
		b.WriteString(table)
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, " %s=%v", cols[i], v)
		}
		lines = append(lines, b.String())
	}
	must(t, rows.Err())
	slices.Sort(lines)
	return lines
}

// diffLines lists the lines only one of two snapshots has.
func diffLines(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for l := range ma {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range mb {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	slices.Sort(out)
	if len(out) > 20 {
		out = append(out[:20], "...")
	}
	return strings.Join(out, "\n")
}
