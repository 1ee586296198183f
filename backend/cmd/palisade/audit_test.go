package main

import (
	"context"
	"encoding/json"
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
