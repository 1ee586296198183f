package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/store"
	"github.com/palisade-dev/palisade/backend/store/storetest"
)

// `palisade audit verify` passes on an intact chain and exits 1, naming the entry, when a
// row is changed directly in the database; `audit export` writes JSON Lines.
func TestIntegrationAuditVerifyAndExport(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			vars := sqliteEnv(t)
			if d == store.Postgres {
				vars = []string{"PALISADE_DATABASE_DRIVER=postgres", "PALISADE_DATABASE_DSN=" + storetest.DSN(t)}
			}
			if r := palisade(t, vars, "migrate", "up"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			db := openFromVars(t, vars)
			ctx := context.Background()
			for _, action := range []string{"login", "target.create", "finding.status"} {
				if err := db.Append(ctx, &posture.AuditEntry{Actor: "alice", Action: action, Object: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			if r := palisade(t, vars, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "intact") {
				t.Fatalf("intact chain: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
			r := palisade(t, vars, "audit", "export")
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if r.code != 0 || len(lines) != 3 {
				t.Fatalf("export: exit %d, %d lines", r.code, len(lines))
			}
			var first auditLine
			if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Action != "login" || first.Hash == "" {
				t.Fatalf("first line %q: %v", lines[0], err)
			}
			if err := db.Exec(ctx, "UPDATE audit_log SET actor = 'mallory' WHERE action = 'target.create'"); err != nil {
				t.Fatal(err)
			}
			r = palisade(t, vars, "audit", "verify")
			if r.code != 1 || !strings.Contains(r.stderr, "broken at entry 2") {
				t.Fatalf("tampered chain: exit %d, stderr %q; want exit 1 naming entry 2", r.code, r.stderr)
			}
		})
	}
}

// TestIntegrationAuditDetectsDeletedEntries: deleting the newest entries is caught by the
// id gap once another entry follows, and at once by the head kept outside the database.
func TestIntegrationAuditDetectsDeletedEntries(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			vars := sqliteEnv(t)
			if d == store.Postgres {
				vars = []string{"PALISADE_DATABASE_DRIVER=postgres", "PALISADE_DATABASE_DSN=" + storetest.DSN(t)}
			}
			if r := palisade(t, vars, "migrate", "up"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			db := openFromVars(t, vars)
			ctx := context.Background()
			appendN := func(n int) {
				for i := 0; i < n; i++ {
					if err := db.Append(ctx, &posture.AuditEntry{Actor: "alice", Action: "finding.triage", Object: "x"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			appendN(4)
			r := palisade(t, vars, "audit", "verify")
			head := regexp.MustCompile(`head: (\d+:[0-9a-f]{64})`).FindStringSubmatch(r.stdout)
			if r.code != 0 || head == nil || !strings.HasPrefix(head[1], "4:") {
				t.Fatalf("verify: exit %d, %q", r.code, r.stdout)
			}
			// Remove the two newest entries: the remaining chain is consistent...
			if err := db.Exec(ctx, "DELETE FROM audit_log WHERE id > 2"); err != nil {
				t.Fatal(err)
			}
			if r := palisade(t, vars, "audit", "verify"); r.code != 0 {
				t.Fatalf("a consistent prefix: exit %d %q", r.code, r.stderr)
			}
			// ...but not against the head recorded earlier,
			r = palisade(t, vars, "audit", "verify", "--expect-head", head[1])
			if r.code != 1 || !strings.Contains(r.stderr, "entry 4") || !strings.Contains(r.stderr, "deleted") {
				t.Fatalf("against the old head: exit %d, %q", r.code, r.stderr)
			}
			// and the next entry appended after the deletion shows the gap.
			appendN(1)
			r = palisade(t, vars, "audit", "verify")
			if r.code != 1 || !strings.Contains(r.stderr, "entries 3 to 4 are missing") {
				t.Fatalf("after a new entry: exit %d, %q", r.code, r.stderr)
			}
			if r := palisade(t, vars, "audit", "verify", "--expect-head", "nonsense"); r.code != 2 {
				t.Fatalf("malformed --expect-head: exit %d", r.code)
			}
		})
	}
}

// openFromVars opens the database a test's PALISADE_* variables name.
func openFromVars(t *testing.T, vars []string) *store.DB {
	t.Helper()
	o := store.Options{Driver: store.SQLite}
	for _, v := range vars {
		k, val, _ := strings.Cut(v, "=")
		switch k {
		case "PALISADE_DATABASE_DRIVER":
			o.Driver = val
		case "PALISADE_DATABASE_DSN":
			o.DSN = val
		}
	}
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
